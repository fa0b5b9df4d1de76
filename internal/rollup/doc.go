// Package rollup owns the pre-aggregated rollups of the analytics: which
// rollups exist (rollup_runs), whether one may answer a request, and their
// building and refreshing.
//
// A rollup is keyed by DESIGN.md's parameters (asOf, horizon H, retirement
// age A), with essential links only (includeOptional = false). It holds what
// the slow requests need at national scale: each pole's skill and role
// figures, its members' company-scope role gaps and its (department, skill)
// opportunities (package analytics), and every territorial aggregate cell
// without a pole scope with what secrecy needs of it (package aggregates).
// Those packages own the SQL that fills and reads their tables; this one
// only runs it, as Builders. The pole figures with includeProjects go to a
// second run of the same key (ProjectsRun, FreshWithProjects), built in the
// same transaction: stale and replaced with the first.
//
// # Correct after writes, part by part
//
// A rollup is made of parts (migration 0015): one per pole (PolePart: its
// pole figures, in both runs) and one per dimension of the territorial
// aggregate cells (under AggregatesPart). Triggers on every table the figures read record, in
// the writer's transaction, which parts a statement changes and from which
// asOf on (rollup_changes): a company's rows change the poles it belongs
// to and the aggregates; a pole's own rows (memberships, projects) that
// pole; a dated assessment or need only the rollups of its date and later;
// the referential, the training offer and bulk statements (over 200,000
// rows) every part ('*'). Each change carries its transaction's id and each
// part the snapshot it was built from (REPEATABLE READ: every builder reads
// that snapshot), and a part answers while every change of its scope is
// visible in its snapshot (rollup_part_fresh): a write that commits during
// a build leaves the part it touches stale, whatever the order of commits.
// Requests read a pole's figures from its part when it is fresh
// (FreshParts) and compute that pole from the data otherwise; the answers
// of both paths are the same (the tests of analytics and aggregates compare
// them on random data, also after a write and a partial rebuild).
//
// The Refresher rebuilds only the stale parts, each in its own transaction
// (Rebuild), so that a company's import makes its poles' parts and the
// aggregates stale for the time of their rebuild while every other pole
// keeps reading its part; a rollup whose every part is stale is rebuilt
// whole (Build).
//
// A pole's part is rebuilt by company when it can be (migration 0016): the
// changes of a company's own rows also record that company, and a builder
// asks CompanyChanges which companies' writes its part's snapshot missed;
// when they are a few (MaxIncrementalCompanies) and nothing else changed
// the part (its memberships or projects, the referential, a bulk
// statement), package analytics recomputes only those companies' figures
// and derives the pole's from the figures it kept of the others, which
// that snapshot had seen unchanged. The territorial aggregates do the same
// per dimension (migration 0019): package aggregates keeps each company's
// contributions and sums again only the cells those companies can change.
// The snapshot contract is the same: a write committed during the rebuild
// is not listed, and leaves the part stale. Builds hold a session advisory lock taken before their
// transaction begins, so that a build's snapshot sees every earlier build,
// which lets each build prune the changes every part has seen.
//
// # When rollups are built
//
// The Refresher builds the keys of DefaultKeys — today's date, the default
// retirement age, and the horizons a pole would ask for (the years of
// declared needs from this year on and this year + 3), and each campaign's
// reference date at its horizons and at year + 3 (a pole's campaign figures
// and its trend over its campaigns; the latest campaigns first, at most
// Refresher.MaxCampaignKeys) — when they are missing or stale: at start,
// after writes, and when the date changes (the server polls every second).
// Today's keys are built whole; a campaign's key holds only the parts of
// the poles whose campaigns have that date (BuildParts), because nothing
// else asks for it: opening a campaign costs one pole's build (seconds at
// national scale) instead of every pole's and the territorial cells'
// (minutes), and the territorial aggregates of past dates compute from the
// data. A build drops the rollups of earlier dates, except campaigns'
// reference dates. `gpec rollup` does it once, for cron jobs and
// benchmarks. A PostgreSQL advisory lock lets one instance build at a time.
package rollup
