package importer

import (
	"context"
	"strings"
	"testing"

	"github.com/gpec-project/gpec/internal/testdb"
)

type wantErr struct {
	file   string
	line   int
	column string
	reason string
}

// TestBadFiles imports bad files over the base dataset: each must be
// rejected with the expected errors and leave the database unchanged.
func TestBadFiles(t *testing.T) {
	d, _ := testdb.New(t)
	mustImport(t, d, sources(base), Options{})
	before := fingerprint(t, d)

	const empHeader = "siren,employee_ref,siret,role_code,birth_year,entry_date,exit_date\n"
	const esHeader = "siren,employee_ref,skill_code,level\n"
	cases := []struct {
		name  string
		files map[string]string
		want  []wantErr
	}{
		{"ErrMixedDelimiters", map[string]string{"roles.csv": "code;title;family\nX1;Un;\nX2,Deux,\n"},
			[]wantErr{{"roles.csv", 3, "", "short row"}}},
		{"ErrMixedDelimitersInHeader", map[string]string{"roles.csv": "code,title;family\nX1,Un,\n"},
			[]wantErr{{"roles.csv", 1, "", "mixes"}}},
		{"ErrAfterQuotedNewlines", map[string]string{"skills.csv": "code,name,kind\nX1,\"a\nb\nc\",soft\nX2,Nom,hard\n"},
			[]wantErr{{"skills.csv", 5, "kind", "know_how"}}},
		{"ErrShortRow", map[string]string{"roles.csv": "code,title,family\nX1,Un,F\nX2,Deux\n"},
			[]wantErr{{"roles.csv", 3, "", "short row: 2 fields where the header has 3"}}},
		{"ErrNonNumericLevel", map[string]string{"employee_skills.csv": esHeader + "552032534,E1,S-WELD,4\n552032534,E2,S-SOFT,trois\n"},
			[]wantErr{{"employee_skills.csv", 3, "level", "not an integer"}}},
		{"ErrLevel7", map[string]string{"employee_skills.csv": esHeader + "552032534,E1,S-WELD,7\n"},
			[]wantErr{{"employee_skills.csv", 2, "level", "0 to 4"}}},
		{"ErrRequiredLevel0", map[string]string{"role_skills.csv": "role_code,skill_code,level,essential\nH2913,S-CODE,0,oui\n"},
			[]wantErr{{"role_skills.csv", 2, "level", "1 to 4"}}},
		{"ErrUnknownRole", map[string]string{"employees.csv": empHeader + "552032534,E9,55203253400109,ZZ999,1980,2020-01-01,\n"},
			[]wantErr{{"employees.csv", 2, "role_code", "unknown role"}}},
		{"ErrSiteSiretOfOtherCompany", map[string]string{"sites.csv": "siret,siren,name,territory_code\n44306184100112,552032534,Autre,69\n"},
			[]wantErr{{"sites.csv", 2, "siret", "another company"}}},
		{"ErrEmployeeSiteOfOtherCompany", map[string]string{"employees.csv": empHeader + "552032534,E9,44306184100104,H2913,1980,2020-01-01,\n"},
			[]wantErr{{"employees.csv", 2, "siret", "another company"}}},
		{"ErrDuplicateInFile", map[string]string{"roles.csv": "code,title\nX1,Un\nX2,Deux\nX1,Encore\n"},
			[]wantErr{{"roles.csv", 4, "code", "as line 2"}}},
		{"ErrDuplicateAcrossFiles", map[string]string{
			"01_employees.csv": empHeader + "552032534,E9,55203253400109,H2913,1980,2020-01-01,\n",
			"02_employees.csv": empHeader + "552032534,E8,55203253400109,H2913,1980,2020-01-01,\n552032534,E9,55203253400109,H2913,1981,2020-01-01,\n"},
			[]wantErr{{"02_employees.csv", 3, "siren, employee_ref", "01_employees.csv line 2"}}},
		{"ErrEmptyFile", map[string]string{"roles.csv": ""},
			[]wantErr{{"roles.csv", 1, "", "empty file"}}},
		{"ErrUnknownColumn", map[string]string{"roles.csv": "code,title,colour\nX1,Un,bleu\n"},
			[]wantErr{{"roles.csv", 1, "colour", "unknown column"}}},
		{"ErrMissingColumn", map[string]string{"employees.csv": "siren,employee_ref,siret,birth_year,entry_date\n552032534,E9,55203253400109,1980,2020-01-01\n"},
			[]wantErr{{"employees.csv", 1, "role_code", "missing required column"}}},
		{"ErrUnknownKind", map[string]string{"stuff.csv": "foo,bar\n1,2\n"},
			[]wantErr{{"stuff.csv", 1, "", "which kind"}}},
		{"ErrAmbiguousKind", map[string]string{"stuff.csv": "code,title\nX,Y\n"},
			[]wantErr{{"stuff.csv", 1, "", "several kinds"}}},
		{"ErrBadIdentifiers", map[string]string{"companies.csv": "siren,name,naf,founded_year\n552032535,X,10.51A,1900\n443061841,,1051A,1500\n"},
			[]wantErr{{"companies.csv", 2, "siren", "checksum"}, {"companies.csv", 3, "name", "required"},
				{"companies.csv", 3, "naf", "NAF"}, {"companies.csv", 3, "founded_year", "1600"}}},
		{"ErrBadDatesAndBooleans", map[string]string{
			"memberships.csv": "pole_id,siren,since,until\naerospace-valley,552032534,2021-02-30,\naerospace-valley,552032534,2021-01-01,2020-01-01\n",
			"role_skills.csv": "role_code,skill_code,level,essential\nH2913,S-CODE,2,yes\n"},
			[]wantErr{{"memberships.csv", 2, "since", "YYYY-MM-DD"}, {"memberships.csv", 3, "until", "after since"},
				{"role_skills.csv", 2, "essential", "boolean"}}},
		{"ErrTerritories", map[string]string{"territories.csv": "level,code,name,parent_code\ndepartment,96,X,84\ncommune,31069,Blagnac,32\nregion,11,Île-de-France,75\ndepartment,75,Paris,\n"},
			[]wantErr{{"territories.csv", 2, "code", "01–95"}, {"territories.csv", 3, "parent_code", "unknown parent department"},
				{"territories.csv", 4, "parent_code", "no parent"}, {"territories.csv", 5, "parent_code", "needs its parent"}}},
		{"ErrCascadeInBatch", map[string]string{
			// E9 is new and valid: its skills are fine; E7 names an unknown
			// site and S-NOPE an unknown skill: exactly those are reported.
			"employees.csv":       empHeader + "552032534,E9,55203253400109,H2913,1980,2020-01-01,\n552032534,E7,55203253400125,H2913,1980,2020-01-01,\n",
			"employee_skills.csv": esHeader + "552032534,E9,S-WELD,2\n552032534,E9,S-NOPE,2\n552032534,E6,S-WELD,1\n"},
			[]wantErr{{"employees.csv", 3, "siret", "unknown site"}, {"employee_skills.csv", 3, "skill_code", "unknown skill"},
				{"employee_skills.csv", 4, "employee_ref", "unknown employee"}}},
		{"ErrOtherKindsStillChecked", map[string]string{
			"trainings.csv":       "id,provider,title,territory_code,modality,duration_hours,cost_eur\nT9,P,T,99999,online,0,-3\n",
			"training_skills.csv": "training_id,skill_code,level\nT404,S-WELD,2\n"},
			[]wantErr{{"trainings.csv", 2, "modality", "onsite"}, {"trainings.csv", 2, "duration_hours", "greater than 0"},
				{"trainings.csv", 2, "cost_eur", "decimal"}, {"training_skills.csv", 2, "training_id", "unknown training"}}},
		{"ErrTwoUndatedRowsOfAKey", map[string]string{"employee_skills.csv": "siren,employee_ref,skill_code,assessed_on,level\n" +
			"552032534,E1,S-WELD,2024-05-01,3\n552032534,E1,S-WELD,,2\n552032534,E1,S-WELD,,4\n"},
			[]wantErr{{"employee_skills.csv", 4, "siren, employee_ref, skill_code, assessed_on", "as line 3"}}},
		{"ErrNeedHorizonBeforeItsDeclaration", map[string]string{"needs.csv": "siret,role_code,horizon_year,declared_on,headcount\n" +
			"55203253400109,H2913,2025,2026-02-01,3\n55203253400109,H2913,2026,2026-02-01,3\n"},
			[]wantErr{{"needs.csv", 2, "horizon_year", "not before the year it is declared (2026)"}}},
		{"ErrUndatedNeedBefore2000", map[string]string{"needs.csv": "siret,role_code,horizon_year,headcount\n55203253400109,H2913,1999,3\n"},
			[]wantErr{{"needs.csv", 2, "horizon_year", "between 2000 and 2200"}}},
		{"ErrBadDate", map[string]string{"needs.csv": "siret,role_code,horizon_year,declared_on,headcount\n55203253400109,H2913,2030,2026-13-01,3\n"},
			[]wantErr{{"needs.csv", 2, "declared_on", "not a date"}}},
		{"ErrCampaigns", map[string]string{"campaigns.csv": "pole_id,id,title,opens_on,closes_on,reference_date,horizons\n" +
			"aerospace-valley,c1,Fermée avant,2026-03-01,2026-02-01,,\n" +
			"aerospace-valley,c2,Référence tôt,2026-03-01,2026-04-30,2026-04-01,\n" +
			"aerospace-valley,c3,Horizon passé,2026-03-01,2026-04-30,,2025|2027\n" +
			"aerospace-valley,c4,Horizon double,2026-03-01,2026-04-30,,2027|2027\n" +
			"nowhere,c5,Pôle inconnu,2026-03-01,2026-04-30,,\n" +
			"aerospace-valley,c6,Bonne,2026-03-01,2026-04-30,2027-01-15,2027| 2030\n"},
			[]wantErr{{"campaigns.csv", 2, "closes_on", "before opens_on"}, {"campaigns.csv", 3, "reference_date", "before closes_on"},
				{"campaigns.csv", 4, "horizons", "before the year of the reference date (2026)"},
				{"campaigns.csv", 5, "horizons", "given twice"}, {"campaigns.csv", 6, "pole_id", "unknown pole"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Import(context.Background(), d, sources(c.files), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Committed {
				t.Fatalf("committed:\n%s", rep)
			}
			for _, w := range c.want {
				wantError(t, rep, w.file, w.line, w.column, w.reason)
			}
			if rep.ErrorCount != len(c.want) {
				t.Errorf("%d errors, want %d:\n%s", rep.ErrorCount, len(c.want), rep)
			}
			for _, e := range rep.Errors {
				if strings.Contains(strings.ToUpper(e.Reason), "SELECT") || strings.Contains(e.Reason, "pq:") {
					t.Errorf("raw SQL in %v", e)
				}
			}
			if after := fingerprint(t, d); after != before {
				t.Errorf("database changed")
			}
		})
	}

	t.Run("ErrorCap", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("code,title\n")
		for i := 0; i < 50; i++ {
			b.WriteString("X,\n")
		}
		rep, err := Import(context.Background(), d, []Source{memSource("roles.csv", b.String())}, Options{MaxErrors: 10})
		if err != nil {
			t.Fatal(err)
		}
		// 50 missing titles and 49 duplicates of line 2.
		if rep.ErrorCount != 99 || len(rep.Errors) != 10 || !rep.ErrorsTruncated {
			t.Errorf("count %d listed %d truncated %v", rep.ErrorCount, len(rep.Errors), rep.ErrorsTruncated)
		}
	})

	t.Run("ErrDatabaseConstraint", func(t *testing.T) {
		// A rule only the database knows must still come out as a clear
		// report line, not a raw SQL error.
		if _, err := d.Exec(`ALTER TABLE roles ADD CONSTRAINT roles_no_test CHECK (title <> 'Interdit')`); err != nil {
			t.Fatal(err)
		}
		defer d.Exec(`ALTER TABLE roles DROP CONSTRAINT roles_no_test`)
		rep, err := Import(context.Background(), d, []Source{memSource("roles.csv", "code,title\nX1,Interdit\n")}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, rep, "roles.csv", 0, "", "roles_no_test")
		if rep.Committed || fingerprint(t, d) != before {
			t.Error("committed or changed")
		}
	})
}

// TestGoodOddFiles imports files that look odd but are valid.
func TestGoodOddFiles(t *testing.T) {
	d, _ := testdb.New(t)
	mustImport(t, d, sources(base), Options{})

	t.Run("Windows1252", func(t *testing.T) {
		// "Société Générale – Œuvres" in Windows-1252, ';'-separated.
		raw := "siren;name\r\n443061841;Soci\xe9t\xe9 G\xe9n\xe9rale \x96 \x8cuvres\r\n"
		rep := mustImport(t, d, []Source{memSource("companies.csv", raw)}, Options{})
		if rep.Files[0].Encoding != "windows-1252" {
			t.Errorf("encoding %s", rep.Files[0].Encoding)
		}
		var name string
		if err := d.Get(&name, `SELECT name FROM companies WHERE siren = '443061841'`); err != nil || name != "Société Générale – Œuvres" {
			t.Errorf("stored %q %v", name, err)
		}
	})
	t.Run("BOM", func(t *testing.T) {
		raw := "\xef\xbb\xbfcode,title,family\nB1,Chaudronnier (BOM),Métallurgie\n"
		rep := mustImport(t, d, []Source{memSource("roles.csv", raw)}, Options{})
		if rep.Files[0].Encoding != "utf-8-bom" || rep.Kinds[0].Inserted != 1 {
			t.Errorf("%s", rep)
		}
	})
	t.Run("HeaderOnlyIsEmptyImport", func(t *testing.T) {
		before := fingerprint(t, d)
		rep := mustImport(t, d, []Source{memSource("roles.csv", "code,title,family\n")}, Options{})
		if rep.Kinds[0].Rows != 0 || fingerprint(t, d) != before {
			t.Errorf("%s", rep)
		}
	})
	t.Run("KindFromHeaderAndCaseInsensitiveNames", func(t *testing.T) {
		rep := mustImport(t, d, []Source{memSource("export (3).csv", " Training_ID ; SKILL_CODE ;level\nT3;S-SOFT;1\n")}, Options{})
		if rep.Files[0].Kind != "training_skills" || rep.Kinds[0].Inserted != 1 {
			t.Errorf("%s", rep)
		}
	})
	t.Run("QuotedNewlinesStored", func(t *testing.T) {
		var name string
		if err := d.Get(&name, `SELECT name FROM skills WHERE code = 'S-CODE'`); err != nil || name != "Programmation\n(Go, SQL)" {
			t.Errorf("%q %v", name, err)
		}
	})
}
