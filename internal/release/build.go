package release

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/secrecy"
)

// Progress hears of a build's steps: done of total, and what it did.
type Progress func(done, total int, step string)

// Options tune a build.
type Options struct {
	// Rules are the primary thresholds and the protection requirement; the
	// zero value is DESIGN.md's.
	Rules secrecy.ReleaseRules
	// Progress, when set, hears of every step (the command line prints them).
	Progress Progress
}

// cellRow is one row of aggregates.ReleaseCellsSQL.
type cellRow struct {
	Level        string `db:"level"`
	Code         string `db:"code"`
	ParentCode   string `db:"parent_code"`
	Name         string `db:"name"`
	ValueCode    string `db:"value_code"`
	ValueLabel   string `db:"value_label"`
	Contributors int    `db:"contributors"`
	Headcount    int    `db:"headcount"`
	Stayers      int    `db:"stayers"`
	Target       int    `db:"target"`
	Required     int    `db:"required"`
	Qualified    int    `db:"qualified"`
	Largest      int    `db:"largest"`
	Second       int    `db:"second"`
}

// key names a cell of the secrecy pattern: the same at every horizon (the
// headcount, which the rules protect, does not depend on the horizon).
type key struct{ dim, level, code, value string }

// entry is a key's figures: the horizon-free ones, and per horizon the rest.
type entry struct {
	key
	parent, name, label                      string
	contributors, headcount, largest, second int
	byHorizon                                map[int]*cellRow
	reason                                   secrecy.Reason
	suppressed                               bool
}

// buildLockClass is the first key of the advisory lock a build holds on its
// release (the second is the release's id): "rele" in ASCII.
const buildLockClass = int32(0x72656c65)

// ErrBuilding means another session is building the release.
var ErrBuilding = errors.New("release: another session is building it")

// Resume builds again, in the background, every release left BUILDING by a
// process that stopped mid-build (no session holds its build lock): a
// server stopped or restarted while a release built in the background.
// Builds another process runs are left alone (Build's lock). It returns
// the ids resumed; each build's outcome is kept with its release, as
// createRelease's is. done, when set, hears of each build's end.
func Resume(ctx context.Context, db *sqlx.DB, done func(id int64, err error)) ([]int64, error) {
	var ids []int64
	if err := db.SelectContext(ctx, &ids, `
SELECT r.id FROM releases r
WHERE r.status = 'BUILDING'
  AND NOT EXISTS (SELECT 1 FROM pg_locks l
                  WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND l.classid = $1::int::oid AND l.objid = r.id::int::oid AND l.objsubid = 2)
ORDER BY r.id`, buildLockClass); err != nil {
		return nil, fmt.Errorf("release: interrupted builds: %w", err)
	}
	for _, id := range ids {
		go func() {
			// As createRelease's: not cancelled with the server (a build
			// cut by an exit is resumed at the next start).
			err := Build(context.WithoutCancel(ctx), db, id, Options{})
			if done != nil {
				done(id, err)
			}
		}()
	}
	return ids, nil
}

