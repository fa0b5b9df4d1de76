package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/page"
	"github.com/gpec-project/gpec/internal/store"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const (
	poleA = "aerospace-valley"
	poleB = "minalogic"
)

// companiesData generates n companies with varied names, NAF codes, sites
// (in communes and departments of two regions) and memberships of two
// poles (current, ended, future, ending tomorrow), so that each filter,
// scope and page gives its own answer. It returns the SIRENs.
func companiesData(t *testing.T, d *sqlx.DB, n int) []string {
	t.Helper()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.Exec(q, args...); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	exec(`INSERT INTO territories (level, code, name, parent_code) VALUES
		('region','76','Occitanie',NULL), ('region','84','Auvergne-Rhône-Alpes',NULL),
		('department','31','Haute-Garonne','76'), ('department','81','Tarn','76'),
		('department','69','Rhône','84'), ('department','38','Isère','84'),
		('commune','31555','Toulouse','31'), ('commune','69123','Lyon','69')`)
	exec(`INSERT INTO poles (id, name, kind, region_code) VALUES
		($1,'Aerospace Valley','competitiveness_pole','76'), ($2,'Minalogic','competitiveness_pole','84')`, poleA, poleB)
	r := rand.New(rand.NewPCG(16, 1))
	words := []string{"Alpha", "Tech", "Méca", "Aéro", "Usinage", "Optique", "Conseil", "Composites"}
	nafs := []string{"25.62B", "25.11Z", "26.11Z", "30.30Z", "71.12B", ""}
	terrs := []string{"31555", "81", "69123", "38", "31"}
	today := domain.Today()
	var sirens []string
	for i := range n {
		siren := ident.CompleteLuhn(fmt.Sprintf("40%06d", i))
		sirens = append(sirens, siren)
		name := fmt.Sprintf("%s %s %02d", words[r.IntN(len(words))], words[r.IntN(len(words))], i)
		var naf any
		if s := nafs[r.IntN(len(nafs))]; s != "" {
			naf = s
		}
		exec(`INSERT INTO companies (siren, name, naf) VALUES ($1, $2, $3)`, siren, name, naf)
		for j := range r.IntN(4) {
			siret := ident.CompleteLuhn(fmt.Sprintf("%s%04d", siren, j+1))
			exec(`INSERT INTO sites (siret, siren, name, territory_code) VALUES ($1, $2, $3, $4)`,
				siret, siren, fmt.Sprintf("site %d of %d", j, i), terrs[r.IntN(len(terrs))])
		}
		for _, pole := range []string{poleA, poleB} {
			switch r.IntN(6) {
			case 0, 1:
				exec(`INSERT INTO memberships (pole_id, siren, since) VALUES ($1, $2, '2020-01-01')`, pole, siren)
			case 2:
				exec(`INSERT INTO memberships (pole_id, siren, since, until) VALUES ($1, $2, '2019-01-01', '2023-01-01')`, pole, siren)
			case 3:
				exec(`INSERT INTO memberships (pole_id, siren, since) VALUES ($1, $2, $3)`, pole, siren, today.AddDate(0, 1, 0))
			case 4:
				exec(`INSERT INTO memberships (pole_id, siren, since, until) VALUES ($1, $2, '2021-06-01', $3)`, pole, siren, today.AddDate(0, 0, 1))
			}
		}
	}
	exec(`ANALYZE`)
	return sirens
}

// pageQuery is one call of CompaniesPage.
type pageQuery struct {
	name      string
	f         store.CompanyFilter
	a         page.Args
	withSites bool
}

type pageAnswer struct {
	Rows  []*domain.Company
	Total int
	Sites map[string][]*domain.Site
}

