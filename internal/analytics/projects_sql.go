package analytics

// Figures with projects (DESIGN.md, "With projects (includeProjects)"):
// target(r) adds, over the unit's sites, the headcount of the project needs
// of (site, r) whose year is H — of the projects of the unit's pole when the
// unit involves a pole (a pole alone, a pole within a territory, a member
// company within its pole's strategy), else of projects of any pole. A
// partner without an active membership at asOf has no site in a pole's
// units, so its needs never reach the pole's figures.
//
// The statements are derived from figuresCTE and the statements built on
// it, so that a change of a definition there holds here too; replaceAll
// panics at init if a fragment moved. These statements compute live; a
// pole's figures with projects are read from the rollup's run with projects
// when it is fresh (projectsRollupSteps in rollup.go).

// Each unitPole lists, for the units of a statement, the pole whose
// projects count (unit_no, pole_id); ” means projects of any pole.
const (
	// scopeUnitPole: a scope's own pole (scopeUnitsCTE's scope_in).
	scopeUnitPole = `SELECT unit_no, pole_id FROM scope_in`
	// companyUnitPole: company scopes involve no pole (companySitesCTE).
	companyUnitPole = `SELECT unit_no, ''::text AS pole_id FROM scope_in`
	// memberUnitPole: a member company (or its sites in a department)
	// within its pole's strategy counts that pole's projects only
	// (companyUnitsCTE and departmentUnitsCTE after poleMembersCTE).
	memberUnitPole = `SELECT u.unit_no, pi.id AS pole_id FROM unit u JOIN pole_in pi ON pi.pole_no = u.pole_no`
)

// projectFigures is figuresCTE with the project needs of the units' sites
// at H ($2) added to role_fig's target, the units' poles given by unitPole.
// Every figure reading role_fig (required, the skill figures' demand, role
// gaps) follows.
func projectFigures(unitPole string) string {
	return replaceAll(figuresCTE, [][2]string{
		{`
role_fig AS (`, `
role_fig_declared AS (`},
		{`
stayer AS (`, `
project_need AS (
  -- The project needs at H of the unit's sites, of the projects the unit
  -- counts; several projects' needs of one (site, role) add up.
  SELECT us.unit_no, pn.role_id, sum(pn.headcount) AS headcount
  FROM unit_sites us
  JOIN project_needs pn ON pn.siret = us.siret AND pn.year = $2::int
  JOIN projects pr ON pr.id = pn.project_id
  JOIN (` + unitPole + `) up ON up.unit_no = us.unit_no AND (up.pole_id = '' OR pr.pole_id = up.pole_id)
  GROUP BY us.unit_no, pn.role_id
),
role_fig AS (
  -- target with projects: the declared need, else the headcount, summed
  -- over the sites, plus the project needs; a role that only projects
  -- need appears with headcount 0.
  SELECT coalesce(d.unit_no, pj.unit_no) AS unit_no, coalesce(d.role_id, pj.role_id) AS role_id,
         coalesce(d.headcount, 0)::int AS headcount, coalesce(d.stayers, 0)::int AS stayers,
         (coalesce(d.target, 0) + coalesce(pj.headcount, 0))::int AS target
  FROM role_fig_declared d
  FULL JOIN project_need pj ON pj.unit_no = d.unit_no AND pj.role_id = d.role_id
  WHERE coalesce(d.headcount, 0) > 0 OR coalesce(d.target, 0) + coalesce(pj.headcount, 0) > 0
),
stayer AS (`},
	})
}

// figures is the figures fragment for p: figuresCTE, or with projects its
// derivation for the units' poles given by unitPole.
func (p Params) figures(unitPole string) string {
	if !p.IncludeProjects {
		return figuresCTE
	}
	return projectFigures(unitPole)
}

// pick returns the statement for p: plain, or with projects.
func (p Params) pick(plain, withProjects string) string {
	if p.IncludeProjects {
		return withProjects
	}
	return plain
}

var (
	memberProjectFigures = projectFigures(memberUnitPole)

	// The strategy's statements with projects: every figure — the members'
	// company-scope gaps and role gaps included — counts that pole's
	// projects only.
	// criticalSkillsSQLs[withPlan][includeProjects]: with both, the plan's
	// figures read the projects' required (gapAfterPlan = required with
	// projects − qualifiedWithPlan) and companiesWithGap counts members whose
	// company-scope gapAfterPlan with that pole's projects is positive.
	criticalSkillsSQLs = [2][2]string{
		{criticalSkillsSQL(false), replaceAll(criticalSkillsSQL(false), [][2]string{{figuresCTE, memberProjectFigures}})},
		{criticalSkillsSQL(true), replaceAll(criticalSkillsSQL(true), [][2]string{{figuresCTE, memberProjectFigures}})},
	}
	sharedOpportunitiesProjectsSQL = replaceAll(sharedOpportunitiesSQL, [][2]string{{figuresCTE, memberProjectFigures}})
	mobilityPathsProjectsSQL       = replaceAll(mobilityPathsSQL, [][2]string{{figuresCTE, memberProjectFigures}})
)

// criticalSkillsQuery returns the critical skills statement for p's plan
// and projects options.
func criticalSkillsQuery(p Params) string {
	return criticalSkillsSQLs[b2i(p.WithPlan)][b2i(p.IncludeProjects)]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Normalized returns p with its defaults applied, or the error naming the
// argument at fault: for packages that read figures beside their own
// statements.
func (p Params) Normalized() (Params, error) { return p.normalize() }
