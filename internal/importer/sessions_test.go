package importer

import (
	"context"
	"testing"

	"github.com/gpec-project/gpec/internal/testdb"
)

// TestSessionsAndEnrolments: DESIGN.md's checks of training_sessions and
// enrolments, and seats never overbooked: a refused import writes nothing.
func TestSessionsAndEnrolments(t *testing.T) {
	d, _ := testdb.New(t)
	mustImport(t, d, sources(base), Options{})
	sessions := "training_sessions.csv"
	enrol := "enrolments.csv"
	good := map[string]string{
		sessions: "training_id,session_id,start_date,end_date,territory_code,seats\n" +
			"T1,S1,2026-03-02,2026-03-06,,2\nT1,S2,2026-09-01,2026-09-30,69123,\nT2,S1,2026-02-02,2026-02-02,31,1\n",
		enrol: "training_id,session_id,siren,employee_ref,status,completed_on\n" +
			"T1,S1,552032534,E1,completed,2026-03-10\nT1,S1,552032534,E2,enrolled,\n" +
			"T1,S2,552032534,E1,cancelled,\nT2,S1,443061841,G1,enrolled,\n",
	}
	rep := mustImport(t, d, sources(good), Options{})
	for _, k := range rep.Kinds {
		if k.Inserted != k.Rows {
			t.Errorf("%+v", k)
		}
	}
	before := fingerprintSessions(t, d)
	rep = mustImport(t, d, sources(good), Options{})
	for _, k := range rep.Kinds {
		if k.Unchanged != k.Rows {
			t.Errorf("re-import changed %+v", k)
		}
	}

	refused := func(t *testing.T, files map[string]string, opts Options) *Report {
		t.Helper()
		rep, err := Import(context.Background(), d, sources(files), opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Committed {
			t.Fatalf("committed:\n%s", rep)
		}
		if fingerprintSessions(t, d) != before {
			t.Fatal("a refused import wrote")
		}
		return rep
	}
	t.Run("ErrRows", func(t *testing.T) {
		rep := refused(t, map[string]string{
			sessions: "training_id,session_id,start_date,end_date,territory_code,seats\n" +
				"T9,S1,2026-01-01,2026-01-02,,\nT1,S3,2026-01-05,2026-01-02,,\nT1,S4,2026-01-01,2026-01-02,99999,\n" +
				"T1,S5,2026-01-01,2026-01-02,,0\nT1,S1,2026-03-11,2026-03-12,,2\n",
			enrol: "training_id,session_id,siren,employee_ref,status,completed_on\n" +
				"T1,S9,552032534,E1,enrolled,\nT1,S2,552032534,NOPE,enrolled,\nT1,S2,552032534,E2,completed,\n" +
				"T1,S2,552032534,E2,enrolled,2026-09-30\nT1,S2,443061841,G1,completed,2026-08-31\nT1,S2,443061841,G1,done,\n",
		}, Options{})
		wantError(t, rep, sessions, 2, "training_id", "unknown training")
		wantError(t, rep, sessions, 3, "end_date", "before start_date")
		wantError(t, rep, sessions, 4, "territory_code", "unknown territory")
		wantError(t, rep, sessions, 5, "seats", "1 or more")
		wantError(t, rep, sessions, 6, "start_date", "completion of this session is dated before")
		wantError(t, rep, enrol, 2, "session_id", "unknown training session")
		wantError(t, rep, enrol, 3, "employee_ref", "unknown employee of company 552032534")
		wantError(t, rep, enrol, 4, "completed_on", "needs its completed_on")
		wantError(t, rep, enrol, 5, "completed_on", "only when the status is completed")
		wantError(t, rep, enrol, 6, "completed_on", "before the session's start_date (2026-09-01)")
		wantError(t, rep, enrol, 7, "status", "enrolled, completed or cancelled")
	})
	t.Run("ErrOverbooked", func(t *testing.T) {
		// T2/S1 has one seat, held by G1: E1 would be the second.
		rep := refused(t, map[string]string{enrol: "training_id,session_id,siren,employee_ref,status,completed_on\n" +
			"T2,S1,552032534,E1,enrolled,\n"}, Options{})
		wantError(t, rep, enrol, 0, "session_id", "session S1 of training T2 would be overbooked: 2 enrolled for 1 seats")
		// Cutting T1/S1's seats below its two enrolments is refused too.
		rep = refused(t, map[string]string{sessions: "training_id,session_id,start_date,end_date,territory_code,seats\n" +
			"T1,S1,2026-03-02,2026-03-06,,1\n"}, Options{})
		wantError(t, rep, sessions, 0, "session_id", "session S1 of training T1 would be overbooked: 2 enrolled for 1 seats")
	})
	t.Run("CancelledFreesASeat", func(t *testing.T) {
		mustImport(t, d, sources(map[string]string{enrol: "training_id,session_id,siren,employee_ref,status,completed_on\n" +
			"T2,S1,443061841,G1,cancelled,\nT2,S1,552032534,E1,enrolled,\n"}), Options{})
	})
	t.Run("CompanyEnrolsItsOwn", func(t *testing.T) {
		rep, err := Import(context.Background(), d, sources(map[string]string{enrol: "training_id,session_id,siren,employee_ref,status,completed_on\n" +
			"T1,S2,443061841,G1,enrolled,\n"}), Options{OnlySiren: "552032534"})
		if err != nil || rep.Committed {
			t.Fatalf("%v %s", err, rep)
		}
		rep, err = Import(context.Background(), d, sources(map[string]string{sessions: good[sessions]}), Options{OnlySiren: "552032534"})
		if err != nil || rep.Committed {
			t.Fatalf("a company imported sessions: %v %s", err, rep)
		}
	})
}

func fingerprintSessions(t *testing.T, d interface {
	Get(dest any, query string, args ...any) error
}) string {
	t.Helper()
	var s string
	if err := d.Get(&s, `SELECT (SELECT count(*) || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM training_sessions t)
		|| (SELECT count(*) || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM enrolments t)`); err != nil {
		t.Fatal(err)
	}
	return s
}
