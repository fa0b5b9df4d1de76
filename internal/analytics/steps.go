package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/rollup"
)

// Pole figures at any date (migration 0022). Every figure of a pole is a
// step function of asOf: it changes only on the dates of facts (an
// employee's entry or exit, an assessment, a completion, a declared need, a
// membership's bounds). A pole's steps keep, for a horizon and a
// retirement age, the change of each figure on each such day, and
// checkpoints of every figure's value (keepSteps); a pole's skill and role
// gaps at a date D the steps answer (rollup.StepsFresh) are the values of
// the latest checkpoint on or before D plus the changes after it up to D
// (stepsFiguresCTE): a few thousand values instead of every assessment of
// the pole's stayers.
//
// What the steps hold is what figuresCTE computes per unit, decomposed by
// day:
//
//   - per role: headcount and stayers (+1 on an employee's first day in
//     the pole — the later of its entry and its company's joining — and −1
//     on the first day it is out: its exit or its company's leaving), and
//     target: per site, the headcount while no need of (site, role, H) is
//     declared, else the latest declared headcount, while the company is a
//     member;
//   - per skill: the judged counts of figuresCTE's judged CTE over the
//     stayers' levels through time (qualified, one level below minus the
//     level-1 pairs, internal pool), which a pair at level 0 leaves at 0.
//     required, levelNeeded and the unassessed stayers of level-1 links
//     are derived at read time from the roles' figures, as figuresCTE's
//     demand and unassessed CTEs derive them.
//
// The level of (employee, skill) through time follows DESIGN.md: on each
// day with an assessment it is that assessment's level (undated ones are
// the oldest, on -infinity), raised by the completions of trainings
// teaching the skill after it (a completion on its day does not count).

// stepsDeltas is the statement computing the day changes of the pole
// figures of the memberships kept (a condition on memberships m, with $1
// horizon H, $2 retirement age A, $3 the poles), as the CTEs role_delta
// (pole_id, role_id, day, headcount, stayers, target) and skill_delta
// (pole_id, skill_id, day, qualified, upskillable, internal_pool), which
// tail (the statement's end, after a comma) reads. pre comes before the
// first CTE (empty, or CTEs followed by a comma). perCompany adds each
// row's company after pole_id (siren): no figure of a company depends on
// another's, so a pole's changes are the sum of its members'. few says
// that kept keeps a few companies: each level then reads the highest
// level required of its skill by the skill's index (a hash of every
// skill's is built for a whole pole; for a company's 9,000 levels, whose
// count the planner underestimates, it chose to scan that hash once per
// level: 5.5 s instead of 30 ms at national scale).
func stepsDeltas(pre, kept string, perCompany, few bool, tail string) string {
	co := ``
	if perCompany {
		co = `left(siret, 9), `
	}
	top := `LEFT JOIN top_level t ON t.skill_id = sg.skill_id`
	if few {
		top = `CROSS JOIN LATERAL (SELECT max(rs.level) AS level FROM role_skills rs
                      WHERE rs.skill_id = sg.skill_id AND rs.essential) t`
	}
	return strings.NewReplacer(`{{pre}}`, pre, `{{kept}}`, kept, `{{co}}`, co, `{{top}}`, top, `{{tail}}`, tail).Replace(stepsDeltasSQL)
}

