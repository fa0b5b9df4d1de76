package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// sendJSON posts a JSON body (query, variables, operationName) as tok,
// accepting GraphQL over HTTP's media type first (as GraphiQL does), so
// that a request refused before execution answers 400.
func sendJSON(t *testing.T, base, tok string, body map[string]any) (reply, http.Header) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", acceptGraphQLResponse)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	out := reply{status: res.StatusCode, body: buf.Bytes()}
	_ = json.Unmarshal(out.body, &out.gqlResponse)
	return out, res.Header
}

func ext(r reply, key string) any {
	if len(r.Errors) == 0 {
		return nil
	}
	return r.Errors[0].Extensions[key]
}

// plain is what another token asks meanwhile: it must answer normally.
const plainQuery = `{ pole(id: "aerospace-valley") { name members(first: 5) { totalCount } } }`

func checkPlain(t *testing.T, base, tok string) {
	t.Helper()
	start := time.Now()
	r, _ := sendJSON(t, base, tok, map[string]any{"query": plainQuery})
	if r.status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Data), "Aerospace Valley") {
		t.Fatalf("another token's plain request: %d %.300s", r.status, r.body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("another token's plain request took %v", d)
	}
}

// Each request a hostile member company could send with its own token is
// refused fast with its code, quotes at most a short excerpt of what it
// sent, and another token's plain request answers normally meanwhile.
func TestOneTokenCannotStallNorProbe(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	noRate := auth.Config{CacheTTL: time.Minute, CacheSize: 100}
	s := server.New(d, server.Config{Production: true, Auth: &noRate, Log: quiet})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	siren := ident.CompleteLuhn("40000000")
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: siren})
	manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})

	nul := "a\x00b"
	deepVars := map[string]any{}
	cur := deepVars
	for range 50 {
		next := map[string]any{}
		cur["x"] = next
		cur = next
	}
	// pole > members > edges > node > memberships > pole …: 16 levels.
	cycle16 := `pole(id: "aerospace-valley") { members(first: 1) { edges { node { memberships { pole {
		members(first: 1) { edges { node { memberships { pole { members(first: 1) { edges { node { sites { siret } } } } } } } } } } } } } } }`
	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		arg    string // the argument the error must name
	}{
		{"Search10KB", map[string]any{"query": `{ skills(search: "` + strings.Repeat("a", 10000) + `", first: 5) { totalCount } }`}, 400, "BAD_USER_INPUT", "search"},
		{"Search1MBVariable", map[string]any{"query": `query($s: String) { skills(search: $s, first: 5) { totalCount } }`,
			"variables": map[string]any{"s": strings.Repeat("a", 900000)}}, 400, "BAD_USER_INPUT", ""},
		{"16AliasedSearches", map[string]any{"query": "{" + repeatN(16, func(i int) string {
			return fmt.Sprintf(`s%d: skills(search: "%s%d", first: 5) { totalCount }`, i, strings.Repeat("a", 5000), i)
		}) + "}"}, 400, "BAD_USER_INPUT", "search"},
		{"Siren900KB", map[string]any{"query": `{ company(siren: "` + strings.Repeat("4", 900000) + `") { name } }`}, 400, "BAD_USER_INPUT", "siren"},
		{"OperationName500KB", map[string]any{"query": `query Q { __typename }`, "operationName": strings.Repeat("Q", 500000)}, 400, "BAD_USER_INPUT", ""},
		{"DeepVariables", map[string]any{"query": `query($s: String) { __typename }`, "variables": map[string]any{"s": deepVars}}, 400, "BAD_USER_INPUT", ""},
		{"BadLiteralEcho", map[string]any{"query": `{ skills(first: "` + strings.Repeat("9", 200000) + `") { totalCount } }`}, 400, "GRAPHQL_VALIDATION_FAILED", ""},
		{"NullSearch", map[string]any{"query": `query($s: String) { skills(search: $s, first: 5) { totalCount } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "search"},
		{"NullSiren", map[string]any{"query": `query($s: String!) { company(siren: $s) { name } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "siren"},
		{"NullSiret", map[string]any{"query": `query($s: String!) { site(siret: $s) { name } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "siret"},
		{"NullPoleID", map[string]any{"query": `query($s: ID!) { pole(id: $s) { name } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "id"},
		{"NullRoleCode", map[string]any{"query": `query($s: String!) { role(code: $s) { title } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "code"},
		{"NullSkillCode", map[string]any{"query": `query($s: String!) { skill(code: $s) { name } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "code"},
		{"NullTrainingID", map[string]any{"query": `query($s: ID!) { training(id: $s) { title } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "id"},
		{"NullTerritoryCode", map[string]any{"query": `query($s: String!) { territory(level: region, code: $s) { name } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "code"},
		{"NullInputField", map[string]any{"query": `query($s: String!) { companies(filter: {naf: $s}, first: 5) { totalCount } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "filter.naf"},
		{"NullNestedInput", map[string]any{"query": `query($s: String!) { trainings(territory: {level: region, code: $s}, first: 5) { totalCount } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "territory.code"},
		{"NullRegionCode", map[string]any{"query": `query($s: String) { poles(regionCode: $s, first: 5) { totalCount } }`, "variables": map[string]any{"s": nul}}, 400, "BAD_USER_INPUT", "regionCode"},
		{"NullLiteral", map[string]any{"query": `{ skills(search: "a\u0000b", first: 5) { totalCount } }`}, 400, "BAD_USER_INPUT", "search"},
		{"Depth16", map[string]any{"query": "{ " + cycle16 + " }"}, 400, "DEPTH_LIMIT", ""},
		{"Depth16NamedSchema", map[string]any{"query": "query __schema { " + cycle16 + " }"}, 400, "DEPTH_LIMIT", ""},
		{"Depth16InFragment", map[string]any{"query": "{ ...F } fragment F on Query { " + cycle16 + " }"}, 400, "DEPTH_LIMIT", ""},
		{"Depth16InFragmentNamedSchema", map[string]any{"query": "{ ...__schema } fragment __schema on Query { " + cycle16 + " }"}, 400, "DEPTH_LIMIT", ""},
		{"100AliasedSkillGaps", map[string]any{"query": fmt.Sprintf(`{ company(siren: %q) { %s } }`, siren, repeatN(100, func(i int) string {
			return fmt.Sprintf("g%d: skillGaps(horizon: 2030, first: %d) { gap }", i, i+1)
		}))}, 400, "COST_LIMIT", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var wg sync.WaitGroup
			wg.Go(func() { checkPlain(t, ts.URL, manager) })
			start := time.Now()
			r, _ := sendJSON(t, ts.URL, company, c.body)
			took := time.Since(start)
			wg.Wait()
			if r.status != c.status || r.code() != c.code {
				t.Fatalf("status %d code %q, want %d %q: %.300s", r.status, r.code(), c.status, c.code, r.body)
			}
			if took > time.Second {
				t.Errorf("refused in %v: not fast", took)
			}
			if bytes.Contains(r.body, []byte(`"data"`)) {
				t.Errorf("refused before execution but answers a data entry: %.300s", r.body)
			}
			if len(r.body) > 1000 {
				t.Errorf("a %d-byte answer: the error echoes its input: %.300s", len(r.body), r.body)
			}
			if c.arg != "" && (ext(r, "argument") != c.arg || !strings.Contains(r.Errors[0].Message, c.arg)) {
				t.Errorf("does not name the argument %s: %s", c.arg, r.body)
			}
			if c.code == "DEPTH_LIMIT" && (ext(r, "limit") != "maxDepth" || ext(r, "value") != float64(12)) {
				t.Errorf("does not say which limit: %s", r.body)
			}
		})
	}

	// A body that is not JSON is not echoed back.
	t.Run("BadJSONBody", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query": "`+strings.Repeat("x", 500000)+`"`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+company)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode != 400 || buf.Len() > 1000 {
			t.Fatalf("%d, %d bytes: %.300s", res.StatusCode, buf.Len(), buf.String())
		}
	})

	// No suggestion of any kind reaches a non-admin in production; an
	// admin keeps them.
	t.Run("NoSuggestions", func(t *testing.T) {
		for name, q := range map[string]string{
			"Field":        `{ polez(first: 1) { totalCount } }`,
			"Argument":     `{ skills(serch: "a", first: 1) { totalCount } }`,
			"EnumValue":    `{ territories(level: regoin, first: 1) { totalCount } }`,
			"InputField":   `{ companies(filter: {nafCode: "25"}, first: 1) { totalCount } }`,
			"FragmentType": `{ ...F } fragment F on Qurey { __typename }`,
			"InlineType":   `{ pole(id: "x") { ... on Pol { name } } }`,
		} {
			r, _ := sendJSON(t, ts.URL, company, map[string]any{"query": q})
			if r.status != 400 || len(r.Errors) == 0 {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
			if bytes.Contains(r.body, []byte("Did you mean")) || bytes.Contains(r.body, []byte("did you mean")) {
				t.Errorf("%s: a suggestion reaches a company token: %s", name, r.body)
			}
			if name == "Argument" {
				ra, _ := sendJSON(t, ts.URL, admin, map[string]any{"query": q})
				if !bytes.Contains(ra.body, []byte("Did you mean")) {
					t.Errorf("an admin lost the suggestion: %s", ra.body)
				}
			}
		}
		checkPlain(t, ts.URL, manager)
	})

	// GraphiQL still reads the schema for admins: introspection has its
	// own depth limit.
	t.Run("IntrospectionForAdmins", func(t *testing.T) {
		r, _ := sendJSON(t, ts.URL, admin, map[string]any{"query": introspection})
		if r.status != 200 || len(r.Errors) > 0 {
			t.Fatalf("GraphiQL's introspection as admin: %d %.300s", r.status, r.body)
		}
	})
}

// GraphiQL's introspection query (graphql-js getIntrospectionQuery).
const introspection = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// Per-token limits: the cost budget per second and the requests in flight.
// The refusal says which limit, its value and when to retry (429 with
// Retry-After); another token is not affected.
func TestPerTokenBudgets(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	siren := ident.CompleteLuhn("40000000")
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: siren})
	manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	noRate := auth.Config{CacheTTL: time.Minute, CacheSize: 100}

	t.Run("CostPerSecond", func(t *testing.T) {
		lim := limits.Defaults()
		lim.MaxCost, lim.CostPerSecond = 20000, 100
		ts := httptest.NewServer(server.New(d, server.Config{Auth: &noRate, Limits: &lim, Log: quiet}).Handler())
		defer ts.Close()
		// Company.skillGaps weighs 4,500 + 600: three pass on a full budget
		// of 20,000, the fourth waits for the budget to refill.
		q := map[string]any{"query": fmt.Sprintf(`{ company(siren: %q) { skillGaps(horizon: 2030, first: 5) { gap } } }`, siren)}
		var last reply
		var h http.Header
		for i := range 4 {
			last, h = sendJSON(t, ts.URL, company, q)
			if i < 3 && (last.status != 200 || len(last.Errors) > 0) {
				t.Fatalf("request %d: %d %s", i, last.status, last.body)
			}
		}
		if last.status != 429 || last.code() != "RATE_LIMITED" || ext(last, "limit") != "costPerSecond" ||
			ext(last, "value") != float64(100) || h.Get("Retry-After") == "" || ext(last, "retryAfter") == nil {
			t.Fatalf("fourth request: %d %s Retry-After %q", last.status, last.body, h.Get("Retry-After"))
		}
		checkPlain(t, ts.URL, manager)
	})

	t.Run("CSVSpendsTheBudget", func(t *testing.T) {
		lim := limits.Defaults()
		lim.MaxCost, lim.CostPerSecond = 20000, 100
		ts := httptest.NewServer(server.New(d, server.Config{Auth: &noRate, Limits: &lim, Log: quiet}).Handler())
		defer ts.Close()
		admin := token(t, d, auth.RoleAdmin, auth.Scope{})
		get := func() (int, string, http.Header) {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/aggregates.csv?level=region&horizon=2030", nil)
			req.Header.Set("Authorization", "Bearer "+admin)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(res.Body)
			return res.StatusCode, buf.String(), res.Header
		}
		if status, body, _ := get(); status != 200 {
			t.Fatalf("first CSV: %d %s", status, body)
		}
		status, body, h := get()
		if status != 429 || !strings.Contains(body, `"costPerSecond"`) || h.Get("Retry-After") == "" {
			t.Fatalf("second CSV on an empty budget: %d %s", status, body)
		}
		checkPlain(t, ts.URL, manager)
	})

	t.Run("InFlight", func(t *testing.T) {
		lim := limits.Defaults()
		lim.MaxInFlight = 2
		release := make(chan struct{})
		var entered sync.WaitGroup
		entered.Add(2)
		s := server.New(d, server.Config{Auth: &noRate, Limits: &lim, Log: quiet})
		ts := httptest.NewServer(s.HandlerWithFieldMiddleware(func(ctx context.Context, next graphql.Resolver) (any, error) {
			if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Alias == "slow" {
				entered.Done()
				<-release
			}
			return next(ctx)
		}))
		defer ts.Close()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				sendJSON(t, ts.URL, company, map[string]any{"query": `{ slow: poles(first: 1) { totalCount } }`})
			})
		}
		entered.Wait()
		start := time.Now()
		r, h := sendJSON(t, ts.URL, company, map[string]any{"query": `{ __typename }`})
		if r.status != 429 || r.code() != "RATE_LIMITED" || ext(r, "limit") != "inFlight" || ext(r, "value") != float64(2) ||
			h.Get("Retry-After") != "1" || time.Since(start) > time.Second {
			t.Fatalf("third request in flight: %d %s Retry-After %q", r.status, r.body, h.Get("Retry-After"))
		}
		checkPlain(t, ts.URL, manager)
		close(release)
		wg.Wait()
		if r, _ := sendJSON(t, ts.URL, company, map[string]any{"query": `{ __typename }`}); r.status != 200 {
			t.Fatalf("after the others answered: %d %s", r.status, r.body)
		}
	})

	t.Run("RequestsPerSecond", func(t *testing.T) {
		limited := auth.Config{CacheTTL: time.Minute, CacheSize: 100, Rate: 0.5, Burst: 2}
		ts := httptest.NewServer(server.New(d, server.Config{Auth: &limited, Log: quiet}).Handler())
		defer ts.Close()
		var last reply
		var h http.Header
		for range 3 {
			last, h = sendJSON(t, ts.URL, company, map[string]any{"query": `{ __typename }`})
		}
		if last.status != 429 || ext(last, "limit") != "requestsPerSecond" || ext(last, "value") != 0.5 || h.Get("Retry-After") == "" {
			t.Fatalf("%d %s", last.status, last.body)
		}
		checkPlain(t, ts.URL, manager)
	})
}

// Slow queries holding every connection of the main pool starve neither
// authentication nor readiness: both use their own pool.
func TestAuthAndReadinessNotStarved(t *testing.T) {
	_, dsn := testdb.New(t)
	main, _ := testdb.OpenCounting(t, dsn)
	main.SetMaxOpenConns(2)
	authDB, _ := testdb.OpenCounting(t, dsn)
	authDB.SetMaxOpenConns(2)
	fixture(t, authDB, 2)
	slowPoles(t, authDB, 3)
	admin := token(t, authDB, auth.RoleAdmin, auth.Scope{})
	other := token(t, authDB, auth.RoleAdmin, auth.Scope{})
	noRate := auth.Config{CacheTTL: -1}
	ts := httptest.NewServer(server.New(main, server.Config{AuthDB: authDB, Auth: &noRate, Log: quiet}).Handler())
	defer ts.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { sendJSON(t, ts.URL, admin, map[string]any{"query": `{ poles(first: 5) { totalCount } }`}) })
	}
	if !eventually(5*time.Second, func() bool { return sleeping(t, authDB) >= 2 }) {
		t.Fatal("the slow queries did not start")
	}
	// The main pool is full: a query would wait, but a token look-up
	// does not, and a wrong token is told so at once.
	start := time.Now()
	r, _ := sendJSON(t, ts.URL, "gpec_"+strings.Repeat("a", 59), map[string]any{"query": `{ __typename }`})
	if r.status != 401 || time.Since(start) > time.Second {
		t.Fatalf("a bad token while the pool is full: %d in %v: %s", r.status, time.Since(start), r.body)
	}
	start = time.Now()
	if r, _ := sendJSON(t, ts.URL, other, map[string]any{"query": `{ __typename }`}); r.status != 200 || time.Since(start) > time.Second {
		t.Fatalf("another token while the pool is full: %d in %v: %s", r.status, time.Since(start), r.body)
	}
	res, err := http.Get(ts.URL + "/readyz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("/readyz while the pool is full: %v %v", res, err)
	}
	res.Body.Close()
	wg.Wait()
}

