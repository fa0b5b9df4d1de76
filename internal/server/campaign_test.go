package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// TestCampaignAPI: a pole manager opens a campaign, a member company answers
// it, the manager follows it up and reads its figures and trends.
func TestCampaignAPI(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 3)
	s0 := ident.CompleteLuhn(fmt.Sprintf("40%06d", 0))
	siret0 := ident.CompleteLuhn(s0 + "0001")
	if _, err := d.Exec(`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
		SELECT $1, 'e1', $2, id, 1985, '2015-01-01' FROM roles WHERE code = 'H1206'`, s0, siret0); err != nil {
		t.Fatal(err)
	}
	h := server.New(d, server.Config{}).Handler()
	manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: s0})
	today := time.Now().UTC()
	opens, closes := today.AddDate(0, 0, -10).Format(time.DateOnly), today.AddDate(0, 0, 10).Format(time.DateOnly)
	y := today.AddDate(0, 0, 10).Year()

	open := fmt.Sprintf(`mutation { openCampaign(input: {poleId: "aerospace-valley", id: "c1", title: "Enquête",
		opensOn: "%s", closesOn: "%s"}) { id referenceDate horizons } }`, opens, closes)
	if r := postAs(t, h, company, open); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("a company opened a campaign: %s %+v", r.Data, r.Errors)
	}
	r := postAs(t, h, manager, open)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), fmt.Sprintf(`"horizons":[%d,%d,%d]`, y+1, y+3, y+5)) {
		t.Fatalf("open: %s %+v", r.Data, r.Errors)
	}

	// A bad row: nothing written, the row and field named.
	bad := fmt.Sprintf(`mutation { answerCampaign(needs: [{siret: "%s", roleCode: "H1206", horizonYear: %d, headcount: 3},
		{siret: "%s", roleCode: "H1206", horizonYear: %d, headcount: -1}]) { needs { inserted } } }`, siret0, y+3, siret0, y+3)
	r = postAs(t, h, company, bad)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "needs row 2, headcount") {
		t.Fatalf("bad answer: %+v", r.Errors)
	}
	// The configured bound on an answer's rows (GPEC_MAX_ANSWER_ROWS).
	lim := limits.Defaults()
	lim.MaxAnswerRows = 1
	small := server.New(d, server.Config{Limits: &lim}).Handler()
	two := fmt.Sprintf(`mutation { answerCampaign(needs: [{siret: "%s", roleCode: "H1206", horizonYear: %d, headcount: 3}],
		assessments: [{employeeRef: "e1", skillCode: "100001", level: 3}]) { needs { inserted } } }`, siret0, y+3)
	if r := postAs(t, small, company, two); len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "at most 1 rows in one answer, got 2") {
		t.Fatalf("answer over GPEC_MAX_ANSWER_ROWS: %s %+v", r.Data, r.Errors)
	}
	if r := postAs(t, h, manager, `mutation { answerCampaign(needs: []) { needs { inserted } } }`); len(r.Errors) == 0 {
		t.Error("a pole manager answered")
	}
	good := fmt.Sprintf(`mutation { answerCampaign(needs: [{siret: "%s", roleCode: "H1206", horizonYear: %d, headcount: 3}],
		assessments: [{employeeRef: "e1", skillCode: "100001", level: 3}]) { needs { inserted } assessments { inserted } } }`, siret0, y+3)
	r = postAs(t, h, company, good)
	if len(r.Errors) > 0 || string(r.Data) != `{"answerCampaign":{"needs":{"inserted":1},"assessments":{"inserted":1}}}` {
		t.Fatalf("answer: %s %+v", r.Data, r.Errors)
	}

	// The company sees the campaign, not its follow-up.
	if r := postAs(t, h, company, `{ pole(id: "aerospace-valley") { campaigns { id } } }`); len(r.Errors) > 0 {
		t.Errorf("company campaigns: %+v", r.Errors)
	}
	if r := postAs(t, h, company, `{ pole(id: "aerospace-valley") { campaign(id: "c1") { followUp { members } } } }`); len(r.Errors) == 0 {
		t.Error("a company read a follow-up")
	}
	q := fmt.Sprintf(`{ pole(id: "aerospace-valley") {
		campaign(id: "c1") { title followUp { members respondents responseRate nonRespondents { siren name }
		  memberStatus { company { siren } respondent roleGaps(horizon: %d) { role { code } target stayers } } }
		  skillGaps(horizon: %d) { skill { code } required qualified gap } }
		trend(dates: ["%s", "%s"], skills: ["100001"]) { points { asOf horizon } skills { skill { code } points { gap { value change } coverage { value change } } } }
		gapMoves(from: "c1", to: "c1") { grew { skill { code } } shrank { change } } } }`, y+3, y+3, today.AddDate(-1, 0, 0).Format(time.DateOnly), closes)
	r = postAs(t, h, manager, q)
	if len(r.Errors) > 0 {
		t.Fatalf("follow-up: %+v", r.Errors)
	}
	var out struct {
		Pole struct {
			Campaign struct {
				FollowUp struct {
					Members, Respondents int
					ResponseRate         float64
					NonRespondents       []struct{ Siren, Name string }
					MemberStatus         []struct {
						Company    struct{ Siren string }
						Respondent bool
						RoleGaps   []struct {
							Target, Stayers int
						}
					}
				}
				SkillGaps []struct{ Required, Qualified, Gap int }
			}
			Trend struct {
				Points []struct{ Horizon int }
				Skills []struct {
					Points []struct {
						Gap struct {
							Value  int
							Change *int
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	fu := out.Pole.Campaign.FollowUp
	if fu.Members != 3 || fu.Respondents != 1 || len(fu.NonRespondents) != 2 || fu.NonRespondents[0].Name != "Société 0001" {
		t.Errorf("follow-up %+v", fu)
	}
	if m := fu.MemberStatus[0]; m.Company.Siren != s0 || !m.Respondent || len(m.RoleGaps) != 1 || m.RoleGaps[0].Target != 3 || m.RoleGaps[0].Stayers != 1 {
		t.Errorf("member status %+v", m)
	}
	// The need (3) and e1's assessment (3 ≥ 3) are of today: at the
	// reference date (closesOn) both count.
	if g := out.Pole.Campaign.SkillGaps; len(g) == 0 || g[0].Required != 3 || g[0].Qualified != 1 || g[0].Gap != 2 {
		t.Errorf("campaign skill gaps %+v", g)
	}
	// A year ago: no need and no assessment (status quo target 1, not
	// qualified: gap 1); at closesOn: gap 2.
	tr := out.Pole.Trend
	if len(tr.Points) != 2 || len(tr.Skills) != 1 || tr.Skills[0].Points[0].Gap.Value != 1 || tr.Skills[0].Points[1].Gap.Value != 2 ||
		tr.Skills[0].Points[0].Gap.Change != nil || *tr.Skills[0].Points[1].Gap.Change != 1 {
		t.Errorf("trend %+v", tr)
	}
	// A horizon that is not the campaign's is refused.
	if r := postAs(t, h, manager, `{ pole(id: "aerospace-valley") { campaign(id: "c1") { roleGaps(horizon: 2199) { target } } } }`); len(r.Errors) == 0 ||
		r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("foreign horizon: %+v", r.Errors)
	}
}