// stepsDeltasSQL is stepsDeltas' statement.
const stepsDeltasSQL = `
WITH {{pre}}mship AS (
  -- A company's membership periods in a pole, merged where they overlap or
  -- touch: a member at D is in exactly one of them.
  SELECT m.pole_id, m.siren, m.since, coalesce(m.until, 'infinity') AS until,
         max(coalesce(m.until, 'infinity')) OVER (PARTITION BY m.pole_id, m.siren ORDER BY m.since
                                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
  FROM memberships m WHERE m.pole_id = ANY($3::text[]) AND {{kept}}
),
island AS (
  SELECT pole_id, siren, since, until,
         count(*) FILTER (WHERE prev_end IS NULL OR since > prev_end)
           OVER (PARTITION BY pole_id, siren ORDER BY since) AS isl
  FROM mship
),
period AS MATERIALIZED (
  SELECT pole_id, siren, min(since) AS since, max(until) AS until FROM island GROUP BY pole_id, siren, isl
),
emp AS MATERIALIZED (
  -- Each employee's days in the pole: [lo, hi), its employment within a
  -- membership period of its company; stayers at H decided once.
  -- A lateral probe of the siren index per period: a pole's members hold a
  -- few percent of the employees, which a hash join would read all of.
  SELECT p.pole_id, e.id, e.siret, e.role_id, (e.birth_year + $2::int > $1::int) AS stayer,
         greatest(e.entry_date, p.since) AS lo, least(coalesce(e.exit_date, 'infinity'), p.until) AS hi
  FROM period p
  CROSS JOIN LATERAL (SELECT * FROM employees e WHERE e.siren = p.siren OFFSET 0) e
  WHERE greatest(e.entry_date, p.since) < least(coalesce(e.exit_date, 'infinity'), p.until)
),
hc AS MATERIALIZED (
  SELECT pole_id, siret, role_id, lo AS day, 1 AS hc, stayer::int AS st FROM emp
  UNION ALL
  SELECT pole_id, siret, role_id, hi, -1, -stayer::int FROM emp WHERE hi < 'infinity'
),
need AS MATERIALIZED (
  -- Every declaration of horizon H at the pole's member sites, undated ones
  -- on -infinity (the oldest).
  SELECT p.pole_id, n.siret, n.role_id, coalesce(n.declared_on, '-infinity') AS day, n.headcount
  FROM (SELECT DISTINCT pole_id, siren FROM period) p
  JOIN sites s ON s.siren = p.siren
  JOIN needs n ON n.siret = s.siret AND n.horizon_year = $1::int
),
declared AS MATERIALIZED (SELECT DISTINCT pole_id, siret, role_id FROM need),
bp AS (
  -- The days a declared (site, role)'s target may change on: its headcount's,
  -- its declarations', its company's membership bounds (m: +1 on joining,
  -- -1 on leaving).
  SELECT h.pole_id, h.siret, h.role_id, h.day, h.hc, NULL::int AS need, 0 AS m
  FROM hc h JOIN declared d USING (pole_id, siret, role_id)
  UNION ALL
  SELECT pole_id, siret, role_id, day, 0, headcount, 0 FROM need
  UNION ALL
  SELECT d.pole_id, d.siret, d.role_id, b.day, 0, NULL, b.m
  FROM declared d JOIN period p ON p.pole_id = d.pole_id AND p.siren = left(d.siret, 9)
  CROSS JOIN LATERAL (VALUES (p.since, 1), (p.until, -1)) b(day, m)
  WHERE b.day < 'infinity'
),
bp_day AS (
  SELECT pole_id, siret, role_id, day, sum(hc) AS hc, max(need) AS need, sum(m) AS m FROM bp GROUP BY 1, 2, 3, 4
),
bp_run AS (
  SELECT pole_id, siret, role_id, day, need,
         sum(hc) OVER w AS hc_at, count(need) OVER w AS decl, sum(m) OVER w AS member
  FROM bp_day WINDOW w AS (PARTITION BY pole_id, siret, role_id ORDER BY day)
),
bp_target AS (
  -- The target on each day: the latest declaration's headcount (the one
  -- that opened its group) while the company is a member, else the
  -- headcount (0 outside membership: hc is clipped to it).
  SELECT pole_id, siret, role_id, day,
         CASE WHEN decl = 0 THEN hc_at
              WHEN member > 0 THEN max(need) OVER (PARTITION BY pole_id, siret, role_id, decl)
              ELSE 0 END AS target
  FROM bp_run
),
role_delta AS (
  SELECT pole_id, {{co}}role_id, day, sum(hc)::int AS headcount, sum(st)::int AS stayers, sum(tg)::int AS target
  FROM (
    SELECT h.pole_id, h.siret, h.role_id, h.day, h.hc, h.st, CASE WHEN d.pole_id IS NULL THEN h.hc ELSE 0 END AS tg
    FROM hc h LEFT JOIN declared d USING (pole_id, siret, role_id)
    UNION ALL
    SELECT pole_id, siret, role_id, day, 0, 0,
           target - coalesce(lag(target) OVER (PARTITION BY pole_id, siret, role_id ORDER BY day), 0)
    FROM bp_target
  ) x
  GROUP BY pole_id, {{co}}role_id, day
  HAVING sum(hc) <> 0 OR sum(st) <> 0 OR sum(tg) <> 0
),
stayer AS MATERIALIZED (SELECT pole_id, id, siret, role_id, lo, hi FROM emp WHERE stayer),
ids AS MATERIALIZED (SELECT DISTINCT id FROM stayer),
completion AS MATERIALIZED (
  -- The completions of trainings teaching a skill, of the stayers (few:
  -- most pairs have assessments only).
  SELECT en.employee_id AS id, tk.skill_id, en.completed_on AS day, tk.level::int AS level
  FROM ids s
  JOIN enrolments en ON en.employee_id = s.id AND en.status = 'completed'
  JOIN training_skills tk ON tk.training_id = en.training_id
),
completed_pair AS MATERIALIZED (SELECT DISTINCT id, skill_id FROM completion),
plain AS (
  -- A pair without completions: each assessment's level from its day to
  -- the next one's (the undated one, last in the index's order, from
  -- -infinity).
  SELECT es.employee_id AS id, es.skill_id, coalesce(es.assessed_on, '-infinity') AS lo,
         coalesce(lag(es.assessed_on) OVER (PARTITION BY es.employee_id, es.skill_id
                                            ORDER BY es.assessed_on DESC NULLS LAST), 'infinity') AS hi,
         es.level::int AS level
  FROM ids s JOIN employee_skills es ON es.employee_id = s.id
  WHERE NOT EXISTS (SELECT 1 FROM completed_pair c WHERE c.id = es.employee_id AND c.skill_id = es.skill_id)
),
ev AS (
  -- A pair with completions: its assessments (kind 1) and completions
  -- (kind 0, before an assessment of the same day, which they do not
  -- raise).
  SELECT es.employee_id AS id, es.skill_id, coalesce(es.assessed_on, '-infinity') AS day, 1 AS kind, es.level::int AS level
  FROM completed_pair c JOIN employee_skills es ON es.employee_id = c.id AND es.skill_id = c.skill_id
  UNION ALL
  SELECT id, skill_id, day, 0, level FROM completion
),
ev_grp AS (
  -- grp numbers the assessments: an assessment and the completions after it
  -- until the next one.
  SELECT id, skill_id, day, kind, level,
         count(*) FILTER (WHERE kind = 1) OVER (PARTITION BY id, skill_id ORDER BY day, kind
                                               ROWS UNBOUNDED PRECEDING) AS grp,
         row_number() OVER (PARTITION BY id, skill_id ORDER BY day, kind) AS pos
  FROM ev
),
ev_level AS (
  SELECT id, skill_id, day, pos,
         greatest(max(level) FILTER (WHERE kind = 1) OVER g, max(level) FILTER (WHERE kind = 0) OVER g, 0) AS level
  FROM ev_grp
  WINDOW g AS (PARTITION BY id, skill_id, grp ORDER BY day, kind ROWS UNBOUNDED PRECEDING)
),
day_level AS (
  -- The level at the end of each day with events.
  SELECT DISTINCT ON (id, skill_id, day) id, skill_id, day, level
  FROM ev_level ORDER BY id, skill_id, day, pos DESC
),
segment AS (
  SELECT id, skill_id, lo, hi, level FROM plain
  UNION ALL
  SELECT id, skill_id, day, coalesce(lead(day) OVER (PARTITION BY id, skill_id ORDER BY day), 'infinity'), level
  FROM day_level
),
req AS (SELECT role_id, skill_id, level FROM role_skills WHERE essential),
top_level AS (SELECT skill_id, max(level) AS level FROM req GROUP BY skill_id),
judged AS (
  -- Each segment of a stayer's level within its days in the pole, judged
  -- as figuresCTE's judged does.
  SELECT st.pole_id, st.siret, sg.skill_id, greatest(sg.lo, st.lo) AS lo, least(sg.hi, st.hi) AS hi,
         (r.level IS NOT NULL AND sg.level >= r.level)::int AS q,
         (r.level IS NOT NULL AND sg.level = r.level - 1)::int - (r.level IS NOT NULL AND r.level = 1)::int AS u,
         (r.level IS NULL AND sg.level >= t.level)::int AS p
  FROM stayer st
  JOIN segment sg ON sg.id = st.id AND sg.level > 0 AND sg.lo < st.hi AND st.lo < sg.hi
  LEFT JOIN req r ON r.role_id = st.role_id AND r.skill_id = sg.skill_id
  {{top}}
),
skill_delta AS (
  SELECT pole_id, {{co}}skill_id, day, sum(q)::int AS qualified, sum(u)::int AS upskillable, sum(p)::int AS internal_pool
  FROM (SELECT pole_id, siret, skill_id, lo AS day, q, u, p FROM judged WHERE q <> 0 OR u <> 0 OR p <> 0
        UNION ALL
        SELECT pole_id, siret, skill_id, hi, -q, -u, -p FROM judged WHERE (q <> 0 OR u <> 0 OR p <> 0) AND hi < 'infinity') x
  GROUP BY pole_id, {{co}}skill_id, day
  HAVING sum(q) <> 0 OR sum(u) <> 0 OR sum(p) <> 0
),
{{tail}}`

