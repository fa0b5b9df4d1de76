package analytics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/rollup"
)

// Pole rollups. A pole's figures at national scale read every assessment of
// its ~1,000 members' stayers: seconds per request. BuildRollup computes
// them for every pole once per rollup key (package rollup), from the same
// fragments as the live statements, and the methods below read them instead
// whenever every scope is a whole pole, includeOptional is false and a fresh
// rollup of (asOf, H, A) exists; with includeProjects, its run with
// projects (projectsRollupSteps). Everything is derived from one pass over
// (pole, member company, department) units, whose figures are additive:
// a pole's are their sums, a company's are the sums over its departments.

// rollupRun returns the rollup answering p for poles, if their parts are
// fresh. With includeProjects it is the run with projects
// (projectsRollupSteps). stale tells that p's key has a rollup whose parts
// are not all fresh: the answer may be derived from it (derive).
func (e *Engine) rollupRun(ctx context.Context, p Params, poles []string) (run int64, ok, stale bool, err error) {
	if p.IncludeOptional {
		return 0, false, false, nil
	}
	k := rollup.Key{AsOf: p.AsOf, Horizon: p.Horizon, RetirementAge: p.RetirementAge}
	return rollup.PartsState(ctx, e.DB, k, p.IncludeProjects, poleParts(poles))
}

// poleParts names the rollup parts of poles.
func poleParts(poles []string) []string {
	parts := make([]string, len(poles))
	for i, id := range poles {
		parts[i] = rollup.PolePart(id)
	}
	return parts
}

// poleScopes reports whether every scope is a whole pole, which a rollup
// answers.
func poleScopes(list []Scope) bool {
	for _, s := range list {
		if s.PoleID == "" || s.Siren != "" || s.TerritoryLevel != "" {
			return false
		}
	}
	return true
}

// unitFigures returns the CTEs (after WITH) that define skill_fig and
// role_fig for the scopes, and their arguments: read from the fresh rollup
// when it can answer (src fromRollup), else computed from the data.
// The caller's own parameters follow the returned ones.
//
// For poles whose rollup is stale, it returns errStaleRollup unless ctx
// says otherwise: the caller derives its answer from the stale parts
// (derive), in whose context the CTE is the derived one, or computes from
// the data (fromData). Likewise errStaleSteps for poles at another date
// whose steps have not seen a write dated on or before it.
func (e *Engine) unitFigures(ctx context.Context, list []Scope, arr scopeArrays, p Params) (cte string, args []any, src figureSource, err error) {
	if poleScopes(list) {
		if dc, ok := derivedFrom(ctx); ok {
			if dc.d.steps != nil {
				return stepsFiguresCTE, stepsArgs(arr.poles, p, dc.d.steps), fromSteps, nil
			}
			cte, args := derivedFiguresCTE(dc, arr, p)
			return cte, args, fromDerived, nil
		}
		run, ok, stale, err := e.rollupRun(ctx, p, arr.poles)
		if err != nil {
			return "", nil, fromLive, err
		}
		if ok {
			return rollupFiguresCTE, []any{run, pq.Array(arr.poles)}, fromRollup, nil
		}
		if stale && ctx.Value(fromDataKey{}) == nil {
			return "", nil, fromLive, errStaleRollup
		}
		if !stale && ctx.Value(fromDataKey{}) == nil {
			// Another date than a rollup's: the poles' steps, when they
			// answer it, else derived around the companies written since.
			fresh, applicable, err := e.stepsAnswer(ctx, p, arr.poles)
			if err != nil {
				return "", nil, fromLive, err
			}
			if fresh {
				return stepsFiguresCTE, stepsArgs(arr.poles, p, &stepsAdjust{}), fromSteps, nil
			}
			if applicable {
				return "", nil, fromLive, errStaleSteps
			}
		}
	}
	if companyScopes(list) {
		return companySitesCTE + `,` + p.figures(companyUnitPole), []any{p.date(), p.Horizon, p.RetirementAge, p.IncludeOptional,
			pq.Array(arr.sirens)}, fromLive, nil
	}
	return scopeUnitsCTE + `,` + p.figures(scopeUnitPole), []any{p.date(), p.Horizon, p.RetirementAge, p.IncludeOptional,
		pq.Array(arr.sirens), pq.Array(arr.poles), pq.Array(arr.levels), pq.Array(arr.codes)}, fromLive, nil
}

// figureSource says where unitFigures' CTE reads its figures, for the
// statements that rank them differently.
type figureSource int

const (
	fromLive    figureSource = iota // the data
	fromRollup                      // a fresh rollup run (ranks kept)
	fromSteps                       // the poles' steps at the date
	fromDerived                     // stale parts minus changed companies plus their live figures
)

