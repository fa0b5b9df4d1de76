// The whole path a client takes: HTTPMiddleware, gqlgen's handler with
// gpec's transports (internal/gqlhttp), the extensions and the error
// presenter.
package limits

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/gpec-project/gpec/internal/gqlhttp"
)

func TestThroughHandler(t *testing.T) {
	srv := handler.New(testSchema{loadSchema(t)})
	srv.AddTransport(gqlhttp.GET{})
	srv.AddTransport(gqlhttp.POST{})
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
	// A client that reads statuses (GraphQL over HTTP's own media type).
	postGR := func(body string) *http.Request {
		r := post(body)
		r.Header.Set("Accept", "application/graphql-response+json")
		return r
	}
	for _, c := range []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"Query", get(`{ companies(first: 5) { nodes { siren } } }`), http.StatusOK, ""},
		{"ErrMutationOverGET", get(`mutation { revokeToken(id: "1") }`), http.StatusMethodNotAllowed, CodeBadRequest},
		{"MutationOverPOST", post(`{"query":"mutation { revokeToken(id: \"1\") }"}`), http.StatusOK, ""},
		// Request errors: 200 with application/json, 400 with
		// application/graphql-response+json.
		{"ErrDepth", post(`{"query":"` + nested(40) + `"}`), http.StatusOK, CodeDepthLimit},
		{"ErrFirst", post(`{"query":"{ companies(first: 99999999) { nodes { siren } } }"}`), http.StatusOK, CodeBadUserInput},
		{"ErrDepthStatus", postGR(`{"query":"` + nested(40) + `"}`), http.StatusBadRequest, CodeDepthLimit},
		{"ErrFirstStatus", postGR(`{"query":"{ companies(first: 99999999) { nodes { siren } } }"}`), http.StatusBadRequest, CodeBadUserInput},
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
			if c.status == http.StatusMethodNotAllowed && w.Header().Get("Allow") != "POST" {
				t.Errorf("405 without Allow: POST: %v", w.Header())
			}
		})
	}

	// Without the middleware's method in the context, the GET transport
	// still refuses a mutation itself.
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, get(`mutation { revokeToken(id: "1") }`))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" || errCode(t, w) != CodeBadRequest {
		t.Fatalf("the transport's own GET refusal: %d %v %s", w.Code, w.Header(), w.Body)
	}
}
