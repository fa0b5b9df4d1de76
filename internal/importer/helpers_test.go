package importer

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) {
	// IMPORTER_CHECKED_PATH=1 runs every test with first loads off, to
	// show that the tests pass on both paths.
	firstLoadOff = os.Getenv("IMPORTER_CHECKED_PATH") != ""
	testdb.Main(m)
}

// memSource is an in-memory file.
func memSource(name, content string) Source {
	return Source{Name: name, Size: int64(len(content)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(content)), nil
	}}
}

func sources(files map[string]string) []Source {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Source
	for _, n := range names {
		out = append(out, memSource(n, files[n]))
	}
	return out
}

// base is a small complete dataset, one file per kind, given out of
// dependency order on purpose.
var base = map[string]string{
	"10_employee_skills.csv": "siren,employee_ref,skill_code,level\n" +
		"552032534,E1,S-WELD,3\n552032534,E1,S-SOFT,2\n552032534,E2,S-WELD,1\n443061841,G1,S-CODE,4\n",
	"09_employees.csv": "siren,employee_ref,siret,role_code,birth_year,entry_date,exit_date\n" +
		"552032534,E1,55203253400109,H2913,1965,2001-03-01,\n" +
		"552032534,E2,55203253400117,H2913,1990,2015-09-01,2024-12-31\n" +
		"443061841,G1,44306184100104,M1805,1988,2012-01-15,\n",
	"companies.csv": "siren;name;naf;founded_year\n" +
		"552032534;Danone Société Anonyme;10.51A;1919\n443061841;Google France;62.01Z;\n",
	"sites.csv": "siret,siren,name,territory_code\n" +
		"55203253400109,552032534,Usine de Lyon,69123\n55203253400117,552032534,,69\n44306184100104,443061841,Toulouse,31555\n",
	"territories.csv": "level,code,name,parent_code\n" +
		"commune,69123,Lyon,69\ndepartment,69,Rhône,84\nregion,84,Auvergne-Rhône-Alpes,\n" +
		"region,76,Occitanie,\ndepartment,31,Haute-Garonne,76\ncommune,31555,Toulouse,31\n",
	"role_families.csv": "code,title,parent_code\nH,Industrie,\nH29,Mécanique,H\n",
	"roles.csv":         "code,title,family\nH2913,Soudeur / Soudeuse,H29\nM1805,Études et développement informatique,\n",
	"skills.csv": "code,name,kind,category\nS-WELD,Soudage TIG,know_how,Soudure\nS-SOFT,Travail en équipe,soft,\n" +
		"S-CODE,\"Programmation\n(Go, SQL)\",knowledge,Informatique\n",
	"role_skills.csv": "role_code,skill_code,level,essential\nH2913,S-WELD,3,oui\nH2913,S-SOFT,2,non\nM1805,S-CODE,3,true\n",
	"poles.csv": "id,name,kind,region_code,themes,website\n" +
		"aerospace-valley,Aerospace Valley,competitiveness_pole,76,aéronautique|spatial,https://www.aerospace-valley.com\n" +
		"formula-pole,=SUM(A1),cluster,84,,\n",
	"memberships.csv": "pole_id,siren,since,until\naerospace-valley,443061841,2015-01-01,\naerospace-valley,552032534,2010-01-01,2020-01-01\n",
	"campaigns.csv": "pole_id,id,title,opens_on,closes_on,reference_date,horizons\n" +
		"aerospace-valley,2025,Enquête 2025,2025-03-01,2025-04-30,,\n" +
		"aerospace-valley,2026,Enquête 2026,2026-03-01,2026-04-30,2026-06-30,2027|2029\n",
	"needs.csv": "siret,role_code,horizon_year,headcount\n55203253400109,H2913,2030,4\n44306184100104,M1805,2028,0\n",
	"trainings.csv": "id,provider,title,territory_code,modality,duration_hours,cost_eur\n" +
		"T1,AFPA,Soudure TIG — perfectionnement,69,onsite,35,1200.50\n" +
		"T2,CNAM,=Go avancé,31555,remote,\"12,5\",\n" +
		"T3,-Org,@Title +plus,31,blended,,0\n",
	"training_skills.csv": "training_id,skill_code,level\nT1,S-WELD,3\nT2,S-CODE,4\n",
	// A project of aerospace-valley with a current member (443061841) and a
	// former one (552032534, whose membership ended in 2020: still a
	// membership row).
	"projects.csv": "id,pole_id,title,funding,start_year,end_year\n" +
		"P1,aerospace-valley,Drone léger,FUI,2026,2029\n",
	"project_partners.csv": "project_id,siren,role\nP1,443061841,leader\nP1,552032534,partner\n",
	"project_needs.csv": "project_id,siret,role_code,year,headcount\n" +
		"P1,44306184100104,M1805,2027,3\nP1,55203253400109,H2913,2029,1\n",
	"training_sessions.csv": "training_id,session_id,start_date,end_date,territory_code,seats\nT1,B1,2025-01-06,2025-01-10,,\n",
	"enrolments.csv":        "training_id,session_id,siren,employee_ref,status,completed_on\nT1,B1,552032534,E1,completed,2025-01-10\n",
}

// fingerprint digests every table's whole content, to tell whether an
// import changed anything.
func fingerprint(t *testing.T, d *sqlx.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"territories", "role_families", "roles", "skills", "role_skills", "poles",
		"companies", "memberships", "campaigns", "sites", "employees", "employee_skills", "needs", "trainings", "training_skills", "training_sessions", "enrolments",
		"projects", "project_partners", "project_needs"} {
		var s string
		if err := d.Get(&s, `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+table+` t`); err != nil {
			t.Fatal(err)
		}
		b.WriteString(table + "=" + s + "\n")
	}
	return b.String()
}

func mustImport(t *testing.T, d *sqlx.DB, src []Source, opts Options) *Report {
	t.Helper()
	rep, err := Import(context.Background(), d, src, opts)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if !rep.Committed && !opts.DryRun {
		t.Fatalf("import rejected:\n%s", rep)
	}
	return rep
}

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
