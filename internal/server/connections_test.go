package server_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// bigSkills adds 1,200 skills that role H1206 requires, and employees of
// the first member in that role with varied levels: 1,200 skill gaps, with
// many ties for the order to break.
func bigSkills(t *testing.T, exec func(string)) {
	exec(`INSERT INTO skills (code, name, kind) SELECT 'K' || lpad(g::text, 5, '0'), 'Skill ' || g, 'know_how' FROM generate_series(1, 1200) g`)
	exec(`INSERT INTO role_skills (role_id, skill_id, level, essential)
		SELECT r.id, k.id, 1 + (substr(k.code, 2)::int % 4), true FROM roles r, skills k WHERE r.code = 'H1206' AND k.code LIKE 'K%'`)
	exec(`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
		SELECT s.siren, 'E' || g, s.siret, r.id, 1960 + g * 5, '2010-01-01'
		FROM (SELECT siren, siret FROM sites ORDER BY siret LIMIT 1) s, roles r, generate_series(1, 6) g WHERE r.code = 'H1206'`)
	exec(`INSERT INTO employee_skills (employee_id, skill_id, level)
		SELECT e.id, k.id, (e.id + substr(k.code, 2)::int) % 5 FROM employees e, skills k
		WHERE k.code LIKE 'K%' AND (e.id + substr(k.code, 2)::int) % 3 = 0`)
	exec(`INSERT INTO training_skills (training_id, skill_id, level) SELECT t.id, k.id, 4 FROM trainings t, skills k WHERE k.code LIKE 'K%'`)
}

type gapPage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		EndCursor                    *string
	}
	Edges []struct {
		Cursor string
		Node   struct {
			Skill struct{ Code string }
			Gap   int
		}
	}
}

// Paging through 1,201 skill gaps gives every row once, in the list
// field's order, and proves the end with hasNextPage and totalCount.
func TestSkillGapsConnectionIsComplete(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 3)
	bigSkills(t, func(q string) {
		if _, err := d.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	})
	c := newClient(t, d, server.Config{})

	var list struct {
		Pole struct {
			SkillGaps []struct {
				Skill struct{ Code string }
				Gap   int
			}
		}
	}
	res := post(t, c, `{ pole(id: "aerospace-valley") { skillGaps(horizon: 2030, first: 500) { skill { code } gap } } }`)
	if len(res.Errors) > 0 || json.Unmarshal(res.Data, &list) != nil {
		t.Fatalf("%+v", res.Errors)
	}

	seen := map[string]bool{}
	var order []string
	after := "null"
	pages := 0
	for {
		res := post(t, c, fmt.Sprintf(`{ pole(id: "aerospace-valley") { skillGapsConnection(horizon: 2030, first: 500, after: %s) {
			totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { skill { code } gap } } } } }`, after))
		if len(res.Errors) > 0 {
			t.Fatalf("%+v", res.Errors)
		}
		var data struct {
			Pole struct{ SkillGapsConnection gapPage }
		}
		if err := json.Unmarshal(res.Data, &data); err != nil {
			t.Fatal(err)
		}
		p := data.Pole.SkillGapsConnection
		pages++
		// The 1,200 K-skills and the fixture's skill 100001, which H1206 requires too.
		if p.TotalCount != 1201 {
			t.Fatalf("totalCount %d, want 1201", p.TotalCount)
		}
		if p.PageInfo.HasPreviousPage != (pages > 1) {
			t.Errorf("page %d: hasPreviousPage %v", pages, p.PageInfo.HasPreviousPage)
		}
		for _, e := range p.Edges {
			if seen[e.Node.Skill.Code] {
				t.Fatalf("%s twice", e.Node.Skill.Code)
			}
			seen[e.Node.Skill.Code] = true
			order = append(order, e.Node.Skill.Code)
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		if pages > 5 {
			t.Fatal("no end")
		}
		after = fmt.Sprintf("%q", *p.PageInfo.EndCursor)
	}
	if pages != 3 || len(order) != 1201 {
		t.Fatalf("%d pages, %d rows", pages, len(order))
	}
	for i, g := range list.Pole.SkillGaps {
		if order[i] != g.Skill.Code {
			t.Fatalf("row %d: %s in the connection, %s in the list", i, order[i], g.Skill.Code)
		}
	}
	if len(seen) != 1201 {
		t.Fatalf("%d distinct skills", len(seen))
	}
	if res := post(t, c, `{ pole(id: "aerospace-valley") { skillGapsConnection(horizon: 2030, after: "bogus") { totalCount } } }`); len(res.Errors) == 0 ||
		res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("bogus cursor: %+v", res.Errors)
	}
}

