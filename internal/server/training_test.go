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

// TestTrainingSessionsAPI: companies enrol their own employees and record
// completions, all or nothing, seats never overbooked; session figures
// count every enrolment whoever reads, the rows follow the reader.
func TestTrainingSessionsAPI(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	s0, s1 := ident.CompleteLuhn("40000000"), ident.CompleteLuhn("40000001")
	out := ident.CompleteLuhn("50000000")
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.Exec(q, args...); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	exec(`INSERT INTO companies (siren, name) VALUES ($1, 'Hors pôle')`, out)
	exec(`INSERT INTO sites (siret, siren, territory_code) VALUES ($1, $2, '31')`, ident.CompleteLuhn(out+"0001"), out)
	for _, e := range [][2]string{{s0, "e1"}, {s0, "e2"}, {s1, "f1"}, {out, "o1"}} {
		exec(`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
			SELECT $1, $2, s.siret, r.id, 1985, '2015-01-01' FROM sites s, roles r
			WHERE s.siren = $1 AND r.code = 'H1206' ORDER BY s.siret LIMIT 1`, e[0], e[1])
	}
	today := time.Now().UTC()
	start := today.AddDate(0, 0, 30).Format(time.DateOnly)
	exec(`INSERT INTO training_sessions (training_id, session_id, start_date, end_date, seats) VALUES
		('T1', 'S1', $1, $1::date + 2, 2), ('T1', 'P', '2025-01-06', '2025-01-10', NULL)`, start)

	h := server.New(d, server.Config{}).Handler()
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	c0 := token(t, d, auth.RoleCompany, auth.Scope{Siren: s0})
	c1 := token(t, d, auth.RoleCompany, auth.Scope{Siren: s1})
	write := func(tok, siren, rows string) gqlResponse {
		t.Helper()
		arg := ""
		if siren != "" {
			arg = fmt.Sprintf(`siren: "%s", `, siren)
		}
		return postAs(t, h, tok, `mutation { writeEnrolments(`+arg+`enrolments: [`+rows+`]) { inserted updated } }`)
	}
	ok := func(r gqlResponse, want string) {
		t.Helper()
		if len(r.Errors) > 0 || !strings.Contains(string(r.Data), want) {
			t.Fatalf("got %s %+v, want %s", r.Data, r.Errors, want)
		}
	}
	refused := func(r gqlResponse, code, msg string) {
		t.Helper()
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != code || !strings.Contains(r.Errors[0].Message, msg) {
			t.Fatalf("got %s %+v, want %s %q", r.Data, r.Errors, code, msg)
		}
	}
	ok(write(c0, "", `{trainingId: "T1", sessionId: "S1", employeeRef: "e1", status: "enrolled"},
		{trainingId: "T1", sessionId: "P", employeeRef: "e2", status: "completed", completedOn: "2025-01-10"}`), `"inserted":2`)
	ok(write(c1, "", `{trainingId: "T1", sessionId: "S1", employeeRef: "f1", status: "enrolled"}`), `"inserted":1`)
	ok(write(admin, out, `{trainingId: "T1", sessionId: "P", employeeRef: "o1", status: "enrolled"}`), `"inserted":1`)

	t.Run("ErrMaxRows", func(t *testing.T) {
		lim := limits.Defaults()
		lim.MaxEnrolmentRows = 1
		small := server.New(d, server.Config{Limits: &lim}).Handler()
		r := postAs(t, small, c0, `mutation { writeEnrolments(enrolments: [{trainingId: "T1", sessionId: "P", employeeRef: "e1", status: "enrolled"},
			{trainingId: "T1", sessionId: "P", employeeRef: "e2", status: "enrolled"}]) { inserted } }`)
		refused(r, "BAD_USER_INPUT", "at most 1 enrolments in one write, got 2")
	})
	t.Run("ErrOverbooked", func(t *testing.T) {
		refused(write(admin, out, `{trainingId: "T1", sessionId: "S1", employeeRef: "o1", status: "enrolled"}`),
			"BAD_USER_INPUT", "session S1 of training T1 would be overbooked: 3 enrolled for 2 seats")
	})
	t.Run("ErrRows", func(t *testing.T) {
		refused(write(c0, "", `{trainingId: "T1", sessionId: "S1", employeeRef: "e2", status: "enrolled"},
			{trainingId: "T1", sessionId: "P", employeeRef: "e1", status: "completed"}`), "BAD_USER_INPUT", "enrolments row 2, completedOn")
		refused(write(c0, "", `{trainingId: "T1", sessionId: "P", employeeRef: "e1", status: "completed", completedOn: "`+
			today.AddDate(0, 0, 1).Format(time.DateOnly)+`"}`), "BAD_USER_INPUT", "after today")
		refused(write(c0, "", `{trainingId: "T1", sessionId: "P", employeeRef: "f1", status: "enrolled"}`), "BAD_USER_INPUT", "unknown employee")
		refused(write(c0, s1, `{trainingId: "T1", sessionId: "P", employeeRef: "f1", status: "enrolled"}`), "FORBIDDEN", "own")
		refused(write(manager, s0, `{trainingId: "T1", sessionId: "P", employeeRef: "e1", status: "enrolled"}`), "FORBIDDEN", "")
	})

	// The figures count every enrolment; the rows follow the reader.
	q := `{ training(id: "T1") { sessions { sessionId seats enrolled completed fillRate freeSeats
		enrolments { totalCount items { employeeRef status completedOn company { siren } } } } } }`
	figures := `{"sessionId":"P","seats":null,"enrolled":2,"completed":1,"fillRate":null,"freeSeats":null`
	full := `{"sessionId":"S1","seats":2,"enrolled":2,"completed":0,"fillRate":1,"freeSeats":0`
	for _, c := range []struct {
		name, tok string
		p, s1     string
	}{
		{"admin", admin, `"totalCount":2`, `"totalCount":2`},
		{"manager", manager, `"totalCount":1,"items":[{"employeeRef":"e2"`, `"totalCount":2`},
		{"company", c0, `"totalCount":1,"items":[{"employeeRef":"e2","status":"completed","completedOn":"2025-01-10"`, `"totalCount":1,"items":[{"employeeRef":"e1"`},
	} {
		r := postAs(t, h, c.tok, q)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", c.name, r.Errors)
		}
		got := string(r.Data)
		i := strings.Index(got, `{"sessionId":"S1"`)
		if i < 0 || !strings.Contains(got[:i], figures) || !strings.Contains(got[:i], c.p) || !strings.Contains(got[i:], full) || !strings.Contains(got[i:], c.s1) {
			t.Errorf("%s sessions: %s", c.name, got)
		}
	}
	// Before the completion it was an enrolment.
	r := postAs(t, h, admin, `{ training(id: "T1") { sessions(asOf: "2025-01-09") { sessionId completed } upcoming: sessions(upcoming: true) { sessionId } } }`)
	ok(r, `"sessions":[{"sessionId":"P","completed":0},{"sessionId":"S1","completed":0}],"upcoming":[{"sessionId":"S1"}]`)
	// A company lists its own enrolments; not another's.
	ok(postAs(t, h, c0, fmt.Sprintf(`{ company(siren: "%s") { enrolments { totalCount } } }`, s0)), `"totalCount":2`)
	if r := postAs(t, h, c0, fmt.Sprintf(`{ company(siren: "%s") { enrolments { totalCount } } }`, s1)); len(r.Errors) == 0 {
		t.Error("a company read another's enrolments")
	}
	ok(postAs(t, h, manager, `{ pole(id: "aerospace-valley") { enrolments { totalCount } } }`), `"totalCount":3`)

	// withPlan: null without it. e2's completion of T1 (level 4) makes it
	// qualified in 100001 (H1206 requires 3); e1 and f1, enrolled in S1
	// (ending by the horizon), are the plan's learners; o1 is no member.
	y := today.Year() + 2
	r = postAs(t, h, manager, fmt.Sprintf(`{ pole(id: "aerospace-valley") { a: skillGaps(horizon: %d) { qualifiedWithPlan }
		b: skillGaps(horizon: %d, withPlan: true, orderBy: GAP_AFTER_PLAN) { skill { code } qualified qualifiedWithPlan plannedLearners }
		strategy(horizon: %d, withPlan: true) { criticalSkills { skill { code } gapAfterPlan } } } }`, y, y, y))
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"a":[{"qualifiedWithPlan":null}`) ||
		!strings.Contains(string(r.Data), `"b":[{"skill":{"code":"100001"},"qualified":1,"qualifiedWithPlan":3,"plannedLearners":2}]`) ||
		!strings.Contains(string(r.Data), `"criticalSkills":[{"skill":{"code":"100001"},"gapAfterPlan":0}]`) {
		t.Errorf("withPlan: %s %+v", r.Data, r.Errors)
	}
}

// TestPlanDemo: in the demo dataset, the pole's plan (sessions of 2027)
// closes some of its critical gaps, completions of 2025 already count, and
// its shared opportunities list upcoming sessions.
func TestPlanDemo(t *testing.T) {
	d, _ := testdb.New(t)
	demo(t, d)
	h := server.New(d, server.Config{}).Handler()
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	r := postAs(t, h, admin, `{ pole(id: "aerospace-valley") { strategy(asOf: "2026-06-30", horizon: 2029, withPlan: true) {
		criticalSkills(first: 500) { gap gapAfterPlan plannedLearners }
		sharedTrainingOpportunities(minCompanies: 2, first: 50) { learners sessions(first: 3) { sessionId startDate freeSeats distance } } } } }`)
	if len(r.Errors) > 0 {
		t.Fatalf("%+v", r.Errors)
	}
	var out struct {
		Pole struct {
			Strategy struct {
				CriticalSkills []struct{ Gap, GapAfterPlan, PlannedLearners int }
				Shared         []struct {
					Sessions []struct {
						SessionID, StartDate string
						Distance             int
					}
				} `json:"sharedTrainingOpportunities"`
			}
		}
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	gap, after, learners, sessions := 0, 0, 0, 0
	for _, c := range out.Pole.Strategy.CriticalSkills {
		gap, after, learners = gap+c.Gap, after+c.GapAfterPlan, learners+c.PlannedLearners
	}
	for _, o := range out.Pole.Strategy.Shared {
		for _, s := range o.Sessions {
			sessions++
			if s.StartDate <= "2026-06-30" || s.Distance > 1 {
				t.Errorf("session %+v is not upcoming and near", s)
			}
		}
	}
	t.Logf("critical skills %d: gap %d, after the plan %d, planned learners %d; upcoming sessions listed %d",
		len(out.Pole.Strategy.CriticalSkills), gap, after, learners, sessions)
	if learners == 0 || after != gap-learners || sessions == 0 {
		t.Error("the demo's plan shows no effect")
	}
	var completed int
	if err := d.Get(&completed, `SELECT count(*) FROM enrolments WHERE status = 'completed'`); err != nil || completed == 0 {
		t.Errorf("no completion in the demo: %d %v", completed, err)
	}
}
