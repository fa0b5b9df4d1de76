package importer

import (
	"context"
	"testing"

	"github.com/gpec-project/gpec/internal/testdb"
)

func TestProjects(t *testing.T) {
	d, _ := testdb.New(t)
	mustImport(t, d, sources(base), Options{})
	var n int
	if err := d.Get(&n, `SELECT count(*) FROM project_needs`); err != nil || n != 2 {
		t.Fatalf("%d project needs, %v", n, err)
	}
	// Re-importing the project files (base's) changes nothing.
	projectFiles := map[string]string{}
	for _, k := range []string{"projects.csv", "project_partners.csv", "project_needs.csv"} {
		projectFiles[k] = base[k]
	}
	rep := mustImport(t, d, sources(projectFiles), Options{})
	for _, k := range rep.Kinds {
		if k.Unchanged != k.Rows {
			t.Errorf("re-import: %+v", k)
		}
	}

	cases := []struct {
		name  string
		files map[string]string
		want  []wantErr
	}{
		{"ErrEndBeforeStart", map[string]string{"projects.csv": "id,pole_id,title,start_year,end_year\nP2,aerospace-valley,X,2028,2027\n"},
			[]wantErr{{"projects.csv", 2, "end_year", "before start_year"}}},
		{"ErrUnknownPole", map[string]string{"projects.csv": "id,pole_id,title,start_year,end_year\nP2,nowhere,X,2026,2027\n"},
			[]wantErr{{"projects.csv", 2, "pole_id", "unknown pole"}}},
		{"ErrYearsLeaveANeedOut", map[string]string{"projects.csv": "id,pole_id,title,start_year,end_year\nP1,aerospace-valley,X,2026,2028\n"},
			[]wantErr{{"projects.csv", 2, "start_year", "need in 2029"}}},
		{"ErrPoleWithoutPartners", map[string]string{"projects.csv": "id,pole_id,title,start_year,end_year\nP1,formula-pole,X,2026,2029\n"},
			[]wantErr{{"projects.csv", 2, "pole_id", "no membership in this pole"}}},
		{"ErrPartnerRole", map[string]string{"project_partners.csv": "project_id,siren,role\nP1,443061841,boss\n"},
			[]wantErr{{"project_partners.csv", 2, "role", "leader or partner"}}},
		{"ErrPartnerNotMember", map[string]string{
			"projects.csv":         "id,pole_id,title,start_year,end_year\nP3,formula-pole,X,2026,2027\n",
			"project_partners.csv": "project_id,siren,role\nP3,443061841,leader\n"},
			[]wantErr{{"project_partners.csv", 2, "siren", "no membership in the project's pole formula-pole"}}},
		{"ErrUnknownProject", map[string]string{"project_partners.csv": "project_id,siren,role\nP9,443061841,leader\n"},
			[]wantErr{{"project_partners.csv", 2, "project_id", "unknown project"}}},
		{"ErrNeedYearOutside", map[string]string{"project_needs.csv": "project_id,siret,role_code,year,headcount\n" +
			"P1,44306184100104,M1805,2027,3\nP1,44306184100104,M1805,2030,2\n"},
			[]wantErr{{"project_needs.csv", 3, "year", "outside the project's years (2026–2029)"}}},
		{"ErrNeedSiteNotOfPartner", map[string]string{
			"companies.csv":     "siren,name\n732829320,Hors projet\n",
			"sites.csv":         "siret,siren,territory_code\n73282932000074,732829320,31555\n",
			"project_needs.csv": "project_id,siret,role_code,year,headcount\nP1,73282932000074,M1805,2027,1\n"},
			[]wantErr{{"project_needs.csv", 2, "siret", "SIREN 732829320) is not a partner of project P1"}}},
		{"ErrNeedUnknownRole", map[string]string{"project_needs.csv": "project_id,siret,role_code,year,headcount\nP1,44306184100104,ZZ,2027,1\n"},
			[]wantErr{{"project_needs.csv", 2, "role_code", "unknown role"}}},
	}
	before := fingerprint(t, d) + projectPrint(t, d)
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
			if fingerprint(t, d)+projectPrint(t, d) != before {
				t.Error("the database changed")
			}
		})
	}

	t.Run("CompanyMayNotImport", func(t *testing.T) {
		rep, err := Import(context.Background(), d, sources(projectFiles), Options{OnlySiren: "443061841"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Committed || rep.ErrorCount == 0 {
			t.Errorf("a company imported projects:\n%s", rep)
		}
	})
}

func projectPrint(t *testing.T, d interface {
	Get(any, string, ...any) error
}) string {
	t.Helper()
	var s string
	if err := d.Get(&s, `SELECT (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM projects t) ||
	  (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM project_partners t) ||
	  (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM project_needs t)`); err != nil {
		t.Fatal(err)
	}
	return s
}
