package importer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpec-project/gpec/internal/testdb"
)

// TestLHEO: an LHÉO file of two offers, three actions and four sessions
// imports as trainings, sessions and the skills of its ROME codes; a
// re-import changes nothing; malformed files are refused with the element
// and line, and nothing is written.
func TestLHEO(t *testing.T) {
	d, _ := testdb.New(t)
	mustImport(t, d, sources(base), Options{})
	path := filepath.Join("testdata", "lheo-offres.xml")
	src, err := SourcesFromPaths(path)
	if err != nil {
		t.Fatal(err)
	}
	rep := mustImport(t, d, src, Options{})
	got := map[string]int64{}
	for _, k := range rep.Kinds {
		got[k.Kind] = k.Inserted
	}
	if got["trainings"] != 3 || got["training_sessions"] != 4 || got["training_skills"] != 3 {
		t.Errorf("inserted %v", got)
	}
	var rows []string
	if err := d.Select(&rows, `SELECT t::text FROM (
		SELECT id, provider, title, territory_code, modality, duration_hours, cost_eur FROM trainings
		WHERE id IN ('F1-A1', 'F1-A2', 'F2-1') ORDER BY id) t`); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`(F1-A1,"AFPA Lyon","Soudage TIG : qualification",69123,onsite,70.0,1850.50)`,
		`(F1-A2,"AFPA Lyon","Soudage TIG : qualification",31,remote,35.0,)`,
		`(F2-1,"CNAM Occitanie","Développement Go & SQL",31555,blended,70.0,2400.00)`,
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("trainings:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if err := d.Select(&rows, `SELECT training_id || '/' || session_id || ' ' || start_date || ' ' || end_date
		FROM training_sessions WHERE training_id IN ('F1-A1', 'F1-A2', 'F2-1') ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if s := strings.Join(rows, "; "); s != "F1-A1/S2026-1 2026-03-02 2026-03-13; F1-A1/S2026-2 2026-10-05 2026-10-16; "+
		"F1-A2/D2026 2026-09-07 2026-12-18; F2-1/20270111 2027-01-11 2027-01-22" {
		t.Errorf("sessions: %s", s)
	}
	// H2913 requires S-WELD 3 (S-SOFT is optional), M1805 S-CODE 3.
	if err := d.Select(&rows, `SELECT ts.training_id || ' ' || k.code || ' ' || ts.level FROM training_skills ts
		JOIN skills k ON k.id = ts.skill_id WHERE ts.training_id IN ('F1-A1', 'F1-A2', 'F2-1') ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if s := strings.Join(rows, "; "); s != "F1-A1 S-WELD 3; F1-A2 S-WELD 3; F2-1 S-CODE 3" {
		t.Errorf("skills: %s", s)
	}
	before := fingerprint(t, d)
	rep = mustImport(t, d, src, Options{})
	for _, k := range rep.Kinds {
		if k.Inserted+k.Updated != 0 {
			t.Errorf("re-import changed %+v", k)
		}
	}

	fixture, _ := os.ReadFile(path)
	bad := func(t *testing.T, content string, line int, element, reason string) {
		t.Helper()
		rep, err := Import(context.Background(), d, []Source{memSource("offres.xml", content)}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Committed {
			t.Fatal("a bad LHÉO file was committed")
		}
		wantError(t, rep, "offres.xml", line, element, reason)
		if fingerprint(t, d) != before {
			t.Fatal("a refused LHÉO file wrote")
		}
	}
	lineOf := func(s, sub string) int { return strings.Count(s[:strings.Index(s, sub)], "\n") + 1 }
	text := string(fixture)
	t.Run("ErrRoot", func(t *testing.T) {
		bad(t, "<?xml version=\"1.0\"?>\n<offres><formation/></offres>", 2, "<offres>", "not <lheo>")
	})
	t.Run("ErrMissingTitle", func(t *testing.T) {
		c := strings.Replace(text, "<intitule-formation>Soudage TIG : qualification</intitule-formation>", "", 1)
		bad(t, c, lineOf(c, `<formation numero="F1"`), "<intitule-formation>", "no <intitule-formation>")
	})
	t.Run("ErrBadDate", func(t *testing.T) {
		c := strings.Replace(text, "<fin>20261016</fin>", "<fin>20261340</fin>", 1)
		bad(t, c, lineOf(c, "20261340"), "<fin>", `"20261340" is not a date AAAAMMJJ`)
	})
	t.Run("ErrUnknownROME", func(t *testing.T) {
		c := strings.Replace(text, "<code-ROME>M1805</code-ROME>", "<code-ROME>Z9999</code-ROME>", 1)
		bad(t, c, lineOf(c, "Z9999"), "<code-ROME>", `unknown ROME code "Z9999"`)
	})
	t.Run("ErrNotWellFormed", func(t *testing.T) {
		c := strings.Replace(text, "</offres>", "</offre>", 1)
		bad(t, c, lineOf(c, "</offre>"), "<offres>", "not well-formed XML")
	})
}