// Build fills release id (status BUILDING) from the data as it is now, then
// audits it: PUBLISHED when the audit passes, FAILED otherwise with the
// reason kept. The cells are computed in one REPEATABLE READ snapshot.
//
// A build holds a session advisory lock on the release for its whole run,
// so that a release left BUILDING by a process that stopped mid-build (a
// server restarted while building in the background) can be told from one
// another process is building: Resume builds the former again. When
// another session holds the lock, Build returns ErrBuilding and changes
// nothing.
func Build(ctx context.Context, db *sqlx.DB, id int64, opt Options) (err error) {
	start := time.Now()
	conn, err := db.Connx(ctx)
	if err != nil {
		return fmt.Errorf("release: connection: %w", err)
	}
	defer conn.Close()
	var locked bool
	if err := conn.GetContext(ctx, &locked, `SELECT pg_try_advisory_lock($1, $2)`, buildLockClass, int32(id)); err != nil {
		return fmt.Errorf("release: lock: %w", err)
	}
	if !locked {
		return ErrBuilding
	}
	defer func() {
		// A fresh context: the lock must go back with the connection even
		// when ctx ended (else the pool would keep it with the connection).
		if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1, $2)`, buildLockClass, int32(id)); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the connection and its lock
		}
	}()
	rel, err := Get(ctx, db, id)
	if err != nil {
		return err
	}
	if rel == nil || rel.Status != Building {
		return domain.Errorf(domain.CodeInvalid, "release %d is not building", id)
	}
	defer func() {
		if err != nil {
			// Best effort: the release says why it failed.
			_, _ = db.ExecContext(context.WithoutCancel(ctx), `UPDATE releases SET status = 'FAILED', failure = $2,
  build_seconds = $3 WHERE id = $1 AND status = 'BUILDING'`, id, truncate(err.Error(), 2000), time.Since(start).Seconds())
		}
	}()
	horizons := rel.Horizons()
	dims := append([]aggregates.Dimension{aggregates.DimensionNone}, Dimensions()...)
	steps := len(horizons)*len(dims) + 4
	done := 0
	step := func(what string) {
		done++
		p := float64(done) / float64(steps)
		if _, err := db.ExecContext(ctx, `UPDATE releases SET progress = $2 WHERE id = $1 AND status = 'BUILDING'`, id, p); err != nil && opt.Progress == nil {
			return
		}
		if opt.Progress != nil {
			opt.Progress(done, steps, what)
		}
	}

	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("release: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// A build is a batch job, like a rollup's (package rollup).
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = '1h'; SET LOCAL work_mem = '256MB'`); err != nil {
		return fmt.Errorf("release: settings: %w", err)
	}
	famDomains, err := familyDomains(ctx, tx)
	if err != nil {
		return err
	}

	entries := map[key]*entry{}
	for _, h := range horizons {
		for _, d := range dims {
			stmt, args, err := aggregates.ReleaseCellsSQL(d, rel.ReferenceDate, h, rel.RetirementAge)
			if err != nil {
				return err
			}
			var rows []*cellRow
			if err := sqlx.SelectContext(ctx, tx, &rows, stmt, args...); err != nil {
				return fmt.Errorf("release: cells of %s at %d: %w", d, h, err)
			}
			for _, r := range rows {
				k := key{string(d), r.Level, r.Code, r.ValueCode}
				e := entries[k]
				if e == nil {
					e = &entry{key: k, parent: r.ParentCode, name: r.Name,
						label:     aggregates.ValueLabel(d, r.ValueCode, r.ValueLabel),
						byHorizon: map[int]*cellRow{}}
					entries[k] = e
				}
				// The same at every horizon; a horizon where the key has only
				// declared needs of other years has no row and zeros.
				if r.Headcount > 0 || r.Contributors > 0 {
					e.contributors, e.headcount, e.largest, e.second = r.Contributors, r.Headcount, r.Largest, r.Second
				}
				e.byHorizon[h] = r
			}
			step(fmt.Sprintf("cells of %s at horizon %d: %d", d, h, len(rows)))
		}
	}
	emp, err := employment(ctx, tx, rel.ReferenceDate.Year()-1)
	if err != nil {
		return err
	}
	step(fmt.Sprintf("employment indicators of %d: %d territories", rel.ReferenceDate.Year()-1, len(emp)))
	// Every read is done, in one snapshot: end the transaction before the
	// suppression, which may take minutes (an idle transaction would be cut
	// by the server's idle_in_transaction_session_timeout).
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("release: end of reads: %w", err)
	}

	list := sortedEntries(entries)
	// A territory's total carries the skill figures summed over its
	// categories (they partition the skills).
	totalsSkills(list, entries)

	l, _, err := linked(list, famDomains, opt.Rules)
	if err != nil {
		return err
	}
	for i, e := range list {
		l.Cells[i].Primary = secrecy.ReleasePrimary(e.contributors, e.headcount, e.largest, e.second, opt.Rules)
	}
	if opt.Progress != nil {
		l.Trace = func(round, violated, hidden int) {
			opt.Progress(done, steps, fmt.Sprintf("secondary suppression round %d: %d primary cells not yet protected, %d cells hidden", round, violated, hidden))
		}
	}
	if _, err := l.Protect(); err != nil {
		return fmt.Errorf("release: secondary suppression: %w", err)
	}
	var hiddenPrimary, hiddenSecondary int
	var hiddenHead, totalHead int64
	for i, e := range list {
		c := l.Cells[i]
		e.suppressed, e.reason = c.Hidden, c.Reason
		totalHead += int64(e.headcount)
		if c.Hidden {
			hiddenHead += int64(e.headcount)
			if c.Reason == secrecy.Secondary {
				hiddenSecondary++
			} else {
				hiddenPrimary++
			}
		}
	}
	step(fmt.Sprintf("secondary suppression: %d primary and %d secondary cells hidden", hiddenPrimary, hiddenSecondary))

	wtx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("release: begin writes: %w", err)
	}
	defer wtx.Rollback() //nolint:errcheck // a no-op after Commit
	cells, err := insertCells(ctx, wtx, id, list, horizons)
	if err != nil {
		return err
	}
	if err := insertEmployment(ctx, wtx, id, rel.ReferenceDate.Year()-1, emp); err != nil {
		return err
	}
	if err := wtx.Commit(); err != nil {
		return fmt.Errorf("release: commit: %w", err)
	}
	// Outside the snapshot's transaction, which progress updates of the
	// same row would make fail to serialise.
	fd, _ := json.Marshal(famDomains)
	if _, err := db.ExecContext(ctx, `UPDATE releases SET family_domains = $2, cell_count = $3, hidden_primary = $4,
  hidden_secondary = $5, hidden_headcount = $6, total_headcount = $7 WHERE id = $1`,
		id, string(fd), cells, hiddenPrimary, hiddenSecondary, hiddenHead, totalHead); err != nil {
		return fmt.Errorf("release: counts: %w", err)
	}
	step(fmt.Sprintf("stored %d cells", cells))

	// The audit reads the release as stored, like `gpec release audit`.
	rep, err := Audit(ctx, db, id, opt.Rules)
	if err != nil {
		return err
	}
	status, failure := Published, sql.NullString{}
	if !rep.Passed() {
		status, failure = Failed, sql.NullString{String: rep.Summary(5), Valid: true}
	}
	step(fmt.Sprintf("audit: %d primary cells bounded by %d linear programs, %d violations", rep.Primary, rep.Stats.LPs, len(rep.Violations)))
	if _, err := db.ExecContext(ctx, `UPDATE releases SET status = $2, failure = $3, progress = 1, build_seconds = $4,
  size_bytes = (SELECT coalesce(sum(pg_column_size(c.*)), 0) FROM release_cells c WHERE c.release_id = $1)
             + (SELECT coalesce(sum(pg_column_size(e.*)), 0) FROM release_employment e WHERE e.release_id = $1)
WHERE id = $1`, id, string(status), failure, time.Since(start).Seconds()); err != nil {
		return fmt.Errorf("release: finish: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// familyDomains maps each role family to its grand domain as the
// grand_domain dimension files it (a family without a parent is its own).
func familyDomains(ctx context.Context, q sqlx.QueryerContext) (map[string]string, error) {
	var rows []struct {
		Code   string `db:"code"`
		Domain string `db:"domain"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT code, coalesce(parent_code, code) AS domain FROM role_families`); err != nil {
		return nil, fmt.Errorf("release: role families: %w", err)
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.Code] = r.Domain
	}
	return m, nil
}

// levelRank orders levels from the country down.
var levelRank = map[string]int{aggregates.CountryLevel: 0, domain.LevelRegion: 1, domain.LevelDepartment: 2}

func sortedEntries(m map[key]*entry) []*entry {
	list := make([]*entry, 0, len(m))
	for _, e := range m {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.dim, b.dim), cmp.Compare(levelRank[a.level], levelRank[b.level]),
			cmp.Compare(a.code, b.code), cmp.Compare(a.value, b.value))
	})
	return list
}