// pageQueries combines scopes (admin, two pole managers, two companies),
// filters and pages.
func pageQueries(sirens []string) []pageQuery {
	today := domain.Today()
	scopes := []struct {
		name string
		f    store.CompanyFilter
	}{
		{"admin", store.CompanyFilter{}},
		{"manager A", store.CompanyFilter{OnlyMembersOf: poleA}},
		{"manager B", store.CompanyFilter{OnlyMembersOf: poleB}},
		{"company 3", store.CompanyFilter{OnlySiren: sirens[3]}},
		{"company 8", store.CompanyFilter{OnlySiren: sirens[8]}},
	}
	terr := func(level, code string) *domain.TerritoryKey { return &domain.TerritoryKey{Level: level, Code: code} }
	filters := []struct {
		name string
		f    store.CompanyFilter
	}{
		{"none", store.CompanyFilter{}},
		{"naf 25", store.CompanyFilter{NAF: "25"}},
		{"naf 25.62", store.CompanyFilter{NAF: "25.62"}},
		{"naf 26", store.CompanyFilter{NAF: "26"}},
		{"search tech", store.CompanyFilter{Search: "tech"}},
		{"search aéro", store.CompanyFilter{Search: "aéro"}},
		{"search siren", store.CompanyFilter{Search: sirens[1][:8]}},
		{"region 76", store.CompanyFilter{Territory: terr(domain.LevelRegion, "76")}},
		{"region 84", store.CompanyFilter{Territory: terr(domain.LevelRegion, "84")}},
		{"department 31", store.CompanyFilter{Territory: terr(domain.LevelDepartment, "31")}},
		{"department 69", store.CompanyFilter{Territory: terr(domain.LevelDepartment, "69")}},
		{"commune 31555", store.CompanyFilter{Territory: terr(domain.LevelCommune, "31555")}},
		{"pole A today", store.CompanyFilter{PoleID: poleA, AsOf: today}},
		{"pole A 2022", store.CompanyFilter{PoleID: poleA, AsOf: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"pole B today", store.CompanyFilter{PoleID: poleB, AsOf: today}},
		{"pole A, naf 25, department 31", store.CompanyFilter{PoleID: poleA, AsOf: today, NAF: "25", Territory: terr(domain.LevelDepartment, "31")}},
	}
	pages := []page.Args{{Limit: 5}, {Limit: 5, Offset: 5}, {Limit: 7, Offset: 5}, {Limit: 50}, {Limit: 5, Offset: 200}}
	var out []pageQuery
	for _, s := range scopes {
		for _, fl := range filters {
			f := fl.f
			f.OnlySiren, f.OnlyMembersOf = s.f.OnlySiren, s.f.OnlyMembersOf
			for _, a := range pages {
				for _, withSites := range []bool{true, false} {
					out = append(out, pageQuery{name: fmt.Sprintf("%s, %s, %+v, sites %v", s.name, fl.name, a, withSites), f: f, a: a, withSites: withSites})
				}
			}
		}
	}
	return out
}

func answer(t *testing.T, ctx context.Context, s *store.Store, q pageQuery) pageAnswer {
	t.Helper()
	rows, total, sites, err := s.CompaniesPage(ctx, q.f, q.a, q.withSites)
	if err != nil {
		t.Fatalf("%s: %v", q.name, err)
	}
	return pageAnswer{rows, total, sites}
}

// versioned returns ctx carrying the database's data version, as the token
// check hands it to a request.
func versioned(t *testing.T, d *sqlx.DB) context.Context {
	t.Helper()
	var v int64
	if err := d.Get(&v, `SELECT version FROM data_version`); err != nil {
		t.Fatal(err)
	}
	return store.WithDataVersion(context.Background(), v)
}

// The cache answers every combination of scope, filter and page as the
// database does, once in the order of the combinations and once shuffled:
// a key missing the scope, a filter, the page or withSites would answer
// one of them with another's page. The second pass runs no statement.
func TestCompaniesPageCacheAnswersAsTheDatabase(t *testing.T) {
	_, dsn := testdb.New(t)
	d, st := testdb.OpenCounting(t, dsn)
	sirens := companiesData(t, d, 60)
	plain := store.New(d)
	plain.CompanyCacheRows = -1
	cached := store.New(d)
	ctx := versioned(t, d)
	qs := pageQueries(sirens)
	want := make([]pageAnswer, len(qs))
	distinct := map[string]bool{}
	for i, q := range qs {
		want[i] = answer(t, ctx, plain, q)
		distinct[fmt.Sprintf("%v %d %v", names(want[i].Rows), want[i].Total, len(want[i].Sites))] = true
		if got := answer(t, ctx, cached, q); !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("%s: cached %s, database %s", q.name, show(got), show(want[i]))
		}
	}
	// The data tells the combinations apart, or the test would prove nothing.
	if len(distinct) < len(qs)/4 {
		t.Fatalf("only %d distinct answers for %d combinations", len(distinct), len(qs))
	}
	st.Reset()
	r := rand.New(rand.NewPCG(1, 16))
	for _, i := range r.Perm(len(qs)) {
		if got := answer(t, ctx, cached, qs[i]); !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("%s, again: cached %s, database %s", qs[i].name, show(got), show(want[i]))
		}
	}
	if n := st.Count(); n != 0 {
		t.Fatalf("%d statements for answers already read:\n%s", n, strings.Join(st.Log(), "\n"))
	}
	// A request that knows no data version reads the database.
	if got := answer(t, context.Background(), cached, qs[0]); !reflect.DeepEqual(got, want[0]) || st.Count() != 1 {
		t.Fatalf("without a version: %d statements, %s", st.Count(), show(got))
	}
}

