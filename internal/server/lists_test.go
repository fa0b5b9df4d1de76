package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
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
func TestCompaniesListReadsSitesWithThePage(t *testing.T) {
	for _, n := range []int{3, 60} {
		_, dsn := testdb.New(t)
		d, st := testdb.OpenCounting(t, dsn)
		fixture(t, d, n)
		// A long batch window: a statement the page did not save would be
		// seen, not raced, and a wait for a batch would show in the time.
		c := newClient(t, d, server.Config{LoaderWait: time.Second})
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
