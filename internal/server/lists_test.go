package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// The companies list of the benchmark: a page of companies with their
// sites, each site's territory and its parent.
const companiesList = `{ companies(filter: {naf: "30"}, first: 50) {
	totalCount pageInfo { hasNextPage endCursor }
	edges { node { siren name naf sites { siret name territory { level code name parent { code name } } } } } } }`

type companiesListData struct {
	Companies struct {
		TotalCount int
		PageInfo   struct{ HasNextPage bool }
		Edges      []struct {
			Node struct {
				Siren string
				Sites []struct {
					Siret     string
					Name      string
					Territory struct {
						Level, Code, Name string
						Parent            *struct{ Code, Name string }
					}
				}
			}
		}
	}
}

// A page of companies that shows their sites reads them in the page's
// statement: once the territories are cached, a request runs the token
// check and that statement only, whatever the number of companies and
// whatever the caller's role (a pole manager's access check of each
// company's sites needs no statement either: the page kept active members).
// Without the cache of pages (TestCompaniesListFromTheCache has it).
func TestCompaniesListReadsSitesWithThePage(t *testing.T) {
	for _, n := range []int{3, 60} {
		_, dsn := testdb.New(t)
		d, st := testdb.OpenCounting(t, dsn)
		fixture(t, d, n)
		// A long batch window: a statement the page did not save would be
		// seen, not raced, and a wait for a batch would show in the time.
		c := newClient(t, d, server.Config{LoaderWait: time.Second, CompanyCacheRows: -1})
		manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
		for _, tok := range []struct{ name, token string }{{"admin", c.token}, {"pole manager", manager}} {
			postAs(t, c.h, tok.token, companiesList) // authenticates, fills the territory cache
			st.Reset()
			start := time.Now()
			res := postAs(t, c.h, tok.token, companiesList)
			took := time.Since(start)
			if len(res.Errors) > 0 {
				t.Fatalf("%s: %+v", tok.name, res.Errors)
			}
			if got := st.Count(); got != 2 {
				t.Errorf("n=%d, %s: %d statements, want 2 (token check, page with sites)\n%s", n, tok.name, got, strings.Join(st.Log(), "\n"))
			}
			if took >= time.Second {
				t.Errorf("n=%d, %s: %v: the request waited for a loader's batch", n, tok.name, took)
			}
			var data companiesListData
			if err := json.Unmarshal(res.Data, &data); err != nil {
				t.Fatal(err)
			}
			l := data.Companies
			want := min(n, 50)
			if l.TotalCount != n || len(l.Edges) != want || l.PageInfo.HasNextPage != (n > 50) {
				t.Fatalf("n=%d, %s: totalCount %d, %d edges, hasNextPage %v", n, tok.name, l.TotalCount, len(l.Edges), l.PageInfo.HasNextPage)
			}
			s := l.Edges[0].Node.Sites
			if len(s) != 2 || s[0].Name != "site 0" || s[0].Territory.Name != "Toulouse" || s[0].Territory.Parent == nil ||
				s[0].Territory.Parent.Name != "Haute-Garonne" || s[1].Territory.Code != "81" || s[1].Territory.Parent.Code != "76" ||
				!strings.HasPrefix(s[0].Siret, l.Edges[0].Node.Siren) {
				t.Fatalf("n=%d, %s: sites %+v", n, tok.name, s)
			}
		}
	}
}

