package release_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/release"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type fixture struct {
	tb        testing.TB
	db        *sqlx.DB
	companies int
	sites     map[string]int
	employees int
}

func (f *fixture) exec(q string, args ...any) {
	f.tb.Helper()
	if _, err := f.db.Exec(q, args...); err != nil {
		f.tb.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) company() string {
	f.companies++
	siren := ident.CompleteLuhn(fmt.Sprintf("4%07d", f.companies))
	f.exec(`INSERT INTO companies (siren, name, naf) VALUES ($1, $2, '25.62B')`, siren, "company "+siren)
	return siren
}

func (f *fixture) site(siren, dept string) string {
	f.sites[siren]++
	siret := ident.CompleteLuhn(fmt.Sprintf("%s%04d", siren, f.sites[siren]))
	f.exec(`INSERT INTO sites (siret, siren, name, territory_code) VALUES ($1, $2, $3, $4)`, siret, siren, "site "+siret, dept)
	return siret
}

func (f *fixture) staff(siret string, role, n int, entry string) {
	for range n {
		f.employees++
		f.exec(`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
		  VALUES (left($1, 9), $2, $1, $3, 1990, $4)`, siret, fmt.Sprintf("e%d", f.employees), role, entry)
	}
}

// world: regions 76 (departments 31, 34) and 84 (69); families A and B
// (roles 1 and 2). The department × role family cells at 2026-06-30:
//
//	31/A: three companies of 10            published
//	31/B: two companies (2, 1)             FREQUENCY
//	34/A: 50, 3, 2                         DOMINANCE (50/55 > 85 %)
//	34/B: 10, 9, 1                         P_PERCENT (20 − 10 − 9 = 1 < 1.5)
//	69/A: three companies of 5             published
//	69/B: two companies of 4, and a third with only a declared need:
//	      FREQUENCY (it would have passed counting the need)
type world struct {
	*fixture
	rA, rB int
	late   string // a site of 69 whose staff arrives in 2026
}

func newWorld(t *testing.T) *world {
	d, _ := testdb.New(t)
	f := &fixture{tb: t, db: d, sites: map[string]int{}}
	f.exec(`INSERT INTO territories (level, code, name, parent_code) VALUES
	  ('region', '76', 'Occitanie', NULL), ('region', '84', 'Auvergne-Rhône-Alpes', NULL),
	  ('department', '31', 'Haute-Garonne', '76'), ('department', '34', 'Hérault', '76'),
	  ('department', '69', 'Rhône', '84')`)
	f.exec(`INSERT INTO role_families (code, title) VALUES ('A', 'Famille A'), ('B', 'Famille B')`)
	w := &world{fixture: f}
	if err := d.Get(&w.rA, `INSERT INTO roles (code, title, family) VALUES ('RA', 'RA', 'A') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if err := d.Get(&w.rB, `INSERT INTO roles (code, title, family) VALUES ('RB', 'RB', 'B') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	const since = "2020-01-01"
	put := func(dept string, a, b int) string {
		s := f.site(f.company(), dept)
		f.staff(s, w.rA, a, since)
		f.staff(s, w.rB, b, since)
		return s
	}
	put("31", 10, 2)
	put("31", 10, 1)
	put("31", 10, 0)
	put("34", 50, 10)
	put("34", 3, 9)
	put("34", 2, 1)
	put("69", 5, 4)
	put("69", 5, 4)
	w.late = put("69", 5, 0)
	needOnly := f.site(f.company(), "69")
	for _, h := range []int{2027, 2029, 2031} {
		f.exec(`INSERT INTO needs (siret, role_id, horizon_year, headcount) VALUES ($1, $2, $3, 6)`, needOnly, w.rB, h)
	}
	return w
}

func build(t *testing.T, d *sqlx.DB, date string) *release.Release {
	t.Helper()
	ctx := context.Background()
	day, _ := time.Parse(time.DateOnly, date)
	rel, err := release.Create(ctx, d, day, 64)
	if err != nil {
		t.Fatal(err)
	}
	var steps int
	if err := release.Build(ctx, d, rel.ID, release.Options{Progress: func(done, total int, step string) { steps++ }}); err != nil {
		t.Fatal(err)
	}
	if steps == 0 {
		t.Fatal("no progress reported")
	}
	if rel, err = release.Get(ctx, d, rel.ID); err != nil {
		t.Fatal(err)
	}
	if rel.Status != release.Published {
		t.Fatalf("release %d is %s: %s", rel.ID, rel.Status, rel.Failure.String)
	}
	return rel
}

func table(t *testing.T, d *sqlx.DB, rel *release.Release, q release.TableQuery) *aggregates.Result {
	t.Helper()
	r, err := release.Table(context.Background(), d, rel, q)
	if err != nil {
		t.Fatalf("Table(%+v): %v", q, err)
	}
	return r
}

// cells indexes a table's cells: "31/A", "31/Σ", "Σ/A", "Σ/Σ".
func cells(r *aggregates.Result) map[string]aggregates.Figures {
	m := map[string]aggregates.Figures{}
	for _, c := range r.Cells {
		m[c.TerritoryCode+"/"+*c.DimensionCode] = c.Figures
	}
	for _, c := range r.RowTotals {
		m[c.TerritoryCode+"/Σ"] = c.Figures
	}
	for _, c := range r.ColumnTotals {
		m["Σ/"+*c.DimensionCode] = c.Figures
	}
	m["Σ/Σ"] = r.Total.Figures
	return m
}

func brief(f aggregates.Figures) string {
	if f.Suppressed {
		if f.Headcount != nil || f.Companies != nil || f.Target != nil || f.Departures != nil {
			return "LEAK"
		}
		return *f.Reason
	}
	return fmt.Sprintf("c=%d h=%d", *f.Companies, *f.Headcount)
}

func TestReleaseRules(t *testing.T) {
	w := newWorld(t)
	rel := build(t, w.db, "2026-06-30")
	if fmt.Sprint(rel.Horizons()) != "[2027 2029 2031]" || rel.RetirementAge != 64 {
		t.Fatalf("horizons %v, age %d", rel.Horizons(), rel.RetirementAge)
	}
	// 31/A and 69/A pass the primary rules but share their department's
	// total with a hidden cell: hidden SECONDARY. France's total counts 9
	// contributors: the company with only a declared need is not one.
	want := map[string]string{
		"Σ/Σ":  "c=9 h=131",
		"31/A": "SECONDARY",
		"31/B": "FREQUENCY",
		"34/A": "DOMINANCE",
		"34/B": "P_PERCENT",
		"69/A": "SECONDARY",
		"69/B": "FREQUENCY",
	}
	for _, h := range rel.Horizons() {
		// The department cells, in the national table and in their
		// region's, at every horizon: one pattern.
		national := cells(table(t, w.db, rel, release.TableQuery{Level: domain.LevelDepartment, Dimension: aggregates.DimensionRoleFamily, Horizon: h}))
		occitanie := cells(table(t, w.db, rel, release.TableQuery{Level: domain.LevelDepartment, Dimension: aggregates.DimensionRoleFamily, Horizon: h,
			Parent: &domain.TerritoryKey{Level: domain.LevelRegion, Code: "76"}}))
		for k, v := range want {
			if got := brief(national[k]); got != v {
				t.Errorf("horizon %d, national table: %s = %s, want %s", h, k, got, v)
			}
			if strings.HasPrefix(k, "69") || strings.HasPrefix(k, "Σ") {
				continue
			}
			if got := brief(occitanie[k]); got != v {
				t.Errorf("horizon %d, region 76's table: %s = %s, want %s", h, k, got, v)
			}
		}
		for k, f := range national {
			if brief(f) == "LEAK" {
				t.Errorf("%s: a hidden cell shows a figure", k)
			}
		}
		// The regions' table holds region 76's cells: whatever their
		// status, the same at every horizon and in the region's own table.
		regions := cells(table(t, w.db, rel, release.TableQuery{Level: domain.LevelRegion, Dimension: aggregates.DimensionRoleFamily, Horizon: h}))
		own := cells(table(t, w.db, rel, release.TableQuery{Level: domain.LevelRegion, Dimension: aggregates.DimensionRoleFamily, Horizon: h,
			Parent: &domain.TerritoryKey{Level: domain.LevelRegion, Code: "76"}}))
		for _, k := range []string{"76/A", "76/B", "76/Σ"} {
			if brief(regions[k]) != brief(own[k]) {
				t.Errorf("horizon %d: %s is %s among the regions but %s in its own table", h, k, brief(regions[k]), brief(own[k]))
			}
		}
	}
	rep, err := release.Audit(context.Background(), w.db, rel.ID, release.DefaultRules())
	if err != nil || !rep.Passed() || rep.Primary < 4 {
		t.Fatalf("audit: %+v %v", rep, err)
	}
	if rel.CellCount() == nil || *rel.CellCount() == 0 || rel.HiddenPrimary() == nil || *rel.HiddenPrimary() < 4 || rel.HiddenHeadcountShare() == nil {
		t.Fatalf("counts not kept: %+v", rel)
	}
	// A horizon outside the release names it.
	_, err = release.Table(context.Background(), w.db, rel, release.TableQuery{Level: domain.LevelRegion, Horizon: 2030})
	if domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("horizon 2030: %v", err)
	}
	// The release is immutable: only deletion changes it.
	if _, err := w.db.Exec(`UPDATE release_cells SET headcount = 0 WHERE release_id = $1`, rel.ID); err == nil {
		t.Fatal("a release's cells were updated")
	}
	if _, err := w.db.Exec(`UPDATE releases SET retirement_age = 60 WHERE id = $1`, rel.ID); err == nil {
		t.Fatal("a published release was updated")
	}
}

func snapshot(t *testing.T, d *sqlx.DB, rel *release.Release) string {
	t.Helper()
	var out []any
	for _, h := range rel.Horizons() {
		for _, dim := range aggregates.Dimensions() {
			out = append(out, table(t, d, rel, release.TableQuery{Level: domain.LevelDepartment, Dimension: dim, Horizon: h}))
		}
	}
	emp, err := release.Employment(context.Background(), d, rel, domain.LevelDepartment, nil)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, emp)
	b, _ := json.Marshal(out)
	return string(b)
}

