package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Point is one date of a trend: DESIGN.md's figures at asOf and horizon H.
type Point struct {
	AsOf    time.Time
	Horizon int
}

// Figures are the role and skill figures of one scope at one point, by
// code (roles and skills whose figures are all zero left out).
type Figures struct {
	Roles  []RoleGap
	Skills []SkillGap
}

// MaxPoints bounds the points of one Series call: each multiplies the work
// of its statements.
const MaxPoints = 20

// Series returns the figures of every scope at every point, with
// essential links only and retirement age A (0: the default), as campaign
// figures and trends use them (DESIGN.md, "Campaigns and trends"). Two
// statements answer every scope and every point: the figures of the units
// (scope, point) are computed together, each unit with its own asOf and H,
// so that a trend of ten points costs what a trend of two costs.
// out[scope][i] are the figures at points[i]. skillCodes and roleCodes,
// when not empty, keep only those skills and roles.
func (e *Engine) Series(ctx context.Context, scopes []Scope, points []Point, retirementAge int, roleCodes, skillCodes []string) (map[Scope][]Figures, error) {
	return e.SeriesFirst(ctx, scopes, points, retirementAge, roleCodes, skillCodes, 0)
}

// SeriesFirst is Series for a trend that keeps, per scope, its first n
// skills in the critical order at the last point and its first n roles by
// roleGap there (campaign's Trend.Top): it may leave out the other skills
// and roles. It does when every point reads a rollup and no code filters
// them: its statements then read the first n skills of each pole at the
// last point by the rollup's gap_rank, and its first n roles, and those
// skills' and roles' figures at every point — a few dozen rows instead of
// every skill at every point (3,900 per point for a national pole). That is
// exact when the n-th skill and role of every scope have a positive gap at
// the last point: one without figures there counts 0 and cannot be among
// the first n. When one has not, the statement is run again for every
// skill (or role). n <= 0 keeps them all.
func (e *Engine) SeriesFirst(ctx context.Context, scopes []Scope, points []Point, retirementAge int, roleCodes, skillCodes []string, n int) (map[Scope][]Figures, error) {
	return e.seriesFirst(ctx, scopes, points, retirementAge, roleCodes, skillCodes, n, true)
}