// The list reads sites with its page only when asked, keeps each caller's
// scope, gives a company without sites an empty list, and counts the total
// past the last page.
func TestCompaniesListPageShapes(t *testing.T) {
	_, dsn := testdb.New(t)
	d, st := testdb.OpenCounting(t, dsn)
	fixture(t, d, 4)
	if _, err := d.Exec(`INSERT INTO companies (siren, name, naf) VALUES ('732829320', 'Zéro site', '30.30Z')`); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, d, server.Config{LoaderWait: 50 * time.Millisecond})
	post(t, c, `{ __typename }`)

	st.Reset()
	res := post(t, c, `{ companies(filter: {naf: "30"}, first: 2) { totalCount edges { node { name } } } }`)
	if len(res.Errors) > 0 || st.Count() != 2 || !strings.HasPrefix(st.Log()[1], "WITH page") {
		t.Fatalf("without sites: %+v, statements:\n%s", res.Errors, strings.Join(st.Log(), "\n"))
	}

	res = post(t, c, `{ companies(filter: {search: "Zéro"}) { edges { node { ... on Company { sites { siret } } } } } }`)
	if string(res.Data) != `{"companies":{"edges":[{"node":{"sites":[]}}]}}` || len(res.Errors) > 0 {
		t.Fatalf("company without sites: %s %+v", res.Data, res.Errors)
	}

	// Past the end: no edge, the total still counted.
	res = post(t, c, `{ companies(filter: {naf: "30"}, first: 2, after: "cG9zOjk") { totalCount edges { node { name sites { siret } } } } }`)
	if string(res.Data) != `{"companies":{"totalCount":5,"edges":[]}}` || len(res.Errors) > 0 {
		t.Fatalf("past the end: %s %+v", res.Data, res.Errors)
	}

	// A company token lists its own company, with its sites.
	var siren string
	if err := d.Get(&siren, `SELECT siren FROM companies WHERE name = 'Société 0002'`); err != nil {
		t.Fatal(err)
	}
	own := token(t, d, auth.RoleCompany, auth.Scope{Siren: siren})
	res = postAs(t, c.h, own, companiesList)
	var data companiesListData
	if err := json.Unmarshal(res.Data, &data); err != nil || len(res.Errors) > 0 {
		t.Fatalf("%v %+v", err, res.Errors)
	}
	if e := data.Companies.Edges; data.Companies.TotalCount != 1 || len(e) != 1 || e[0].Node.Siren != siren || len(e[0].Node.Sites) != 2 {
		t.Fatalf("company token: %s", res.Data)
	}
}