// companyScopes reports whether every scope is a whole company: its sites
// are sites.siren's, with no membership or territory to check.
func companyScopes(list []Scope) bool {
	for _, s := range list {
		if s.Siren == "" || s.PoleID != "" || s.TerritoryLevel != "" {
			return false
		}
	}
	return true
}

// companySitesCTE is scopeUnitsCTE for company scopes only: $5 the sirens.
// The generic one's three-branch lateral union and site_places view cost
// more than the figures of a small company.
const companySitesCTE = `
scope_in AS (
  SELECT (u.ord - 1)::int AS unit_no, u.siren FROM unnest($5::text[]) WITH ORDINALITY AS u(siren, ord)
),
unit_sites AS (
  SELECT si.unit_no, s.siret FROM scope_in si JOIN sites s ON s.siren = si.siren
)`

// rankedSkillsSQL reads the first skills of each pole in the critical order
// from the rollup's gap_rank: $1 the run, $2 the pole ids, $3 the row bound.
// Its columns are those of the skill statements: unit_no, skillColumns,
// (with companies) companies_with_gap, total, rn.
func rankedSkillsSQL(companies bool) string {
	col := ``
	if companies {
		col = ` sf.companies_with_gap,`
	}
	return `
WITH scope_in AS (
  SELECT (u.ord - 1)::int AS unit_no, u.pole_id FROM unnest($2::text[]) WITH ORDINALITY AS u(pole_id, ord)
)
SELECT si.unit_no, ` + skillColumns + `,` + col + `
       (SELECT max(m.gap_rank) FROM rollup_pole_skills m
        WHERE m.run_id = $1 AND m.pole_id = si.pole_id AND m.gap_rank IS NOT NULL) AS total,
       sf.gap_rank AS rn
FROM scope_in si
JOIN rollup_pole_skills sf ON sf.run_id = $1 AND sf.pole_id = si.pole_id AND sf.gap_rank <= $3::bigint
JOIN skills sk ON sk.id = sf.skill_id
ORDER BY si.unit_no, sf.gap_rank`
}

// plannedSkillsSQL reads the first skills of each pole in the critical
// order with the plan (gapAfterPlan, qualifiedWithPlan / required, code),
// ranked from the rollup's rows (a few thousand per pole), with the members
// whose gapAfterPlan is positive: $1 the run, $2 the pole ids, $3 the row
// bound; the columns of rankedSkillsSQL(true).
const plannedSkillsSQL = `
WITH scope_in AS (
  SELECT (u.ord - 1)::int AS unit_no, u.pole_id FROM unnest($2::text[]) WITH ORDINALITY AS u(pole_id, ord)
)
SELECT * FROM (
  SELECT si.unit_no, ` + skillColumns + `, sf.companies_with_gap_after_plan,
         count(*) OVER (PARTITION BY si.unit_no) AS total,
         row_number() OVER (PARTITION BY si.unit_no ORDER BY ` + planOrder + `) AS rn
  FROM scope_in si
  JOIN rollup_pole_skills sf ON sf.run_id = $1 AND sf.pole_id = si.pole_id
  JOIN skills sk ON sk.id = sf.skill_id
  WHERE ` + skillShown + `) x
WHERE rn <= $3::bigint
ORDER BY unit_no, rn`

// rollupFiguresCTE: $1 the rollup run, $2 the pole ids (unit_no indexes them).
const rollupFiguresCTE = `
scope_in AS (
  SELECT (u.ord - 1)::int AS unit_no, u.pole_id FROM unnest($2::text[]) WITH ORDINALITY AS u(pole_id, ord)
),
skill_fig AS (
  SELECT si.unit_no, r.skill_id, r.required, r.qualified, r.upskillable, r.internal_pool, r.level_needed,
         r.companies_with_gap, r.qualified_with_plan
  FROM scope_in si JOIN rollup_pole_skills r ON r.run_id = $1 AND r.pole_id = si.pole_id
),
role_fig AS (
  SELECT si.unit_no, r.role_id, r.headcount, r.stayers, r.target
  FROM scope_in si JOIN rollup_pole_roles r ON r.run_id = $1 AND r.pole_id = si.pole_id
)`

// rollupPoles is pole_in (pole_no, id) over $2, for the strategy statements
// reading run $1.
const rollupPoles = `
pole_in AS (
  SELECT (u.ord - 1)::int AS pole_no, u.id FROM unnest($2::text[]) WITH ORDINALITY AS u(id, ord)
)`

// BuildRollup fills the pole rollup tables: one part per pole
// (rollup.PolePart), so that a write to a company rebuilds only its poles'
// figures.
var BuildRollup = rollup.Builder{Parts: allPoleParts, Build: buildRollup}

