package importer

import (
	"context"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/testdb"
)

// TestDatedRows: an empty date is part of the key like a date; a re-import
// of the same rows changes nothing; an undated row is replaced by its
// re-import; a company's own needs are dated the day of the write and its
// assessments may not be dated after it.
func TestDatedRows(t *testing.T) {
	d, _ := testdb.New(t)
	mustImport(t, d, sources(base), Options{})
	dated := map[string]string{
		"employee_skills.csv": "siren,employee_ref,skill_code,assessed_on,level\n" +
			"552032534,E1,S-WELD,2024-05-01,4\n552032534,E1,S-WELD,2025-05-01,2\n552032534,E1,S-WELD,,1\n",
		"needs.csv": "siret,role_code,horizon_year,declared_on,headcount\n" +
			"55203253400109,H2913,2030,2026-02-01,0\n55203253400109,H2913,2030,,5\n",
	}
	rep := mustImport(t, d, sources(dated), Options{})
	for _, k := range rep.Kinds {
		// The undated rows replace the base file's; the dated ones are new.
		if k.Inserted != 2 && k.Kind == "employee_skills" || k.Inserted != 1 && k.Kind == "needs" {
			t.Errorf("%+v", k)
		}
	}
	var levels string
	if err := d.Get(&levels, `SELECT string_agg(coalesce(assessed_on::text, '-') || '=' || level, ' ' ORDER BY assessed_on NULLS FIRST)
		FROM employee_skills es JOIN employees e ON e.id = es.employee_id JOIN skills k ON k.id = es.skill_id
		WHERE e.employee_ref = 'E1' AND k.code = 'S-WELD'`); err != nil {
		t.Fatal(err)
	}
	if levels != "-=1 2024-05-01=4 2025-05-01=2" {
		t.Errorf("assessments %q", levels)
	}
	before := fingerprint(t, d)
	rep = mustImport(t, d, sources(dated), Options{})
	for _, k := range rep.Kinds {
		if k.Unchanged != k.Rows {
			t.Errorf("re-import changed %+v", k)
		}
	}
	if fingerprint(t, d) != before {
		t.Error("re-import changed the database")
	}

	t.Run("CompanyNeedsDatedToday", func(t *testing.T) {
		today := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
		rep := mustImport(t, d, []Source{memSource("needs.csv", "siret,role_code,horizon_year,headcount\n55203253400109,H2913,2031,2\n")},
			Options{OnlySiren: "552032534", Today: today})
		if rep.Kinds[0].Inserted != 1 {
			t.Errorf("%+v", rep.Kinds)
		}
		var n int
		if err := d.Get(&n, `SELECT count(*) FROM needs WHERE horizon_year = 2031 AND declared_on = '2026-05-04'`); err != nil || n != 1 {
			t.Errorf("dated needs %d %v", n, err)
		}
		rep, err := Import(context.Background(), d, []Source{memSource("needs.csv",
			"siret,role_code,horizon_year,declared_on,headcount\n55203253400109,H2913,2031,2026-05-03,2\n55203253400109,H2913,2031,2026-05-04,3\n")},
			Options{OnlySiren: "552032534", Today: today})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Committed || rep.ErrorCount != 1 {
			t.Fatalf("%s", rep)
		}
		wantError(t, rep, "needs.csv", 2, "declared_on", "dated the day they are written (2026-05-04)")
	})
	t.Run("CompanyAssessmentsNotInTheFuture", func(t *testing.T) {
		today := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
		rep, err := Import(context.Background(), d, []Source{memSource("employee_skills.csv",
			"siren,employee_ref,skill_code,assessed_on,level\n552032534,E1,S-SOFT,2026-05-04,3\n552032534,E1,S-SOFT,2026-05-05,4\n")},
			Options{OnlySiren: "552032534", Today: today})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Committed || rep.ErrorCount != 1 {
			t.Fatalf("%s", rep)
		}
		wantError(t, rep, "employee_skills.csv", 3, "assessed_on", "after today (2026-05-04)")
		// An administrator writes history, and the future, freely.
		mustImport(t, d, []Source{memSource("employee_skills.csv",
			"siren,employee_ref,skill_code,assessed_on,level\n552032534,E1,S-SOFT,2030-01-01,4\n")}, Options{})
	})
}
