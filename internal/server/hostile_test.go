package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// reply is an HTTP response of the API, decoded.
type reply struct {
	status int
	body   []byte
	gqlResponse
}

func (r reply) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// acceptGraphQLResponse is the Accept header of clients that read HTTP
// statuses: request errors (parse, validation, limits) answer 400 then,
// and 200 with application/json (see TestGraphQLOverHTTPStatuses).
const acceptGraphQLResponse = "application/graphql-response+json, application/json;q=0.9"

// send makes one real HTTP request to the server at base.
func send(t *testing.T, base, method, path, contentType, tok string, body []byte) reply {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", acceptGraphQLResponse)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := reply{status: res.StatusCode, body: b}
	_ = json.Unmarshal(b, &out.gqlResponse)
	return out
}

func query(q string) []byte {
	b, _ := json.Marshal(map[string]any{"query": q})
	return b
}

// parents nests n parent selections under a territory.
func parents(n int) string {
	return strings.Repeat("parent { ", n) + "code" + strings.Repeat(" }", n)
}

// Every hostile request is refused with its code, none leaks SQL or a
// stack, and the server answers a normal query right after each.
func TestHostileRequests(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	// Rate limiting has its own case below; here it would only get in the way.
	noRate := auth.Config{CacheTTL: time.Minute, CacheSize: 100}
	s := server.New(d, server.Config{Production: true, Auth: &noRate})
	// A field middleware makes one real resolver panic on demand.
	h := s.HandlerWithFieldMiddleware(func(ctx context.Context, next graphql.Resolver) (any, error) {
		if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Alias == "boom" {
			panic("resolver exploded: SELECT secret FROM companies")
		}
		return next(ctx)
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: ident.CompleteLuhn("40000000")})

	deepFragments := `query { territory(level: region, code: "76") { ...A } }
		fragment A on Territory { parent { parent { parent { ...B } } } }
		fragment B on Territory { parent { parent { parent { ...C } } } }
		fragment C on Territory { parent { parent { parent { ...D } } } }
		fragment D on Territory { parent { parent { parent { ...E } } } }
		fragment E on Territory { parent { parent { parent { ...F } } } }
		fragment F on Territory { parent { parent { parent { ...G } } } }
		fragment G on Territory { parent { parent { parent { code } } } }`
	costBomb := `{ poles(first: 500) { edges { node { members(first: 500) { edges { node {
		sites { siret territory { name } } roleGaps(horizon: 2030, first: 500) { stayers } } } } } } } }`

	type req struct {
		method, path, contentType, token string
		body                             []byte
	}
	post := func(tok string, q string) req {
		return req{http.MethodPost, "/graphql", "application/json", tok, query(q)}
	}
	cases := []struct {
		name   string
		req    req
		status int
		code   string
	}{
		{"DeepNesting", post(admin, `{ territory(level: region, code: "76") { `+parents(40)+` } }`), 400, "DEPTH_LIMIT"},
		{"DepthInFragments", post(admin, deepFragments), 400, "DEPTH_LIMIT"},
		{"CyclicFragments", post(admin, `{ territory(level: region, code: "76") { ...A } }
			fragment A on Territory { parent { ...B } } fragment B on Territory { parent { ...A } }`), 400, "GRAPHQL_VALIDATION_FAILED"},
		{"SchemaNamedQuery", post(admin, `query __schema { territory(level: region, code: "76") { `+parents(40)+` } }`), 400, "DEPTH_LIMIT"},
		{"IntrospectionQueryName", post(admin, `query IntrospectionQuery { territory(level: region, code: "76") { `+parents(40)+` } }`), 400, "DEPTH_LIMIT"},
		{"SchemaNamedFragment", post(admin, `{ territory(level: region, code: "76") { ...__schema } }
			fragment __schema on Territory { `+parents(40)+` }`), 400, "DEPTH_LIMIT"},
		{"500Aliases", post(admin, "{ "+repeatN(500, func(i int) string { return fmt.Sprintf("a%d: __typename", i) })+" }"), 400, "ALIAS_LIMIT"},
		// The parser's token limit stops it before the directives are counted.
		{"50000Directives", post(admin, "{ __typename "+strings.Repeat("@skip(if: false) ", 50000)+"}"), 400, "TOKEN_LIMIT"},
		{"SixDirectives", post(admin, "{ __typename "+strings.Repeat("@skip(if: false) ", 6)+"}"), 400, "DIRECTIVE_LIMIT"},
		{"10000RepeatedFields", post(admin, "{ "+strings.Repeat("__typename ", 10000)+"}"), 400, "FIELD_LIMIT"},
		{"3MBBody", req{http.MethodPost, "/graphql", "application/json", admin,
			query("{ __typename }" + strings.Repeat(" ", 3<<20))}, 413, "PAYLOAD_TOO_LARGE"},
		{"FirstHuge", post(admin, `{ roles(first: 99999999) { totalCount } }`), 400, "BAD_USER_INPUT"},
		{"FirstNegative", post(admin, `{ roles(first: -1) { totalCount } }`), 400, "BAD_USER_INPUT"},
		{"CostBomb", post(admin, costBomb), 400, "COST_LIMIT"},
		{"JSONArrayBatch", req{http.MethodPost, "/graphql", "application/json", admin,
			[]byte(`[{"query":"{ __typename }"},{"query":"{ __typename }"}]`)}, 400, "BAD_REQUEST"},
		{"IntrospectionAsCompany", post(company, `{ __schema { types { name } } }`), 400, "FORBIDDEN"},
		{"IntrospectionInFragment", post(company, `{ ...F } fragment F on Query { __type(name: "Company") { fields { name } } }`), 400, "FORBIDDEN"},
		{"TypoNoSuggestion", post(company, `{ polez { totalCount } }`), 400, "GRAPHQL_VALIDATION_FAILED"},
		{"MutationOverGET", req{http.MethodGet, "/graphql?query=" + url.QueryEscape(`mutation { importFiles(files: []) { committed } }`), "", admin, nil}, 405, "BAD_REQUEST"},
		{"TextPlainPOST", req{http.MethodPost, "/graphql", "text/plain", admin, query(`{ __typename }`)}, 415, "BAD_REQUEST"},
		{"FormPOST", req{http.MethodPost, "/graphql", "application/x-www-form-urlencoded", admin, []byte(`query=%7B__typename%7D`)}, 415, "BAD_REQUEST"},
		{"ResolverPanic", post(admin, `{ boom: poles { totalCount } }`), 200, "INTERNAL"},
		{"NoToken", post("", `{ poles { totalCount } }`), 401, "UNAUTHENTICATED"},
		{"ForgedToken", post("gpec_"+strings.Repeat("A", 43), `{ poles { totalCount } }`), 401, "UNAUTHENTICATED"},
		{"OtherCompanysSiren", post(company, fmt.Sprintf(`{ company(siren: %q) { name } }`, ident.CompleteLuhn("40000001"))), 200, "FORBIDDEN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := send(t, ts.URL, c.req.method, c.req.path, c.req.contentType, c.req.token, c.req.body)
			if r.status != c.status || r.code() != c.code {
				t.Errorf("status %d code %q, want %d %q: %.300s", r.status, r.code(), c.status, c.code, r.body)
			}
			for _, leak := range []string{"SELECT", "goroutine", "runtime/", ".go:", "pq:", "exploded", "Did you mean"} {
				if bytes.Contains(r.body, []byte(leak)) {
					t.Errorf("the response shows %q: %.300s", leak, r.body)
				}
			}
			if ok := send(t, ts.URL, http.MethodPost, "/graphql", "application/json", admin, query(`{ poles { totalCount } }`)); ok.status != 200 || len(ok.Errors) > 0 || string(ok.Data) != `{"poles":{"totalCount":1}}` {
				t.Fatalf("the server no longer serves: %d %s", ok.status, ok.body)
			}
		})
	}
	t.Run("PanicShowsRequestID", func(t *testing.T) {
		r := send(t, ts.URL, http.MethodPost, "/graphql", "application/json", admin, query(`{ boom: poles { totalCount } }`))
		if len(r.Errors) != 1 || r.Errors[0].Extensions["requestId"] == "" || !strings.Contains(r.Errors[0].Message, "internal error (request ") {
			t.Fatalf("got %s", r.body)
		}
	})
	t.Run("RateLimited", func(t *testing.T) {
		limited := auth.Config{CacheTTL: time.Minute, CacheSize: 100, Rate: 0.001, Burst: 2}
		ts := httptest.NewServer(server.New(d, server.Config{Auth: &limited}).Handler())
		defer ts.Close()
		var last reply
		for range 3 {
			last = send(t, ts.URL, http.MethodPost, "/graphql", "application/json", admin, query(`{ __typename }`))
		}
		if last.status != 429 || last.code() != "RATE_LIMITED" {
			t.Fatalf("third request in a burst of 2: %d %s", last.status, last.body)
		}
		// Other tokens are not affected.
		if r := send(t, ts.URL, http.MethodPost, "/graphql", "application/json", company, query(`{ __typename }`)); r.status != 200 {
			t.Fatalf("another token: %d %s", r.status, r.body)
		}
	})
}

