package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// TestProjectAPI: a project of aerospace-valley with two of its three
// members as partners, read by the pole's manager, a partner, a member that
// is not a partner and another pole's manager; includeProjects on a figure.
func TestProjectAPI(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 3)
	sirens := make([]string, 3)
	for i := range sirens {
		sirens[i] = ident.CompleteLuhn(fmt.Sprintf("40%06d", i))
	}
	site0 := ident.CompleteLuhn(sirens[0] + "0001")
	y := time.Now().UTC().Year() + 2
	for _, q := range []string{
		`INSERT INTO poles (id, name, kind, region_code) VALUES ('other', 'Other', 'cluster', '84')`,
		fmt.Sprintf(`INSERT INTO projects (id, pole_id, title, funding, start_year, end_year) VALUES ('P1', 'aerospace-valley', 'Drone', 'FUI', %d, %d)`, y-1, y),
		fmt.Sprintf(`INSERT INTO project_partners VALUES ('P1', '%s', 'leader'), ('P1', '%s', 'partner')`, sirens[0], sirens[1]),
		fmt.Sprintf(`INSERT INTO project_needs (project_id, siret, role_id, year, headcount)
			SELECT 'P1', '%s', id, %d, 4 FROM roles WHERE code = 'H1206'`, site0, y),
	} {
		if _, err := d.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	h := server.New(d, server.Config{}).Handler()
	manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	otherManager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "other"})
	partner := token(t, d, auth.RoleCompany, auth.Scope{Siren: sirens[1]})
	outsider := token(t, d, auth.RoleCompany, auth.Scope{Siren: sirens[2]})

	q := fmt.Sprintf(`{ project(id: "P1") { title funding startYear endYear pole { id }
		partners { company { siren } role activeMember }
		needs { site { siret } role { code } year headcount }
		roleYears { role { code } years { year headcount } }
		skills(horizon: %d) { skill { code } headcount poleGap poleRequired } } }`, y)
	r := postAs(t, h, manager, q)
	if len(r.Errors) > 0 {
		t.Fatalf("manager: %+v", r.Errors)
	}
	var out struct {
		Project struct {
			Partners []struct {
				Role         string
				ActiveMember bool
			}
			RoleYears []struct {
				Years []struct{ Year, Headcount int }
			}
			Skills []struct {
				Skill                 struct{ Code string }
				Headcount             int
				PoleGap, PoleRequired *int
			}
		}
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	p := out.Project
	if len(p.Partners) != 2 || p.Partners[0].Role != "leader" || !p.Partners[1].ActiveMember {
		t.Errorf("partners: %s", r.Data)
	}
	if len(p.RoleYears) != 1 || len(p.RoleYears[0].Years) != 2 || p.RoleYears[0].Years[1].Headcount != 4 || p.RoleYears[0].Years[0].Headcount != 0 {
		t.Errorf("role years: %s", r.Data)
	}
	// H1206 requires 100001 (essential) at 3; nobody in the pole holds it and
	// no employee: the pole's gap without projects is 0 of 0.
	if len(p.Skills) != 1 || p.Skills[0].Skill.Code != "100001" || p.Skills[0].Headcount != 4 ||
		p.Skills[0].PoleGap == nil || *p.Skills[0].PoleGap != 0 {
		t.Errorf("skills: %s", r.Data)
	}

	// A partner reads the project, without the pole's gaps.
	r = postAs(t, h, partner, q)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"poleGap":null`) {
		t.Errorf("partner: %s %+v", r.Data, r.Errors)
	}
	for name, tok := range map[string]string{"outsider": outsider, "other pole's manager": otherManager} {
		r = postAs(t, h, tok, `{ project(id: "P1") { title } }`)
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
			t.Errorf("%s read the project: %s %+v", name, r.Data, r.Errors)
		}
	}
	// Lists follow the same rule.
	r = postAs(t, h, outsider, `{ pole(id: "aerospace-valley") { projects { id } } company(siren: "`+sirens[2]+`") { projects { id } } }`)
	if len(r.Errors) > 0 || string(r.Data) != `{"pole":{"projects":[]},"company":{"projects":[]}}` {
		t.Errorf("outsider lists: %s %+v", r.Data, r.Errors)
	}
	r = postAs(t, h, partner, `{ pole(id: "aerospace-valley") { projects { id } } }`)
	if len(r.Errors) > 0 || string(r.Data) != `{"pole":{"projects":[{"id":"P1"}]}}` {
		t.Errorf("partner list: %s %+v", r.Data, r.Errors)
	}

	// includeProjects: company 0's target of H1206 at y is 4 with projects,
	// nothing without; the pole's too; the strategy lists the project.
	q = fmt.Sprintf(`{ pole(id: "aerospace-valley") {
		without: roleGaps(horizon: %d) { role { code } target }
		with: roleGaps(horizon: %d, includeProjects: true) { role { code } target }
		projectSkillNeeds(horizon: %d) { skill { code } headcount poleGap }
		strategy(horizon: %d, includeProjects: true) { criticalSkills { skill { code } gap }
		  projects { project { id } partners { activeMember } skills { skill { code } headcount poleGap } } } } }`, y, y, y, y)
	r = postAs(t, h, manager, q)
	want := `{"pole":{"without":[],"with":[{"role":{"code":"H1206"},"target":4}],` +
		`"projectSkillNeeds":[{"skill":{"code":"100001"},"headcount":4,"poleGap":0}],` +
		`"strategy":{"criticalSkills":[{"skill":{"code":"100001"},"gap":4}],` +
		`"projects":[{"project":{"id":"P1"},"partners":[{"activeMember":true},{"activeMember":true}],"skills":[{"skill":{"code":"100001"},"headcount":4,"poleGap":0}]}]}}}`
	if len(r.Errors) > 0 || string(r.Data) != want {
		t.Errorf("figures:\n got %s %+v\nwant %s", r.Data, r.Errors, want)
	}
}
