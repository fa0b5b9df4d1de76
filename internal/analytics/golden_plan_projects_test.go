package analytics_test

import (
	"context"
	"testing"

	"github.com/gpec-project/gpec/internal/analytics"
)

// The plan fixture plus a project of pole "aero" (A is its leader) needing
// 3 WELD at A's site in 2028 = H. With includeProjects, target(WELD) = 10 +
// 3 = 13 in every scope (A's company scope counts every pole's projects,
// the pole and the department its own). Worked out by hand from the plan
// fixture's levels, which projects do not change:
//
//	WELDING: required 13, qualified 2, gap 11; qualifiedWithPlan 4,
//	         gapAfterPlan 13 − 4 = 9, plannedLearners 2.
//	SAFETY:  required 13, qualified 4, gap 9; qualifiedWithPlan 4,
//	         gapAfterPlan 9, plannedLearners 0.
//
// Critical order with projects: WELDING (11) then SAFETY (9); with the plan
// too both have gapAfterPlan 9 and 4/13, so the code puts SAFETY first.
const planProjectFixture = `
INSERT INTO projects (id, pole_id, title, funding, start_year, end_year) VALUES ('P1', 'aero', 'Drone', 'FUI', 2027, 2029);
INSERT INTO project_partners (project_id, siren, role) VALUES ('P1', '111111118', 'leader');
INSERT INTO project_needs (project_id, siret, role_id, year, headcount)
SELECT 'P1', '11111111800019', r.id, v.year, v.n FROM (VALUES (2028, 3), (2029, 5)) v(year, n)
JOIN roles r ON r.code = 'WELD';
`

func TestGoldenPlanWithProjects(t *testing.T) {
	e := planEngine(t)
	if _, err := e.DB.Exec(planProjectFixture); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	company, pole := analytics.Scope{Siren: "111111118"}, analytics.Scope{PoleID: "aero"}
	dept := analytics.Scope{TerritoryLevel: "department", TerritoryCode: "69"}
	scopes := []analytics.Scope{company, pole, dept}

	p := planParams
	p.IncludeProjects, p.WithPlan = true, true
	got, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByGapAfterPlan, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scopes {
		sameRows(t, "skills with projects and plan", planRows(got[s].Items), []planRow{
			{"SAFETY", 13, 4, 9, 0, true, 4, 9, 0},
			{"WELDING", 13, 2, 11, 5, true, 4, 9, 2},
		})
	}

	critical := func(p analytics.Params) []planRow {
		t.Helper()
		crit, err := e.CriticalSkills(ctx, []string{"aero"}, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		var rows []planRow
		for _, c := range crit["aero"].Items {
			if c.CompaniesWithGap != 1 {
				t.Errorf("%s companiesWithGap %d, want 1", c.SkillCode, c.CompaniesWithGap)
			}
			rows = append(rows, planRows([]analytics.SkillGap{c.SkillGap})...)
		}
		return rows
	}
	sameRows(t, "critical with projects and plan", critical(p), []planRow{
		{"SAFETY", 13, 4, 9, 0, true, 4, 9, 0},
		{"WELDING", 13, 2, 11, 5, true, 4, 9, 2},
	})
	onlyProjects := p
	onlyProjects.WithPlan = false
	sameRows(t, "critical with projects", critical(onlyProjects), []planRow{
		{"WELDING", 13, 2, 11, 5, false, 0, 0, 0},
		{"SAFETY", 13, 4, 9, 0, false, 0, 0, 0},
	})
	onlyPlan := p
	onlyPlan.IncludeProjects = false
	sameRows(t, "critical with plan", critical(onlyPlan), []planRow{
		{"SAFETY", 10, 4, 6, 0, true, 4, 6, 0},
		{"WELDING", 10, 2, 8, 5, true, 4, 6, 2},
	})
}