func repeatN(n int, f func(int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, " ")
}

// Another company's SIREN (or SIRET), asked by each role, on nodes and on
// edges; completes TestAccessControl, which covers the plain look-ups.
func TestOtherCompanysSirenForEachRole(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	member2 := ident.CompleteLuhn("40000001")
	outsider := ident.CompleteLuhn("40100000")
	if _, err := d.Exec(`INSERT INTO companies (siren, name) VALUES ($1, 'Outsider')`, outsider); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`INSERT INTO sites (siret, siren, name, territory_code) VALUES ($1, $2, 'x', '31555')`, ident.CompleteLuhn(outsider+"0001"), outsider); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(server.New(d, server.Config{Log: quiet}).Handler())
	defer ts.Close()
	tokens := map[string]string{
		"admin":       token(t, d, auth.RoleAdmin, auth.Scope{}),
		"manager":     token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"}),
		"company":     token(t, d, auth.RoleCompany, auth.Scope{Siren: ident.CompleteLuhn("40000000")}),
		"observatory": token(t, d, auth.RoleObservatory, auth.Scope{}),
		"anonymous":   "",
	}
	node := fmt.Sprintf(`{ company(siren: %q) { name } }`, outsider)
	site := fmt.Sprintf(`{ site(siret: %q) { name company { name } } }`, ident.CompleteLuhn(outsider+"0001"))
	gaps := fmt.Sprintf(`{ company(siren: %q) { roleGaps(horizon: 2030) { stayers } } }`, outsider)
	edge := fmt.Sprintf(`{ company(siren: %q) { memberships { pole { members { totalCount } } } } }`, member2)
	want := map[string]map[string]string{ // role → query → code
		"admin":       {node: "", site: "", gaps: "", edge: ""},
		"manager":     {node: "FORBIDDEN", site: "FORBIDDEN", gaps: "FORBIDDEN", edge: ""},
		"company":     {node: "FORBIDDEN", site: "FORBIDDEN", gaps: "FORBIDDEN", edge: "FORBIDDEN"},
		"observatory": {node: "FORBIDDEN", site: "FORBIDDEN", gaps: "FORBIDDEN", edge: "FORBIDDEN"},
		"anonymous":   {node: "UNAUTHENTICATED", site: "UNAUTHENTICATED", gaps: "UNAUTHENTICATED", edge: "UNAUTHENTICATED"},
	}
	names := map[string]string{node: "Company", site: "Site", gaps: "RoleGaps", edge: "MembersThroughEdge"}
	for role, qs := range want {
		for q, code := range qs {
			t.Run(role+"/"+names[q], func(t *testing.T) {
				r := send(t, ts.URL, http.MethodPost, "/graphql", "application/json", tokens[role], query(q))
				if r.code() != code {
					t.Fatalf("code %q, want %q: %s", r.code(), code, r.body)
				}
				if code != "" && bytes.Contains(r.body, []byte("Outsider")) {
					t.Fatalf("the refusal leaks the name: %s", r.body)
				}
			})
		}
	}
}
