package importer

import (
	"context"
	"database/sql"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/testdb"
)

// firstLoaded lists the kinds a report says were first-loaded.
func firstLoaded(rep *Report) []string {
	var k []string
	for _, kr := range rep.Kinds {
		if kr.FirstLoad {
			k = append(k, kr.Kind)
		}
	}
	return k
}

// schemaOf describes the keys, indexes and triggers of the tables a first
// load rebuilds, to check that it leaves them as they were.
func schemaOf(t *testing.T, d *sqlx.DB) string {
	t.Helper()
	var s string
	if err := d.Get(&s, `SELECT string_agg(x, E'\n' ORDER BY x) FROM (
		SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated AS x FROM pg_constraint WHERE connamespace = 'public'::regnamespace
		UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
		UNION ALL SELECT tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal) q`); err != nil {
		t.Fatal(err)
	}
	return s
}

// needFirstLoad skips a test of first loads when they are turned off.
func needFirstLoad(t *testing.T) {
	if firstLoadOff {
		t.Skip("first loads are turned off (IMPORTER_CHECKED_PATH)")
	}
}

// withoutFirstLoad runs f with first loads turned off: the checked path.
func withoutFirstLoad(f func()) {
	defer func(v bool) { firstLoadOff = v }(firstLoadOff)
	firstLoadOff = true
	f()
}

// TestFirstLoadSameContent loads the same files into two empty databases,
// by the first load and by the checked path: every table must hold the
// same rows (ids included), and the first load must leave the keys,
// indexes and triggers as they were.
func TestFirstLoadSameContent(t *testing.T) {
	needFirstLoad(t)
	files := maps.Clone(base)
	// Dated and undated assessments of one skill, and a dated need; E1's
	// rows come in two runs (the first load sends each run in the key's
	// order).
	files["10_employee_skills.csv"] = "siren,employee_ref,skill_code,assessed_on,level\n" +
		"552032534,E1,S-WELD,,3\n552032534,E1,S-WELD,2024-05-01,2\n552032534,E1,S-WELD,2025-05-01,3\n" +
		"552032534,E1,S-SOFT,,2\n552032534,E2,S-WELD,2023-01-31,1\n443061841,G1,S-CODE,,4\n" +
		"552032534,E1,S-CODE,2022-01-01,1\n"
	files["needs.csv"] = "siret,role_code,horizon_year,declared_on,headcount\n55203253400109,H2913,2030,,4\n" +
		"55203253400109,H2913,2030,2025-02-01,5\n44306184100104,M1805,2028,,0\n"

	first, _ := testdb.New(t)
	before := schemaOf(t, first)
	rep := mustImport(t, first, sources(files), Options{})
	if got, want := firstLoaded(rep), []string{"employees", "employee_skills", "needs"}; !slices.Equal(got, want) {
		t.Errorf("first-loaded kinds %v, want %v", got, want)
	}
	for _, k := range rep.Kinds {
		if k.Inserted != k.Rows || k.Rejected != 0 {
			t.Errorf("%s: %+v", k.Kind, k)
		}
	}
	if !strings.Contains(rep.String(), "first load into empty tables (rows first, keys and indexes built after): employees, employee_skills, needs") {
		t.Errorf("the report does not say which kinds were first-loaded:\n%s", rep)
	}
	if after := schemaOf(t, first); after != before {
		t.Errorf("keys, indexes or triggers changed:\n%s\n---\n%s", before, after)
	}

	checked, _ := testdb.New(t)
	withoutFirstLoad(func() {
		rep := mustImport(t, checked, sources(files), Options{})
		if k := firstLoaded(rep); len(k) != 0 {
			t.Errorf("first loads while turned off: %v", k)
		}
	})
	if a, b := fingerprint(t, first), fingerprint(t, checked); a != b {
		t.Errorf("the first load and the checked path differ:\n%s\n%s", a, b)
	}
	// The identity goes on after the ids a first load gave.
	var next, max int64
	if err := first.Get(&next, `SELECT nextval(pg_get_serial_sequence('employees', 'id'))`); err != nil {
		t.Fatal(err)
	}
	if err := first.Get(&max, `SELECT max(id) FROM employees`); err != nil {
		t.Fatal(err)
	}
	if next <= max {
		t.Errorf("next employee id %d, not after the loaded ones (max %d)", next, max)
	}
}