// Every write bumps the data version, and the next request reads the
// database again: a pole manager losing a member, a company import, a
// site moved, a membership added. Each change shows in the next answer.
func TestCompaniesPageCacheFollowsWrites(t *testing.T) {
	d, _ := testdb.New(t)
	sirens := companiesData(t, d, 60)
	plain := store.New(d)
	plain.CompanyCacheRows = -1
	cached := store.New(d)
	var qs []pageQuery
	for _, q := range pageQueries(sirens) {
		// Two pages of each: the whole list and a second page.
		if q.a.Limit == 50 || q.a == (page.Args{Limit: 5, Offset: 5}) {
			qs = append(qs, q)
		}
	}
	check := func(step string) []pageAnswer {
		t.Helper()
		ctx := versioned(t, d)
		out := make([]pageAnswer, len(qs))
		for i, q := range qs {
			out[i] = answer(t, ctx, plain, q)
			// Twice: the first may fill the cache, the second reads it.
			for range 2 {
				if got := answer(t, ctx, cached, q); !reflect.DeepEqual(got, out[i]) {
					t.Fatalf("%s: %s: cached %s, database %s", step, q.name, show(got), show(out[i]))
				}
			}
		}
		return out
	}
	before := check("before")
	changed := func(step string, prev, now []pageAnswer) {
		t.Helper()
		if reflect.DeepEqual(prev, now) {
			t.Fatalf("%s changed no answer: the test proves nothing", step)
		}
	}
	managerA := func(as []pageAnswer) []string {
		for i, q := range qs {
			if q.f == (store.CompanyFilter{OnlyMembersOf: poleA}) && q.a.Limit == 50 && q.withSites {
				return names(as[i].Rows)
			}
		}
		t.Fatal("no query of manager A's whole list")
		return nil
	}

	// Pole A's manager loses a member: the membership ends today.
	var lost string
	if err := d.Get(&lost, `SELECT siren FROM memberships WHERE pole_id = $1 AND until IS NULL AND since <= current_date ORDER BY siren LIMIT 1`, poleA); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`UPDATE memberships SET until = $3 WHERE pole_id = $1 AND siren = $2`, poleA, lost, domain.Today()); err != nil {
		t.Fatal(err)
	}
	after := check("a member lost")
	changed("a member lost", before, after)
	var lostName string
	if err := d.Get(&lostName, `SELECT name FROM companies WHERE siren = $1`, lost); err != nil {
		t.Fatal(err)
	}
	for _, n := range managerA(after) {
		if n == lostName {
			t.Fatalf("manager A still lists %s after its membership ended", n)
		}
	}

	// A company import: a new company with a site, member of pole A.
	dir := t.TempDir()
	newSiren := ident.CompleteLuhn("49999999")
	files := map[string]string{
		"companies.csv":   "siren,name,naf,founded_year\n" + newSiren + ",Alpha Importée,25.62B,2001\n",
		"sites.csv":       "siret,siren,name,territory_code\n" + ident.CompleteLuhn(newSiren+"0001") + "," + newSiren + ",Importée – Toulouse,31555\n",
		"memberships.csv": "pole_id,siren,since,until\n" + poleA + "," + newSiren + ",2024-01-01,\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src, err := importer.SourcesFromPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Import(context.Background(), d, src, importer.Options{})
	if err != nil || !rep.OK() {
		t.Fatalf("import: %v\n%v", err, rep)
	}
	imported := check("a company imported")
	changed("a company import", after, imported)
	found := false
	for _, n := range managerA(imported) {
		found = found || n == "Alpha Importée"
	}
	if !found {
		t.Fatal("manager A does not list the company imported")
	}

	// A site moves to another region.
	if _, err := d.Exec(`UPDATE sites SET territory_code = '69123', name = 'moved' WHERE siren = $1`, newSiren); err != nil {
		t.Fatal(err)
	}
	moved := check("a site moved")
	changed("a site move", imported, moved)

	// The member lost comes back.
	if _, err := d.Exec(`INSERT INTO memberships (pole_id, siren, since) VALUES ($1, $2, $3)`, poleA, lost, domain.Today()); err != nil {
		t.Fatal(err)
	}
	changed("a membership added", moved, check("a membership added"))
}