// A database that cannot be reached: UNAVAILABLE with HTTP 503 and
// Retry-After, for queries and for token look-ups; /readyz says the
// database is unreachable, never that migrations are pending.
func TestOutageIsUnavailable(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	down := sqlx.MustOpen("postgres", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	defer down.Close()
	noRate := auth.Config{CacheTTL: time.Minute, CacheSize: 100}

	// Reads fail (the read pool is down), authentication works.
	ts := httptest.NewServer(server.New(d, server.Config{ReadDB: down, Auth: &noRate, Log: quiet}).Handler())
	defer ts.Close()
	r, h := sendJSON(t, ts.URL, admin, map[string]any{"query": `{ poles(first: 5) { totalCount } }`})
	if r.status != 503 || r.code() != "UNAVAILABLE" || h.Get("Retry-After") == "" {
		t.Fatalf("query during an outage: %d %s Retry-After %q", r.status, r.body, h.Get("Retry-After"))
	}
	// Token look-ups and readiness fail.
	ts2 := httptest.NewServer(server.New(d, server.Config{AuthDB: down, Auth: &noRate, Log: quiet}).Handler())
	defer ts2.Close()
	r, h = sendJSON(t, ts2.URL, admin, map[string]any{"query": `{ __typename }`})
	if r.status != 503 || r.code() != "UNAVAILABLE" || h.Get("Retry-After") == "" {
		t.Fatalf("authentication during an outage: %d %s", r.status, r.body)
	}
	res, err := http.Get(ts2.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 503 || body["status"] != "database unreachable" || body["pending"] != nil {
		t.Fatalf("/readyz during an outage: %d %v", res.StatusCode, body)
	}
}

// A token revoked anywhere is refused at its next request on every
// instance, though each had it cached.
func TestRevocationOnEveryServer(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 1)
	cfg := auth.Config{CacheTTL: time.Hour, CacheSize: 100}
	a := httptest.NewServer(server.New(d, server.Config{Auth: &cfg, Log: quiet}).Handler())
	defer a.Close()
	b := httptest.NewServer(server.New(d, server.Config{Auth: &cfg, Log: quiet}).Handler())
	defer b.Close()
	plain, tok, err := auth.Create(context.Background(), d, auth.RoleAdmin, auth.Scope{}, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range []*httptest.Server{a, b} {
		if r, _ := sendJSON(t, ts.URL, plain, map[string]any{"query": `{ __typename }`}); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	if err := auth.Revoke(context.Background(), d, tok.ID); err != nil {
		t.Fatal(err)
	}
	for i, ts := range []*httptest.Server{a, b} {
		if r, _ := sendJSON(t, ts.URL, plain, map[string]any{"query": `{ __typename }`}); r.status != 401 || r.code() != "UNAUTHENTICATED" {
			t.Fatalf("instance %d after the revocation: %d %s", i, r.status, r.body)
		}
	}
}

// Every query of README.md and docs/queries.md passes the default limits
// (depth, cost, aliases, inputs), the deepest with a margin.
func TestDocumentedQueriesWithinLimits(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	noRate := auth.Config{CacheTTL: time.Minute, CacheSize: 100}
	// One token sends them all at once: the per-second budget is not under test.
	lim := limits.Defaults()
	lim.CostPerSecond = 0
	ts := httptest.NewServer(server.New(d, server.Config{Auth: &noRate, Limits: &lim, Log: quiet}).Handler())
	defer ts.Close()
	deepest, n := 0, 0
	for _, file := range []string{"../../README.md", "../../docs/queries.md"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range strings.Split(string(b), "```graphql")[1:] {
			q := strings.SplitN(block, "```", 2)[0]
			n++
			cfg := limits.Defaults()
			depth := 1
			for ; depth < 40; depth++ {
				cfg.MaxDepth = depth
				if limits.CheckQuery(cfg, q) == nil {
					break
				}
			}
			deepest = max(deepest, depth)
			r, _ := sendJSON(t, ts.URL, admin, map[string]any{"query": q})
			switch r.code() {
			case "DEPTH_LIMIT", "COST_LIMIT", "ALIAS_LIMIT", "FIELD_LIMIT", "TOKEN_LIMIT", "RATE_LIMITED", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED":
				t.Errorf("%s: %s\n%.300s", file, r.body, q)
			}
			if ext(r, "limit") != nil {
				t.Errorf("%s: refused by a limit: %s", file, r.body)
			}
		}
	}
	t.Logf("%d documented queries; the deepest is %d levels, the limit %d", n, deepest, limits.Defaults().MaxDepth)
	if n < 10 || deepest+2 > limits.Defaults().MaxDepth || deepest+5 < limits.Defaults().MaxDepth {
		t.Fatalf("the depth limit %d should leave a small margin over %d", limits.Defaults().MaxDepth, deepest)
	}
}
