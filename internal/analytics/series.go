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
	if poleScopes(list) {
		// A pole's trend over its campaigns reads their rollups when every
		// point has a fresh one (one look-up for all points).
		runs, ok, err := e.seriesRuns(ctx, norm, retirementAge)
		if err != nil {
			return nil, err
		}
		if ok {
			var ids []int64
			for range list {
				ids = append(ids, runs...)
			}
			cte = seriesRollupCTE
			args = []any{pq.Array(ids), pq.Array(a.poles)}
		}
	}
	unit := func(n int) (Scope, int) { return list[n/len(norm)], n % len(norm) }
	codes := fmt.Sprintf("$%d::text[]", len(args)+1)

	rows, err := e.queryx(ctx, `WITH `+cte+`
SELECT rf.unit_no, ro.id, ro.code, ro.title, rf.headcount, rf.stayers, rf.target
FROM role_fig rf JOIN roles ro ON ro.id = rf.role_id
WHERE cardinality(`+codes+`) = 0 OR ro.code = ANY(`+codes+`)
ORDER BY rf.unit_no, ro.code COLLATE "C"`, append(args, pq.Array(roleCodes))...)
	if err != nil {
		return nil, fmt.Errorf("series of role figures: %w", err)
	}
	for rows.Next() {
		var n int
		var g RoleGap
		if err := rows.Scan(&n, &g.RoleID, &g.RoleCode, &g.RoleTitle, &g.Headcount, &g.Stayers, &g.Target); err != nil {
			rows.Close()
			return nil, err
		}
		g.Departures, g.Gap = g.Headcount-g.Stayers, g.Target-g.Stayers
		s, i := unit(n)
		out[s][i].Roles = append(out[s][i].Roles, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = e.queryx(ctx, `WITH `+cte+`
SELECT sf.unit_no, `+skillColumns+`
FROM skill_fig sf JOIN skills sk ON sk.id = sf.skill_id
WHERE `+skillShown+` AND (cardinality(`+codes+`) = 0 OR sk.code = ANY(`+codes+`))
ORDER BY sf.unit_no, sk.code COLLATE "C"`, append(args, pq.Array(skillCodes))...)
	if err != nil {
		return nil, fmt.Errorf("series of skill figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var g SkillGap
		if err := rows.Scan(append([]any{&n}, g.targets()...)...); err != nil {
			return nil, err
		}
		g.derive(false)
		s, i := unit(n)
		out[s][i].Skills = append(out[s][i].Skills, g)
	}
	return out, rows.Err()
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

// seriesRuns finds the fresh rollup of every point, in one statement; ok
// is false when one has none.
func (e *Engine) seriesRuns(ctx context.Context, points []Point, age int) ([]int64, bool, error) {
	var dates []string
	var horizons []int64
	for _, p := range points {
		dates, horizons = append(dates, p.AsOf.Format(time.DateOnly)), append(horizons, int64(p.Horizon))
	}
	rows, err := e.queryx(ctx, `
SELECT (k.ord - 1)::int, r.id
FROM unnest($1::date[], $2::int[]) WITH ORDINALITY AS k(as_of, horizon, ord)
JOIN rollup_runs r ON r.as_of = k.as_of AND r.horizon = k.horizon AND r.retirement_age = $3 AND NOT r.projects
JOIN data_version d ON d.version = r.data_version`, pq.Array(dates), pq.Array(horizons), age)
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