// The connection fields of many parents share one statement, like the
// list fields, whatever the number of parents or pages.
func TestAnalyticsConnectionsStatements(t *testing.T) {
	_, dsn := testdb.New(t)
	d, st := testdb.OpenCounting(t, dsn)
	fixture(t, d, 8)
	bigSkills(t, func(q string) {
		if _, err := d.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	})
	c := newClient(t, d, server.Config{LoaderWait: 50 * time.Millisecond})
	post(t, c, `{ __typename }`) // authenticates once
	const q = `{ pole(id: "aerospace-valley") {
		skillGaps(horizon: 2030, first: 5) { gap }
		skillGapsConnection(horizon: 2030, first: 5) { totalCount edges { node { gap
			trainingsNear(first: 2) { training { id } }
			trainingsNearConnection(first: 1, after: "cG9zOjE") { totalCount edges { cursor node { training { id } } } } } } }
		strategy(horizon: 2030) {
			sharedTrainingOpportunities(minCompanies: 1, first: 3) { learners }
			sharedTrainingOpportunitiesConnection(minCompanies: 1, first: 3) { totalCount edges { node { learners } } }
			criticalSkills(first: 3) { gap }
			criticalSkillsConnection(first: 3) { totalCount pageInfo { hasNextPage } edges { node { gap skill { code } } } }
			mobilityPathsConnection(first: 3) { totalCount edges { node { people } } } }
		members(first: %d) { edges { node {
			roleGapsConnection(horizon: 2030, first: 2) { totalCount edges { node { roleGap role { code } } } }
			skillGapsConnection(horizon: 2030, first: 2, after: "cG9zOjI") { totalCount edges { cursor node { gap } } } } } } } }`
	counts := map[int]int64{}
	for _, n := range []int{1, 8} {
		st.Reset()
		res := post(t, c, fmt.Sprintf(q, n))
		if len(res.Errors) > 0 {
			t.Fatalf("%+v", res.Errors)
		}
		counts[n] = st.Count()
		var data struct {
			Pole struct {
				SkillGaps           []struct{ Gap int }
				SkillGapsConnection struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							Gap           int
							TrainingsNear []struct {
								Training struct{ ID string }
							}
							TrainingsNearConnection struct {
								TotalCount int
								Edges      []struct {
									Cursor string
									Node   struct {
										Training struct{ ID string }
									}
								}
							}
						}
					}
				}
				Strategy struct {
					SharedTrainingOpportunities           []struct{ Learners int }
					SharedTrainingOpportunitiesConnection struct {
						TotalCount int
						Edges      []struct{ Node struct{ Learners int } }
					}
				}
				Members struct {
					Edges []struct {
						Node struct {
							SkillGapsConnection struct {
								Edges []struct{ Cursor string }
							}
						}
					}
				}
			}
		}
		if err := json.Unmarshal(res.Data, &data); err != nil {
			t.Fatal(err)
		}
		p := data.Pole
		if p.SkillGapsConnection.TotalCount < 1200 || len(p.SkillGapsConnection.Edges) != 5 || p.SkillGapsConnection.Edges[4].Node.Gap != p.SkillGaps[4].Gap {
			t.Fatalf("pole connection %+v vs list %+v", p.SkillGapsConnection, p.SkillGaps)
		}
		// The second training near each skill, as the list field gives it.
		checked := 0
		for _, e := range p.SkillGapsConnection.Edges {
			list, conn := e.Node.TrainingsNear, e.Node.TrainingsNearConnection
			if len(list) == 2 && (len(conn.Edges) != 1 || conn.Edges[0].Node.Training.ID != list[1].Training.ID || conn.Edges[0].Cursor != "cG9zOjI") {
				t.Fatalf("trainingsNear %+v, its connection after 1 %+v", list, conn)
			}
			if conn.TotalCount < len(list) {
				t.Fatalf("trainingsNear totalCount %d < %d", conn.TotalCount, len(list))
			}
			if len(list) == 2 {
				checked++
			}
		}
		if checked == 0 {
			t.Fatal("no skill with two trainings near: the comparison checked nothing")
		}
		sh, shc := p.Strategy.SharedTrainingOpportunities, p.Strategy.SharedTrainingOpportunitiesConnection
		if len(sh) == 0 || len(shc.Edges) != len(sh) || shc.TotalCount < len(sh) {
			t.Fatalf("shared opportunities %+v, connection %+v", sh, shc)
		}
		for i := range sh {
			if shc.Edges[i].Node.Learners != sh[i].Learners {
				t.Fatalf("shared opportunity %d: %+v vs %+v", i, shc.Edges[i], sh[i])
			}
		}
		if e := p.Members.Edges[0].Node.SkillGapsConnection.Edges; len(e) != 2 || e[0].Cursor != "cG9zOjM" {
			t.Fatalf("page after position 2: %+v", e)
		}
	}
	t.Logf("statements: %v", counts)
	// Whether fields at different depths share a batch depends on timing,
	// so the count may move by a few; an N+1 would add 14 (two fields, 7
	// more members).
	if counts[8] >= counts[1]+7 {
		t.Fatalf("statements grew with members: 1 → %d, 8 → %d\n%v", counts[1], counts[8], st.Log())
	}
}