func allPoleParts(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
	var poles []string
	if err := sqlx.SelectContext(ctx, q, &poles, `SELECT id FROM poles ORDER BY id`); err != nil {
		return nil, fmt.Errorf("pole rollup: poles: %w", err)
	}
	return poleParts(poles), nil
}

// buildRollup fills the pole rollup tables of run (and of its run with
// projects) for every pole, or replaces the rows of the poles of parts.
// A pole's rows depend on its members' data only, but for the similar
// role pairs, shared by the run: a pole's mobility paths join them with
// its own surpluses and needs, so any superset of the pairs its members
// need gives the same answers, and a rebuild adds the pairs its poles need.
//
// The (pole, company, department) units are kept with run (migration 0016).
// A pole whose part is stale only through writes to a few of its companies
// (rollup.CompanyChanges) is rebuilt by company: only those companies' units
// are computed again, in place of their kept ones, and the pole's figures
// (both runs) are derived from all its kept units, with the same
// statements as after a whole build; other poles compute every member's
// units. Every unit kept is of the part's snapshot: the others' changes
// being all seen by it, their units computed then are still theirs.
func buildRollup(ctx context.Context, tx *sqlx.Tx, run int64, k rollup.Key, parts []string) error {
	var poles []string
	var withProjects int64
	// The poles rebuilt by company and the companies whose units each
	// recomputes (parallel arrays); the other poles recompute every
	// member's. Never nil: pq.Array(nil) is NULL, which = ANY never
	// matches.
	incrPoles, incrSirens := []string{}, []string{}
	byCompany := false
	if parts == nil {
		if err := tx.SelectContext(ctx, &poles, `SELECT id FROM poles ORDER BY id`); err != nil {
			return fmt.Errorf("pole rollup: poles: %w", err)
		}
	} else {
		for _, p := range parts {
			id, ok := strings.CutPrefix(p, rollup.PolePart(""))
			if !ok {
				return fmt.Errorf("pole rollup: not a pole's part: %q", p)
			}
			poles = append(poles, id)
			sirens, ok, err := rollup.CompanyChanges(ctx, tx, run, p)
			if err != nil {
				return fmt.Errorf("pole rollup: %w", err)
			}
			if ok {
				for _, siren := range sirens {
					incrPoles, incrSirens = append(incrPoles, id), append(incrSirens, siren)
				}
				if len(sirens) == 0 {
					// Nothing to recompute: the pole's figures are derived
					// again from its kept units. An empty siren matches no
					// member but marks the pole as rebuilt by company.
					incrPoles, incrSirens = append(incrPoles, id), append(incrSirens, "")
				}
			}
		}
		var err error
		if withProjects, err = rollup.TwinRun(ctx, tx, run); err != nil {
			return fmt.Errorf("pole rollup: %w", err)
		}
		// Every pole rebuilt by company (the refresher rebuilds one part
		// at a time): the role pairs its role gaps had are already paired
		// (similarRolesStep).
		byCompany = len(incrPoles) > 0
		for _, id := range poles {
			byCompany = byCompany && slices.Contains(incrPoles, id)
		}
		if byCompany {
			if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE rollup_paired_gap ON COMMIT DROP AS
SELECT DISTINCT run_id, pole_id, role_id, gap > 0 AS need FROM rollup_pole_company_roles
WHERE run_id IN ($1, $2) AND pole_id = ANY($3)`, run, withProjects, pq.Array(poles)); err != nil {
				return fmt.Errorf("pole rollup: paired gaps: %w", err)
			}
		}
		for _, t := range []string{"rollup_pole_skills", "rollup_pole_roles", "rollup_pole_opportunities", "rollup_pole_company_roles"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE run_id IN ($1, $2) AND pole_id = ANY($3)`,
				run, withProjects, pq.Array(poles)); err != nil {
				return fmt.Errorf("pole rollup: clear %s: %w", t, err)
			}
		}
	}
	steps := []rollupStep{
		{"units", `CREATE TEMP TABLE rollup_unit_skill (
  pole_id text, siren text, department_code text, skill_id int,
  required int, qualified int, upskillable int, internal_pool int, level_needed int,
  qualified_with_plan int) ON COMMIT DROP`, nil},
		{"units", `CREATE TEMP TABLE rollup_unit_role (
  pole_id text, siren text, department_code text, role_id int, headcount int, stayers int, target int) ON COMMIT DROP`, nil},
	}
	units, err := unitFigureSteps(ctx, tx, k, poles, incrPoles, incrSirens)
	if err != nil {
		return err
	}
	steps = append(steps, units...)
	steps = append(steps, keepUnitsSteps(run, poles, incrPoles, incrSirens, parts == nil)...)
	steps = append(steps, []rollupStep{
		{"analyze", `ANALYZE rollup_unit_skill`, nil},
		{"analyze", `ANALYZE rollup_unit_role`, nil},
		{"pole skills", `
INSERT INTO rollup_pole_skills
WITH pole_skill AS (
  SELECT pole_id, skill_id, sum(required)::int AS required, sum(qualified)::int AS qualified,
         sum(upskillable)::int AS upskillable, sum(internal_pool)::int AS internal_pool,
         max(level_needed)::int AS level_needed, count(*) FILTER (WHERE required > qualified)::int AS companies,
         sum(qualified_with_plan)::int AS qualified_with_plan,
         count(*) FILTER (WHERE required > qualified_with_plan)::int AS companies_after_plan
  FROM (SELECT pole_id, siren, skill_id, sum(required) AS required, sum(qualified) AS qualified,
               sum(upskillable) AS upskillable, sum(internal_pool) AS internal_pool, max(level_needed) AS level_needed,
               sum(qualified_with_plan) AS qualified_with_plan
        FROM rollup_unit_skill GROUP BY pole_id, siren, skill_id) company
  GROUP BY pole_id, skill_id
)
SELECT $1, sf.pole_id, sf.skill_id, sf.required, sf.qualified, sf.upskillable, sf.internal_pool, sf.level_needed,
       sf.companies,
       CASE WHEN ` + skillShown + ` THEN row_number() OVER (PARTITION BY sf.pole_id, ` + skillShown + `
                                                          ORDER BY ` + criticalOrder + `) END,
       sf.qualified_with_plan, sf.companies_after_plan
FROM pole_skill sf JOIN skills sk ON sk.id = sf.skill_id
ORDER BY sf.pole_id, 10`, []any{run}},
		{"pole roles", `
INSERT INTO rollup_pole_roles
SELECT $1, pole_id, role_id, sum(headcount), sum(stayers), sum(target)
FROM rollup_unit_role GROUP BY pole_id, role_id`, []any{run}},
		{"opportunities", `
INSERT INTO rollup_pole_opportunities
SELECT $1, o.*, row_number() OVER (PARTITION BY o.pole_id
  ORDER BY o.learners DESC, o.companies DESC, o.department_code COLLATE "C", sk.code COLLATE "C")
FROM (SELECT pole_id, department_code, skill_id, count(*)::int AS companies, sum(required - qualified)::int AS learners,
             max(level_needed)::int AS level_needed
      FROM rollup_unit_skill WHERE required > qualified
      GROUP BY pole_id, department_code, skill_id) o
JOIN skills sk ON sk.id = o.skill_id
ORDER BY o.pole_id, 8`, []any{run}},
		{"company roles", `
INSERT INTO rollup_pole_company_roles
SELECT $1, pole_id, siren, role_id, sum(target) - sum(stayers)
FROM rollup_unit_role GROUP BY pole_id, siren, role_id
HAVING sum(target) <> sum(stayers)`, []any{run}},
		similarRolesStep(run, poles, byCompany),
	}...)
	for _, s := range steps {
		if err := rollup.Exec(ctx, tx, s.sql, s.args...); err != nil {
			return fmt.Errorf("pole rollup: %s: %w", s.name, err)
		}
	}
	if parts == nil {
		var err error
		if withProjects, err = rollup.ProjectsRun(ctx, tx, run); err != nil {
			return fmt.Errorf("pole rollup: %w", err)
		}
	}
	for _, s := range projectsRollupSteps(run, withProjects, k, poles, byCompany) {
		if err := rollup.Exec(ctx, tx, s.sql, s.args...); err != nil {
			return fmt.Errorf("pole rollup with projects: %s: %w", s.name, err)
		}
	}
	return nil
}