// stepsIntoTemp is stepsDeltas' tail of a build: the changes into the
// temporary tables rollup_role_delta and rollup_skill_delta.
const stepsIntoTemp = `ins_role AS (INSERT INTO rollup_role_delta SELECT * FROM role_delta),
ins_skill AS (INSERT INTO rollup_skill_delta SELECT * FROM skill_delta)
SELECT 1`

// stepsCheckpointEvery is the number of changed values between two
// checkpoints of a pole's steps: a date then reads one checkpoint (a value
// per skill or role the pole has) and at most about that many changes. At
// national scale the largest pole has 375,000 skill changes (38
// checkpoints of about 3,600 skills each); yearly checkpoints left a date
// of late 2025 with 80,000 changes to add up (55 ms).
var stepsCheckpointEvery = 10000

// keepSteps is the statement keeping as the steps of part $1 for horizon
// $2 and retirement age $3 the changes of the temporary table temp
// (pole_id, id, day, cols...: one pole's, the part's) in table, one row of arrays per
// day (ids is the name of table's array of ids), and each figure's value at
// its checkpoints: the end of the day where the count of changed values
// since the first day passes a multiple of stepsCheckpointEvery (never
// -infinity, the undated facts' day, which stepsFiguresCTE reads as
// changes).
func keepSteps(table, temp, id, ids string, cols []string) string {
	list := strings.Join(cols, ", ")
	sums, running, nonzero, arrays := make([]string, len(cols)), make([]string, len(cols)), make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		sums[i] = "sum(t." + c + ") AS " + c
		running[i] = "(sum(coalesce(c." + c + ", 0)) OVER w)::int AS " + c
		nonzero[i] = c + " <> 0"
		arrays[i] = "array_agg(" + c + " ORDER BY " + id + ")"
	}
	every := strconv.Itoa(stepsCheckpointEvery)
	// One pole's changes: nothing is grouped or sorted by its id (text,
	// compared by collation: a third of the statement).
	return `
WITH day_n AS (
  SELECT day, count(*) AS n FROM ` + temp + ` GROUP BY 1
),
checkpoint AS (
  SELECT day, row_number() OVER (ORDER BY day) AS k
  FROM (SELECT day, sum(n) OVER w AS upto, sum(n) OVER w - n AS before FROM day_n WINDOW w AS (ORDER BY day)) r
  WHERE day > '-infinity' AND div(upto, ` + every + `) > div(before, ` + every + `)
),
day_k AS (
  -- The checkpoint each day's changes first count in: 1 + the checkpoints
  -- before it (one on the same day counts them: it comes after).
  SELECT day, k
  FROM (SELECT day, cp, 1 + count(cp) OVER (ORDER BY day, cp NULLS FIRST) AS k
        FROM (SELECT day, NULL::int AS cp FROM day_n UNION ALL SELECT day, 1 FROM checkpoint) u) x
  WHERE cp IS NULL
),
per_k AS (
  SELECT t.` + id + `, d.k, ` + strings.Join(sums, ", ") + `
  FROM ` + temp + ` t JOIN day_k d ON d.day = t.day
  GROUP BY 1, 2
),
step AS (
  SELECT false AS cumulative, day, ` + id + `, ` + list + ` FROM ` + temp + `
  UNION ALL
  SELECT true, cp.day, cum.` + id + `, ` + list + `
  FROM (
    SELECT g.` + id + `, g.k, ` + strings.Join(running, ", ") + `
    FROM (SELECT f.` + id + `, generate_series(f.first, (SELECT max(k) FROM checkpoint)) AS k
          FROM (SELECT ` + id + `, min(k) AS first FROM per_k GROUP BY 1) f) g
    LEFT JOIN per_k c ON c.` + id + ` = g.` + id + ` AND c.k = g.k
    WINDOW w AS (PARTITION BY g.` + id + ` ORDER BY g.k)
  ) cum
  JOIN checkpoint cp ON cp.k = cum.k
  WHERE ` + strings.Join(nonzero, " OR ") + `
)
INSERT INTO ` + table + ` (part, horizon, retirement_age, cumulative, day, ` + ids + `, ` + list + `)
SELECT $1, $2, $3, cumulative, day, array_agg(` + id + ` ORDER BY ` + id + `), ` + strings.Join(arrays, ", ") + `
FROM step GROUP BY cumulative, day`
}

