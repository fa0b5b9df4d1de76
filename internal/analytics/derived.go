package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/refcache"
	"github.com/gpec-project/gpec/internal/rollup"
)

// A pole's figures while its rollup part is stale through a few companies'
// writes (issue 16). After a company's import its poles' parts are rebuilt
// by the refresher, which takes seconds to tens of seconds at national
// scale; meanwhile every request for those poles would compute a whole
// pole from the data (20–30 s each under load, competing with the rebuild
// for the cores). The part's (pole, company, department) units are kept
// with its run (migration 0016) and every figure the pole statements show
// is a sum, a maximum or a count over them: so a pole's figures now are
// those of its kept units, with the units of the companies the part has
// not seen (rollup_part_changed_companies, migration 0021) computed again
// from the data — the few companies written, not the ~1,000 members. Skill
// and role figures, the counts of companies with a positive gap and the
// companies' role gaps (mobility paths) are the part's own pole rows minus
// what it kept for those companies plus their units now (partDeltaCTE);
// the shared training opportunities, whose level needed is a maximum per
// department and skill, are summed again from every unit (derivedUnitsCTE),
// as the rollup build's steps do. With projects, a unit's target of a role
// gains its pole's project needs of year H at its sites, and nothing else
// changes (projectsRollupSteps).
//
// Each derivation reads one snapshot (a read-only REPEATABLE READ
// transaction: the list of companies and their units agree), and its
// answer is kept for the request's data version in Engine.Derived, so that
// the dashboards polling a pole while its part is rebuilt cost one
// derivation each.

// derivation is what a derived statement reads: the rollup run of the
// request's key (without projects: the kept units are its), its run with
// projects (whose pole rows and similar role pairs the answers with
// projects start from: base), and the companies of each pole whose units
// are computed again (parallel arrays).
type derivation struct {
	run, twin          int64
	chgPoles, chgSiren []string
	// steps, for a date no rollup answers: what the companies written
	// since the poles' steps were built change at that date
	// (lookupStepsDerivation); the fields above are then unused.
	steps *stepsAdjust
}

// derivedCtxKey carries the transaction and derivation of a derived
// answer to the statements that build it (queryx, unitFigures).
type derivedCtxKey struct{}

type derivedCtx struct {
	tx *sqlx.Tx
	d  derivation
}

func derivedFrom(ctx context.Context) (*derivedCtx, bool) {
	d, ok := ctx.Value(derivedCtxKey{}).(*derivedCtx)
	return d, ok
}

// DefaultDerivedRows bounds NewDerivedCache: rows of derived answers kept
// (skills, roles, opportunities, paths; about 100 bytes each).
const DefaultDerivedRows = 100_000

// NewDerivedCache returns a cache for Engine.Derived holding at most rows
// rows of answers.
func NewDerivedCache(rows int) *refcache.LRU[string, any] {
	return refcache.NewLRU[string, any](refcache.New(), rows)
}

