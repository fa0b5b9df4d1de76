// The whole path a client takes: HTTPMiddleware, gqlgen's handler and
// transports, the extensions and the error presenter.
package limits

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

func TestThroughHandler(t *testing.T) {
	srv := handler.New(testSchema{loadSchema(t)})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{})
	Apply(srv, Defaults())
	srv.SetErrorPresenter(ErrorPresenter(nil))
	h := HTTPMiddleware(Defaults(), srv)

	get := func(query string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(query), nil)
		r.Header.Set("Accept", "application/json")
		return r
	}
	post := func(body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json")
		return r
	}
	for _, c := range []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"Query", get(`{ companies(first: 5) { nodes { siren } } }`), http.StatusOK, ""},
		{"ErrMutationOverGET", get(`mutation { revokeToken(id: "1") }`), http.StatusUnprocessableEntity, CodeBadRequest},
		{"MutationOverPOST", post(`{"query":"mutation { revokeToken(id: \"1\") }"}`), http.StatusOK, ""},
		{"ErrDepth", post(`{"query":"` + nested(40) + `"}`), http.StatusUnprocessableEntity, CodeDepthLimit},
		{"ErrFirst", post(`{"query":"{ companies(first: 99999999) { nodes { siren } } }"}`), http.StatusUnprocessableEntity, CodeBadUserInput},
		{"ErrBatch", post(`[{"query":"{ __typename }"}]`), http.StatusBadRequest, CodeBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, c.req)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if c.code != "" && errCode(t, w) != c.code {
				t.Fatalf("code %s, want %s", errCode(t, w), c.code)
			}
		})
	}

	// Without the middleware's method in the context, gqlgen's GET
	// transport still refuses a mutation itself (406, no code).
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, get(`mutation { revokeToken(id: "1") }`))
	if w.Code != http.StatusNotAcceptable {
		t.Fatalf("gqlgen's own GET refusal: %d %s", w.Code, w.Body)
	}
}