// BuildSteps keeps the steps of every pole's part (package rollup, steps.go).
var BuildSteps = rollup.StepsBuilder{Parts: allPoleParts, Build: buildSteps}

// buildSteps replaces the steps of a pole's part for k: about 7 s for a
// national pole of 1,100 members and 50,000 employees (about 5 s its
// changes, the rest their checkpoints and rows). stepsDeltasSQL takes one
// pole here: keepSteps keeps one pole's changes.
func buildSteps(ctx context.Context, tx *sqlx.Tx, k rollup.StepsKey, part string) error {
	id, ok := strings.CutPrefix(part, rollup.PolePart(""))
	if !ok {
		return fmt.Errorf("pole steps: not a pole's part: %q", part)
	}
	h, a := k.Horizon, k.RetirementAge
	for _, s := range []rollupStep{
		{"temporary tables", `CREATE TEMP TABLE rollup_skill_delta (
  pole_id text, skill_id int, day date, qualified int, upskillable int, internal_pool int) ON COMMIT DROP`, nil},
		{"temporary tables", `CREATE TEMP TABLE rollup_role_delta (
  pole_id text, role_id int, day date, headcount int, stayers int, target int) ON COMMIT DROP`, nil},
		{"clear", `DELETE FROM rollup_pole_skill_steps WHERE part = $1 AND horizon = $2 AND retirement_age = $3`, []any{part, h, a}},
		{"clear", `DELETE FROM rollup_pole_role_steps WHERE part = $1 AND horizon = $2 AND retirement_age = $3`, []any{part, h, a}},
		{"changes", stepsDeltas(``, `true`, false, false, stepsIntoTemp), []any{h, a, pq.Array([]string{id})}},
		{"analyze", `ANALYZE rollup_skill_delta`, nil},
		{"analyze", `ANALYZE rollup_role_delta`, nil},
		{"keep", keepSteps("rollup_pole_skill_steps", "rollup_skill_delta", "skill_id", "skill_ids",
			[]string{"qualified", "upskillable", "internal_pool"}), []any{part, h, a}},
		{"keep", keepSteps("rollup_pole_role_steps", "rollup_role_delta", "role_id", "role_ids",
			[]string{"headcount", "stayers", "target"}), []any{part, h, a}},
	} {
		if err := rollup.Exec(ctx, tx, s.sql, s.args...); err != nil {
			return fmt.Errorf("pole steps: %s: %w", s.name, err)
		}
	}
	return nil
}