// unitFigureSteps compute the units of poles into the temporary tables
// (rollupUnitsSQL): every member's, but for the poles in incrPoles, whose
// units are those of the companies of incrSirens (the parallel array). One
// statement; in a paced build (rollup.Paced), one per piece of about
// pacedUnitEmployees employees, which compute the same units: a unit is one
// company's, whatever the others computed with it.
func unitFigureSteps(ctx context.Context, tx *sqlx.Tx, k rollup.Key, poles, incrPoles, incrSirens []string) ([]rollupStep, error) {
	step := func(poles, incrPoles, incrSirens []string) rollupStep {
		return rollupStep{"unit figures", rollupUnitsSQL, []any{k.AsOf.Format(time.DateOnly), k.Horizon, k.RetirementAge, false,
			pq.Array(poles), pq.Array(incrPoles), pq.Array(incrSirens)}}
	}
	if !rollup.Paced(ctx) {
		return []rollupStep{step(poles, incrPoles, incrSirens)}, nil
	}
	// The (pole, company) pairs to compute and their employees, the
	// largest first so that a piece's size is known before it closes.
	var pairs []struct {
		Pole      string `db:"pole_id"`
		Siren     string `db:"siren"`
		Employees int    `db:"employees"`
	}
	if err := tx.SelectContext(ctx, &pairs, `
WITH pair AS (
  SELECT m.pole_id, m.siren FROM memberships m
  WHERE m.pole_id = ANY($2) AND NOT m.pole_id = ANY($3) AND `+activeMembership+`
  UNION
  SELECT c.pole_id, c.siren FROM unnest($3::text[], $4::text[]) AS c(pole_id, siren)
)
SELECT p.pole_id, p.siren,
       (SELECT count(*) FROM sites s JOIN employees e ON e.siret = s.siret WHERE s.siren = p.siren)::int AS employees
FROM pair p
ORDER BY 3 DESC, 1, 2`, k.AsOf.Format(time.DateOnly), pq.Array(poles), pq.Array(incrPoles), pq.Array(incrSirens)); err != nil {
		return nil, fmt.Errorf("pole rollup: members: %w", err)
	}
	var steps []rollupStep
	var pp, ps []string
	size := 0
	flush := func() {
		if len(pp) == 0 {
			return
		}
		// Only the pieces' poles, each restricted to its pairs.
		steps = append(steps, step(slices.Compact(slices.Sorted(slices.Values(pp))), pp, ps))
		pp, ps, size = nil, nil, 0
	}
	for _, p := range pairs {
		if size > 0 && size+p.Employees > pacedUnitEmployees {
			flush()
		}
		pp, ps = append(pp, p.Pole), append(ps, p.Siren)
		size += p.Employees
	}
	flush()
	return steps, nil
}

