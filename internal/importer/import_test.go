package importer

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gpec-project/gpec/internal/testdb"
)

func TestImportBase(t *testing.T) {
	d, _ := testdb.New(t)
	src, err := SourcesFromPaths(writeDir(t, base))
	if err != nil {
		t.Fatal(err)
	}
	var notes int
	rep := mustImport(t, d, src, Options{Progress: func(Progress) { notes++ }})
	if notes == 0 {
		t.Error("no progress notes")
	}
	for _, k := range rep.Kinds {
		if k.Inserted != k.Rows || k.Updated != 0 || k.Unchanged != 0 {
			t.Errorf("%s: %+v", k.Kind, k)
		}
	}
	if len(rep.Kinds) != len(formats) {
		t.Errorf("kinds %d, want %d", len(rep.Kinds), len(formats))
	}
	var name string
	if err := d.Get(&name, `SELECT name FROM companies WHERE siren = '552032534'`); err != nil || name != "Danone Société Anonyme" {
		t.Errorf("company name %q %v", name, err)
	}
	var themes []byte
	if err := d.Get(&themes, `SELECT themes::text FROM poles WHERE id = 'aerospace-valley'`); err != nil || string(themes) != "{aéronautique,spatial}" {
		t.Errorf("themes %s %v", themes, err)
	}
	var dur, title string
	if err := d.QueryRow(`SELECT duration_hours::text, title FROM trainings WHERE id = 'T2'`).Scan(&dur, &title); err != nil || dur != "12.5" || title != "=Go avancé" {
		t.Errorf("T2 %q %q %v", dur, title, err)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Error(err)
	}

	t.Run("ReimportChangesNothing", func(t *testing.T) {
		before := fingerprint(t, d)
		rep := mustImport(t, d, src, Options{})
		for _, k := range rep.Kinds {
			if k.Inserted != 0 || k.Updated != 0 || k.Unchanged != k.Rows || k.Rows == 0 {
				t.Errorf("%s: %+v", k.Kind, k)
			}
		}
		if after := fingerprint(t, d); after != before {
			t.Errorf("re-import changed the database:\n%s\n%s", before, after)
		}
	})
	t.Run("Update", func(t *testing.T) {
		rep := mustImport(t, d, []Source{memSource("companies.csv", "siren,name,naf\n552032534,Danone SA,10.51A\n443061841,Google France,62.01Z\n")}, Options{})
		k := rep.Kinds[0]
		if k.Updated != 1 || k.Unchanged != 1 || k.Inserted != 0 {
			t.Errorf("%+v", k)
		}
		var fy *int
		if err := d.Get(&fy, `SELECT founded_year FROM companies WHERE siren = '552032534'`); err != nil || fy != nil {
			t.Errorf("an absent optional column must clear the value: %v %v", fy, err)
		}
	})
	t.Run("OnlySiren", func(t *testing.T) {
		before := fingerprint(t, d)
		rep, err := Import(context.Background(), d, []Source{
			memSource("needs.csv", "siret,role_code,horizon_year,headcount\n55203253400109,H2913,2031,2\n44306184100104,M1805,2031,1\n"),
			memSource("roles.csv", "code,title\nX1,Nouveau\n"),
		}, Options{OnlySiren: "552032534"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Committed || rep.ErrorCount != 2 {
			t.Fatalf("%s", rep)
		}
		wantError(t, rep, "needs.csv", 3, "siret", "not of company")
		wantError(t, rep, "roles.csv", 1, "", "company account")
		if fingerprint(t, d) != before {
			t.Error("database changed")
		}
		rep = mustImport(t, d, []Source{memSource("needs.csv", "siret,role_code,horizon_year,headcount\n55203253400109,H2913,2031,2\n")}, Options{OnlySiren: "552032534"})
		if rep.Kinds[0].Inserted != 1 {
			t.Errorf("%s", rep)
		}
	})
	t.Run("DryRun", func(t *testing.T) {
		before := fingerprint(t, d)
		rep := mustImport(t, d, []Source{memSource("roles.csv", "code,title\nX1,Nouveau\n")}, Options{DryRun: true})
		if rep.Committed || rep.Kinds[0].Inserted != 1 || fingerprint(t, d) != before {
			t.Errorf("%s", rep)
		}
	})
}

func wantError(t *testing.T, rep *Report, file string, line int, column, reason string) {
	t.Helper()
	for _, e := range rep.Errors {
		if strings.HasSuffix(e.File, file) && e.Line == line && e.Column == column && strings.Contains(e.Reason, reason) {
			return
		}
	}
	t.Errorf("no error %s:%d column %q reason ~%q in\n%s", file, line, column, reason, rep)
}
