package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture loads n member companies of one pole, each with two sites (one in
// a commune, one in a department), plus roles, skills and trainings.
func fixture(t *testing.T, d *sqlx.DB, n int) {
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
		('department','84','Vaucluse','93'), ('region','93','Provence-Alpes-Côte d''Azur',NULL),
		('commune','31555','Toulouse','31')`)
	exec(`INSERT INTO poles (id, name, kind, region_code, themes) VALUES
		('aerospace-valley','Aerospace Valley','competitiveness_pole','76','{aéronautique,spatial}')`)
	exec(`INSERT INTO role_families (code, title, parent_code) VALUES ('H','Industrie',NULL), ('H12','Conception',  'H')`)
	exec(`INSERT INTO roles (code, title, family) VALUES ('H1206','Ingénieur recherche','H12'), ('H2901','Ajusteur','H12')`)
	exec(`INSERT INTO skills (code, name, kind, category) VALUES ('100001','Concevoir','know_how','Technique'),
		('100002','Usiner','know_how','Technique'), ('100003','Coopérer','soft',NULL)`)
	exec(`INSERT INTO role_skills SELECT r.id, s.id, v.level, v.essential FROM (VALUES
		('H1206','100001',3,true), ('H1206','100003',2,false), ('H2901','100002',3,true)) v(role, skill, level, essential)
		JOIN roles r ON r.code = v.role JOIN skills s ON s.code = v.skill`)
	exec(`INSERT INTO trainings (id, provider, title, territory_code, modality, duration_hours, cost_eur) VALUES
		('T1','AFPA','Conception avancée','31555','onsite',35,1200.5), ('T2','CNAM','Usinage','81','remote',70,NULL)`)
	exec(`INSERT INTO training_skills SELECT v.t, s.id, v.level FROM (VALUES ('T1','100001',4), ('T2','100002',3), ('T2','100001',2)) v(t, skill, level)
		JOIN skills s ON s.code = v.skill`)
	for i := 0; i < n; i++ {
		siren := ident.CompleteLuhn(fmt.Sprintf("40%06d", i))
		exec(`INSERT INTO companies (siren, name, naf, founded_year) VALUES ($1, $2, '30.30Z', 1990)`, siren, fmt.Sprintf("Société %04d", i))
		for j, terr := range []string{"31555", "81"} {
			siret := ident.CompleteLuhn(fmt.Sprintf("%s%04d", siren, j+1))
			exec(`INSERT INTO sites (siret, siren, name, territory_code) VALUES ($1, $2, $3, $4)`, siret, siren, fmt.Sprintf("site %d", j), terr)
		}
		exec(`INSERT INTO memberships (pole_id, siren, since) VALUES ('aerospace-valley', $1, '2020-01-01')`, siren)
	}
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// token creates a token for role and scope.
func token(t *testing.T, d *sqlx.DB, role auth.Role, scope auth.Scope) string {
	t.Helper()
	tok, _, err := auth.Create(context.Background(), d, role, scope, time.Time{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// handler serves d's GraphQL API; post sends queries with an admin token
// unless postAs names another.
type client struct {
	h     http.Handler
	token string
}

func newClient(t *testing.T, d *sqlx.DB, cfg server.Config) *client {
	return &client{h: server.New(d, cfg).Handler(), token: token(t, d, auth.RoleAdmin, auth.Scope{})}
}

func post(t *testing.T, c *client, query string) gqlResponse {
	t.Helper()
	return postAs(t, c.h, c.token, query)
}

func postAs(t *testing.T, h http.Handler, tok, query string) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body.String())
	}
	return out
}

const nested = `{
  pole(id: "aerospace-valley") {
    name region { code name }
    members(first: 500) {
      totalCount
      edges { node { siren name
        sites { siret territory { level code name parent { code name parent { code } } } region { code } }
        memberships { since active pole { id } } } }
    }
  }
  roles(first: 10) { edges { node { code family { title parent { code } }
    requiredSkills { level essential skill { code trainings(first: 5) { totalCount edges { node { level training { id territory { name } } } } } } } } } }
}`

// A nested query's statement count depends on its shape, not its rows.
func TestNestedQueryStatementsDoNotGrow(t *testing.T) {
	counts := map[int]int64{}
	logs := map[int][]string{}
	for _, n := range []int{5, 200} {
		_, dsn := testdb.New(t)
		d, st := testdb.OpenCounting(t, dsn)
		fixture(t, d, n)
		// A long batch window makes batching deterministic on a loaded test machine.
		h := newClient(t, d, server.Config{LoaderWait: 50 * time.Millisecond})
		st.Reset()
		res := post(t, h, nested)
		if len(res.Errors) > 0 {
			t.Fatalf("errors: %+v", res.Errors)
		}
		// One statement authenticates the token.
		counts[n] = st.Count()
		logs[n] = st.Log()
		var data struct {
			Pole struct {
				Members struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							Sites []struct {
								Territory struct {
									Name   string
									Parent *struct{ Code string }
								}
								Region struct{ Code string }
							}
						}
					}
				}
			}
		}
		if err := json.Unmarshal(res.Data, &data); err != nil {
			t.Fatal(err)
		}
		m := data.Pole.Members
		if m.TotalCount != n || len(m.Edges) != n {
			t.Fatalf("n=%d: totalCount %d, %d edges", n, m.TotalCount, len(m.Edges))
		}
		s := m.Edges[0].Node.Sites
		if len(s) != 2 || s[0].Territory.Name != "Toulouse" || s[0].Territory.Parent.Code != "31" || s[0].Region.Code != "76" || s[1].Territory.Name != "Tarn" {
			t.Fatalf("n=%d: sites %+v", n, s)
		}
	}
	t.Logf("statements: %v", counts)
	// Territories are asked at five depths of this query: whether two depths
	// share a batch depends on timing, so allow that, never growth with rows.
	if counts[200] >= counts[5]+10 {
		t.Fatalf("statements grew with rows: 5 members → %d, 200 members → %d\n%s\n---\n%s", counts[5], counts[200],
			strings.Join(logs[5], "\n"), strings.Join(logs[200], "\n"))
	}
	// One per level, plus the data version of the shared cache.
	if counts[5] > 16 {
		t.Fatalf("%d statements for one nested query; expected one per level", counts[5])
	}
}

// The shared cache of the referential, territories and trainings answers a
// second request without their statements, and a write shows at once.
func TestSharedCacheFollowsWrites(t *testing.T) {
	_, dsn := testdb.New(t)
	d, st := testdb.OpenCounting(t, dsn)
	fixture(t, d, 5)
	h := newClient(t, d, server.Config{LoaderWait: 50 * time.Millisecond})
	st.Reset()
	if res := post(t, h, nested); len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	cold := st.Count()
	st.Reset()
	res := post(t, h, nested)
	warm := st.Count()
	t.Logf("statements: cold %d, warm %d", cold, warm)
	// Cached: territories (5 depths), families, skills of roles, trainings of
	// skills, trainings.
	if warm > cold-5 {
		t.Fatalf("a warm request ran %d statements, a cold one %d: the cache does not answer\n%s", warm, cold, strings.Join(st.Log(), "\n"))
	}
	if !strings.Contains(string(res.Data), `"Toulouse"`) {
		t.Fatalf("no Toulouse in %s", res.Data)
	}
	if _, err := d.Exec(`UPDATE territories SET name = 'Tolosa' WHERE level = 'commune' AND name = 'Toulouse'`); err != nil {
		t.Fatal(err)
	}
	res = post(t, h, nested)
	if strings.Contains(string(res.Data), `"Toulouse"`) || !strings.Contains(string(res.Data), `"Tolosa"`) {
		t.Fatalf("the cache served a territory's old name after a write: %s", res.Data)
	}
}

func TestCoreGraphResults(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 3)
	h := newClient(t, d, server.Config{})

	t.Run("PoleAndRegion", func(t *testing.T) {
		res := post(t, h, `{ pole(id: "aerospace-valley") { name kind themes region { level code name children { totalCount edges { node { code } } } } } }`)
		want := `{"pole":{"name":"Aerospace Valley","kind":"competitiveness_pole","themes":["aéronautique","spatial"],"region":{"level":"region","code":"76","name":"Occitanie","children":{"totalCount":2,"edges":[{"node":{"code":"31"}},{"node":{"code":"81"}}]}}}}`
		if string(res.Data) != want || len(res.Errors) > 0 {
			t.Fatalf("got %s %+v", res.Data, res.Errors)
		}
	})
	t.Run("OverlappingCodes", func(t *testing.T) {
		res := post(t, h, `{ a: territory(level: region, code: "84") { name } b: territory(level: department, code: "84") { name parent { name } } }`)
		want := `{"a":{"name":"Auvergne-Rhône-Alpes"},"b":{"name":"Vaucluse","parent":{"name":"Provence-Alpes-Côte d'Azur"}}}`
		if string(res.Data) != want {
			t.Fatalf("got %s %+v", res.Data, res.Errors)
		}
	})
	t.Run("CompaniesFilterAndPaging", func(t *testing.T) {
		res := post(t, h, `{ companies(filter: {territory: {level: department, code: "31"}, naf: "30.3"}, first: 2) {
			totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }`)
		var data struct {
			Companies struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
				Edges []struct{ Node struct{ Name string } }
			}
		}
		if err := json.Unmarshal(res.Data, &data); err != nil || len(res.Errors) > 0 {
			t.Fatalf("%v %+v", err, res.Errors)
		}
		c := data.Companies
		if c.TotalCount != 3 || !c.PageInfo.HasNextPage || len(c.Edges) != 2 || c.Edges[0].Node.Name != "Société 0000" {
			t.Fatalf("page 1: %+v", c)
		}
		res = post(t, h, fmt.Sprintf(`{ companies(filter: {territory: {level: region, code: "76"}}, first: 2, after: %q) { pageInfo { hasNextPage } edges { node { name } } } }`, c.PageInfo.EndCursor))
		if want := `{"companies":{"pageInfo":{"hasNextPage":false},"edges":[{"node":{"name":"Société 0002"}}]}}`; string(res.Data) != want {
			t.Fatalf("page 2: %s %+v", res.Data, res.Errors)
		}
		res = post(t, h, `{ companies(filter: {territory: {level: region, code: "84"}}) { totalCount } }`)
		if want := `{"companies":{"totalCount":0}}`; string(res.Data) != want {
			t.Fatalf("elsewhere: %s", res.Data)
		}
	})
	t.Run("RoleSkillsTrainings", func(t *testing.T) {
		res := post(t, h, `{ role(code: "H1206") { title familyCode family { title parent { code } }
			requiredSkills { level essential skill { code name trainings(minLevel: 3) { totalCount edges { node { level training { id modality durationHours costEur territory { name } } } } } } } }
			skill(code: "100002") { kind requiredBy { totalCount edges { node { role { code } level } } } } }`)
		want := `{"role":{"title":"Ingénieur recherche","familyCode":"H12","family":{"title":"Conception","parent":{"code":"H"}},"requiredSkills":[` +
			`{"level":3,"essential":true,"skill":{"code":"100001","name":"Concevoir","trainings":{"totalCount":1,"edges":[{"node":{"level":4,"training":{"id":"T1","modality":"onsite","durationHours":35,"costEur":1200.5,"territory":{"name":"Toulouse"}}}}]}}},` +
			`{"level":2,"essential":false,"skill":{"code":"100003","name":"Coopérer","trainings":{"totalCount":0,"edges":[]}}}]},` +
			`"skill":{"kind":"know_how","requiredBy":{"totalCount":1,"edges":[{"node":{"role":{"code":"H2901"},"level":3}}]}}}`
		if string(res.Data) != want {
			t.Fatalf("got  %s\nwant %s\n%+v", res.Data, want, res.Errors)
		}
	})
	t.Run("BadArguments", func(t *testing.T) {
		for name, q := range map[string]string{
			"MalformedSiren": `{ company(siren: "12345") { name } }`,
			"SirenChecksum":  `{ company(siren: "732829321") { name } }`,
			"BadTerritory":   `{ territory(level: department, code: "99") { name } }`,
			"FirstTooLarge":  `{ roles(first: 100000) { totalCount } }`,
			"FirstNegative":  `{ roles(first: -1) { totalCount } }`,
			"BadCursor":      `{ roles(after: "nope") { totalCount } }`,
			"UnknownSkill":   `{ trainings(skill: "nope") { totalCount } }`,
		} {
			t.Run(name, func(t *testing.T) {
				res := post(t, h, q)
				if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
					t.Fatalf("got %+v", res.Errors)
				}
			})
		}
	})
	t.Run("UnknownIsNull", func(t *testing.T) {
		res := post(t, h, `{ company(siren: "732829320") { name } pole(id: "nope") { name } }`)
		if string(res.Data) != `{"company":null,"pole":null}` || len(res.Errors) > 0 {
			t.Fatalf("got %s %+v", res.Data, res.Errors)
		}
	})
	t.Run("InternalErrorsHideSQL", func(t *testing.T) {
		// Dropping a table the resolvers read makes the store fail: the
		// response must show a request id, not the SQL error.
		d2, _ := testdb.New(t)
		h2 := newClient(t, d2, server.Config{})
		if _, err := d2.Exec(`DROP VIEW site_places CASCADE`); err != nil {
			t.Fatal(err)
		}
		res := post(t, h2, `{ companies(filter: {territory: {level: region, code: "76"}}) { totalCount } }`)
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "INTERNAL" ||
			strings.Contains(res.Errors[0].Message, "site_places") || !strings.Contains(res.Errors[0].Message, "request") {
			t.Fatalf("got %+v", res.Errors)
		}
	})
}

func TestAccessControl(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	if _, err := d.Exec(`INSERT INTO poles (id, name, kind, region_code) VALUES ('other-pole','Other','cluster','84')`); err != nil {
		t.Fatal(err)
	}
	member := ident.CompleteLuhn("40000000")  // member of aerospace-valley
	member2 := ident.CompleteLuhn("40000001") // the other member
	outsider := ident.CompleteLuhn("40100000")
	if _, err := d.Exec(`INSERT INTO companies (siren, name) VALUES ($1, 'Outsider')`, outsider); err != nil {
		t.Fatal(err)
	}
	h := server.New(d, server.Config{}).Handler()
	manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: member})
	observatory := token(t, d, auth.RoleObservatory, auth.Scope{Territory: &auth.Territory{Level: "region", Code: "76"}})

	code := func(res gqlResponse) string {
		if len(res.Errors) == 0 {
			return ""
		}
		c, _ := res.Errors[0].Extensions["code"].(string)
		return c
	}
	cases := []struct {
		name, token, query, wantCode string
	}{
		{"ManagerReadsMember", manager, fmt.Sprintf(`{ company(siren: %q) { name sites { siret } } }`, member), ""},
		{"ManagerOutsider", manager, fmt.Sprintf(`{ company(siren: %q) { name } }`, outsider), "FORBIDDEN"},
		{"ManagerOtherPoleMembers", manager, `{ pole(id: "other-pole") { members { totalCount } } }`, "FORBIDDEN"},
		{"ManagerOwnPoleMembers", manager, `{ pole(id: "aerospace-valley") { members { totalCount } } }`, ""},
		{"CompanyItself", company, fmt.Sprintf(`{ company(siren: %q) { name memberships { since } } }`, member), ""},
		{"CompanyOther", company, fmt.Sprintf(`{ company(siren: %q) { name } }`, member2), "FORBIDDEN"},
		{"CompanyOtherSite", company, fmt.Sprintf(`{ site(siret: %q) { name } }`, ident.CompleteLuhn(member2+"0001")), "FORBIDDEN"},
		{"CompanyPoleMembers", company, `{ pole(id: "aerospace-valley") { members { totalCount } } }`, "FORBIDDEN"},
		{"ObservatoryCompany", observatory, fmt.Sprintf(`{ company(siren: %q) { name } }`, member), "FORBIDDEN"},
		{"ObservatoryCompanies", observatory, `{ companies { totalCount } }`, "FORBIDDEN"},
		{"ObservatoryNestedMembers", observatory, `{ poles { edges { node { members { edges { node { name } } } } } } }`, "FORBIDDEN"},
		{"ObservatoryReferentials", observatory, `{ poles { totalCount } roles(first: 1) { totalCount } }`, ""},
		{"Anonymous", "", `{ poles { totalCount } }`, "UNAUTHENTICATED"},
		{"BadToken", "gpec_nonsense", `{ poles { totalCount } }`, "UNAUTHENTICATED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := postAs(t, h, c.token, c.query)
			if got := code(res); got != c.wantCode {
				t.Fatalf("code %q, want %q: %s %+v", got, c.wantCode, res.Data, res.Errors)
			}
		})
	}
	t.Run("ListsAreScoped", func(t *testing.T) {
		res := postAs(t, h, manager, `{ companies { totalCount } }`)
		if string(res.Data) != `{"companies":{"totalCount":2}}` {
			t.Fatalf("manager sees %s", res.Data)
		}
		res = postAs(t, h, company, `{ companies { totalCount edges { node { siren } } } }`)
		if string(res.Data) != fmt.Sprintf(`{"companies":{"totalCount":1,"edges":[{"node":{"siren":%q}}]}}`, member) {
			t.Fatalf("company sees %s", res.Data)
		}
	})
}

func TestIntrospectionInProduction(t *testing.T) {
	d, _ := testdb.New(t)
	h := server.New(d, server.Config{Production: true}).Handler()
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: "732829320"})
	q := `{ __schema { queryType { name } } }`
	if res := postAs(t, h, admin, q); len(res.Errors) > 0 {
		t.Fatalf("admin: %+v", res.Errors)
	}
	if res := postAs(t, h, company, q); len(res.Errors) == 0 {
		t.Fatalf("company read the schema in production: %s", res.Data)
	}
	res := postAs(t, h, company, `{ polez { totalCount } }`)
	if len(res.Errors) == 0 || strings.Contains(res.Errors[0].Message, "Did you mean") {
		t.Fatalf("suggestion shown in production: %+v", res.Errors)
	}
}

func get(t *testing.T, h http.Handler, tok, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPersistedQueryAllowList(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 1)
	dir := t.TempDir()
	allowed := `{ poles { totalCount } }`
	if err := os.WriteFile(filepath.Join(dir, "poles.graphql"), []byte(allowed), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := server.LoadAllowList(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(d, server.Config{AllowList: list}).Handler()
	manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	sum := sha256.Sum256([]byte(allowed))
	hash := hex.EncodeToString(sum[:])

	byHash := func(tok, hash string) gqlResponse {
		body, _ := json.Marshal(map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out gqlResponse
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return out
	}
	if res := byHash(manager, hash); len(res.Errors) > 0 || string(res.Data) != `{"poles":{"totalCount":1}}` {
		t.Fatalf("allowed hash: %s %+v", res.Data, res.Errors)
	}
	if res := postAs(t, h, manager, allowed); len(res.Errors) > 0 {
		t.Fatalf("allowed text: %+v", res.Errors)
	}
	if res := postAs(t, h, manager, `{ roles { totalCount } }`); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_ALLOWED" {
		t.Fatalf("other text: %s %+v", res.Data, res.Errors)
	}
	if res := byHash(manager, strings.Repeat("0", 64)); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %+v", res.Errors)
	}
	if res := postAs(t, h, admin, `{ roles { totalCount } }`); len(res.Errors) > 0 {
		t.Fatalf("admin ad hoc: %+v", res.Errors)
	}
}