// pacedUnitEmployees is the size of a paced build's pieces of units.
// Measured at national scale under the benchmark's read load: pieces of
// 2,000 employees take 0.3–1 s each (27 for aerospace-valley's 1,062
// members); pieces of 500 still take 0.3 s, the statement's cost being
// mostly its own, and made the build 2.3 times longer for no steadier
// reads.
var pacedUnitEmployees = 2000

type rollupStep struct {
	name string
	sql  string
	args []any
}

// similarRolesStep adds to run the pairs of similar roles that the mobility
// paths of poles read: a role one of their members has in surplus, with a
// role one of them needs (similarRolesCTE). The pairs depend only on the
// referential, so the run keeps them for every pole. With byCompany (every
// pole of the rebuild rebuilt by company: no change of the referential
// since their parts were built, which paired the roles their gaps had
// then; those gaps are in rollup_paired_gap) only the pairs of a role
// whose sign of gap is new in its pole are computed: after one company's
// import, a few or none, instead of the self-join of the essential links
// that takes seconds.
func similarRolesStep(run int64, poles []string, byCompany bool) rollupStep {
	if !byCompany {
		return rollupStep{"similar roles", `
INSERT INTO rollup_similar_roles
WITH req AS (SELECT rs.role_id, rs.skill_id, rs.level FROM role_skills rs WHERE rs.essential),
company_gap AS (SELECT role_id, gap FROM rollup_pole_company_roles WHERE run_id = $1 AND pole_id = ANY($2)),
` + similarRolesCTE + `
SELECT $1, r1, r2, common, union_max FROM similar_roles
ON CONFLICT DO NOTHING`, []any{run, pq.Array(poles)}}
	}
	return rollupStep{"similar roles", `
INSERT INTO rollup_similar_roles
WITH req AS (SELECT rs.role_id, rs.skill_id, rs.level FROM role_skills rs WHERE rs.essential),
gap AS (
  SELECT DISTINCT pole_id, role_id, gap > 0 AS need FROM rollup_pole_company_roles
  WHERE run_id = $1 AND pole_id = ANY($2)
),
-- A pair (surplus s, need n) of a pole is new unless s was in surplus and
-- n needed there already: s or n is a fresh sign. Hashed set differences:
-- the pole's pairs tested one by one against the old signs took 5-7 s
-- at national scale (a thousand roles a side).
fresh AS (
  SELECT pole_id, role_id, need FROM gap
  EXCEPT
  SELECT pole_id, role_id, need FROM rollup_paired_gap WHERE run_id = $1
),
new_pair AS (
  SELECT s.role_id AS r1, n.role_id AS r2
  FROM fresh s JOIN gap n ON n.pole_id = s.pole_id AND n.need
  WHERE NOT s.need
  UNION
  SELECT s.role_id, n.role_id
  FROM gap s JOIN fresh n ON n.pole_id = s.pole_id AND n.need
  WHERE NOT s.need
),
` + newPairsCTE + `
SELECT $1, r1, r2, common, union_max FROM similar_roles
ON CONFLICT DO NOTHING`, []any{run, pq.Array(poles)}}
}

