package export

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestHeadersMatchImportFormats(t *testing.T) {
	if !reflect.DeepEqual(Kinds(), importer.Kinds()) {
		t.Fatalf("kinds %v vs %v", Kinds(), importer.Kinds())
	}
	for _, k := range Kinds() {
		if !reflect.DeepEqual(Header(k), importer.Columns(k)) {
			t.Errorf("%s: export %v, import %v", k, Header(k), importer.Columns(k))
		}
	}
}

// dataset covers accents, nulls, booleans, decimals, quoted newlines and
// values starting with '=', '-', '+', '@' and a quote.
var dataset = map[string]string{
	"territories.csv": "level,code,name,parent_code\nregion,84,Auvergne-Rhône-Alpes,\ndepartment,69,Rhône,84\n" +
		"commune,69123,Lyon,69\nregion,94,Corse,\ndepartment,2A,Corse-du-Sud,94\ncommune,2A004,Ajaccio,2A\n",
	"role_families.csv": "code,title,parent_code\nH,Industrie,\nH29,\"Mécanique, travail des métaux\",H\n",
	"roles.csv":         "code,title,family\nH2913,Soudeur / Soudeuse,H29\n100023,=Développeur,\n-R,''-quoted,@fam\n",
	"skills.csv":        "code,name,kind,category\nS1,\"Soudage\nTIG\",know_how,Soudure\nS2,+Écoute,soft,\n",
	"role_skills.csv":   "role_code,skill_code,level,essential\nH2913,S1,3,oui\nH2913,S2,2,non\n100023,S2,1,1\n",
	"poles.csv":         "id,name,kind,region_code,themes,website\nminalogic,Minalogic,competitiveness_pole,84,numérique|photonique,https://minalogic.com\np2,P2,cluster,94,,\n",
	"companies.csv":     "siren,name,naf,founded_year\n552032534,Danone,10.51A,1919\n443061841,Google France,,\n",
	"memberships.csv":   "pole_id,siren,since,until\nminalogic,552032534,2010-01-01,2020-06-30\nminalogic,552032534,2021-01-01,\np2,443061841,2019-01-01,2020-01-01\n",
	"sites.csv":         "siret,siren,name,territory_code\n55203253400109,552032534,Lyon,69123\n44306184100104,443061841,,2A004\n",
	"employees.csv": "siren,employee_ref,siret,role_code,birth_year,entry_date,exit_date\n" +
		"552032534,=E1,55203253400109,H2913,1965,2001-03-01,\n552032534,E2,55203253400109,100023,1990,2015-09-01,2024-12-31\n" +
		"443061841,G1,44306184100104,-R,1988,2012-01-15,\n",
	// Dated rows beside undated ones of the same key.
	"employee_skills.csv": "siren,employee_ref,skill_code,assessed_on,level\n552032534,=E1,S1,,0\n552032534,=E1,S1,2025-03-02,2\n" +
		"552032534,=E1,S2,,4\n443061841,G1,S2,2024-11-30,3\n",
	"needs.csv": "siret,role_code,horizon_year,declared_on,headcount\n55203253400109,H2913,2030,,4\n" +
		"55203253400109,H2913,2030,2026-03-15,2\n44306184100104,-R,2028,,0\n",
	"campaigns.csv": "pole_id,id,title,opens_on,closes_on,reference_date,horizons\n" +
		"minalogic,2025,Enquête 2025,2025-03-01,2025-04-30,,\nminalogic,2026,=Enquête,2026-03-01,2026-04-30,2026-06-30,2031|2027\n",
	"trainings.csv": "id,provider,title,territory_code,modality,duration_hours,cost_eur\n" +
		"T1,AFPA,Soudure — niveau 2,69,onsite,35,1200.5\nT2,CNAM,@Go,2A004,remote,\"12,5\",\nT3,X,Y,2A,blended,,0\n",
	"training_skills.csv":  "training_id,skill_code,level\nT1,S1,3\nT2,S2,4\n",
	"projects.csv":         "id,pole_id,title,funding,start_year,end_year\nP1,minalogic,=Capteurs,FUI,2026,2029\nP2,p2,Corse,,2027,2027\n",
	"project_partners.csv": "project_id,siren,role\nP1,552032534,leader\nP2,443061841,partner\n",
	"project_needs.csv": "project_id,siret,role_code,year,headcount\nP1,55203253400109,H2913,2027,2\n" +
		"P1,55203253400109,100023,2029,0\nP2,44306184100104,-R,2027,1\n",
	"training_sessions.csv": "training_id,session_id,start_date,end_date,territory_code,seats\n" +
		"T1,2026-A,2026-03-02,2026-03-06,,2\nT1,=S2,2026-09-01,2026-09-30,69123,\nT2,S1,2025-01-10,2025-01-10,2A,5\n",
	"enrolments.csv": "training_id,session_id,siren,employee_ref,status,completed_on\n" +
		"T1,2026-A,552032534,=E1,completed,2026-03-10\nT1,2026-A,552032534,E2,cancelled,\n" +
		"T1,=S2,552032534,E2,enrolled,\nT2,S1,443061841,G1,completed,2025-01-10\n",
}