// totalsSkills sets each territory total's required and qualified, per
// horizon, to the sums over the territory's skill categories.
func totalsSkills(list []*entry, m map[key]*entry) {
	for _, e := range list {
		if e.dim != string(aggregates.DimensionSkillCategory) {
			continue
		}
		t := m[key{string(aggregates.DimensionNone), e.level, e.code, ""}]
		if t == nil {
			continue
		}
		for h, r := range e.byHorizon {
			tr := t.byHorizon[h]
			if tr == nil {
				continue
			}
			tr.Required += r.Required
			tr.Qualified += r.Qualified
		}
	}
}

// insertCells writes every key at every horizon (zeros where the key has no
// row at a horizon, so that a key's presence never depends on the horizon)
// in one statement, and returns the number of cells.
func insertCells(ctx context.Context, tx *sqlx.Tx, id int64, list []*entry, horizons []int) (int, error) {
	n := len(list) * len(horizons)
	var (
		hz                                                         = make(pq.Int64Array, 0, n)
		dim, level, code, parent, name, value, label, reason       = strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n)
		companies, headcount, stayers, target, required, qualified = ints(n), ints(n), ints(n), ints(n), ints(n), ints(n)
		largest, second                                            = ints(n), ints(n)
		suppressed                                                 = make(pq.BoolArray, 0, n)
	)
	for _, e := range list {
		for _, h := range horizons {
			r := e.byHorizon[h]
			if r == nil {
				r = &cellRow{}
			}
			hz = append(hz, int64(h))
			dim, level, code, parent = append(dim, e.dim), append(level, e.level), append(code, e.code), append(parent, e.parent)
			name, value, label, reason = append(name, e.name), append(value, e.value), append(label, e.label), append(reason, string(e.reason))
			companies, headcount = append(companies, int64(e.contributors)), append(headcount, int64(e.headcount))
			stayers, target = append(stayers, int64(r.Stayers)), append(target, int64(r.Target))
			required, qualified = append(required, int64(r.Required)), append(qualified, int64(r.Qualified))
			largest, second = append(largest, int64(e.largest)), append(second, int64(e.second))
			suppressed = append(suppressed, e.suppressed)
		}
	}
	if _, err := tx.ExecContext(ctx, `
INSERT INTO release_cells (release_id, horizon, dimension, level, code, parent_code, name, value_code, value_label,
  companies, headcount, stayers, target, required, qualified, largest, second, suppressed, reason)
SELECT $1, u.* FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
  $10::int[], $11::int[], $12::int[], $13::int[], $14::int[], $15::int[], $16::int[], $17::int[], $18::bool[], $19::text[]) AS u`,
		id, hz, dim, level, code, parent, name, value, label, companies, headcount, stayers, target, required, qualified,
		largest, second, suppressed, nullIfEmpty(reason)); err != nil {
		return 0, fmt.Errorf("release: store cells: %w", err)
	}
	return n, nil
}

