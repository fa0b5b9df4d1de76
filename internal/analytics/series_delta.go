package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/rollup"
)

// A pole's figures at a date without a rollup, from the rollup of another
// date. Between two dates lo < hi, a member company's figures change only
// if one of its dated facts falls in (lo, hi]: an employee's entry or exit,
// an assessment, a declared need, a completed enrolment, or its membership
// of the pole starting or ending. Role and skill figures are sums over the
// pole's member companies (the rollups rely on it), so the pole's figures
// at d are those of a fresh rollup at t, minus the figures at t of the
// companies changed between d and t, plus their figures at d — computed
// from the data for those companies only. A campaign opened today with a
// reference date of yesterday changes few companies in a day: its point
// costs a few companies' figures instead of the whole pole's (seconds at
// national scale, while the server builds its rollup). level_needed, a
// maximum, is not a sum: it is derived again from the roles of the
// resulting role figures, as figuresCTE's demand does.
//
// The same holds at the rollup's own date when its pole's part is stale
// only through a few companies' own writes (an import, a campaign answer,
// until the part is rebuilt; the campaigns' keys are rebuilt paced, minutes
// after): the companies are those the part has not seen
// (rollup_part_changed_companies, migration 0021), and what is subtracted
// is what the part summed for them, their kept units (migration 0016),
// since their figures at that date have just changed.

// maxDeltaCompanies bounds the companies changed between a point and its
// rollup's date for which the point is derived from that rollup: each
// costs its figures at both dates, so that beyond about a tenth of a
// national pole's members the pole's own computation is as cheap.
const maxDeltaCompanies = 100