// stepsAnswer reports whether the steps of poles answer p (fresh):
// essential links, no plan or projects (the steps hold neither: not
// applicable), and every pole's steps for p's horizon and retirement age
// fresh at p's date. Applicable but not fresh, the answer may be derived
// around the companies written since (lookupStepsDerivation).
func (e *Engine) stepsAnswer(ctx context.Context, p Params, poles []string) (fresh, applicable bool, err error) {
	if p.IncludeOptional || p.WithPlan || p.IncludeProjects || len(poles) == 0 {
		return false, false, nil
	}
	fresh, err = rollup.StepsFresh(ctx, e.DB, rollup.StepsKey{Horizon: p.Horizon, RetirementAge: p.RetirementAge},
		poleParts(poles), p.AsOf)
	return fresh, true, err
}

// errStaleSteps tells a caller of unitFigures that the poles' steps do
// not answer the date as they are: it tries to derive around the
// companies written since (orDerived) before computing from the data.
var errStaleSteps = errors.New("analytics: the poles' steps are stale")

// stepsAdjust is what a steps derivation adds to the poles' steps at the
// request's date: for each pole (unit, its index in the request's poles),
// the figures of the companies written since the steps were built, now,
// minus those kept for them before their first write
// (rollup_steps_prior), per role and per skill. Parallel arrays: the
// arguments $5..$14 of stepsFiguresCTE.
type stepsAdjust struct {
	roleUnit, roleID, headcount, stayers, target     []int64
	skillUnit, skillID, qualified, upskillable, pool []int64
}

func (a *stepsAdjust) args() []any {
	out := make([]any, 0, 10)
	for _, v := range [][]int64{a.roleUnit, a.roleID, a.headcount, a.stayers, a.target,
		a.skillUnit, a.skillID, a.qualified, a.upskillable, a.pool} {
		if v == nil {
			v = []int64{}
		}
		out = append(out, pq.Array(v))
	}
	return out
}

// stepsArgs are stepsFiguresCTE's arguments for poles at p, plus adj.
func stepsArgs(poles []string, p Params, adj *stepsAdjust) []any {
	return append([]any{pq.Array(poleParts(poles)), p.Horizon, p.RetirementAge, p.date()}, adj.args()...)
}