func strs(n int) pq.StringArray { return make(pq.StringArray, 0, n) }
func ints(n int) pq.Int64Array  { return make(pq.Int64Array, 0, n) }

// nullIfEmpty turns empty reasons into NULLs.
func nullIfEmpty(a pq.StringArray) pq.GenericArray {
	out := make([]sql.NullString, len(a))
	for i, s := range a {
		out[i] = sql.NullString{String: s, Valid: s != ""}
	}
	return pq.GenericArray{A: out}
}

// partitioning dimensions split every employee of a territory into exactly
// one value: the territory's total is the sum of its cells.
var partitioning = map[string]bool{
	string(aggregates.DimensionRoleFamily):  true,
	string(aggregates.DimensionGrandDomain): true,
	string(aggregates.DimensionNafSection):  true,
}

// linked turns a release's keys into secrecy's linked cells (indexed like
// list) and every relation an attacker knows between their headcounts:
//   - along the territory tree, for the total and each (dimension, value): a
//     region's cell is the sum of its departments', France's of its regions';
//   - along a partitioning dimension (role family, grand domain, NAF
//     section), a territory's total is the sum of its cells;
//   - a grand domain's cell is the sum of its role families' cells (the
//     referential is public);
//   - along an overlapping dimension (pole, with "no pole"; skill category),
//     each cell is at most the total; for poles, where every company is in
//     at least one value, the total is at most the sum of the cells.
//
// Non-negativity is the LP's own.
func linked(list []*entry, famDomains map[string]string, rules secrecy.ReleaseRules) (*secrecy.Linked, map[key]int, error) {
	idx := make(map[key]int, len(list))
	l := &secrecy.Linked{Cells: make([]secrecy.LinkedCell, len(list)), Protection: rules.Protection}
	for i, e := range list {
		idx[e.key] = i
		l.Cells[i].Value = e.headcount
	}
	l.Moves = func(x int) [][]secrecy.Term { return cycles(list, idx, famDomains, x) }
	l.Group, l.Scopes = scopes(list)
	l.Weight = weights(list)
	parentLevel := map[string]string{domain.LevelDepartment: domain.LevelRegion, domain.LevelRegion: aggregates.CountryLevel}
	children := map[key][]int{}
	type terr struct{ level, code string }
	byTerr := map[terr]map[string][]int{}
	for i, e := range list {
		if pl, ok := parentLevel[e.level]; ok {
			pk := key{e.dim, pl, e.parent, e.value}
			if _, ok := idx[pk]; !ok {
				return nil, nil, fmt.Errorf("release: %s %s has no parent cell %v", e.level, e.code, pk)
			}
			children[pk] = append(children[pk], i)
		}
		t := terr{e.level, e.code}
		if byTerr[t] == nil {
			byTerr[t] = map[string][]int{}
		}
		byTerr[t][e.dim] = append(byTerr[t][e.dim], i)
	}
	for _, e := range list {
		pk := e.key
		if ch := children[pk]; len(ch) > 0 {
			l.Relations = append(l.Relations, secrecy.SumOf(idx[pk], ch))
		}
	}
	terrs := make([]terr, 0, len(byTerr))
	for t := range byTerr {
		terrs = append(terrs, t)
	}
	slices.SortFunc(terrs, func(a, b terr) int { return cmp.Or(cmp.Compare(a.level, b.level), cmp.Compare(a.code, b.code)) })
	for _, t := range terrs {
		dims := byTerr[t]
		total, ok := idx[key{string(aggregates.DimensionNone), t.level, t.code, ""}]
		if !ok {
			return nil, nil, fmt.Errorf("release: %s %s has cells but no total", t.level, t.code)
		}
		for _, d := range Dimensions() {
			cells := dims[string(d)]
			if len(cells) == 0 {
				continue
			}
			switch {
			case partitioning[string(d)]:
				l.Relations = append(l.Relations, secrecy.SumOf(total, cells))
			default:
				for _, c := range cells {
					l.Relations = append(l.Relations, secrecy.AtMost(c, total))
				}
				if d == aggregates.DimensionPole {
					l.Relations = append(l.Relations, secrecy.Covers(total, cells))
				}
			}
		}
		parts := map[int][]int{}
		for _, c := range dims[string(aggregates.DimensionRoleFamily)] {
			g := famDomains[list[c].value] // "" for a family the referential does not know
			gi, ok := idx[key{string(aggregates.DimensionGrandDomain), t.level, t.code, g}]
			if !ok {
				return nil, nil, fmt.Errorf("release: role family %q of %s %s has no grand domain cell", list[c].value, t.level, t.code)
			}
			parts[gi] = append(parts[gi], c)
		}
		gds := make([]int, 0, len(parts))
		for g := range parts {
			gds = append(gds, g)
		}
		slices.Sort(gds)
		for _, g := range gds {
			l.Relations = append(l.Relations, secrecy.SumOf(g, parts[g]))
		}
	}
	return l, idx, nil
}