func writeDir(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func importDir(t *testing.T, d *sqlx.DB, dir string) *importer.Report {
	t.Helper()
	src, err := importer.SourcesFromPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Import(context.Background(), d, src, importer.Options{})
	if err != nil || !rep.Committed {
		t.Fatalf("import: %v\n%s", err, rep)
	}
	return rep
}

// content dumps every table by natural keys (not surrogate ids).
func content(t *testing.T, d *sqlx.DB) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"territories":       `SELECT t::text FROM territories t`,
		"role_families":     `SELECT t::text FROM role_families t`,
		"roles":             `SELECT row(code, title, family)::text FROM roles`,
		"skills":            `SELECT row(code, name, kind, category)::text FROM skills`,
		"role_skills":       `SELECT row(r.code, k.code, level, essential)::text FROM role_skills JOIN roles r ON r.id = role_id JOIN skills k ON k.id = skill_id`,
		"poles":             `SELECT t::text FROM poles t`,
		"companies":         `SELECT t::text FROM companies t`,
		"memberships":       `SELECT t::text FROM memberships t`,
		"sites":             `SELECT t::text FROM sites t`,
		"employees":         `SELECT row(siren, employee_ref, siret, r.code, birth_year, entry_date, exit_date)::text FROM employees JOIN roles r ON r.id = role_id`,
		"campaigns":         `SELECT t::text FROM campaigns t`,
		"employee_skills":   `SELECT row(e.siren, e.employee_ref, k.code, es.assessed_on, es.level)::text FROM employee_skills es JOIN employees e ON e.id = employee_id JOIN skills k ON k.id = skill_id`,
		"needs":             `SELECT row(siret, r.code, horizon_year, declared_on, headcount)::text FROM needs JOIN roles r ON r.id = role_id`,
		"trainings":         `SELECT t::text FROM trainings t`,
		"training_skills":   `SELECT row(training_id, k.code, level)::text FROM training_skills JOIN skills k ON k.id = skill_id`,
		"projects":          `SELECT t::text FROM projects t`,
		"project_partners":  `SELECT t::text FROM project_partners t`,
		"project_needs":     `SELECT row(project_id, siret, r.code, year, headcount)::text FROM project_needs JOIN roles r ON r.id = role_id`,
		"training_sessions": `SELECT t::text FROM training_sessions t`,
		"enrolments":        `SELECT row(training_id, session_id, e.siren, e.employee_ref, status, completed_on)::text FROM enrolments JOIN employees e ON e.id = employee_id`,
	}
	out := map[string][]string{}
	for table, q := range queries {
		var rows []string
		if err := d.Select(&rows, q+` ORDER BY 1`); err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Errorf("%s is empty: the dataset should cover every table", table)
		}
		out[table] = rows
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src, _ := testdb.New(t)
	importDir(t, src, writeDir(t, dataset))
	want := content(t, src)

	dir := t.TempDir()
	if err := Export(ctx, src, dir); err != nil {
		t.Fatal(err)
	}
	roles, _ := os.ReadFile(filepath.Join(dir, "roles.csv"))
	if !strings.Contains(string(roles), "100023,'=Développeur,\n") || !strings.Contains(string(roles), "'-R,''-quoted,'@fam\n") {
		t.Errorf("formula cells not neutralised:\n%s", roles)
	}
	if !strings.HasPrefix(string(roles), "code,title,family\n") {
		t.Errorf("header:\n%s", roles)
	}

	dst, _ := testdb.New(t)
	rep := importDir(t, dst, dir)
	for _, k := range rep.Kinds {
		if k.Inserted != k.Rows {
			t.Errorf("%+v", k)
		}
	}
	got := content(t, dst)
	for table := range want {
		if !reflect.DeepEqual(got[table], want[table]) {
			t.Errorf("%s differs after round trip:\nwant %q\ngot  %q", table, want[table], got[table])
		}
	}

	// Exports are deterministic: a second export of the copy is byte-identical.
	for _, k := range Kinds() {
		var a, b bytes.Buffer
		if err := ExportKind(ctx, src, k, &a); err != nil {
			t.Fatal(err)
		}
		if err := ExportKind(ctx, dst, k, &b); err != nil {
			t.Fatal(err)
		}
		file, _ := os.ReadFile(filepath.Join(dir, k+".csv"))
		if a.String() != b.String() || a.String() != string(file) {
			t.Errorf("%s: exports differ:\n%s\n%s", k, a.String(), b.String())
		}
	}
	if err := ExportKind(ctx, src, "nope", io.Discard); err == nil {
		t.Error("unknown kind exported")
	}
}