func TestReleaseImmutableAndIndependent(t *testing.T) {
	w := newWorld(t)
	june := build(t, w.db, "2026-06-30")
	before := snapshot(t, w.db, june)

	// An import after the release: new employees everywhere.
	w.staff(w.late, w.rB, 7, "2026-01-15")
	w.staff(w.late, w.rA, 3, "2020-01-01")
	if after := snapshot(t, w.db, june); after != before {
		t.Fatal("a release changed after an import")
	}

	// A release at another date sees the data as it was then, and the first
	// one stays as it was.
	january := build(t, w.db, "2026-01-01")
	jan := cells(table(t, w.db, january, release.TableQuery{Level: domain.LevelDepartment, Dimension: aggregates.DimensionRoleFamily, Horizon: 2027}))
	jun := cells(table(t, w.db, june, release.TableQuery{Level: domain.LevelDepartment, Dimension: aggregates.DimensionRoleFamily, Horizon: 2027}))
	// The import added 3 employees in place since 2020 (counted in
	// January) and 7 arriving on 15 January 2026 (counted in neither).
	if brief(jan["Σ/Σ"]) != "c=9 h=134" || brief(jun["Σ/Σ"]) != "c=9 h=131" {
		t.Fatalf("France: %s in January, %s in June", brief(jan["Σ/Σ"]), brief(jun["Σ/Σ"]))
	}
	if fmt.Sprint(january.Horizons()) != "[2027 2029 2031]" {
		t.Fatalf("january horizons %v", january.Horizons())
	}
	if snapshot(t, w.db, june) != before {
		t.Fatal("building a second release changed the first")
	}
	ok, err := release.Delete(context.Background(), w.db, january.ID)
	if err != nil || !ok {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if snapshot(t, w.db, june) != before {
		t.Fatal("deleting a release changed another")
	}
}