// deltaSeries is Series for pole scopes at points without a fresh rollup,
// each derived from its own date's stale one, or from the fresh rollup of
// the nearest date at the same horizon and retirement age. ok is false, and
// nothing is answered, when a point has no such rollup or more than
// maxDeltaCompanies companies of a pole changed between the two dates: the
// caller computes from the data. Four statements, whatever the scopes and
// points.
func (e *Engine) deltaSeries(ctx context.Context, scopes []Scope, points []Point, age int, roleCodes, skillCodes []string) (map[Scope][]Figures, bool, error) {
	if len(scopes) == 0 || len(points) == 0 || !poleScopes(scopes) {
		return nil, false, nil
	}
	// Units: scope × point, unit_no = scope_no × points + point_no.
	var poles, dates []string
	var horizons []int64
	for _, s := range scopes {
		for _, pt := range points {
			poles = append(poles, s.PoleID)
			dates = append(dates, pt.AsOf.Format(time.DateOnly))
			horizons = append(horizons, int64(pt.Horizon))
		}
	}
	n := len(poles)

	// Each unit's base: the rollup of its own date when its pole's part is
	// stale only through a few companies' writes (minus their kept units,
	// plus their figures now), else the nearest fresh rollup of another
	// date at its horizon and age.
	runs := make([]int64, n)
	bases := make([]string, n)
	same := make([]bool, n)
	var keptUnits []int64
	var keptSirens []string
	rows, err := e.queryx(ctx, `
SELECT (k.ord - 1)::int, b.id, b.as_of::text, b.same, b.kept
FROM unnest($1::text[], $2::date[], $3::int[]) WITH ORDINALITY AS k(pole_id, as_of, horizon, ord)
CROSS JOIN LATERAL (
  SELECT r.id, r.as_of, r.as_of = k.as_of AS same, c.kept
  FROM rollup_runs r
  CROSS JOIN LATERAL (
    SELECT CASE WHEN r.as_of = k.as_of THEN rollup_part_changed_companies(r.id, $5 || k.pole_id, $6) END AS kept) c
  WHERE r.horizon = k.horizon AND r.retirement_age = $4 AND NOT r.projects
    AND CASE WHEN r.as_of = k.as_of THEN c.kept IS NOT NULL
             ELSE rollup_part_fresh(r.id, $5 || k.pole_id) END
  ORDER BY abs(r.as_of - k.as_of), r.as_of DESC
  LIMIT 1) b`, pq.Array(poles), pq.Array(dates), pq.Array(horizons), age, rollup.PolePart(""), maxDeltaCompanies)
	if err != nil {
		return nil, false, fmt.Errorf("series from another date: rollups: %w", err)
	}
	found := 0
	for rows.Next() {
		var u int
		var run int64
		var date string
		var isSame bool
		var kept pq.StringArray
		if err := rows.Scan(&u, &run, &date, &isSame, &kept); err != nil {
			rows.Close()
			return nil, false, err
		}
		runs[u], bases[u], same[u] = run, date, isSame
		for _, siren := range kept {
			keptUnits, keptSirens = append(keptUnits, int64(u)), append(keptSirens, siren)
		}
		found++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if found < n {
		return nil, false, nil
	}

	// The member companies changed between each unit's date and its
	// rollup's: members at some moment between the two (the others count
	// at neither) with a dated fact in (lo, hi] or a membership starting
	// or ending there.
	lo, hi := dates[0], dates[0]
	for _, d := range append(append([]string{}, dates...), bases...) {
		lo, hi = min(lo, d), max(hi, d) // ISO dates compare as strings
	}
	type change struct {
		Unit  int    `db:"unit_no"`
		Siren string `db:"siren"`
	}
	var changed []change
	if err := sqlx.SelectContext(ctx, e.DB, &changed, `
WITH u AS (
  SELECT (k.ord - 1)::int AS unit_no, k.pole_id, least(k.d, k.t) AS lo, greatest(k.d, k.t) AS hi
  FROM unnest($1::text[], $2::date[], $3::date[]) WITH ORDINALITY AS k(pole_id, d, t, ord)
),
member AS (
  SELECT u.unit_no, m.siren,
         (m.since > u.lo AND m.since <= u.hi) OR (m.until > u.lo AND m.until <= u.hi) AS moved
  FROM u JOIN memberships m ON m.pole_id = u.pole_id AND m.since <= u.hi AND (m.until IS NULL OR m.until > u.lo)
),
dated AS MATERIALIZED (
  -- $4 and $5 bound every unit's (lo, hi]: constants the planner can
  -- estimate a date range with (it cannot from u), so that a day's facts
  -- read as the few index entries they are.
  SELECT u.unit_no, e.siren FROM u
  JOIN employees e ON e.entry_date > u.lo AND e.entry_date <= u.hi
  WHERE e.entry_date > $4::date AND e.entry_date <= $5::date
  UNION
  SELECT u.unit_no, e.siren FROM u
  JOIN employees e ON e.exit_date > u.lo AND e.exit_date <= u.hi
  WHERE e.exit_date > $4::date AND e.exit_date <= $5::date
  UNION
  SELECT u.unit_no, e.siren FROM u
  JOIN employee_skills es ON es.assessed_on > u.lo AND es.assessed_on <= u.hi
  JOIN employees e ON e.id = es.employee_id
  WHERE es.assessed_on > $4::date AND es.assessed_on <= $5::date
  UNION
  SELECT u.unit_no, s.siren FROM u
  JOIN needs n ON n.declared_on > u.lo AND n.declared_on <= u.hi
  JOIN sites s ON s.siret = n.siret
  WHERE n.declared_on > $4::date AND n.declared_on <= $5::date
  UNION
  SELECT u.unit_no, e.siren FROM u
  JOIN enrolments en ON en.completed_on > u.lo AND en.completed_on <= u.hi
  JOIN employees e ON e.id = en.employee_id
  WHERE en.completed_on > $4::date AND en.completed_on <= $5::date
)
SELECT DISTINCT m.unit_no, m.siren FROM member m
WHERE m.moved OR EXISTS (SELECT 1 FROM dated d WHERE d.unit_no = m.unit_no AND d.siren = m.siren)
ORDER BY 1, 2`, pq.Array(poles), pq.Array(dates), pq.Array(bases), lo, hi); err != nil {
		return nil, false, fmt.Errorf("series from another date: changed companies: %w", err)
	}
	perUnit := make([]int, n)
	for _, c := range changed {
		if perUnit[c.Unit]++; perUnit[c.Unit] > maxDeltaCompanies {
			return nil, false, nil
		}
	}
	// A unit of its rollup's own date has no dated window (lo = hi): its
	// changed companies are those the part has not seen, whose kept units
	// are subtracted (deltaCTE's kept_in) and figures now added.
	for i, u := range keptUnits {
		changed = append(changed, change{Unit: int(u), Siren: keptSirens[i]})
	}

	// Sub-units: each changed company within the pole, at the rollup's
	// date (subtracted; for a unit of the rollup's own date, its kept
	// units are) and at the unit's (added); scopeUnitsCTE's intersection
	// of a company and a pole keeps it only while a member.
	var a scopeArrays
	var subDates []string
	var subHorizons, subUnits, signs []int64
	for _, c := range changed {
		sides := []struct {
			date string
			sign int64
		}{{bases[c.Unit], -1}, {dates[c.Unit], 1}}
		if same[c.Unit] {
			sides = sides[1:]
		}
		for _, side := range sides {
			a.sirens, a.poles = append(a.sirens, c.Siren), append(a.poles, poles[c.Unit])
			a.levels, a.codes = append(a.levels, ""), append(a.codes, "")
			subDates, subHorizons = append(subDates, side.date), append(subHorizons, horizons[c.Unit])
			subUnits, signs = append(subUnits, int64(c.Unit)), append(signs, side.sign)
		}
	}
	if roleCodes == nil {
		roleCodes = []string{}
	}
	if skillCodes == nil {
		skillCodes = []string{}
	}
	if keptUnits == nil {
		keptUnits, keptSirens = []int64{}, []string{}
	}
	args := []any{pq.Array(subDates), pq.Array(subHorizons), age, false,
		pq.Array(a.sirens), pq.Array(a.poles), pq.Array(a.levels), pq.Array(a.codes),
		pq.Array(subUnits), pq.Array(signs), pq.Array(runs), pq.Array(poles),
		pq.Array(keptUnits), pq.Array(keptSirens)}
	codes := fmt.Sprintf("$%d::text[]", len(args)+1)

	out := make(map[Scope][]Figures, len(scopes))
	for _, s := range scopes {
		out[s] = make([]Figures, len(points))
	}
	at := func(u int) *Figures { return &out[scopes[u/len(points)]][u%len(points)] }
	if err := e.scanRoles(ctx, `WITH `+seriesCTE+`,`+deltaCTE+`
SELECT rf.unit_no, ro.id, ro.code, ro.title, rf.headcount, rf.stayers, rf.target
FROM d_role_fig rf JOIN roles ro ON ro.id = rf.role_id
WHERE cardinality(`+codes+`) = 0 OR ro.code = ANY(`+codes+`)
ORDER BY rf.unit_no, ro.code COLLATE "C"`, append(args, pq.Array(roleCodes)), at); err != nil {
		return nil, false, fmt.Errorf("series from another date: roles: %w", err)
	}
	if err := e.scanSkills(ctx, `WITH `+seriesCTE+`,`+deltaCTE+`
SELECT sf.unit_no, `+skillColumns+`
FROM d_skill_fig sf JOIN skills sk ON sk.id = sf.skill_id
WHERE `+skillShown+` AND (cardinality(`+codes+`) = 0 OR sk.code = ANY(`+codes+`))
ORDER BY sf.unit_no, sk.code COLLATE "C"`, append(args, pq.Array(skillCodes)), at); err != nil {
		return nil, false, fmt.Errorf("series from another date: skills: %w", err)
	}
	return out, true, nil
}

// deltaCTE follows seriesCTE, whose units are deltaSeries' sub-units:
// $9 the unit of each sub-unit and $10 its sign; $11 the rollup run of each
// unit and $12 its pole; $13 and $14 the (unit, company) pairs whose kept
// units in the unit's run are subtracted (a stale part of the unit's own
// date). It defines d_role_fig and d_skill_fig per unit: the rollup's sums
// minus those kept units plus the signed sums of the sub-units,
// level_needed derived from the resulting roles as figuresCTE's demand
// does (0 for a skill no role of the unit requires).
const deltaCTE = `
sub_map AS (
  SELECT (k.ord - 1)::int AS sub_no, k.unit_no, k.sign
  FROM unnest(CAST($9 AS int[]), CAST($10 AS int[])) WITH ORDINALITY AS k(unit_no, sign, ord)
),
base_in AS (
  SELECT (k.ord - 1)::int AS unit_no, k.run_id, k.pole_id
  FROM unnest(CAST($11 AS bigint[]), $12::text[]) WITH ORDINALITY AS k(run_id, pole_id, ord)
),
kept_in AS (
  SELECT b.unit_no, b.run_id, b.pole_id, k.siren
  FROM unnest(CAST($13 AS int[]), $14::text[]) AS k(unit_no, siren) JOIN base_in b ON b.unit_no = k.unit_no
),
d_role_fig AS (
  SELECT unit_no, role_id, sum(headcount)::int AS headcount, sum(stayers)::int AS stayers, sum(target)::int AS target
  FROM (SELECT b.unit_no, r.role_id, r.headcount, r.stayers, r.target
        FROM base_in b JOIN rollup_pole_roles r ON r.run_id = b.run_id AND r.pole_id = b.pole_id
        UNION ALL
        SELECT k.unit_no, u.role_id, -u.headcount, -u.stayers, -u.target
        FROM kept_in k JOIN rollup_unit_roles u ON u.run_id = k.run_id AND u.pole_id = k.pole_id AND u.siren = k.siren
        UNION ALL
        SELECT m.unit_no, rf.role_id, m.sign * rf.headcount, m.sign * rf.stayers, m.sign * rf.target
        FROM role_fig rf JOIN sub_map m ON m.sub_no = rf.unit_no) x
  GROUP BY unit_no, role_id
  HAVING sum(headcount) > 0 OR sum(target) > 0
),
need_level AS (
  SELECT rf.unit_no, r.skill_id, max(r.level) AS level_needed
  FROM d_role_fig rf JOIN req r ON r.role_id = rf.role_id
  GROUP BY rf.unit_no, r.skill_id
),
d_skill_fig AS (
  SELECT x.unit_no, x.skill_id, sum(x.required)::int AS required, sum(x.qualified)::int AS qualified,
         sum(x.upskillable)::int AS upskillable, sum(x.internal_pool)::int AS internal_pool,
         coalesce(max(nl.level_needed), 0)::int AS level_needed, 0 AS qualified_with_plan
  FROM (SELECT b.unit_no, r.skill_id, r.required, r.qualified, r.upskillable, r.internal_pool
        FROM base_in b JOIN rollup_pole_skills r ON r.run_id = b.run_id AND r.pole_id = b.pole_id
        UNION ALL
        SELECT k.unit_no, u.skill_id, -u.required, -u.qualified, -u.upskillable, -u.internal_pool
        FROM kept_in k JOIN rollup_unit_skills u ON u.run_id = k.run_id AND u.pole_id = k.pole_id AND u.siren = k.siren
        UNION ALL
        SELECT m.unit_no, sf.skill_id, m.sign * sf.required, m.sign * sf.qualified, m.sign * sf.upskillable,
               m.sign * sf.internal_pool
        FROM skill_fig sf JOIN sub_map m ON m.sub_no = sf.unit_no
        UNION ALL
        SELECT unit_no, skill_id, 0, 0, 0, 0 FROM need_level) x
  LEFT JOIN need_level nl ON nl.unit_no = x.unit_no AND nl.skill_id = x.skill_id
  GROUP BY x.unit_no, x.skill_id
)`

// scanRoles reads role figures rows (unit_no, id, code, title, headcount,
// stayers, target) into the figures of their unit.
func (e *Engine) scanRoles(ctx context.Context, q string, args []any, at func(unit int) *Figures) error {
	rows, err := e.queryx(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u int
		var g RoleGap
		if err := rows.Scan(&u, &g.RoleID, &g.RoleCode, &g.RoleTitle, &g.Headcount, &g.Stayers, &g.Target); err != nil {
			return err
		}
		g.Departures, g.Gap = g.Headcount-g.Stayers, g.Target-g.Stayers
		f := at(u)
		f.Roles = append(f.Roles, g)
	}
	return rows.Err()
}

// scanSkills reads skill figures rows (unit_no, skillColumns) into the
// figures of their unit.
func (e *Engine) scanSkills(ctx context.Context, q string, args []any, at func(unit int) *Figures) error {
	rows, err := e.queryx(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u int
		var g SkillGap
		if err := rows.Scan(append([]any{&u}, g.targets()...)...); err != nil {
			return err
		}
		g.derive(false)
		f := at(u)
		f.Skills = append(f.Skills, g)
	}
	return rows.Err()
}