// The bound holds: with room for one company only, a page of one company
// is kept until another takes its place.
func TestCompaniesPageCacheBound(t *testing.T) {
	_, dsn := testdb.New(t)
	d, st := testdb.OpenCounting(t, dsn)
	sirens := companiesData(t, d, 20)
	s := store.New(d)
	s.CompanyCacheRows = 1
	ctx := versioned(t, d)
	one := func(siren string) pageQuery {
		return pageQuery{name: siren, f: store.CompanyFilter{OnlySiren: siren}, a: page.Args{Limit: 5}}
	}
	statements := func(q pageQuery) int64 {
		t.Helper()
		st.Reset()
		got := answer(t, ctx, s, q)
		if len(got.Rows) != 1 || got.Rows[0].Siren != q.f.OnlySiren || got.Total != 1 {
			t.Fatalf("%s: %s", q.name, show(got))
		}
		return st.Count()
	}
	a, b := one(sirens[0]), one(sirens[1])
	for i, c := range []struct {
		q    pageQuery
		want int64
	}{{a, 1}, {a, 0}, {b, 1}, {b, 0}, {a, 1}, {a, 0}, {b, 1}} {
		if got := statements(c.q); got != c.want {
			t.Fatalf("request %d (%s): %d statements, want %d", i, c.q.name, got, c.want)
		}
	}
	// A page heavier than the bound is read each time.
	all := pageQuery{name: "all", a: page.Args{Limit: 5}}
	for range 2 {
		st.Reset()
		answer(t, ctx, s, all)
		if st.Count() != 1 {
			t.Fatalf("a page of 5 companies with a bound of 1: %d statements", st.Count())
		}
	}
	if got := statements(b); got != 0 {
		t.Fatalf("a page too heavy to keep evicted another: %d statements", got)
	}
}

func names(cs []*domain.Company) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func show(a pageAnswer) string {
	return fmt.Sprintf("total %d, %v, sites of %d companies", a.Total, names(a.Rows), len(a.Sites))
}