// A page of the list read once is kept for the data version: the same
// request again runs the token check alone and answers the same; each
// caller's scope has its own pages (an admin, a pole manager and a company
// asking the same query get their own answers, whatever the order); and
// any write shows at the next request: a pole manager losing a member, a
// site moved, a company imported.
func TestCompaniesListFromTheCache(t *testing.T) {
	_, dsn := testdb.New(t)
	d, st := testdb.OpenCounting(t, dsn)
	fixture(t, d, 6)
	// Two companies of the list outside the pole: the admin sees 8, the
	// pole manager 6, a company 1.
	for i, siren := range []string{"732829320", "552100554"} {
		if _, err := d.Exec(`INSERT INTO companies (siren, name, naf) VALUES ($1, $2, '30.30Z')`, siren, fmt.Sprintf("Hors pôle %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, d, server.Config{LoaderWait: time.Second})
	manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	var siren string
	if err := d.Get(&siren, `SELECT siren FROM companies WHERE name = 'Société 0002'`); err != nil {
		t.Fatal(err)
	}
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: siren})
	callers := []struct{ name, token string }{{"admin", c.token}, {"pole manager", manager}, {"company", company}}
	list := func(tok string) (companiesListData, string) {
		t.Helper()
		res := postAs(t, c.h, tok, companiesList)
		if len(res.Errors) > 0 {
			t.Fatalf("%+v", res.Errors)
		}
		var data companiesListData
		if err := json.Unmarshal(res.Data, &data); err != nil {
			t.Fatal(err)
		}
		return data, string(res.Data)
	}
	totals := func(step string, want ...int) {
		t.Helper()
		// Twice each, in two orders: whoever fills the cache first, each
		// caller reads its own page, and the second read runs the token
		// check only.
		for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}} {
			for _, i := range order {
				first, body := list(callers[i].token)
				st.Reset()
				again, body2 := list(callers[i].token)
				if body2 != body {
					t.Fatalf("%s, %s: again %s, first %s", step, callers[i].name, body2, body)
				}
				if n := st.Count(); n != 1 {
					t.Errorf("%s, %s: %d statements the second time, want 1 (the token check)\n%s", step, callers[i].name, n, strings.Join(st.Log(), "\n"))
				}
				if first.Companies.TotalCount != want[i] || again.Companies.TotalCount != want[i] {
					t.Fatalf("%s, %s: totalCount %d, want %d", step, callers[i].name, first.Companies.TotalCount, want[i])
				}
			}
		}
	}
	totals("first", 8, 6, 1)

	// The pole manager loses a member (not the company of the token).
	if _, err := d.Exec(`UPDATE memberships SET until = current_date WHERE siren = (SELECT siren FROM companies WHERE name = 'Société 0004')`); err != nil {
		t.Fatal(err)
	}
	totals("a member lost", 8, 5, 1)
	if data, body := list(manager); strings.Contains(body, "Société 0004") || len(data.Companies.Edges) != 5 {
		t.Fatalf("the pole manager still lists its former member: %s", body)
	}

	// A site of the company moves: its list shows the new place.
	if _, err := d.Exec(`UPDATE sites SET territory_code = '84', name = 'site déplacé' WHERE siren = $1 AND name = 'site 1'`, siren); err != nil {
		t.Fatal(err)
	}
	totals("a site moved", 8, 5, 1)
	if _, body := list(company); !strings.Contains(body, `"site déplacé"`) || !strings.Contains(body, `"Vaucluse"`) {
		t.Fatalf("the site moved is not seen: %s", body)
	}

	// A company imported through the API, member of the pole.
	dir := t.TempDir()
	imported := ident.CompleteLuhn("49999999")
	for name, body := range map[string]string{
		"companies.csv":   "siren,name,naf,founded_year\n" + imported + ",Société importée,30.30Z,2001\n",
		"memberships.csv": "pole_id,siren,since,until\naerospace-valley," + imported + ",2024-01-01,\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src, err := importer.SourcesFromPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := importer.Import(context.Background(), d, src, importer.Options{}); err != nil || !rep.OK() {
		t.Fatalf("import: %v %v", err, rep)
	}
	totals("a company imported", 9, 6, 1)
	if _, body := list(manager); !strings.Contains(body, "Société importée") {
		t.Fatalf("the pole manager does not list the company imported: %s", body)
	}
}

// The role navigation of the benchmark reads the referential only: once
// the shared cache holds it, a request runs the token check alone, and its
// lists (a role's skills, a skill's trainings), marshalled in line once
// seen answering without waiting, answer the same as the first time.
func TestRoleNavigationFromTheCache(t *testing.T) {
	_, dsn := testdb.New(t)
	d, st := testdb.OpenCounting(t, dsn)
	fixture(t, d, 2)
	c := newClient(t, d, server.Config{LoaderWait: time.Second})
	const q = `{ role(code: "H1206") { code title family { code title parent { code title } }
		requiredSkills { level skill { code name trainings(minLevel: 1, first: 5) { totalCount
			edges { node { level training { id title provider modality territory { level code name } } } } } } } } }`
	first := post(t, c, q)
	if len(first.Errors) > 0 {
		t.Fatalf("%+v", first.Errors)
	}
	for i := 0; i < 3; i++ {
		st.Reset()
		start := time.Now()
		res := post(t, c, q)
		if string(res.Data) != string(first.Data) || len(res.Errors) > 0 {
			t.Fatalf("request %d: %s %+v, first %s", i, res.Data, res.Errors, first.Data)
		}
		if got := st.Count(); got != 1 {
			t.Errorf("request %d: %d statements, want 1 (the token check)\n%s", i, got, strings.Join(st.Log(), "\n"))
		}
		if took := time.Since(start); took >= time.Second {
			t.Errorf("request %d took %v: it waited for a batch", i, took)
		}
	}
	if !strings.Contains(string(first.Data), `"Conception avancée"`) || !strings.Contains(string(first.Data), `"Toulouse"`) {
		t.Fatalf("navigation: %s", first.Data)
	}
}