// TestFirstLoadKeyOrder: the rows of one employee, given together, are
// written in the order of employee_skills' key index (skill, then the
// latest date first, the undated last), whatever their order in the file.
func TestFirstLoadKeyOrder(t *testing.T) {
	needFirstLoad(t)
	files := maps.Clone(base)
	files["10_employee_skills.csv"] = "siren,employee_ref,skill_code,assessed_on,level\n" +
		"552032534,E1,S-WELD,,3\n552032534,E1,S-SOFT,2021-03-01,2\n552032534,E1,S-WELD,2024-05-01,2\n" +
		"552032534,E1,S-SOFT,,1\n552032534,E1,S-WELD,2025-05-01,3\n552032534,E1,S-SOFT,2023-03-01,2\n" +
		"552032534,E2,S-WELD,2023-01-31,1\n552032534,E2,S-SOFT,,1\n443061841,G1,S-CODE,,4\n"
	d, _ := testdb.New(t)
	rep := mustImport(t, d, sources(files), Options{})
	if !slices.Contains(firstLoaded(rep), "employee_skills") {
		t.Fatalf("employee_skills not first-loaded: %v", firstLoaded(rep))
	}
	var written, keyOrder []string
	if err := d.Select(&written, `SELECT employee_id || ' ' || skill_id || ' ' || coalesce(assessed_on::text, '-')
		FROM employee_skills ORDER BY ctid`); err != nil {
		t.Fatal(err)
	}
	if err := d.Select(&keyOrder, `SELECT employee_id || ' ' || skill_id || ' ' || coalesce(assessed_on::text, '-')
		FROM employee_skills ORDER BY employee_id, skill_id, assessed_on DESC NULLS LAST`); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(written, keyOrder) {
		t.Errorf("written in the order\n%v\nnot the key's\n%v", written, keyOrder)
	}
}