// Weights of hiding a cell, by level (secrecy.Linked's Weight), as
// τ-ARGUS' hierarchical methods weight a table's levels: an observatory
// needs France's figures and the regions' totals most, so a France cell
// costs a hundred times its value, France's total ten thousand times and a
// region's total ten times; a move through them is chosen only when none
// below is found.
const (
	weightCountryTotal = 10000
	weightCountry      = 100
	weightRegionTotal  = 10
)

// weights returns each cell's weight (see the constants above).
func weights(list []*entry) []int {
	w := make([]int, len(list))
	for i, e := range list {
		total := e.dim == string(aggregates.DimensionNone)
		switch {
		case e.level == aggregates.CountryLevel && total:
			w[i] = weightCountryTotal
		case e.level == aggregates.CountryLevel:
			w[i] = weightCountry
		case e.level == domain.LevelRegion && total:
			w[i] = weightRegionTotal
		default:
			w[i] = 1
		}
	}
	return w
}

// describe names a key for messages.
func (k key) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", k.level, k.code)
	if k.dim != string(aggregates.DimensionNone) {
		fmt.Fprintf(&b, " × %s %q", k.dim, k.value)
	} else {
		b.WriteString(" (total)")
	}
	return b.String()
}

// cycles proposes the 4-cycles of a department cell x = (d, D, a): with
// another department d' of the same region and another value b of D,
// x + (d', b) − (d, b) − (d', a) leaves every region, France and every
// department's total as they are. Grand domain cells (whose moves would
// change role families) and role families of different grand domains are
// left to the LP. secrecy checks each move against every relation.
func cycles(list []*entry, idx map[key]int, famDomains map[string]string, x int) [][]secrecy.Term {
	e := list[x]
	if e.level != domain.LevelDepartment || e.dim == string(aggregates.DimensionNone) || e.dim == string(aggregates.DimensionGrandDomain) {
		return nil
	}
	var siblings, values []string
	seenD, seenV := map[string]bool{}, map[string]bool{}
	for _, o := range list {
		if o.dim != e.dim || o.level != domain.LevelDepartment {
			continue
		}
		if o.parent == e.parent && o.code != e.code && !seenD[o.code] {
			seenD[o.code] = true
			siblings = append(siblings, o.code)
		}
		if o.code == e.code && o.value != e.value && !seenV[o.value] {
			seenV[o.value] = true
			values = append(values, o.value)
		}
	}
	var out [][]secrecy.Term
	for _, b := range values {
		if e.dim == string(aggregates.DimensionRoleFamily) && famDomains[b] != famDomains[e.value] {
			continue
		}
		db, ok := idx[key{e.dim, e.level, e.code, b}]
		if !ok {
			continue
		}
		for _, d2 := range siblings {
			da, ok1 := idx[key{e.dim, e.level, d2, e.value}]
			dbb, ok2 := idx[key{e.dim, e.level, d2, b}]
			if ok1 && ok2 {
				out = append(out, []secrecy.Term{{Cell: x, Coef: 1}, {Cell: db, Coef: -1}, {Cell: da, Coef: -1}, {Cell: dbb, Coef: 1}})
			}
		}
	}
	return out
}