// lookupDerivation returns the derivation of poles at p's key in tx's
// snapshot; ok is false when a pole's part cannot be derived from (no
// rollup of the key, a change that is not a few companies' own, more than
// rollup.MaxDerivedCompanies companies written since the part was built).
func lookupDerivation(ctx context.Context, tx *sqlx.Tx, p Params, poles []string) (derivation, bool, error) {
	var d derivation
	d.chgPoles, d.chgSiren = []string{}, []string{}
	rows, err := tx.QueryxContext(ctx, `
SELECT r.id,
       coalesce((SELECT t.id FROM rollup_runs t WHERE t.as_of = r.as_of AND t.horizon = r.horizon
                 AND t.retirement_age = r.retirement_age AND t.projects), 0) AS twin,
       k.pole_id, c.changed
FROM rollup_runs r
CROSS JOIN unnest($4::text[]) AS k(pole_id)
CROSS JOIN LATERAL (SELECT rollup_part_changed_companies(r.id, $5 || k.pole_id, $6) AS changed) c
WHERE r.as_of = $1::date AND r.horizon = $2 AND r.retirement_age = $3 AND NOT r.projects`,
		p.date(), p.Horizon, p.RetirementAge, pq.Array(poles), rollup.PolePart(""), rollup.MaxDerivedCompanies)
	if err != nil {
		return d, false, fmt.Errorf("derived figures: rollup: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var pole string
		var changed pq.StringArray
		if err := rows.Scan(&d.run, &d.twin, &pole, &changed); err != nil {
			return d, false, err
		}
		if changed == nil {
			return d, false, nil
		}
		for _, s := range changed {
			d.chgPoles, d.chgSiren = append(d.chgPoles, pole), append(d.chgSiren, s)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return d, false, err
	}
	return d, n == len(poles) && (!p.IncludeProjects || d.twin != 0), nil
}

// page is one scope's page of a derived answer: rows() weighs it in
// Engine.Derived.
type page interface{ rows() int }

func (p SkillPage) rows() int         { return len(p.Items) }
func (p RolePage) rows() int          { return len(p.Items) }
func (p CriticalSkillPage) rows() int { return len(p.Items) }
func (p MobilityPage) rows() int      { return len(p.Items) }
func (p SharedOpportunityPage) rows() int {
	n := 0
	for _, o := range p.Items {
		n += 1 + len(o.Trainings.Items)
	}
	return n
}

// lookupFunc finds in tx's snapshot what a derivation of poles at p reads
// (lookupDerivation from a rollup's stale parts, lookupStepsDerivation
// from the poles' steps); ok is false when nothing can be derived.
type lookupFunc func(ctx context.Context, tx *sqlx.Tx, p Params, poles []string) (derivation, bool, error)

// derive answers compute from a derivation of poles at p's key, for pole
// requests whose rollup is not fresh (the caller checked): from
// Engine.Derived when the request's data version has it, else in a
// read-only snapshot, kept there (weighing its pages' rows). ok is false,
// and nothing answered, when the parts cannot be derived from: the caller
// computes from the data. kind and args key the answer with poles and p.
func derive[K comparable, P page](ctx context.Context, e *Engine, p Params, poles []string, kind string, args []any,
	lookup lookupFunc, compute func(ctx context.Context) (map[K]P, error)) (map[K]P, bool, error) {
	var zero map[K]P
	if p.IncludeOptional || len(poles) == 0 {
		return zero, false, nil
	}
	if _, inside := derivedFrom(ctx); inside {
		return zero, false, nil
	}
	var version int64
	cache := false
	if e.Version != nil && e.Derived != nil {
		version, cache = e.Version(ctx)
	}
	key := fmt.Sprint(kind, poles, p, args)
	if cache {
		if v, ok := e.Derived.Get(version, key); ok {
			return v.(map[K]P), true, nil
		}
	}
	v, err, _ := e.live.Do("derived "+fmt.Sprint(version)+" "+key, func() (any, error) {
		tx, err := e.DB.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return nil, err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, noJIT); err != nil {
			return nil, err
		}
		d, ok, err := lookup(ctx, tx, p, poles)
		if err != nil || !ok {
			return nil, err
		}
		out, err := compute(context.WithValue(ctx, derivedCtxKey{}, &derivedCtx{tx: tx, d: d}))
		if err != nil {
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
		if cache {
			rows := 1
			for _, pg := range out {
				rows += pg.rows()
			}
			e.Derived.Put(version, key, out, rows)
		}
		return out, nil
	})
	if err != nil || v == nil {
		return zero, false, err
	}
	return v.(map[K]P), true, nil
}

// noJIT turns off PostgreSQL's JIT compilation for a derivation's
// transaction: its statements' estimated costs pass jit_above_cost, and
// compiling their few hundred expressions took 180 ms of a 700 ms
// statement at national scale, for no gain in execution.
const noJIT = `SET LOCAL jit = off`

// derivedArgs are the parameters of derivedUnitsCTE: $1..$4 p's, $5 the
// poles, $6 the run, $7 and $8 the companies computed again.
func derivedArgs(d derivation, p Params, poles []string) []any {
	return []any{p.date(), p.Horizon, p.RetirementAge, false, pq.Array(poles), d.run,
		pq.Array(d.chgPoles), pq.Array(d.chgSiren)}
}

// changedFigures is figuresCTE for the changed companies' units, its
// figures renamed so that the pole's keep the names the statements read.
var changedFigures = replaceAll(figuresCTE, [][2]string{{`role_fig`, `c_role_fig`}, {`skill_fig AS (`, `c_skill_fig AS (`}})

// derivedUnitsCTE defines, after WITH, d_unit_skill(pole_no, siren,
// department_code, skill_id, required, qualified, upskillable,
// internal_pool, level_needed, qualified_with_plan) and
// d_unit_role(pole_no, siren, department_code, role_id, headcount,
// stayers, target): every unit of the poles ($5, pole_no their index) at
// run $6, those of the companies of $7/$8 computed from the data, the
// others' kept; chg(pole_no, siren) the companies computed. With projects,
// the units gain their pole's project needs of year $2 as the rollup's run
// with projects does.
func derivedUnitsCTE(projects bool) string {
	units := changedUnitsCTE(false) + `,
kept_skill AS (
  SELECT pi.pole_no, u.siren, u.department_code, u.skill_id, u.required, u.qualified, u.upskillable,
         u.internal_pool, u.level_needed, u.qualified_with_plan
  FROM pole_in pi JOIN rollup_unit_skills u ON u.run_id = $6 AND u.pole_id = pi.id
  WHERE NOT EXISTS (SELECT 1 FROM chg c WHERE c.pole_no = pi.pole_no AND c.siren = u.siren)
  UNION ALL
  SELECT un.pole_no, un.siren, un.department_code, sf.skill_id, sf.required, sf.qualified, sf.upskillable,
         sf.internal_pool, sf.level_needed, sf.qualified_with_plan
  FROM c_skill_fig sf JOIN unit un ON un.unit_no = sf.unit_no
),
kept_role AS (
  SELECT pi.pole_no, u.siren, u.department_code, u.role_id, u.headcount, u.stayers, u.target
  FROM pole_in pi JOIN rollup_unit_roles u ON u.run_id = $6 AND u.pole_id = pi.id
  WHERE NOT EXISTS (SELECT 1 FROM chg c WHERE c.pole_no = pi.pole_no AND c.siren = u.siren)
  UNION ALL
  SELECT un.pole_no, un.siren, un.department_code, rf.role_id, rf.headcount, rf.stayers, rf.target
  FROM c_role_fig rf JOIN unit un ON un.unit_no = rf.unit_no
)`
	if !projects {
		return units + `,
d_unit_skill AS (SELECT * FROM kept_skill),
d_unit_role AS (SELECT * FROM kept_role)`
	}
	return units + `,
proj_unit AS (
  -- The pole's project needs of year H at its members' sites, per unit
  -- (projectsRollupSteps' project units).
  SELECT pi.pole_no, sp.siren, sp.department_code, pn.role_id, sum(pn.headcount)::int AS headcount
  FROM pole_in pi
  JOIN projects pr ON pr.pole_id = pi.id
  JOIN project_needs pn ON pn.project_id = pr.id AND pn.year = $2::int
  JOIN site_places sp ON sp.siret = pn.siret
  WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.pole_id = pi.id AND m.siren = sp.siren AND ` + activeMembership + `)
  GROUP BY 1, 2, 3, 4
  HAVING sum(pn.headcount) > 0
),
proj_skill AS (
  SELECT u.pole_no, u.siren, u.department_code, rs.skill_id, sum(u.headcount)::int AS extra, max(rs.level)::int AS level
  FROM proj_unit u JOIN role_skills rs ON rs.role_id = u.role_id AND rs.essential
  GROUP BY 1, 2, 3, 4
),
d_unit_skill AS (
  SELECT coalesce(u.pole_no, x.pole_no) AS pole_no, coalesce(u.siren, x.siren) AS siren,
         coalesce(u.department_code, x.department_code) AS department_code, coalesce(u.skill_id, x.skill_id) AS skill_id,
         coalesce(u.required, 0) + coalesce(x.extra, 0) AS required, coalesce(u.qualified, 0) AS qualified,
         coalesce(u.upskillable, 0) AS upskillable, coalesce(u.internal_pool, 0) AS internal_pool,
         greatest(coalesce(u.level_needed, 0), coalesce(x.level, 0)) AS level_needed,
         coalesce(u.qualified_with_plan, 0) AS qualified_with_plan
  FROM kept_skill u
  FULL JOIN proj_skill x ON x.pole_no = u.pole_no AND x.siren = u.siren AND x.department_code = u.department_code
                        AND x.skill_id = u.skill_id
),
d_unit_role AS (
  SELECT coalesce(u.pole_no, x.pole_no) AS pole_no, coalesce(u.siren, x.siren) AS siren,
         coalesce(u.department_code, x.department_code) AS department_code, coalesce(u.role_id, x.role_id) AS role_id,
         coalesce(u.headcount, 0) AS headcount, coalesce(u.stayers, 0) AS stayers,
         coalesce(u.target, 0) + coalesce(x.headcount, 0) AS target
  FROM kept_role u
  FULL JOIN proj_unit x ON x.pole_no = u.pole_no AND x.siren = u.siren AND x.department_code = u.department_code
                       AND x.role_id = u.role_id
)`
}

// changedUnitsCTE defines, after WITH, pole_in(pole_no, id) of the poles
// $5, chg(pole_no, pole_id, siren) the changed companies $7/$8, and their
// department units now: unit, c_skill_fig and c_role_fig (figuresCTE's at
// $1..$4). With projects, chg_project(pole_no, siren, role_id, headcount)
// their pole's project needs of year $2 at their sites and
// chg_extra(pole_no, siren, skill_id, extra) what those add to required.
func changedUnitsCTE(projects bool) string {
	cte := `
pole_in AS (
  SELECT (u.ord - 1)::int AS pole_no, u.id FROM unnest($5::text[]) WITH ORDINALITY AS u(id, ord)
),
chg AS (
  SELECT pi.pole_no, pi.id AS pole_id, c.siren
  FROM unnest($7::text[], $8::text[]) AS c(pole_id, siren) JOIN pole_in pi ON pi.id = c.pole_id
),
member AS (
  -- Only the changed companies' units are computed; departmentUnitsCTE
  -- reads member.
  SELECT DISTINCT c.pole_no, m.siren
  FROM chg c JOIN memberships m ON m.pole_id = c.pole_id AND m.siren = c.siren AND ` + activeMembership + `
),` + departmentUnitsCTE + `,` + changedFigures
	if !projects {
		return cte
	}
	return cte + `,
chg_project AS (
  SELECT mb.pole_no, sp.siren, pn.role_id, sum(pn.headcount)::int AS headcount
  FROM member mb
  JOIN pole_in pi ON pi.pole_no = mb.pole_no
  JOIN site_places sp ON sp.siren = mb.siren
  JOIN project_needs pn ON pn.siret = sp.siret AND pn.year = $2::int
  JOIN projects pr ON pr.id = pn.project_id AND pr.pole_id = pi.id
  GROUP BY 1, 2, 3
  HAVING sum(pn.headcount) > 0
),
chg_extra AS (
  SELECT p.pole_no, p.siren, rs.skill_id, sum(p.headcount)::int AS extra
  FROM chg_project p JOIN role_skills rs ON rs.role_id = p.role_id AND rs.essential
  GROUP BY 1, 2, 3
)`
}

// The poles' skill and role figures, the companies counts and the
// companies' role gaps are derived from the part's own pole rows rather
// than from all its units: the part's sums, minus what it kept of the
// changed companies, plus their figures now (deltaSeries does the same for
// trends). Only the few companies' rows are read and summed, where a pass
// over a national pole's ~140,000 kept units took 0.3–0.4 s. The level
// needed, a maximum, is derived again from the resulting roles (as
// figuresCTE's demand does); a companies count changes by the changed
// companies whose company-scope gap (with the plan: gapAfterPlan) turned
// positive or not. With projects, the part's rows are those of its run
// with projects; the project needs, which no company's write changes, add
// the same to the figures before and after and cancel out, but for the
// counts, which compare the changed companies' gaps with them.

// partDeltaCTE defines, after WITH, the poles' role_fig and skill_fig (with
// companies_with_gap and companies_with_gap_after_plan), unit_no the
// pole's index, from the part's rows of run $9 (with projects, the run
// with projects), the kept units at run $6 of the changed companies
// ($7/$8) and their units now ($1..$5 as derivedUnitsCTE's).
func partDeltaCTE(projects bool) string {
	extra, extraJoin := `0`, ``
	if projects {
		extra = `coalesce(x.extra, 0)`
		extraJoin = `
  LEFT JOIN chg_extra x ON x.pole_no = coalesce(n.pole_no, o.pole_no) AND x.siren = coalesce(n.siren, o.siren)
                       AND x.skill_id = coalesce(n.skill_id, o.skill_id)`
	}
	return changedUnitsCTE(projects) + `,
now_skill AS (
  SELECT un.pole_no, un.siren, sf.skill_id, sum(sf.required) AS required, sum(sf.qualified) AS qualified,
         sum(sf.upskillable) AS upskillable, sum(sf.internal_pool) AS internal_pool,
         sum(sf.qualified_with_plan) AS qualified_with_plan
  FROM c_skill_fig sf JOIN unit un ON un.unit_no = sf.unit_no
  GROUP BY 1, 2, 3
),
old_skill AS (
  SELECT c.pole_no, c.siren, u.skill_id, sum(u.required) AS required, sum(u.qualified) AS qualified,
         sum(u.upskillable) AS upskillable, sum(u.internal_pool) AS internal_pool,
         sum(u.qualified_with_plan) AS qualified_with_plan
  FROM chg c JOIN rollup_unit_skills u ON u.run_id = $6 AND u.pole_id = c.pole_id AND u.siren = c.siren
  GROUP BY 1, 2, 3
),
company_delta AS (
  SELECT coalesce(n.pole_no, o.pole_no) AS pole_no, coalesce(n.skill_id, o.skill_id) AS skill_id,
         coalesce(n.required, 0) - coalesce(o.required, 0) AS required,
         coalesce(n.qualified, 0) - coalesce(o.qualified, 0) AS qualified,
         coalesce(n.upskillable, 0) - coalesce(o.upskillable, 0) AS upskillable,
         coalesce(n.internal_pool, 0) - coalesce(o.internal_pool, 0) AS internal_pool,
         coalesce(n.qualified_with_plan, 0) - coalesce(o.qualified_with_plan, 0) AS qualified_with_plan,
         (coalesce(n.required, 0) + ` + extra + ` > coalesce(n.qualified, 0))::int
           - (coalesce(o.required, 0) + ` + extra + ` > coalesce(o.qualified, 0))::int AS companies,
         (coalesce(n.required, 0) + ` + extra + ` > coalesce(n.qualified_with_plan, 0))::int
           - (coalesce(o.required, 0) + ` + extra + ` > coalesce(o.qualified_with_plan, 0))::int AS companies_after_plan
  FROM now_skill n
  FULL JOIN old_skill o ON o.pole_no = n.pole_no AND o.siren = n.siren AND o.skill_id = n.skill_id` + extraJoin + `
),
role_fig AS (
  SELECT unit_no, role_id, sum(headcount)::int AS headcount, sum(stayers)::int AS stayers, sum(target)::int AS target
  FROM (SELECT pi.pole_no AS unit_no, r.role_id, r.headcount, r.stayers, r.target
        FROM pole_in pi JOIN rollup_pole_roles r ON r.run_id = $9 AND r.pole_id = pi.id
        UNION ALL
        SELECT c.pole_no, u.role_id, -u.headcount, -u.stayers, -u.target
        FROM chg c JOIN rollup_unit_roles u ON u.run_id = $6 AND u.pole_id = c.pole_id AND u.siren = c.siren
        UNION ALL
        SELECT un.pole_no, rf.role_id, rf.headcount, rf.stayers, rf.target
        FROM c_role_fig rf JOIN unit un ON un.unit_no = rf.unit_no) x
  GROUP BY unit_no, role_id
  HAVING sum(headcount) > 0 OR sum(target) > 0
),
need_level AS (
  SELECT rf.unit_no, r.skill_id, max(r.level) AS level_needed
  FROM role_fig rf JOIN req r ON r.role_id = rf.role_id
  GROUP BY rf.unit_no, r.skill_id
),
skill_fig AS (
  SELECT x.unit_no, x.skill_id, sum(x.required)::int AS required, sum(x.qualified)::int AS qualified,
         sum(x.upskillable)::int AS upskillable, sum(x.internal_pool)::int AS internal_pool,
         coalesce(max(nl.level_needed), 0)::int AS level_needed, sum(x.qualified_with_plan)::int AS qualified_with_plan,
         sum(x.companies)::int AS companies_with_gap, sum(x.companies_after_plan)::int AS companies_with_gap_after_plan
  FROM (SELECT pi.pole_no AS unit_no, r.skill_id, r.required, r.qualified, r.upskillable, r.internal_pool,
               r.qualified_with_plan, r.companies_with_gap AS companies, r.companies_with_gap_after_plan AS companies_after_plan
        FROM pole_in pi JOIN rollup_pole_skills r ON r.run_id = $9 AND r.pole_id = pi.id
        UNION ALL
        SELECT pole_no, skill_id, required, qualified, upskillable, internal_pool, qualified_with_plan,
               companies, companies_after_plan
        FROM company_delta
        UNION ALL
        SELECT unit_no, skill_id, 0, 0, 0, 0, 0, 0, 0 FROM need_level) x
  LEFT JOIN need_level nl ON nl.unit_no = x.unit_no AND nl.skill_id = x.skill_id
  GROUP BY x.unit_no, x.skill_id
)`
}

// base is the run whose pole rows a derivation for p starts from: with
// projects, the run with projects.
func (d derivation) base(p Params) int64 {
	if p.IncludeProjects {
		return d.twin
	}
	return d.run
}

// deltaArgs are partDeltaCTE's parameters: derivedArgs', $9 the run whose
// pole rows are derived from.
func deltaArgs(d derivation, p Params, poles []string) []any {
	return append(derivedArgs(d, p, poles), d.base(p))
}

// mobilityArgs are derivedMobilitySQL's parameters: derivedArgs' with $6
// the run whose pole rows are derived from (no kept unit is read).
func mobilityArgs(d derivation, p Params, poles []string) []any {
	args := derivedArgs(d, p, poles)
	args[5] = d.base(p)
	return args
}

// derivedFiguresCTE is unitFigures' CTE for pole scopes derived from their
// stale parts (arr.poles the poles, in the scopes' order).
func derivedFiguresCTE(dc *derivedCtx, arr scopeArrays, p Params) (string, []any) {
	return partDeltaCTE(p.IncludeProjects), deltaArgs(dc.d, p, arr.poles)
}

// derivedCriticalSQL ranks the derived skill_fig: $10 the row bound; the
// columns of rankedSkillsSQL(true).
func derivedCriticalSQL(withPlan, projects bool) string {
	companies, order := `sf.companies_with_gap`, criticalOrder
	if withPlan {
		companies, order = `sf.companies_with_gap_after_plan`, planOrder
	}
	return `WITH ` + partDeltaCTE(projects) + `
SELECT * FROM (
  SELECT sf.unit_no, ` + skillColumns + `, ` + companies + `,
         count(*) OVER (PARTITION BY sf.unit_no) AS total,
         row_number() OVER (PARTITION BY sf.unit_no ORDER BY ` + order + `) AS rn
  FROM skill_fig sf JOIN skills sk ON sk.id = sf.skill_id
  WHERE ` + skillShown + `) x
WHERE rn <= $10::bigint
ORDER BY unit_no, rn`
}

// derivedOpportunitiesSQL counts the derived department units with a
// positive gap, as the rollup's opportunities step does: $9 k, $10 the row
// bound.
func derivedOpportunitiesSQL(projects bool) string {
	return `WITH ` + derivedUnitsCTE(projects) + `,
opportunity AS (
  SELECT pole_no, department_code, skill_id, count(*)::int AS companies,
         sum(required - qualified)::int AS learners, max(level_needed)::int AS level_needed
  FROM d_unit_skill WHERE required > qualified
  GROUP BY pole_no, department_code, skill_id
  HAVING count(*) >= $9
)
` + sharedOpportunitiesSelect(10)
}

// derivedMobilitySQL pairs the derived company role gaps: the part's rows
// of run $6 (with projects, the run with projects: mobilityArgs) for the
// companies not changed, the changed companies' gaps now (plus, with
// projects, their pole's project needs); the similar role pairs are run
// $6's (every pair of a role in surplus and a role needed in the pole when
// its part was built) and those of a role whose surplus or need is a
// changed company's, with any role of the other side (the only pairs that
// can be new, as similarRolesStep's rebuild by company finds them); $9 the
// row bound.
func derivedMobilitySQL(projects bool) string {
	project := ``
	if projects {
		project = `
        UNION ALL
        SELECT pole_no, siren, role_id, headcount FROM chg_project`
	}
	return `WITH ` + changedUnitsCTE(projects) + `,
company_gap AS (
  SELECT pi.pole_no, r.siren, r.role_id, r.gap
  FROM pole_in pi JOIN rollup_pole_company_roles r ON r.run_id = $6 AND r.pole_id = pi.id
  WHERE NOT EXISTS (SELECT 1 FROM chg c WHERE c.pole_no = pi.pole_no AND c.siren = r.siren)
  UNION ALL
  SELECT pole_no, siren, role_id, sum(gap)::int
  FROM (SELECT un.pole_no, un.siren, rf.role_id, rf.target - rf.stayers AS gap
        FROM c_role_fig rf JOIN unit un ON un.unit_no = rf.unit_no` + project + `) x
  GROUP BY pole_no, siren, role_id
  HAVING sum(gap) <> 0
),
chg_gap AS (
  SELECT DISTINCT g.role_id, g.gap > 0 AS need
  FROM company_gap g JOIN chg c ON c.pole_no = g.pole_no AND c.siren = g.siren
),
` + newSimilarCTE + `,
similar_roles AS (
  SELECT r1, r2, common, union_max FROM rollup_similar_roles WHERE run_id = $6
  UNION
  SELECT r1, r2, common, union_max FROM new_similar
),
` + derivedPathsSelect
}

// derivedPathsSelect is mobilityPathsSelect(9) with each surplus joined
// to its similar roles first (surplus_pair), then to the needs: the
// derived company_gap's row estimates made the planner join every surplus
// of a pole with every need first (1.9 million rows for aerospace-valley,
// 3 s), where the pairs are a few thousand.
var derivedPathsSelect = replaceAll(mobilityPathsSelect(9), [][2]string{
	{`path AS (`, `surplus_pair AS MATERIALIZED (
  SELECT a.pole_no, a.siren, a.role_id, a.gap, s.r2, s.common, s.union_max
  FROM company_gap a JOIN similar_roles s ON s.r1 = a.role_id
  WHERE a.gap < 0
),
path AS (`},
	{`         s.common, s.union_max, -a.gap AS surplus`, `         a.common, a.union_max, -a.gap AS surplus`},
	{`  FROM company_gap a
  JOIN similar_roles s ON s.r1 = a.role_id
  JOIN company_gap b ON b.pole_no = a.pole_no AND b.role_id = s.r2 AND b.gap > 0
  WHERE a.gap < 0`, `  FROM surplus_pair a
  JOIN company_gap b ON b.pole_no = a.pole_no AND b.role_id = a.r2 AND b.gap > 0`},
})

// newSimilarCTE defines role_total and new_similar: similarRolesCTE's
// pairs, over those a derived mobility statement may lack only: a role in
// surplus at a changed company with a role needed in the pole, or a role
// in surplus in the pole with one needed at a changed company (chg_gap).
// Each side is joined on its own, so that the few changed roles drive the
// join of the essential links (an OR of both made it a join of every link
// with every other: 4.5 s at national scale); UNION keeps each (pair,
// skill) once when a pair is on both sides.
const newSimilarCTE = `
role_total AS (
  SELECT role_id, sum(level) AS total FROM req GROUP BY role_id
),
new_link AS (
  SELECT x.role_id AS r1, y.role_id AS r2, x.skill_id, least(x.level, y.level) AS common
  FROM req x JOIN req y ON y.skill_id = x.skill_id AND y.role_id <> x.role_id
  WHERE x.role_id IN (SELECT role_id FROM chg_gap WHERE NOT need)
    AND y.role_id IN (SELECT role_id FROM company_gap WHERE gap > 0)
  UNION
  SELECT x.role_id, y.role_id, x.skill_id, least(x.level, y.level)
  FROM req x JOIN req y ON y.skill_id = x.skill_id AND y.role_id <> x.role_id
  WHERE x.role_id IN (SELECT role_id FROM company_gap WHERE gap < 0)
    AND y.role_id IN (SELECT role_id FROM chg_gap WHERE need)
),
new_similar AS (
  SELECT c.r1, c.r2, c.common, t1.total + t2.total - c.common AS union_max
  FROM (SELECT r1, r2, sum(common) AS common FROM new_link GROUP BY r1, r2) c
  JOIN role_total t1 ON t1.role_id = c.r1
  JOIN role_total t2 ON t2.role_id = c.r2
  WHERE 3 * c.common >= t1.total + t2.total
)`

// errStaleRollup tells a caller of unitFigures that the poles' rollup is
// stale: it tries derive before computing from the data.
var errStaleRollup = errors.New("analytics: the poles' rollup is stale")

// fromDataKey marks a context whose pole figures are computed from the
// data when their rollup is stale (no derivation could answer), and not
// read from steps (the steps of a stale rollup's date are stale too, but
// for a rebuild between the two look-ups).
type fromDataKey struct{}

func fromData(ctx context.Context) context.Context {
	return context.WithValue(ctx, fromDataKey{}, true)
}

// orDerived answers a pole request through unitFigures: compute's answer,
// else when the poles' rollup is stale, the answer derived from the stale
// parts, or when their steps are, the answer derived from the steps,
// else compute's from the data.
func orDerived[P page](ctx context.Context, e *Engine, scopes []Scope, p Params, kind string, args []any,
	compute func(ctx context.Context) (map[Scope]P, error)) (map[Scope]P, error) {
	out, err := compute(ctx)
	lookup := lookupDerivation
	switch {
	case errors.Is(err, errStaleSteps):
		kind, lookup = "steps "+kind, lookupStepsDerivation
	case !errors.Is(err, errStaleRollup):
		return out, err
	}
	np, err := p.normalize()
	if err != nil {
		return out, err
	}
	_, arr, err := distinctScopes(scopes)
	if err != nil {
		return out, err
	}
	out, ok, err := derive(ctx, e, np, arr.poles, kind, args, lookup, compute)
	if err != nil || ok {
		return out, err
	}
	return compute(fromData(ctx))
}