// newPairsCTE is similarRolesCTE over the pairs of new_pair(r1, r2) only.
var newPairsCTE = replaceAll(similarRolesCTE, [][2]string{{`
        FROM req x JOIN req y ON y.skill_id = x.skill_id AND y.role_id <> x.role_id
        WHERE x.role_id IN (SELECT role_id FROM company_gap WHERE gap < 0)
          AND y.role_id IN (SELECT role_id FROM company_gap WHERE gap > 0)`, `
        FROM new_pair np
        JOIN req x ON x.role_id = np.r1
        JOIN req y ON y.role_id = np.r2 AND y.skill_id = x.skill_id AND y.role_id <> x.role_id`}})

// projectsRollupSteps fill run withProjects, the pole figures with
// includeProjects, from run's and the units' figures still in the
// temporary tables. With projects, a unit's target of role r gains the
// headcount of its pole's project needs of year H at the unit's sites
// (projectFigures); nothing else of the unit changes. So, per unit with such
// needs (a few per pole: the partners' sites), required(s) gains the needs
// of the roles requiring s and level_needed their levels; role figures and
// company role gaps gain the needs; and what counts units or companies with
// a positive gap (companiesWithGap, with and without the plan, and the
// shared opportunities of the departments where such units are) is counted
// again over the units and companies concerned. Poles without project needs
// at H get a copy of their figures. byCompany is similarRolesStep's. The live statements with projects give
// the same answers (rollup_test.go).
func projectsRollupSteps(run, withProjects int64, k rollup.Key, poles []string, byCompany bool) []rollupStep {
	pa := pq.Array(poles)
	return []rollupStep{
		{"project units", `CREATE TEMP TABLE rollup_unit_project (
  pole_id text, siren text, department_code text, role_id int, headcount int) ON COMMIT DROP`, nil},
		{"project units", `
INSERT INTO rollup_unit_project
SELECT pr.pole_id, sp.siren, sp.department_code, pn.role_id, sum(pn.headcount)::int
FROM project_needs pn
JOIN projects pr ON pr.id = pn.project_id
JOIN site_places sp ON sp.siret = pn.siret
WHERE pn.year = $2::int AND pr.pole_id = ANY($3)
  AND EXISTS (SELECT 1 FROM memberships m WHERE m.pole_id = pr.pole_id AND m.siren = sp.siren AND ` + activeMembership + `)
GROUP BY 1, 2, 3, 4
HAVING sum(pn.headcount) > 0`, []any{k.AsOf.Format("2006-01-02"), k.Horizon, pa}},
		{"project unit skills", `CREATE TEMP TABLE rollup_unit_project_skill ON COMMIT DROP AS
SELECT u.pole_id, u.siren, u.department_code, rs.skill_id, sum(u.headcount)::int AS extra, max(rs.level)::int AS level
FROM rollup_unit_project u JOIN role_skills rs ON rs.role_id = u.role_id AND rs.essential
GROUP BY 1, 2, 3, 4`, nil},
		{"pole roles", `
INSERT INTO rollup_pole_roles
SELECT $2, coalesce(r.pole_id, p.pole_id), coalesce(r.role_id, p.role_id), coalesce(r.headcount, 0),
       coalesce(r.stayers, 0), coalesce(r.target, 0) + coalesce(p.headcount, 0)
FROM (SELECT * FROM rollup_pole_roles WHERE run_id = $1 AND pole_id = ANY($3)) r
FULL JOIN (SELECT pole_id, role_id, sum(headcount)::int AS headcount FROM rollup_unit_project GROUP BY 1, 2) p
  ON p.pole_id = r.pole_id AND p.role_id = r.role_id`, []any{run, withProjects, pa}},
		{"company roles", `
INSERT INTO rollup_pole_company_roles
SELECT $2, coalesce(c.pole_id, p.pole_id), coalesce(c.siren, p.siren), coalesce(c.role_id, p.role_id),
       coalesce(c.gap, 0) + coalesce(p.headcount, 0)
FROM (SELECT * FROM rollup_pole_company_roles WHERE run_id = $1 AND pole_id = ANY($3)) c
FULL JOIN (SELECT pole_id, siren, role_id, sum(headcount)::int AS headcount FROM rollup_unit_project GROUP BY 1, 2, 3) p
  ON p.pole_id = c.pole_id AND p.siren = c.siren AND p.role_id = c.role_id
WHERE coalesce(c.gap, 0) + coalesce(p.headcount, 0) <> 0`, []any{run, withProjects, pa}},
		similarRolesStep(withProjects, poles, byCompany),
		{"pole skills", `
INSERT INTO rollup_pole_skills
WITH company_extra AS (
  -- Per member company and skill, what its pole's project needs add to
  -- required(s) over all its sites.
  SELECT pole_id, siren, skill_id, sum(extra) AS extra FROM rollup_unit_project_skill GROUP BY 1, 2, 3
),
company_plain AS (
  SELECT u.pole_id, u.siren, u.skill_id, sum(u.required) AS required, sum(u.qualified) AS qualified,
         sum(u.qualified_with_plan) AS qualified_with_plan
  FROM rollup_unit_skill u
  WHERE EXISTS (SELECT 1 FROM company_extra x WHERE x.pole_id = u.pole_id AND x.siren = u.siren AND x.skill_id = u.skill_id)
  GROUP BY 1, 2, 3
),
added AS (
  -- What projects add to each pole's skill: required, and the change in
  -- the members with a positive company-scope gap (and gapAfterPlan).
  SELECT x.pole_id, x.skill_id, sum(x.extra) AS extra,
         sum((coalesce(c.required, 0) + x.extra > coalesce(c.qualified, 0))::int
           - (coalesce(c.required, 0) > coalesce(c.qualified, 0))::int) AS companies,
         sum((coalesce(c.required, 0) + x.extra > coalesce(c.qualified_with_plan, 0))::int
           - (coalesce(c.required, 0) > coalesce(c.qualified_with_plan, 0))::int) AS companies_after_plan
  FROM company_extra x LEFT JOIN company_plain c ON c.pole_id = x.pole_id AND c.siren = x.siren AND c.skill_id = x.skill_id
  GROUP BY 1, 2
),
added_level AS (
  SELECT pole_id, skill_id, max(level) AS level FROM rollup_unit_project_skill GROUP BY 1, 2
),
pole_skill AS (
  SELECT coalesce(p.pole_id, a.pole_id) AS pole_id, coalesce(p.skill_id, a.skill_id) AS skill_id,
         (coalesce(p.required, 0) + coalesce(a.extra, 0))::int AS required, coalesce(p.qualified, 0) AS qualified,
         coalesce(p.upskillable, 0) AS upskillable, coalesce(p.internal_pool, 0) AS internal_pool,
         greatest(coalesce(p.level_needed, 0), coalesce(l.level, 0)) AS level_needed,
         (coalesce(p.companies_with_gap, 0) + coalesce(a.companies, 0))::int AS companies,
         coalesce(p.qualified_with_plan, 0) AS qualified_with_plan,
         (coalesce(p.companies_with_gap_after_plan, 0) + coalesce(a.companies_after_plan, 0))::int AS companies_after_plan
  FROM (SELECT * FROM rollup_pole_skills WHERE run_id = $1 AND pole_id = ANY($3)) p
  FULL JOIN added a ON a.pole_id = p.pole_id AND a.skill_id = p.skill_id
  LEFT JOIN added_level l ON l.pole_id = coalesce(p.pole_id, a.pole_id) AND l.skill_id = coalesce(p.skill_id, a.skill_id)
)
SELECT $2, sf.pole_id, sf.skill_id, sf.required, sf.qualified, sf.upskillable, sf.internal_pool, sf.level_needed,
       sf.companies,
       CASE WHEN ` + skillShown + ` THEN row_number() OVER (PARTITION BY sf.pole_id, ` + skillShown + `
                                                          ORDER BY ` + criticalOrder + `) END,
       sf.qualified_with_plan, sf.companies_after_plan
FROM pole_skill sf JOIN skills sk ON sk.id = sf.skill_id
ORDER BY sf.pole_id, 10`, []any{run, withProjects, pa}},
		{"opportunities", `
INSERT INTO rollup_pole_opportunities
WITH touched AS (
  -- The (pole, department) pairs with a unit whose figures projects change:
  -- their opportunities are counted again; the others' are copied.
  SELECT DISTINCT pole_id, department_code FROM rollup_unit_project_skill
),
unit_skill AS (
  SELECT coalesce(u.pole_id, x.pole_id) AS pole_id, coalesce(u.department_code, x.department_code) AS department_code,
         coalesce(u.skill_id, x.skill_id) AS skill_id,
         coalesce(u.required, 0) + coalesce(x.extra, 0) AS required, coalesce(u.qualified, 0) AS qualified,
         greatest(coalesce(u.level_needed, 0), coalesce(x.level, 0)) AS level_needed
  FROM (SELECT u.* FROM rollup_unit_skill u
        JOIN touched t ON t.pole_id = u.pole_id AND t.department_code = u.department_code) u
  FULL JOIN rollup_unit_project_skill x
    ON x.pole_id = u.pole_id AND x.siren = u.siren AND x.department_code = u.department_code AND x.skill_id = u.skill_id
),
o AS (
  SELECT pole_id, department_code, skill_id, count(*)::int AS companies, sum(required - qualified)::int AS learners,
         max(level_needed)::int AS level_needed
  FROM unit_skill WHERE required > qualified
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT r.pole_id, r.department_code, r.skill_id, r.companies, r.learners, r.level_needed
  FROM rollup_pole_opportunities r
  WHERE r.run_id = $1 AND r.pole_id = ANY($3)
    AND NOT EXISTS (SELECT 1 FROM touched t WHERE t.pole_id = r.pole_id AND t.department_code = r.department_code)
)
SELECT $2, o.*, row_number() OVER (PARTITION BY o.pole_id
  ORDER BY o.learners DESC, o.companies DESC, o.department_code COLLATE "C", sk.code COLLATE "C")
FROM o JOIN skills sk ON sk.id = o.skill_id
ORDER BY o.pole_id, 8`, []any{run, withProjects, pa}},
	}
}