// lookupStepsDerivation returns the steps derivation of poles at p in
// tx's snapshot: the companies each pole's steps have not seen (at most
// rollup.MaxDerivedCompanies, each with its prior kept) and what they
// change at p's date. ok is false when a pole's steps cannot be derived
// from.
func lookupStepsDerivation(ctx context.Context, tx *sqlx.Tx, p Params, poles []string) (derivation, bool, error) {
	var d derivation
	var changed []struct {
		Pole  string         `db:"pole"`
		Siren pq.StringArray `db:"siren"`
	}
	if err := tx.SelectContext(ctx, &changed, `
SELECT k.pole, rollup_steps_changed_companies($1 || k.pole, $2, $3, $4::date, $5) AS siren
FROM unnest($6::text[]) AS k(pole)`,
		rollup.PolePart(""), p.Horizon, p.RetirementAge, p.date(), rollup.MaxDerivedCompanies, pq.Array(poles)); err != nil {
		return d, false, fmt.Errorf("steps derivation: %w", err)
	}
	var pairPoles, pairSirens []string
	for _, c := range changed {
		if c.Siren == nil {
			return d, false, nil
		}
		for _, s := range c.Siren {
			pairPoles, pairSirens = append(pairPoles, c.Pole), append(pairSirens, s)
		}
	}
	d.steps = &stepsAdjust{}
	if len(pairPoles) == 0 {
		return d, true, nil
	}
	unit := make(map[string]int64, len(poles))
	for i, id := range poles {
		unit[id] = int64(i)
	}
	rows, err := tx.QueryxContext(ctx, stepsAdjustSQL, p.Horizon, p.RetirementAge, pq.Array(distinctStrings(pairPoles)),
		pq.Array(pairPoles), pq.Array(pairSirens), p.date(), rollup.PolePart(""))
	if err != nil {
		return d, false, fmt.Errorf("steps derivation: %w", err)
	}
	defer rows.Close()
	a := d.steps
	for rows.Next() {
		var pole string
		var skill bool
		var id, x, y, z int64
		if err := rows.Scan(&pole, &skill, &id, &x, &y, &z); err != nil {
			return d, false, err
		}
		if skill {
			a.skillUnit, a.skillID = append(a.skillUnit, unit[pole]), append(a.skillID, id)
			a.qualified, a.upskillable, a.pool = append(a.qualified, x), append(a.upskillable, y), append(a.pool, z)
		} else {
			a.roleUnit, a.roleID = append(a.roleUnit, unit[pole]), append(a.roleID, id)
			a.headcount, a.stayers, a.target = append(a.headcount, x), append(a.stayers, y), append(a.target, z)
		}
	}
	return d, true, rows.Err()
}

// stepsAdjustSQL is what the companies $4/$5 (parallel arrays of poles
// and sirens; $3 those poles) change in their poles' figures at $6, for
// horizon $1 and retirement age $2: their changes up to $6 now, minus
// those kept as their priors for the poles' parts ($7 the parts' prefix).
var stepsAdjustSQL = stepsDeltas(`pair AS (SELECT * FROM unnest($4::text[], $5::text[]) AS c(pole_id, siren)),
`, `(m.pole_id, m.siren) IN (SELECT pole_id, siren FROM pair)`, false, true, `
cur AS (
  SELECT pole_id, false AS skill, role_id AS id, sum(headcount) AS a, sum(stayers) AS b, sum(target) AS c
  FROM role_delta WHERE day <= $6::date GROUP BY pole_id, role_id
  UNION ALL
  SELECT pole_id, true, skill_id, sum(qualified), sum(upskillable), sum(internal_pool)
  FROM skill_delta WHERE day <= $6::date GROUP BY pole_id, skill_id
),
kept AS (
  SELECT pr.pole_id, x.skill, x.id, sum(x.a) AS a, sum(x.b) AS b, sum(x.c) AS c
  FROM pair pr
  JOIN rollup_steps_prior_changes x ON x.part = $7 || pr.pole_id AND x.horizon = $1 AND x.retirement_age = $2
                                    AND x.siren = pr.siren
  WHERE x.day <= $6::date
  GROUP BY pr.pole_id, x.skill, x.id
)
SELECT pole_id, skill, id, sum(a)::int, sum(b)::int, sum(c)::int
FROM (SELECT * FROM cur UNION ALL SELECT pole_id, skill, id, -a, -b, -c FROM kept) x
GROUP BY pole_id, skill, id
HAVING sum(a) <> 0 OR sum(b) <> 0 OR sum(c) <> 0`)

// KeepStepsPrior keeps, in tx, the changes of the companies sirens as the
// steps of their poles hold them (rollup_steps_prior, migration 0025), for
// every steps key built: a writer calls it before its first write to those
// companies, so that readers can derive a pole's figures at any date
// around its write until the steps are rebuilt (lookupStepsDerivation). A
// company already kept for these steps, or written since they were built
// (its figures now are no longer the steps'), is left as it is.
func KeepStepsPrior(ctx context.Context, tx *sql.Tx, sirens []string) error {
	if len(sirens) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `
SELECT s.horizon, s.retirement_age, array_agg(DISTINCT m.pole_id)
FROM rollup_steps s JOIN memberships m ON s.part = $2 || m.pole_id
WHERE m.siren = ANY($1::text[])
GROUP BY 1, 2`, pq.Array(sirens), rollup.PolePart(""))
	if err != nil {
		return fmt.Errorf("steps prior: %w", err)
	}
	type key struct {
		h, a  int
		poles pq.StringArray
	}
	var keys []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.h, &k.a, &k.poles); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, keepPriorSQL, k.h, k.a, k.poles, pq.Array(sirens), rollup.PolePart("")); err != nil {
			return fmt.Errorf("steps prior: %w", err)
		}
	}
	return nil
}

