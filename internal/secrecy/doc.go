// Package secrecy owns the statistical secrecy of territorial aggregates
// (DESIGN.md, "Statistical secrecy"): given who contributes what to each cell
// of a territory × dimension table, it computes the margins and decides which
// figure sets an observatory may see. It knows nothing of the database or of
// GraphQL; callers build the contributions, call Apply once per response and
// null every figure of a suppressed cell.
//
// # The table
//
// Rows are territories, columns are the values of one dimension, both
// identified by a code string that must be unique within the table (a caller
// mixing territory levels encodes the level in the code). A cell exists when
// at least one company contributes to it; a company contributes when it has an
// active employee or a declared need in the cell, so its headcount there may
// be 0. Apply adds the margins: each row total, each column total and the
// grand total. A margin's companies are the union of its cells' companies,
// each contributing the sum of its headcounts in those cells. A margin is a
// cell like the others and follows the same rules.
//
// Cells that no company contributes to are not in the Table. Their figures are
// zero and say nothing about any company, so secrecy assumes everyone knows
// them: they are members of no equation, and a row with one suppressed cell
// beside empty ones still suppresses a second member. Callers omit them (or,
// on a full grid, show them as the literal rule would: suppressed, FREQUENCY;
// either is safe because nothing relies on their being hidden).
//
// # Primary secrecy
//
// A cell is suppressed with reason FREQUENCY when it has fewer than
// Rules.MinCompanies distinct companies (default 3), otherwise with reason
// DOMINANCE when one company contributes more than Rules.MaxShare of its
// headcount (default 0.85; exactly 85 % is published). When the cell's
// headcount is 0 no company can contribute more than a share of it, so only
// the frequency rule applies. The share is compared in exact integer
// arithmetic, MaxShare being taken to the millionth, so that 17 out of 20 is
// exactly 85 % and never a rounding error.
//
// # Secondary secrecy
//
// The published figures are tied by equations, each a group of members: (a)
// a row's cells with the row total, (b) a column's cells with the column
// total, (c) the row totals with the grand total, (d) the column totals with
// the grand total. A group with exactly one suppressed member suppresses a
// second one, reason SECONDARY: among the group's published members, the one
// with the fewest companies, then the smallest headcount, then the lowest
// code, a total sorting after every code. Groups are visited rows first (by
// territory code), then columns (by dimension code), then (c), then (d), and
// a suppression takes effect at once for the groups visited after it. Passes
// repeat until one changes nothing. Each changing pass suppresses at least
// one more cell, so there are at most (number of cells + 1) passes. Codes
// compare as Go strings (byte-wise), so results never depend on map order.
//
// # Degenerate tables
//
// Nothing is special-cased; the rules above already keep equal figures
// consistent. When a row has a single cell (always so with no dimension:
// callers put every contribution in one column, e.g. code ""), the cell and
// its row total have the same companies and headcount, hence the same primary
// outcome, and they form a two-member group, so secondary secrecy never
// leaves one suppressed and the other published: they end with the same
// Suppressed and Reason. The same holds for a column with a single cell and
// its column total, for a single-row table's row total and the grand total,
// and for a single-column table's column total and the grand total. With no
// dimension a caller may therefore publish the row totals and the grand total
// only. A table without any contribution has no rows, no columns and a grand
// total of 0 companies, suppressed FREQUENCY when secrecy is enforced.
//
// # Limits
//
// DESIGN.md's rule, applied as written here, counts suppressed members one
// equation at a time. Combining equations can still recover a value in some
// tables: with row 11 holding the only cells of columns a and b, all
// suppressed, and column c's total and the grand total published, row 11's
// total is the grand total minus column c's total (TestSecondary,
// "CombinedEquationsLimit"; about 1 % of the random tables of the property
// tests). Non-negativity also bounds values: a published total of headcount 0
// says its suppressed members are 0.
//
// These limits are why observatories no longer read live tables: they read
// releases, protected as a whole (below).
//
// # Releases: linked tables protected as a whole
//
// Linked (linked.go) protects every table of a release together. Its cells
// are the release's (territory, dimension, value) keys with their true
// headcount; its relations are what an attacker holding every published
// figure knows: totals equal to the sums of their parts, parts at most their
// total, and Covers (a total at most the sum of its parts). ReleasePrimary
// adds the P_PERCENT rule to FREQUENCY (counted on contributors) and
// DOMINANCE.
//
// The protection requirement (DESIGN.md): for each hidden primary cell of
// value v, the attacker's interval reaches at most v − max(1, ⌈0.15 v⌉) (or
// 0) and at least v + max(1, ⌈0.15 v⌉). A primary cell of value 0 (only
// declared needs, no contributor) holds no company's headcount: it is hidden,
// with every figure, but the audit asks nothing more of it.
//
// Method: optimisation with an audit, the "hide, audit, add" loop of
// τ-ARGUS' and sdcTable's audited methods, with the proofs of the hypercube
// method. The hypercube method protects each cell by a hypercube in one
// table, and HiTaS protects sub-tables one by one, carrying hidden margins
// down the hierarchy; both suit one hierarchical table but neither proves
// anything about the links between tables of several dimensions sharing the
// territories' totals, nor about the inequalities of overlapping dimensions
// (poles, skill categories). Here the proof is the criterion, and a proof is
// an alternative dataset (moves.go): a direction u over hidden cells along
// which the true values can go k units while every relation holds and every
// value stays non-negative. The attacker cannot tell that dataset from the
// truth, so its interval reaches v ± k: the LP's optimum is at least that
// far. A 4-cycle (x+, y−, z−, w+) is the hypercube's corner set; carried down
// the territory tree, across the dimensions sharing a total, and up to
// France, it is what findMove searches, guided by the caller's scopes (for a
// release: a department with a sibling, a region with a sibling and one
// department of each, the chain to France).
//
// Protect hides the primary cells, then, for each primary cell of positive
// value (largest first) and each side, looks for a move of hidden cells
// reaching the requirement; when there is none it hides the published
// cells of the cheapest move found, and when no move exists at all the
// cheapest published member of the cell's relations. A published cell
// costs its value plus one (few cells, little headcount) times its Weight:
// as τ-ARGUS' and HiTaS' hierarchical methods weight a table's levels, a
// release weights France's total 10,000, France's cells 100 and regions'
// totals 10, so that a move through France is chosen only when the search
// finds none below it; a move hiding a weighted cell makes Protect search
// longer first. The scopes then route protection through siblings and
// cousins (a department with a department of another region, through both
// regions, France unchanged: all a department alone in its region has).
//
// Every move found joins a pool (moves.go), and a side of a cell is proven
// by any move of the pool holding the cell, as far as the move's room times
// the cell's coefficient: a department total's move carries its skill
// categories. A move of hidden cells stays one whatever is hidden later, so
// the pool makes the proof monotone in the hidden set and the passes
// converge; a bounded search alone is not monotone (more hidden cells change
// the branches it explores within its budget, and a proof found in one pass
// was missed in the next, which hid more and more cells). Protect then runs
// the audit, which starts from an empty pool as the audit of the stored
// release does, and protects again only the sides it cannot prove, until it
// proves them all.
//
// Audit: for each hidden primary cell, the same search, with the audit's
// own pool of the moves it found (so the stored release's audit finds the
// proofs Protect's last pass found); for components of hidden
// cells of at most MaxLP cells, the exact bounds by linear programming
// (gonum's simplex) over every relation of the component, published cells
// being constants; for a side neither proves, LPs over growing
// neighbourhoods of the cell, the other hidden cells held at their true
// values (which can only narrow the interval, so a side reaching far enough
// there reaches far enough in the release). A side still unproven counts as
// a violation. Bounds are rounded inward to integers (the attacker knows the
// values are integers; the LP relaxation is what statistical offices audit
// with).
//
// On the seeds' releases (June 2026), the former loop, which proved sides by
// neighbourhood LPs only, hid every cell; with moves, the small seed (1,414
// keys, 83 % primary) hid 89 % of its cells and 59 % of its headcount, the
// medium one (6,494 keys, 57 % primary) 65 % and 33 %, both with France's
// total among them. With weights, cousins and the pool, France's total is
// published in both, and the hidden headcount is 51 % and 13 %; at
// national (47,196 cells) France's total is published and 4.8 % of the
// headcount hidden (12.2 % before).
//
// # Without secrecy
//
// Apply with enforce false computes the same table and margins and publishes
// everything, so callers with unsuppressed access (pole managers,
// administrators) and observatories share one code path.
package secrecy