// seriesFirst is SeriesFirst; without derive, pole points without a rollup
// compute from the data at once (deltaSeries already declined them).
func (e *Engine) seriesFirst(ctx context.Context, scopes []Scope, points []Point, retirementAge int, roleCodes, skillCodes []string, n int, derive bool) (map[Scope][]Figures, error) {
	if len(points) > MaxPoints {
		return nil, invalid("dates", "at most %d points, got %d", MaxPoints, len(points))
	}
	norm := make([]Point, len(points))
	for i, pt := range points {
		p, err := Params{AsOf: pt.AsOf, Horizon: pt.Horizon, RetirementAge: retirementAge}.normalize()
		if err != nil {
			return nil, err
		}
		norm[i] = Point{AsOf: p.AsOf, Horizon: p.Horizon}
		retirementAge = p.RetirementAge
	}
	if retirementAge == 0 {
		retirementAge = DefaultRetirementAge
	}
	list, _, err := distinctScopes(scopes)
	if err != nil {
		return nil, err
	}
	out := make(map[Scope][]Figures, len(list))
	for _, s := range list {
		out[s] = make([]Figures, len(norm))
	}
	if len(list) == 0 || len(norm) == 0 {
		return out, nil
	}
	// The units are the cross product scope × point, unit_no = scope_no ×
	// points + point_no, passed as parallel arrays.
	var dates []string
	var horizons []int64
	var a scopeArrays
	for _, s := range list {
		for _, pt := range norm {
			dates = append(dates, pt.AsOf.Format(time.DateOnly))
			horizons = append(horizons, int64(pt.Horizon))
			a.sirens, a.poles = append(a.sirens, s.Siren), append(a.poles, s.PoleID)
			a.levels, a.codes = append(a.levels, s.TerritoryLevel), append(a.codes, s.TerritoryCode)
		}
	}
	if roleCodes == nil {
		roleCodes = []string{}
	}
	if skillCodes == nil {
		skillCodes = []string{}
	}
	cte := seriesCTE
	args := []any{pq.Array(dates), pq.Array(horizons), retirementAge, false,
		pq.Array(a.sirens), pq.Array(a.poles), pq.Array(a.levels), pq.Array(a.codes)}
	first := false
	if poleScopes(list) {
		// A pole's trend over its campaigns reads their rollups when every
		// point has a fresh one (one look-up for all points).
		runs, ok, err := e.seriesRuns(ctx, norm, retirementAge, distinctStrings(a.poles))
		if err != nil {
			return nil, err
		}
		if !ok && len(norm) > 1 {
			if built := countRuns(runs); built > 0 {
				// Some points have a rollup (a pole's earlier campaigns)
				// and some not yet (a campaign just opened, whose rollup
				// the server is building): those read their rollups, only
				// the others compute from the data.
				return e.seriesSplit(ctx, list, norm, runs, retirementAge, roleCodes, skillCodes)
			}
		}
		if !ok && derive {
			// No point has a fresh rollup: each may still derive from its
			// own date's stale one or another date's, kept for the data
			// version as seriesSplit's answers are.
			if out, ok, err := e.keptSeries(ctx, list, norm, retirementAge, roleCodes, skillCodes, func() (map[Scope][]Figures, bool, error) {
				return e.deltaSeries(ctx, list, norm, retirementAge, roleCodes, skillCodes)
			}); err != nil || ok {
				return out, err
			}
		}
		if ok {
			var ids []int64
			for range list {
				ids = append(ids, runs...)
			}
			cte = seriesRollupCTE
			args = []any{pq.Array(ids), pq.Array(a.poles)}
			first = n > 0 && len(roleCodes) == 0 && len(skillCodes) == 0
		}
	}
	at := func(u int) *Figures { return &out[list[u/len(norm)]][u%len(norm)] }
	last := len(norm) - 1
	codes := fmt.Sprintf("$%d::text[]", len(args)+1)

	// roleSQL is the roles statement; with top, only the first n roles of
	// each scope at its last point ($3 the points, $4 n; rollups only).
	roleSQL := func(top bool) (string, []any) {
		if !top {
			return `WITH ` + cte + `
SELECT rf.unit_no, ro.id, ro.code, ro.title, rf.headcount, rf.stayers, rf.target
FROM role_fig rf JOIN roles ro ON ro.id = rf.role_id
WHERE cardinality(` + codes + `) = 0 OR ro.code = ANY(` + codes + `)
ORDER BY rf.unit_no, ro.code COLLATE "C"`, append(args, pq.Array(roleCodes))
		}
		return `WITH ` + cte + `,
top_role AS (
  SELECT x.unit_no / $3::int AS scope_no, x.role_id
  FROM (SELECT rf.unit_no, rf.role_id,
               row_number() OVER (PARTITION BY rf.unit_no ORDER BY rf.target - rf.stayers DESC, ro.code COLLATE "C") AS rn
        FROM role_fig rf JOIN roles ro ON ro.id = rf.role_id
        WHERE rf.unit_no % $3::int = $3::int - 1) x
  WHERE x.rn <= $4::int
)
SELECT rf.unit_no, ro.id, ro.code, ro.title, rf.headcount, rf.stayers, rf.target
FROM top_role t
JOIN role_fig rf ON rf.unit_no / $3::int = t.scope_no AND rf.role_id = t.role_id
JOIN roles ro ON ro.id = rf.role_id
ORDER BY rf.unit_no, ro.code COLLATE "C"`, append(args, len(norm), n)
	}
	// skillSQL is the skills statement; with top, only the first n skills
	// of each scope at its last point by the rollup's gap_rank (the
	// critical order among the skills with figures).
	skillSQL := func(top bool) (string, []any) {
		if !top {
			return `WITH ` + cte + `
SELECT sf.unit_no, ` + skillColumns + `
FROM skill_fig sf JOIN skills sk ON sk.id = sf.skill_id
WHERE ` + skillShown + ` AND (cardinality(` + codes + `) = 0 OR sk.code = ANY(` + codes + `))
ORDER BY sf.unit_no, sk.code COLLATE "C"`, append(args, pq.Array(skillCodes))
		}
		return `WITH ` + cte + `,
top_skill AS (
  SELECT ui.unit_no / $3::int AS scope_no, r.skill_id
  FROM unit_in ui
  JOIN rollup_pole_skills r ON r.run_id = ui.run_id AND r.pole_id = ui.pole_id AND r.gap_rank <= $4::int
  WHERE ui.unit_no % $3::int = $3::int - 1
)
SELECT sf.unit_no, ` + skillColumns + `
FROM top_skill t
JOIN skill_fig sf ON sf.unit_no / $3::int = t.scope_no AND sf.skill_id = t.skill_id
JOIN skills sk ON sk.id = sf.skill_id
WHERE ` + skillShown + `
ORDER BY sf.unit_no, sk.code COLLATE "C"`, append(args, len(norm), n)
	}
	// exact tells whether every scope has n figures at its last point, the
	// n-th with a positive gap: then no role or skill left out can be
	// among its first n.
	exact := func(count func(f Figures) int, positive func(f Figures) bool) bool {
		for _, figs := range out {
			if count(figs[last]) < n || !positive(figs[last]) {
				return false
			}
		}
		return true
	}

	readRoles := func(top bool) error {
		for _, figs := range out {
			for i := range figs {
				figs[i].Roles = nil
			}
		}
		q, qargs := roleSQL(top)
		if err := e.scanRoles(ctx, q, qargs, at); err != nil {
			return fmt.Errorf("series of role figures: %w", err)
		}
		return nil
	}
	if err := readRoles(first); err != nil {
		return nil, err
	}
	if first && !exact(func(f Figures) int { return len(f.Roles) }, func(f Figures) bool {
		for _, g := range f.Roles {
			if g.Gap <= 0 {
				return false
			}
		}
		return true
	}) {
		if err := readRoles(false); err != nil {
			return nil, err
		}
	}

	readSkills := func(top bool) error {
		for _, figs := range out {
			for i := range figs {
				figs[i].Skills = nil
			}
		}
		q, qargs := skillSQL(top)
		if err := e.scanSkills(ctx, q, qargs, at); err != nil {
			return fmt.Errorf("series of skill figures: %w", err)
		}
		return nil
	}
	if err := readSkills(first); err != nil {
		return nil, err
	}
	if first && !exact(func(f Figures) int { return len(f.Skills) }, func(f Figures) bool {
		for _, g := range f.Skills {
			if g.Gap <= 0 {
				return false
			}
		}
		return true
	}) {
		if err := readSkills(false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// seriesCTE is scopeUnitsCTE and figuresCTE with a reference date and a
// horizon per unit instead of one per statement: $1 and $2 become arrays
// parallel to the scopes' ($5–$8), and every use of asOf and H reads the
// unit's own. It is derived from the two fragments, so that a change of a
// definition there holds here too; init panics if a fragment moved.
var seriesCTE = func() string {
	units := replaceAll(scopeUnitsCTE, [][2]string{
		{`SELECT (u.ord - 1)::int AS unit_no, u.siren, u.pole_id, u.tlevel, u.tcode
  FROM unnest($5::text[], $6::text[], $7::text[], $8::text[])
       WITH ORDINALITY AS u(siren, pole_id, tlevel, tcode, ord)`,
			`SELECT (u.ord - 1)::int AS unit_no, u.siren, u.pole_id, u.tlevel, u.tcode, u.as_of, u.horizon
  FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], CAST($1 AS date[]), CAST($2 AS int[]))
       WITH ORDINALITY AS u(siren, pole_id, tlevel, tcode, as_of, horizon, ord)`},
		{`SELECT si.unit_no, sp.siret
`, `SELECT si.unit_no, sp.siret, si.as_of, si.horizon
`},
		{`$1::date`, `si.as_of`},
	})
	figures := replaceAll(figuresCTE, [][2]string{
		{`(e.birth_year + $3::int > $2::int) AS stayer`, `(e.birth_year + $3::int > us.horizon) AS stayer, us.as_of`},
		{`WHERE e.entry_date <= $1::date AND (e.exit_date IS NULL OR e.exit_date > $1::date)`,
			`WHERE e.entry_date <= us.as_of AND (e.exit_date IS NULL OR e.exit_date > us.as_of)`},
		{`n.horizon_year = $2::int`, `n.horizon_year = us.horizon`},
		{declaredBy, `(n.declared_on IS NULL OR n.declared_on <= us.as_of)`},
		{`SELECT unit_no, id, role_id FROM emp WHERE stayer`, `SELECT unit_no, id, role_id, as_of FROM emp WHERE stayer`},
		{assessedBy, `(es.assessed_on IS NULL OR es.assessed_on <= st.as_of)`},
		{completedBy, `(en.status = 'completed' AND en.completed_on <= st.as_of)`},
		{taughtAsOf, `st.as_of AS as_of`},
		// Trends use no plan (DESIGN.md).
		{plannedBy, `false`},
	})
	for _, p := range []string{"$1::date", "$2::int"} {
		if strings.Contains(units+figures, p) {
			panic("analytics: seriesCTE still reads " + p)
		}
	}
	return units + `,` + figures
}()

// countRuns counts the points with a rollup (a run id).
func countRuns(runs []int64) int {
	n := 0
	for _, id := range runs {
		if id != 0 {
			n++
		}
	}
	return n
}

// seriesSplit answers a Series whose points have rollups for some points
// only: one Series over the points with one (from the rollups), one over
// the others (derived from the rollup of another date when few companies
// changed in between, else from the data), merged in the order of points.
// Both keep every skill and role (the trend's Top needs the last point's
// whole list), so that the answer weighs every skill of every point: it is
// kept in e.Points for the request's data version. A campaign just opened
// has no rollup until the server has built it, and meanwhile every
// dashboard refreshing its pole's trend asks for the same answer, which is
// the data's at that version whichever way it was computed.
func (e *Engine) seriesSplit(ctx context.Context, scopes []Scope, points []Point, runs []int64, age int, roleCodes, skillCodes []string) (map[Scope][]Figures, error) {
	out, _, err := e.keptSeries(ctx, scopes, points, age, roleCodes, skillCodes, func() (map[Scope][]Figures, bool, error) {
		out, err := e.splitSeries(ctx, scopes, points, runs, age, roleCodes, skillCodes)
		return out, err == nil, err
	})
	return out, err
}

// keptSeries returns the Series of scopes at points from e.Points for the
// request's data version, else compute's answer, kept there when ok. The
// figures being the data's at that version whichever way they were
// computed (rollups, derived, from the data), one key serves every path.
func (e *Engine) keptSeries(ctx context.Context, scopes []Scope, points []Point, age int, roleCodes, skillCodes []string,
	compute func() (map[Scope][]Figures, bool, error)) (map[Scope][]Figures, bool, error) {
	var version int64
	cache := false
	if e.Version != nil && e.Points != nil {
		version, cache = e.Version(ctx)
	}
	key := fmt.Sprint(scopes, points, age, roleCodes, skillCodes)
	if cache {
		if out, ok := e.Points.Get(version, key); ok {
			return out, true, nil
		}
	}
	out, ok, err := compute()
	if err != nil || !ok {
		return nil, false, err
	}
	if cache {
		rows := 0
		for _, figs := range out {
			for _, f := range figs {
				rows += len(f.Roles) + len(f.Skills)
			}
		}
		e.Points.Put(version, key, out, rows)
	}
	return out, true, nil
}

// splitSeries is seriesSplit without its cache.
func (e *Engine) splitSeries(ctx context.Context, scopes []Scope, points []Point, runs []int64, age int, roleCodes, skillCodes []string) (map[Scope][]Figures, error) {
	var rolled, live []Point
	var rolledAt, liveAt []int
	for i, p := range points {
		if runs[i] != 0 {
			rolled, rolledAt = append(rolled, p), append(rolledAt, i)
		} else {
			live, liveAt = append(live, p), append(liveAt, i)
		}
	}
	fromRollups, err := e.SeriesFirst(ctx, scopes, rolled, age, roleCodes, skillCodes, 0)
	if err != nil {
		return nil, err
	}
	fromData, ok, err := e.deltaSeries(ctx, scopes, live, age, roleCodes, skillCodes)
	if err == nil && !ok {
		fromData, err = e.sharedSeries(ctx, scopes, live, age, roleCodes, skillCodes)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[Scope][]Figures, len(fromRollups))
	for sc, figs := range fromRollups {
		all := make([]Figures, len(points))
		for j, i := range rolledAt {
			all[i] = figs[j]
		}
		for j, i := range liveAt {
			all[i] = fromData[sc][j]
		}
		out[sc] = all
	}
	return out, nil
}

// sharedSeries is SeriesFirst(…, 0) from the data, computed once for
// concurrent identical calls. A campaign just opened has no rollup until
// the server has built it (seconds to minutes), and meanwhile every
// dashboard showing the pole's trend asks for the same new point: one
// computation, which costs seconds at national scale, serves them all
// instead of each running its own on the cores the build needs. The
// computation runs without the first caller's cancellation (another may
// still wait for it), within its deadline; each caller stops waiting when
// its own context ends. The map returned is shared: callers only read it.
func (e *Engine) sharedSeries(ctx context.Context, scopes []Scope, points []Point, age int, roleCodes, skillCodes []string) (map[Scope][]Figures, error) {
	key := fmt.Sprint(scopes, points, age, roleCodes, skillCodes)
	ch := e.live.DoChan(key, func() (any, error) {
		shared := context.WithoutCancel(ctx)
		if deadline, ok := ctx.Deadline(); ok {
			// The first caller's time budget bounds it still.
			var cancel context.CancelFunc
			shared, cancel = context.WithDeadline(shared, deadline)
			defer cancel()
		}
		return e.seriesFirst(shared, scopes, points, age, roleCodes, skillCodes, 0, false)
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(map[Scope][]Figures), nil
	}
}

// seriesRuns finds the rollup of every point whose parts of poles are
// fresh, in one statement; ok is false when one has none (its run id is 0).
// A write dated today leaves the rollups of earlier campaigns fresh.
func (e *Engine) seriesRuns(ctx context.Context, points []Point, age int, poles []string) ([]int64, bool, error) {
	var dates []string
	var horizons []int64
	for _, p := range points {
		dates, horizons = append(dates, p.AsOf.Format(time.DateOnly)), append(horizons, int64(p.Horizon))
	}
	rows, err := e.queryx(ctx, `
SELECT (k.ord - 1)::int, r.id
FROM unnest($1::date[], $2::int[]) WITH ORDINALITY AS k(as_of, horizon, ord)
JOIN rollup_runs r ON r.as_of = k.as_of AND r.horizon = k.horizon AND r.retirement_age = $3 AND NOT r.projects
WHERE (SELECT bool_and(rollup_part_fresh(r.id, p)) FROM unnest($4::text[]) p)`,
		pq.Array(dates), pq.Array(horizons), age, pq.Array(poleParts(poles)))
	if err != nil {
		return nil, false, fmt.Errorf("series rollups: %w", err)
	}
	defer rows.Close()
	runs := make([]int64, len(points))
	found := 0
	for rows.Next() {
		var i int
		var id int64
		if err := rows.Scan(&i, &id); err != nil {
			return nil, false, err
		}
		runs[i] = id
		found++
	}
	return runs, found == len(points), rows.Err()
}

// seriesRollupCTE reads skill_fig and role_fig of pole units from their
// points' rollups: $1 the run of each unit, $2 its pole.
const seriesRollupCTE = `
unit_in AS (
  SELECT (u.ord - 1)::int AS unit_no, u.run_id, u.pole_id
  FROM unnest(CAST($1 AS bigint[]), $2::text[]) WITH ORDINALITY AS u(run_id, pole_id, ord)
),
skill_fig AS (
  SELECT ui.unit_no, r.skill_id, r.required, r.qualified, r.upskillable, r.internal_pool, r.level_needed,
         0 AS qualified_with_plan -- trends use no plan
  FROM unit_in ui JOIN rollup_pole_skills r ON r.run_id = ui.run_id AND r.pole_id = ui.pole_id
),
role_fig AS (
  SELECT ui.unit_no, r.role_id, r.headcount, r.stayers, r.target
  FROM unit_in ui JOIN rollup_pole_roles r ON r.run_id = ui.run_id AND r.pole_id = ui.pole_id
)`

// replaceAll replaces each pair's first string by its second, every one of
// which must occur.
func replaceAll(s string, pairs [][2]string) string {
	for _, p := range pairs {
		if !strings.Contains(s, p[0]) {
			panic("analytics: fragment not found: " + p[0])
		}
		s = strings.ReplaceAll(s, p[0], p[1])
	}
	return s
}
