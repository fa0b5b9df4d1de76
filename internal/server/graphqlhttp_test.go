package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// The Accept header decides how a request error answers (GraphQL over
// HTTP): 200 with application/json, 400 with
// application/graphql-response+json, and no data entry either way; a
// malformed request is 400 and a mutation over GET 405 whatever the media
// type; an executed operation is 200 with its data; the per-token budget
// keeps its 429.
func TestGraphQLOverHTTPStatuses(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 2)
	noRate := auth.Config{CacheTTL: time.Minute, CacheSize: 100}
	lim := limits.Defaults()
	lim.MaxCost, lim.CostPerSecond = 20000, 100
	ts := httptest.NewServer(server.New(d, server.Config{Auth: &noRate, Limits: &lim, Log: quiet}).Handler())
	defer ts.Close()
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	siren := ident.CompleteLuhn("40000000")
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: siren})

	const (
		mediaJSON = "application/json"
		mediaGR   = "application/graphql-response+json"
	)
	type answer struct {
		status      int
		contentType string
		header      http.Header
		body        []byte
		fields      map[string]json.RawMessage
		code        string
	}
	do := func(t *testing.T, method, path, accept, tok, body string) answer {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/json")
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		a := answer{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), header: res.Header, body: b}
		if err := json.Unmarshal(b, &a.fields); err != nil {
			t.Fatalf("not a JSON object: %d %s", res.StatusCode, b)
		}
		var e struct {
			Errors []struct{ Extensions map[string]any }
		}
		_ = json.Unmarshal(b, &e)
		if len(e.Errors) > 0 {
			a.code, _ = e.Errors[0].Extensions["code"].(string)
		}
		return a
	}
	body := func(q string) string {
		b, _ := json.Marshal(map[string]any{"query": q})
		return string(b)
	}
	deep := `{ territory(level: region, code: "76") { ` + parents(14) + ` } }`
	other := ident.CompleteLuhn("40000001")
	huge := strings.Repeat("x", 5000)

	cases := []struct {
		name, method, path, body string
		tok                      string
		// Statuses with application/json and application/graphql-response+json.
		jsonStatus, grStatus int
		code                 string
		data                 bool
	}{
		{"Executed", "POST", "/graphql", body(`{ poles { totalCount } }`), admin, 200, 200, "", true},
		{"ExecutedGET", "GET", "/graphql?query=" + url.QueryEscape(`{ poles { totalCount } }`), "", admin, 200, 200, "", true},
		{"FieldError", "POST", "/graphql", body(fmt.Sprintf(`{ poles { totalCount } company(siren: %q) { name } }`, other)), company, 200, 200, "FORBIDDEN", true},
		{"ParseError", "POST", "/graphql", body(`{ poles {`), admin, 200, 400, "GRAPHQL_PARSE_FAILED", false},
		{"ParseErrorGET", "GET", "/graphql?query=" + url.QueryEscape(`{ poles {`), "", admin, 200, 400, "GRAPHQL_PARSE_FAILED", false},
		{"ValidationError", "POST", "/graphql", body(`{ polez { totalCount } }`), admin, 200, 400, "GRAPHQL_VALIDATION_FAILED", false},
		{"CoercionError", "POST", "/graphql", `{"query":"query($id: ID!) { pole(id: $id) { name } }","variables":{"id":null}}`, admin, 200, 400, "GRAPHQL_VALIDATION_FAILED", false},
		{"DepthLimit", "POST", "/graphql", body(deep), admin, 200, 400, "DEPTH_LIMIT", false},
		{"NoQuery", "POST", "/graphql", `{"qeury":"{ __typename }"}`, admin, 400, 400, "BAD_REQUEST", false},
		{"EmptyBody", "POST", "/graphql", ``, admin, 400, 400, "BAD_REQUEST", false},
		{"NotJSON", "POST", "/graphql", `{"query": "` + huge, admin, 400, 400, "BAD_REQUEST", false},
		{"QueryNotString", "POST", "/graphql", `{"query": {"` + huge + `": 1}}`, admin, 400, 400, "BAD_REQUEST", false},
		{"VariablesNotObject", "POST", "/graphql", `{"query":"{ __typename }","variables":"` + huge + `"}`, admin, 400, 400, "BAD_REQUEST", false},
		{"ExtensionsNotObjectGET", "GET", "/graphql?query=" + url.QueryEscape(`{ __typename }`) + "&extensions=" + huge, "", admin, 400, 400, "BAD_REQUEST", false},
		{"MutationOverGET", "GET", "/graphql?query=" + url.QueryEscape(`mutation { __typename }`), "", admin, 405, 405, "BAD_REQUEST", false},
	}
	for _, c := range cases {
		for _, accept := range []string{"", mediaJSON, "*/*", mediaGR, mediaGR + ", " + mediaJSON + ";q=0.9", mediaJSON + ";q=0.5, " + mediaGR} {
			t.Run(fmt.Sprintf("%s/%s", c.name, accept), func(t *testing.T) {
				want, media := c.jsonStatus, mediaJSON
				if strings.HasPrefix(accept, mediaGR) || strings.HasSuffix(accept, mediaGR) {
					want, media = c.grStatus, mediaGR
				}
				a := do(t, c.method, c.path, accept, c.tok, c.body)
				if a.status != want || a.code != c.code {
					t.Fatalf("status %d code %q, want %d %q: %.300s", a.status, a.code, want, c.code, a.body)
				}
				if !strings.HasPrefix(a.contentType, media) {
					t.Errorf("Content-Type %q, want %s", a.contentType, media)
				}
				if _, ok := a.fields["data"]; ok != c.data {
					t.Errorf("data entry present: %v, want %v: %.300s", ok, c.data, a.body)
				}
				if len(a.body) > 1000 || bytes.Contains(a.body, []byte("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) {
					t.Errorf("the error echoes the request: %.300s", a.body)
				}
				if want == 405 && a.header.Get("Allow") != "POST" {
					t.Errorf("405 without Allow: POST")
				}
			})
		}
	}

	// The budget's 429 (with Retry-After) stays whatever the media type
	// (a token each: a budget refills in minutes).
	for _, accept := range []string{mediaJSON, mediaGR} {
		company := token(t, d, auth.RoleCompany, auth.Scope{Siren: siren})
		t.Run("CostBudget/"+accept, func(t *testing.T) {
			q := body(fmt.Sprintf(`{ company(siren: %q) { skillGaps(horizon: 2030, first: 5) { gap } } }`, siren))
			var last answer
			for range 4 {
				last = do(t, "POST", "/graphql", accept, company, q)
			}
			if last.status != 429 || last.code != "RATE_LIMITED" || last.header.Get("Retry-After") == "" {
				t.Fatalf("fourth request over a budget of three: %d %s", last.status, last.body)
			}
			if _, ok := last.fields["data"]; ok {
				t.Errorf("refused before execution but answers a data entry: %s", last.body)
			}
		})
	}
}