// keepPriorSQL keeps the priors of the companies $4 in the poles $3 for
// horizon $1 and retirement age $2 ($5 the parts' prefix). One statement,
// one snapshot: the check that no write of a company escaped the steps and
// the changes kept read the same data.
var keepPriorSQL = stepsDeltas(`ok AS MATERIALIZED (
  -- The (pole, company) pairs to keep: the pole's steps built, no prior
  -- of the company kept for them yet, no write of the company they have
  -- not seen.
  SELECT s.part, m.pole_id, m.siren, s.built_at
  FROM (SELECT DISTINCT pole_id, siren FROM memberships WHERE pole_id = ANY($3::text[]) AND siren = ANY($4::text[])) m
  JOIN rollup_steps s ON s.part = $5 || m.pole_id AND s.horizon = $1 AND s.retirement_age = $2
  WHERE NOT EXISTS (SELECT 1 FROM rollup_steps_prior p
                    WHERE p.part = s.part AND p.horizon = $1 AND p.retirement_age = $2 AND p.siren = m.siren
                      AND p.built_at = s.built_at)
    AND NOT EXISTS (SELECT 1 FROM rollup_changes c WHERE c.siren = m.siren AND NOT pg_visible_in_snapshot(c.xid, s.snap))
),
gone AS (
  -- A prior kept for steps rebuilt since.
  DELETE FROM rollup_steps_prior_changes x USING ok
  WHERE x.part = ok.part AND x.horizon = $1 AND x.retirement_age = $2 AND x.siren = ok.siren
),
ins_prior AS (
  INSERT INTO rollup_steps_prior (part, horizon, retirement_age, siren, built_at)
  SELECT part, $1, $2, siren, built_at FROM ok
  ON CONFLICT (part, horizon, retirement_age, siren) DO UPDATE SET built_at = excluded.built_at
),
`, `(m.pole_id, m.siren) IN (SELECT pole_id, siren FROM ok)`, true, true, `
ins_role AS (
  INSERT INTO rollup_steps_prior_changes
  SELECT $5 || pole_id, $1, $2, siren, false, day, id, a, b, c FROM role_delta AS r(pole_id, siren, id, day, a, b, c)
),
ins_skill AS (
  INSERT INTO rollup_steps_prior_changes
  SELECT $5 || pole_id, $1, $2, siren, true, day, id, a, b, c FROM skill_delta AS k(pole_id, siren, id, day, a, b, c)
)
SELECT 1`)

// stepsAt is the FROM clause of one steps table's values at asOf for the
// units of the checkpoint CTE: the values of the unit's latest checkpoint
// on or before asOf (its day in the checkpoint column cp) and the changes
// after it up to asOf, unnested as u(id, cols...).
func stepsAt(table, ids, cp, id string, cols []string) string {
	list := strings.Join(cols, ", s.")
	return `(SELECT c.unit_no, s.` + ids + `, s.` + list + `
        FROM checkpoint c JOIN ` + table + ` s
          ON s.part = c.part AND s.horizon = $2 AND s.retirement_age = $3 AND s.cumulative AND s.day = c.` + cp + `
        UNION ALL
        SELECT c.unit_no, s.` + ids + `, s.` + list + `
        FROM checkpoint c JOIN ` + table + ` s
          ON s.part = c.part AND s.horizon = $2 AND s.retirement_age = $3 AND NOT s.cumulative
         AND s.day >= coalesce(c.` + cp + ` + 1, '-infinity') AND s.day <= $4::date) x
  CROSS JOIN LATERAL unnest(x.` + ids + `, x.` + strings.Join(cols, ", x.") + `) AS u(` + id + `, ` + strings.Join(cols, ", ") + `)`
}

