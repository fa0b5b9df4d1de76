package gqlhttp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
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

// Every answer has the bytes json.Marshal gives, whichever way it is
// written, and data that is not JSON is refused as json.Marshal refuses it.
func TestWriteResponse(t *testing.T) {
	yes := true
	for _, resp := range []*graphql.Response{
		{Data: json.RawMessage(`{"release":{"table":{"cells":[{"territoryCode":"31","headcount":12,"reason":null}]}}}`)},
		{Data: json.RawMessage(`{"label":"R&D <b>","x":"a\u2028b"}`)},
		{Data: json.RawMessage("{\"x\":\"a\xe2\x80\xa8b\"}")},
		{Data: json.RawMessage(`{"label":"Informatique","n":1.5e+06}`)},
		{Data: json.RawMessage(`{"a":"<b> & \u2028","c":["Gestion & paie",">"]}`)},
		{Data: json.RawMessage("{\"a\":\"\u2028 \u2029\"}")},
		{Data: json.RawMessage(`{"x":"é"}`), Errors: gqlerror.List{{Message: "no <release> & co", Path: ast.Path{ast.PathName("release")},
			Extensions: map[string]any{"code": "FORBIDDEN"}}}},
		{Errors: gqlerror.List{{Message: "bad"}}},
		{Data: json.RawMessage(`null`), Extensions: map[string]any{"cost": 3}},
		{Data: json.RawMessage(`{}`), Label: "l", Path: ast.Path{ast.PathName("a"), ast.PathIndex(2)}, HasNext: &yes},
	} {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		writeResponse(rec, MediaJSON, http.StatusOK, resp)
		if got := rec.Body.String(); got != string(want) || rec.Code != http.StatusOK ||
			rec.Header().Get("Content-Type") != MediaJSON+"; charset=utf-8" {
			t.Errorf("%d\n%s\nwant\n%s", rec.Code, got, want)
		}
	}
	// gqlgen's MarshalFloat writes %g: NaN, +Inf, -Inf.
	for _, data := range []string{`{"coverage":NaN}`, `{"coverage":+Inf}`, `{"label":"Informatique","coverage":-Inf}`} {
		rec := httptest.NewRecorder()
		writeResponse(rec, MediaJSON, http.StatusOK, &graphql.Response{Data: json.RawMessage(data)})
		if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "Inf}") || strings.Contains(rec.Body.String(), "NaN") {
			t.Errorf("data that is not JSON: %d %s", rec.Code, rec.Body.String())
		}
	}
}