// scopes groups the cells by territory and proposes, for a cell, the
// territories within which its moves are searched first (secrecy.Linked's
// Scopes), as a statistician closes a cell's cycle in a hierarchical table:
//   - a department's cell with a sibling department (same region): the move
//     stays in the two, every region and France unchanged; the siblings
//     whose cell of the same key is largest first;
//   - a region's cell with a sibling region, each with its departments;
//   - any cell with the chain of its ancestors up to France (and, for a
//     region or France, the departments or regions below it), where no
//     sibling compensates.
func scopes(list []*entry) ([]int, func(int) [][]int) {
	type terr struct{ level, code string }
	ids := map[terr]int{}
	group := make([]int, len(list))
	parentOf := map[int]int{}
	children := map[int][]int{}
	keysOf := map[int]map[key]int{} // territory -> (dim, value) -> cell
	parentKey := map[int]terr{}     // territory -> its parent's key
	parentLevel := map[string]string{domain.LevelDepartment: domain.LevelRegion, domain.LevelRegion: aggregates.CountryLevel}
	for i, e := range list {
		t := terr{e.level, e.code}
		id, ok := ids[t]
		if !ok {
			id = len(ids)
			ids[t] = id
			keysOf[id] = map[key]int{}
			if pl, ok := parentLevel[e.level]; ok {
				parentKey[id] = terr{pl, e.parent}
			}
		}
		group[i] = id
		keysOf[id][key{dim: e.dim, value: e.value}] = i
	}
	for id, pk := range parentKey {
		if p, ok := ids[pk]; ok {
			parentOf[id] = p
			children[p] = append(children[p], id)
		}
	}
	for p := range children {
		slices.Sort(children[p])
	}
	// value of the same (dimension, value) in territory g, -1 when absent.
	same := func(g int, k key) int {
		if c, ok := keysOf[g][k]; ok {
			return list[c].headcount
		}
		return -1
	}
	byValue := func(gs []int, k key, limit int) []int {
		gs = slices.Clone(gs)
		slices.SortStableFunc(gs, func(a, b int) int { return cmp.Compare(same(b, k), same(a, k)) })
		if limit > 0 && len(gs) > limit {
			gs = gs[:limit]
		}
		return gs
	}
	ancestors := func(g int) []int {
		var out []int
		for p, ok := parentOf[g]; ok; p, ok = parentOf[p] {
			out = append(out, p)
		}
		return out
	}
	return group, func(x int) [][]int {
		e := list[x]
		g := group[x]
		k := key{dim: e.dim, value: e.value}
		var out [][]int
		up := ancestors(g)
		switch e.level {
		case domain.LevelDepartment:
			var sib []int
			if len(up) > 0 {
				for _, s := range byValue(children[up[0]], k, 0) {
					if s != g {
						sib = append(sib, s)
					}
				}
			}
			for _, s := range sib {
				out = append(out, []int{g, s})
			}
			for i, s := range sib {
				if i == 3 {
					break
				}
				out = append(out, append([]int{g, s}, up...))
			}
			// Cousins: a department of another region, through both
			// regions, France unchanged: all a department alone in its
			// region (overseas) has, and what a cell equal to its
			// department's total needs when no sibling can take the move.
			if len(up) > 1 {
				for _, r := range byValue(children[up[1]], k, 4) {
					if r == up[0] {
						continue
					}
					for _, d := range byValue(children[r], k, 2) {
						out = append(out, []int{g, up[0], r, d})
					}
				}
			}
			out = append(out, append([]int{g}, up...))
		case domain.LevelRegion:
			mine := byValue(children[g], k, 3)
			if len(up) > 0 {
				for _, s := range byValue(children[up[0]], k, 7) {
					if s == g {
						continue
					}
					for _, d := range mine {
						for _, d2 := range byValue(children[s], k, 3) {
							// France unchanged first, then through it.
							out = append(out, []int{g, s, d, d2}, append([]int{g, s, d, d2}, up...))
						}
					}
				}
			}
			for _, d := range mine {
				out = append(out, append([]int{g, d}, up...))
			}
		default:
			type rd struct{ r, d int }
			var pairs []rd
			for i, r := range byValue(children[g], k, 6) {
				for j, d := range byValue(children[r], k, 3) {
					out = append(out, []int{g, r, d})
					if i < 4 && j < 2 {
						pairs = append(pairs, rd{r, d})
					}
				}
			}
			// A department whose every employee is in the cell moves its
			// total: another region's department takes the other side of
			// it, France's total unchanged.
			for i, a := range pairs {
				for _, b := range pairs[i+1:] {
					if a.r != b.r {
						out = append(out, []int{g, a.r, a.d, b.r, b.d})
					}
				}
			}
		}
		return out
	}
}