// keepUnitsSteps keep the units just computed in the temporary tables with
// run (migration 0016): a whole build (whole) adds every pole's; a rebuild
// replaces the units of poles, only those of the companies in incrSirens
// for the poles rebuilt by company (incrPoles, the parallel array), and
// then loads every unit of poles back into the temporary tables, from
// which the steps after derive the pole figures as after a whole build.
func keepUnitsSteps(run int64, poles, incrPoles, incrSirens []string, whole bool) []rollupStep {
	pa, ip, is := pq.Array(poles), pq.Array(incrPoles), pq.Array(incrSirens)
	var steps []rollupStep
	if !whole {
		for _, t := range []string{"rollup_unit_skills", "rollup_unit_roles"} {
			steps = append(steps, rollupStep{"replace units", `
DELETE FROM ` + t + ` u
WHERE u.run_id = $1 AND u.pole_id = ANY($2)
  AND (NOT u.pole_id = ANY($3)
       OR (u.pole_id, u.siren) IN (SELECT c.pole_id, c.siren FROM unnest($3::text[], $4::text[]) AS c(pole_id, siren)))`,
				[]any{run, pa, ip, is}})
		}
	}
	steps = append(steps,
		rollupStep{"keep units", `INSERT INTO rollup_unit_skills SELECT $1, u.* FROM rollup_unit_skill u`, []any{run}},
		rollupStep{"keep units", `INSERT INTO rollup_unit_roles SELECT $1, u.* FROM rollup_unit_role u`, []any{run}})
	if len(incrPoles) > 0 {
		steps = append(steps,
			rollupStep{"load units", `TRUNCATE rollup_unit_skill, rollup_unit_role`, nil},
			rollupStep{"load units", `
INSERT INTO rollup_unit_skill
SELECT pole_id, siren, department_code, skill_id, required, qualified, upskillable, internal_pool, level_needed,
       qualified_with_plan
FROM rollup_unit_skills WHERE run_id = $1 AND pole_id = ANY($2)`, []any{run, pa}},
			rollupStep{"load units", `
INSERT INTO rollup_unit_role
SELECT pole_id, siren, department_code, role_id, headcount, stayers, target
FROM rollup_unit_roles WHERE run_id = $1 AND pole_id = ANY($2)`, []any{run, pa}})
	}
	return steps
}