// stepsFiguresCTE is unitFigures' CTE for whole poles at a date their
// steps answer (stepsAnswer): $1 the poles' parts (unit_no indexes them),
// $2 horizon, $3 retirement age, $4 asOf. Each figure is its value at the
// latest checkpoint on or before asOf plus the changes after it up to
// asOf; required, the level needed and the unassessed stayers of level-1
// links come from the roles' figures, as figuresCTE's demand and
// unassessed CTEs.
var stepsFiguresCTE = `
scope_in AS (
  SELECT (u.ord - 1)::int AS unit_no, u.part FROM unnest($1::text[]) WITH ORDINALITY AS u(part, ord)
),
checkpoint AS (
  SELECT si.unit_no, si.part,
         (SELECT max(c.day) FROM rollup_pole_skill_steps c
          WHERE c.part = si.part AND c.horizon = $2 AND c.retirement_age = $3 AND c.cumulative AND c.day <= $4::date) AS skill_day,
         (SELECT max(c.day) FROM rollup_pole_role_steps c
          WHERE c.part = si.part AND c.horizon = $2 AND c.retirement_age = $3 AND c.cumulative AND c.day <= $4::date) AS role_day
  FROM scope_in si
),
role_fig AS (
  SELECT v.unit_no, v.role_id, sum(v.headcount)::int AS headcount, sum(v.stayers)::int AS stayers,
         sum(v.target)::int AS target
  FROM (SELECT x.unit_no, u.role_id, u.headcount, u.stayers, u.target
        FROM ` + stepsAt("rollup_pole_role_steps", "role_ids", "role_day", "role_id", []string{"headcount", "stayers", "target"}) + `
        UNION ALL
        SELECT * FROM unnest($5::int[], $6::int[], $7::int[], $8::int[], $9::int[])) v
  GROUP BY v.unit_no, v.role_id
  HAVING sum(v.headcount) > 0 OR sum(v.target) > 0
),
demand AS (
  SELECT rf.unit_no, r.skill_id, sum(rf.target) AS required, max(r.level) AS level_needed,
         coalesce(sum(rf.stayers) FILTER (WHERE r.level = 1), 0) AS at_one
  -- (A lateral probe of role_skills' key per role reads fewer rows, but
  -- its estimated cost passes jit_above_cost: compiling took 100 ms.)
  FROM role_fig rf JOIN role_skills r ON r.role_id = rf.role_id AND r.essential
  GROUP BY rf.unit_no, r.skill_id
),
judged AS (
  SELECT v.unit_no, v.skill_id, sum(v.qualified) AS qualified, sum(v.upskillable) AS upskillable,
         sum(v.internal_pool) AS internal_pool
  FROM (SELECT x.unit_no, u.skill_id, u.qualified, u.upskillable, u.internal_pool
        FROM ` + stepsAt("rollup_pole_skill_steps", "skill_ids", "skill_day", "skill_id", []string{"qualified", "upskillable", "internal_pool"}) + `
        UNION ALL
        SELECT * FROM unnest($10::int[], $11::int[], $12::int[], $13::int[], $14::int[])) v
  GROUP BY v.unit_no, v.skill_id
),
skill_fig AS (
  SELECT coalesce(d.unit_no, j.unit_no) AS unit_no, coalesce(d.skill_id, j.skill_id) AS skill_id,
         coalesce(d.required, 0)::int AS required, coalesce(j.qualified, 0)::int AS qualified,
         (coalesce(j.upskillable, 0) + coalesce(d.at_one, 0))::int AS upskillable,
         coalesce(j.internal_pool, 0)::int AS internal_pool, coalesce(d.level_needed, 0)::int AS level_needed,
         coalesce(j.qualified, 0)::int AS qualified_with_plan
  FROM demand d FULL JOIN judged j ON j.unit_no = d.unit_no AND j.skill_id = d.skill_id
)`

// stepsSkillsSQL ranks the skills of stepsFiguresCTE in orderBy (its last
// key the code) and keeps the first $5 of each pole: the columns of the
// skill statements. The skills are ranked by the keys before the code
// first, and only those that can be among the first (their rank at most
// $5, ties kept) read their code, each by its key: a pole has a few
// thousand skills at a date, where joining all 34,000 skills twice took
// most of the statement.
func stepsSkillsSQL(orderBy string, first int) string {
	pre := `1`
	if keys, ok := strings.CutSuffix(orderBy, `, sk.code COLLATE "C"`); ok {
		pre = `rank() OVER (PARTITION BY sf.unit_no ORDER BY ` + keys + `)`
	}
	return `WITH ` + stepsFiguresCTE + `,
shown AS MATERIALIZED (
  SELECT sf.*, ` + pre + ` AS pre, count(*) OVER (PARTITION BY sf.unit_no) AS total
  FROM skill_fig sf WHERE ` + skillShown + `
)
SELECT x.* FROM (
  SELECT sf.unit_no, ` + skillColumns + `, sf.total,
         row_number() OVER (PARTITION BY sf.unit_no ORDER BY ` + orderBy + `) AS rn
  FROM shown sf
  CROSS JOIN LATERAL (SELECT s.id, s.code, s.name FROM skills s WHERE s.id = sf.skill_id OFFSET 0) sk
  WHERE sf.pre <= $` + strconv.Itoa(first) + `::bigint
) x
WHERE x.rn <= $` + strconv.Itoa(first) + `::bigint
ORDER BY x.unit_no, x.rn`
}