// The connection twins take the plain lists' options (includeProjects,
// withPlan, the plan's order) and give the same rows with the same
// figures, for a pole, a company and a territory; the options change the
// figures here, so an option dropped on one side would show.
func TestConnectionsTakeTheListsOptions(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	siren := ident.CompleteLuhn("40000000")
	site := ident.CompleteLuhn(siren + "0001")
	y := time.Now().UTC().Year() + 2
	start := time.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly)
	for _, q := range []string{
		// Three engineers at level 1 of the essential skill (3 required).
		fmt.Sprintf(`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
			SELECT '%s', 'E' || g, '%s', r.id, 1985, '2015-01-01' FROM roles r, generate_series(1, 3) g WHERE r.code = 'H1206'`, siren, site),
		`INSERT INTO employee_skills SELECT e.id, s.id, 1 FROM employees e, skills s WHERE s.code = '100001'`,
		// Two of them enrolled in a session of T1 (level 4) ending this year.
		fmt.Sprintf(`INSERT INTO training_sessions (training_id, session_id, start_date, end_date, seats) VALUES ('T1', 'S1', '%s', '%s'::date + 2, NULL)`, start, start),
		`INSERT INTO enrolments (training_id, session_id, employee_id, status) SELECT 'T1', 'S1', id, 'enrolled' FROM employees WHERE employee_ref IN ('E1', 'E2')`,
		// A project of the pole needing four more engineers at the horizon.
		fmt.Sprintf(`INSERT INTO projects (id, pole_id, title, funding, start_year, end_year) VALUES ('P1', 'aerospace-valley', 'Drone', 'FUI', %d, %d)`, y-1, y),
		fmt.Sprintf(`INSERT INTO project_partners VALUES ('P1', '%s', 'leader')`, siren),
		fmt.Sprintf(`INSERT INTO project_needs (project_id, siret, role_id, year, headcount) SELECT 'P1', '%s', id, %d, 4 FROM roles WHERE code = 'H1206'`, site, y),
	} {
		if _, err := d.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	c := newClient(t, d, server.Config{})

	const skillFields = `skill { code } required qualified gap coverage upskillable internalPool levelNeeded qualifiedWithPlan gapAfterPlan plannedLearners`
	const roleFields = `role { code } headcount stayers departures target roleGap`
	scopes := map[string]string{
		"Pole":      `pole(id: "aerospace-valley")`,
		"Company":   fmt.Sprintf(`company(siren: %q)`, siren),
		"Territory": `territory(level: department, code: "31")`,
	}
	for name, scope := range scopes {
		t.Run(name, func(t *testing.T) {
			skillArgs := fmt.Sprintf(`horizon: %d, includeProjects: true, withPlan: true, orderBy: GAP_AFTER_PLAN, first: 50`, y)
			roleArgs := fmt.Sprintf(`horizon: %d, includeProjects: true, first: 50`, y)
			res := post(t, c, fmt.Sprintf(`{ s: %s {
				skillGaps(%s) { %s }
				skillGapsConnection(%s) { totalCount edges { node { %s } } }
				roleGaps(%s) { %s }
				roleGapsConnection(%s) { totalCount edges { node { %s } } }
				bare: skillGapsConnection(horizon: %d) { edges { node { %s } } }
				bareRoles: roleGapsConnection(horizon: %d) { edges { node { %s } } } } }`,
				scope, skillArgs, skillFields, skillArgs, skillFields, roleArgs, roleFields, roleArgs, roleFields, y, skillFields, y, roleFields))
			if len(res.Errors) > 0 {
				t.Fatalf("%+v", res.Errors)
			}
			var data struct {
				S struct {
					SkillGaps           []json.RawMessage
					SkillGapsConnection struct {
						TotalCount int
						Edges      []struct{ Node json.RawMessage }
					}
					RoleGaps           []json.RawMessage
					RoleGapsConnection struct {
						TotalCount int
						Edges      []struct{ Node json.RawMessage }
					}
					Bare, BareRoles struct {
						Edges []struct{ Node json.RawMessage }
					}
				}
			}
			if err := json.Unmarshal(res.Data, &data); err != nil {
				t.Fatal(err)
			}
			same := func(what string, list []json.RawMessage, total int, edges []struct{ Node json.RawMessage }) {
				t.Helper()
				if len(list) == 0 || total != len(list) || len(edges) != len(list) {
					t.Fatalf("%s: %d in the list, %d edges, totalCount %d", what, len(list), len(edges), total)
				}
				for i := range list {
					if string(list[i]) != string(edges[i].Node) {
						t.Errorf("%s row %d:\n list       %s\n connection %s", what, i, list[i], edges[i].Node)
					}
				}
			}
			s := data.S
			same("skills", s.SkillGaps, s.SkillGapsConnection.TotalCount, s.SkillGapsConnection.Edges)
			same("roles", s.RoleGaps, s.RoleGapsConnection.TotalCount, s.RoleGapsConnection.Edges)

			// The options change the figures: the plan makes two of the
			// engineers qualified, the project adds four to the target.
			var withOpts, bare struct {
				Skill             struct{ Code string }
				Required          int
				PlannedLearners   *int
				GapAfterPlan      *int
				QualifiedWithPlan *int
			}
			for _, e := range s.SkillGapsConnection.Edges {
				if json.Unmarshal(e.Node, &withOpts); withOpts.Skill.Code == "100001" {
					break
				}
			}
			for _, e := range s.Bare.Edges {
				if json.Unmarshal(e.Node, &bare); bare.Skill.Code == "100001" {
					break
				}
			}
			if withOpts.PlannedLearners == nil || *withOpts.PlannedLearners != 2 || bare.PlannedLearners != nil {
				t.Errorf("plannedLearners of 100001: %v with withPlan, %v without, want 2 and null", withOpts.PlannedLearners, bare.PlannedLearners)
			}
			if withOpts.Required <= bare.Required {
				t.Errorf("required of 100001: %d with includeProjects, %d without: the project's need is not counted", withOpts.Required, bare.Required)
			}
			var role, bareRole struct{ Target int }
			json.Unmarshal(s.RoleGapsConnection.Edges[0].Node, &role)
			json.Unmarshal(s.BareRoles.Edges[0].Node, &bareRole)
			if role.Target != bareRole.Target+4 {
				t.Errorf("target of the first role: %d with includeProjects, %d without, want 4 more", role.Target, bareRole.Target)
			}
		})
	}
}