// rollupUnitsSQL computes the figures of (pole, member company, department)
// units into the temporary tables, in one statement so that the figures are
// computed once for both: $1..$4 the parameters, $5 the poles; of every
// member, except for the poles in $6, whose units are only those of the
// companies of the parallel array $7 (rebuilt by company: keepUnitsSteps).
var rollupUnitsSQL = `WITH ` + replaceAll(poleMembersCTE, [][2]string{{`
  FROM pole_in pi JOIN memberships m ON m.pole_id = pi.id AND ` + activeMembership + `
)`, `
  FROM pole_in pi JOIN memberships m ON m.pole_id = pi.id AND ` + activeMembership + `
  WHERE NOT pi.id = ANY($6::text[])
     OR (pi.id, m.siren) IN (SELECT c.pole_id, c.siren FROM unnest($6::text[], $7::text[]) AS c(pole_id, siren))
)`}}) + `,` + departmentUnitsCTE + `,` + figuresCTE + `,
ins_skill AS (
  INSERT INTO rollup_unit_skill
  SELECT pi.id, u.siren, u.department_code, sf.skill_id, sf.required, sf.qualified, sf.upskillable,
         sf.internal_pool, sf.level_needed, sf.qualified_with_plan
  FROM skill_fig sf JOIN unit u ON u.unit_no = sf.unit_no JOIN pole_in pi ON pi.pole_no = u.pole_no
),
ins_role AS (
  INSERT INTO rollup_unit_role
  SELECT pi.id, u.siren, u.department_code, rf.role_id, rf.headcount, rf.stayers, rf.target
  FROM role_fig rf JOIN unit u ON u.unit_no = rf.unit_no JOIN pole_in pi ON pi.pole_no = u.pole_no
)
SELECT 1`