// TestFirstLoadOnlyWhenEmpty: a kind is first-loaded only when its table
// is empty, and never in a dry run or for a company.
func TestFirstLoadOnlyWhenEmpty(t *testing.T) {
	needFirstLoad(t)
	d, _ := testdb.New(t)
	rep := mustImport(t, d, sources(base), Options{DryRun: true})
	if k := firstLoaded(rep); len(k) != 0 {
		t.Errorf("dry run first-loaded %v", k)
	}
	// Employees stored, their assessments and needs not yet.
	partial := maps.Clone(base)
	delete(partial, "10_employee_skills.csv")
	delete(partial, "needs.csv")
	rep = mustImport(t, d, sources(partial), Options{})
	if got, want := firstLoaded(rep), []string{"employees"}; !slices.Equal(got, want) {
		t.Errorf("first-loaded %v, want %v", got, want)
	}
	version := func() int64 {
		var v int64
		if err := d.Get(&v, `SELECT version FROM data_version`); err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()
	rep = mustImport(t, d, sources(map[string]string{"10_employee_skills.csv": base["10_employee_skills.csv"]}), Options{})
	if got, want := firstLoaded(rep), []string{"employee_skills"}; !slices.Equal(got, want) {
		t.Errorf("into stored employees, first-loaded %v, want %v", got, want)
	}
	if k := rep.Kinds[0]; k.Inserted != 4 {
		t.Errorf("employee_skills: %+v", k)
	}
	// The rollups go stale as after any import: COPY fires the
	// data_version triggers as INSERT does.
	if v1 := version(); v1 <= v0 {
		t.Errorf("data_version %d before the first load, %d after", v0, v1)
	}
	rep = mustImport(t, d, sources(base), Options{})
	if got, want := firstLoaded(rep), []string{"needs"}; !slices.Equal(got, want) {
		t.Errorf("first-loaded %v, want %v", got, want)
	}
	more := map[string]string{"needs.csv": "siret,role_code,horizon_year,headcount\n55203253400117,H2913,2031,2\n"}
	rep = mustImport(t, d, sources(more), Options{})
	if k := firstLoaded(rep); len(k) != 0 {
		t.Errorf("into a table with rows, first-loaded %v", k)
	}
	if k := rep.Kinds[0]; k.Inserted != 1 || k.Unchanged != 0 {
		t.Errorf("needs: %+v", k)
	}

	empty, _ := testdb.New(t)
	mustImport(t, empty, sources(partial), Options{})
	company := map[string]string{"employee_skills.csv": "siren,employee_ref,skill_code,level\n552032534,E1,S-WELD,3\n"}
	rep = mustImport(t, empty, sources(company), Options{OnlySiren: "552032534"})
	if k := firstLoaded(rep); len(k) != 0 {
		t.Errorf("a company's import first-loaded %v", k)
	}
}

// TestFirstLoadBadFiles: into empty tables, a bad file is rejected with
// exactly the report of the checked path, and leaves the tables empty.
func TestFirstLoadBadFiles(t *testing.T) {
	d, _ := testdb.New(t)
	ref := maps.Clone(base)
	for _, k := range []string{"09_employees.csv", "10_employee_skills.csv", "needs.csv", "enrolments.csv"} {
		delete(ref, k)
	}
	mustImport(t, d, sources(ref), Options{})
	before := fingerprint(t, d)
	schema := schemaOf(t, d)

	const emp = "siren,employee_ref,siret,role_code,birth_year,entry_date,exit_date\n" +
		"552032534,E1,55203253400109,H2913,1965,2001-03-01,\n" +
		"552032534,E2,55203253400117,H2913,1990,2015-09-01,2024-12-31\n"
	const es = "siren,employee_ref,skill_code,level\n552032534,E1,S-WELD,3\n552032534,E2,S-SOFT,2\n"
	const needs = "siret,role_code,horizon_year,headcount\n55203253400109,H2913,2030,4\n"
	cases := []struct{ name, emp, es, needs string }{
		{"ErrUnknownRole", emp + "552032534,E3,55203253400109,ZZ999,1980,2020-01-01,\n", es, needs},
		{"ErrUnknownSite", emp + "552032534,E3,55203253400125,H2913,1980,2020-01-01,\n", es, needs},
		{"ErrDuplicateEmployee", emp + "552032534,E1,55203253400109,H2913,1966,2001-03-01,\n", es, needs},
		{"ErrExitBeforeEntry", emp + "552032534,E3,55203253400109,H2913,1980,2020-01-01,2019-01-01\n", es, needs},
		{"ErrMissingColumn", "siren,employee_ref,siret,birth_year,entry_date\n552032534,E9,55203253400109,1980,2020-01-01\n", es, needs},
		{"ErrUnknownSkill", emp, es + "552032534,E1,S-NONE,3\n", needs},
		{"ErrUnknownEmployee", emp, es + "552032534,E7,S-WELD,3\n", needs},
		{"ErrDuplicateAssessment", emp, es + "552032534,E2,S-SOFT,1\n", needs},
		{"ErrLevel", emp, es + "552032534,E2,S-WELD,9\n", needs},
		{"ErrShortRow", emp, es + "552032534,E2\n", needs},
		{"ErrUnknownNeedSite", emp, es, needs + "55203253400125,H2913,2030,1\n"},
		{"ErrDuplicateNeed", emp, es, needs + "55203253400109,H2913,2030,5\n"},
		{"ErrUnknownNeedRole", emp, es, needs + "55203253400109,ZZ999,2030,1\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := sources(map[string]string{"employees.csv": c.emp, "employee_skills.csv": c.es, "needs.csv": c.needs})
			run := func() *Report {
				rep, err := Import(context.Background(), d, files, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Committed || rep.ErrorCount == 0 {
					t.Fatalf("accepted:\n%s", rep)
				}
				if k := firstLoaded(rep); len(k) != 0 {
					t.Errorf("a rejected import says it first-loaded %v", k)
				}
				rep.Seconds = 0
				return rep
			}
			got := run()
			var want *Report
			withoutFirstLoad(func() { want = run() })
			if !reflect.DeepEqual(got, want) {
				t.Errorf("first load reported\n%s\nthe checked path\n%s", got, want)
			}
			if after := fingerprint(t, d); after != before {
				t.Errorf("the database changed:\n%s\n%s", before, after)
			}
			if after := schemaOf(t, d); after != schema {
				t.Errorf("keys, indexes or triggers changed:\n%s\n---\n%s", schema, after)
			}
		})
	}
}

// TestFirstLoadReaderHoldsTable: when a reader holds an empty table, the
// import does not wait for it to drop the keys: it loads that kind by the
// checked path. A reader of the tables the loaded ones refer to (roles,
// sites) does not stop a first load: it locks only its own table.
func TestFirstLoadReaderHoldsTable(t *testing.T) {
	needFirstLoad(t)
	d, _ := testdb.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reader, err := d.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback()
	var n int
	if err := reader.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM employee_skills) + (SELECT count(*) FROM roles) + (SELECT count(*) FROM sites)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, d, sources(base), Options{})
	if err != nil || !rep.Committed {
		t.Fatalf("import: %v\n%v", err, rep)
	}
	if got, want := firstLoaded(rep), []string{"employees", "needs"}; !slices.Equal(got, want) {
		t.Errorf("first-loaded %v, want %v (employee_skills is held by a reader)", got, want)
	}
}
