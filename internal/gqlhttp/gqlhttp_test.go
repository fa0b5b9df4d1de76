package gqlhttp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestNegotiate(t *testing.T) {
	for _, c := range []struct{ accept, want string }{
		{"", MediaJSON},
		{"*/*", MediaJSON},
		{"application/*", MediaJSON},
		{"text/html", MediaJSON},
		{"application/json", MediaJSON},
		{"application/graphql-response+json", MediaGraphQLResponse},
		{"application/graphql-response+json, application/json;q=0.9", MediaGraphQLResponse},
		{"application/json;q=0.5, application/graphql-response+json", MediaGraphQLResponse},
		{"application/json, application/graphql-response+json", MediaJSON},
		{"application/graphql-response+json;q=0, application/json", MediaJSON},
		{"application/graphql-response+json;q=0.8, */*;q=0.9", MediaJSON},
		{"nonsense;;, application/graphql-response+json", MediaGraphQLResponse},
	} {
		if got := Negotiate(c.accept); got != c.want {
			t.Errorf("Accept %q: %s, want %s", c.accept, got, c.want)
		}
	}
}

// A body that is not a GraphQL request is refused naming the parameter and
// the JSON type, never quoting what was sent.
func TestDecodeParams(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"query":"{ a }","operationName":null,"variables":null,"extensions":null}`, ""},
		{`{"query":"{ a }","variables":{"n":1},"extensions":{"x":"y"}}`, ""},
		{`[{"query":"{ a }"}]`, "the request body must be a JSON object, not a JSON array"},
		{`0`, "the request body must be a JSON object, not a JSON number"},
		{`{"query":"secret`, `the request body is not valid JSON: POST a JSON object {"query": "…"}`},
		{`{"query":"{ a }"} {"query":"{ b }"}`, `the request body is not valid JSON: POST a JSON object {"query": "…"}`},
		{`{"query":{"secret":1}}`, "the query parameter must be a string, not a JSON object"},
		{`{"query":"{ a }","operationName":false}`, "the operationName parameter must be a string, not a JSON boolean"},
		{`{"query":"{ a }","variables":"secret"}`, "the variables parameter must be a JSON object, not a JSON string"},
		{`{"query":"{ a }","extensions":[1]}`, "the extensions parameter must be a JSON object, not a JSON array"},
	} {
		if got := decodeParams([]byte(c.body), &graphql.RawParams{}); got != c.want {
			t.Errorf("%s: %q, want %q", c.body, got, c.want)
		}
	}
	// Numbers stay json.Number: an Int argument must not go through float64.
	var p graphql.RawParams
	if msg := decodeParams([]byte(`{"query":"{ a }","variables":{"n":9007199254740993}}`), &p); msg != "" {
		t.Fatal(msg)
	}
	if n, ok := p.Variables["n"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("variables: %#v", p.Variables)
	}
}

// An answer holding data alone is written as it stands, byte for byte what
// encoding/json writes; the others go through encoding/json.
func TestWriteResponseAsEncodingJSON(t *testing.T) {
	for _, resp := range []*graphql.Response{
		{Data: json.RawMessage(`{"a":{"b":[1,2],"c":"Côte d'Azur"}}`)},
		{Data: json.RawMessage(`{"a":"<b> & \u2028","c":["Gestion & paie",">"]}`)},
		{Data: json.RawMessage("{\"a\":\"\u2028 \u2029\"}")},
		{Data: json.RawMessage(`null`), Errors: gqlerror.List{&gqlerror.Error{Message: "no"}}},
		{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
	} {
		rec := httptest.NewRecorder()
		writeResponse(rec, MediaGraphQLResponse, resp)
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Body.String(); got != string(want) || rec.Code != http.StatusOK ||
			rec.Header().Get("Content-Type") != MediaGraphQLResponse+"; charset=utf-8" {
			t.Errorf("wrote %d %q %s, want %s", rec.Code, rec.Header().Get("Content-Type"), got, want)
		}
	}
}
