package analytics

import (
	"context"
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

// stepsDeltasSQL computes the day changes of the pole figures into the
// temporary tables rollup_skill_delta and rollup_role_delta: $1 horizon H,
// $2 retirement age A, $3 the poles.
const stepsDeltasSQL = `
WITH mship AS (
  -- A company's membership periods in a pole, merged where they overlap or
  -- touch: a member at D is in exactly one of them.
  SELECT m.pole_id, m.siren, m.since, coalesce(m.until, 'infinity') AS until,
         max(coalesce(m.until, 'infinity')) OVER (PARTITION BY m.pole_id, m.siren ORDER BY m.since
                                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
  FROM memberships m WHERE m.pole_id = ANY($3::text[])
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
ins_role AS (
  INSERT INTO rollup_role_delta
  SELECT pole_id, role_id, day, sum(hc)::int, sum(st)::int, sum(tg)::int
  FROM (
    SELECT h.pole_id, h.role_id, h.day, h.hc, h.st, CASE WHEN d.pole_id IS NULL THEN h.hc ELSE 0 END AS tg
    FROM hc h LEFT JOIN declared d USING (pole_id, siret, role_id)
    UNION ALL
    SELECT pole_id, role_id, day, 0, 0,
           target - coalesce(lag(target) OVER (PARTITION BY pole_id, siret, role_id ORDER BY day), 0)
    FROM bp_target
  ) x
  GROUP BY 1, 2, 3
  HAVING sum(hc) <> 0 OR sum(st) <> 0 OR sum(tg) <> 0
),
stayer AS MATERIALIZED (SELECT pole_id, id, role_id, lo, hi FROM emp WHERE stayer),
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
  SELECT st.pole_id, sg.skill_id, greatest(sg.lo, st.lo) AS lo, least(sg.hi, st.hi) AS hi,
         (r.level IS NOT NULL AND sg.level >= r.level)::int AS q,
         (r.level IS NOT NULL AND sg.level = r.level - 1)::int - (r.level IS NOT NULL AND r.level = 1)::int AS u,
         (r.level IS NULL AND sg.level >= t.level)::int AS p
  FROM stayer st
  JOIN segment sg ON sg.id = st.id AND sg.level > 0 AND sg.lo < st.hi AND st.lo < sg.hi
  LEFT JOIN req r ON r.role_id = st.role_id AND r.skill_id = sg.skill_id
  LEFT JOIN top_level t ON t.skill_id = sg.skill_id
),
ins_skill AS (
  INSERT INTO rollup_skill_delta
  SELECT pole_id, skill_id, day, sum(q)::int, sum(u)::int, sum(p)::int
  FROM (SELECT pole_id, skill_id, lo AS day, q, u, p FROM judged WHERE q <> 0 OR u <> 0 OR p <> 0
        UNION ALL
        SELECT pole_id, skill_id, hi, -q, -u, -p FROM judged WHERE (q <> 0 OR u <> 0 OR p <> 0) AND hi < 'infinity') x
  GROUP BY 1, 2, 3
  HAVING sum(q) <> 0 OR sum(u) <> 0 OR sum(p) <> 0
)
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
		{"changes", stepsDeltasSQL, []any{h, a, pq.Array([]string{id})}},
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

// stepsAnswer reports whether the steps of poles answer p: essential
// links, no plan or projects (the steps hold neither), and every pole's
// steps for p's horizon and retirement age fresh at p's date.
func (e *Engine) stepsAnswer(ctx context.Context, p Params, poles []string) (bool, error) {
	if p.IncludeOptional || p.WithPlan || p.IncludeProjects || len(poles) == 0 {
		return false, nil
	}
	return rollup.StepsFresh(ctx, e.DB, rollup.StepsKey{Horizon: p.Horizon, RetirementAge: p.RetirementAge},
		poleParts(poles), p.AsOf)
}

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
  SELECT x.unit_no, u.role_id, sum(u.headcount)::int AS headcount, sum(u.stayers)::int AS stayers,
         sum(u.target)::int AS target
  FROM ` + stepsAt("rollup_pole_role_steps", "role_ids", "role_day", "role_id", []string{"headcount", "stayers", "target"}) + `
  GROUP BY x.unit_no, u.role_id
  HAVING sum(u.headcount) > 0 OR sum(u.target) > 0
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
  SELECT x.unit_no, u.skill_id, sum(u.qualified) AS qualified, sum(u.upskillable) AS upskillable,
         sum(u.internal_pool) AS internal_pool
  FROM ` + stepsAt("rollup_pole_skill_steps", "skill_ids", "skill_day", "skill_id", []string{"qualified", "upskillable", "internal_pool"}) + `
  GROUP BY x.unit_no, u.skill_id
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
func stepsSkillsSQL(orderBy string) string {
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
  WHERE sf.pre <= $5::bigint
) x
WHERE x.rn <= $5::bigint
ORDER BY x.unit_no, x.rn`
}
