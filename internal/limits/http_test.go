package limits

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// echo answers with the body it received and the request's deadline.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_, hasDeadline := r.Context().Deadline()
	json.NewEncoder(w).Encode(map[string]any{"body": string(body), "deadline": hasDeadline})
})

func errCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var b struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || len(b.Errors) != 1 || b.Errors[0].Message == "" {
		t.Fatalf("status %d, body %q: not one GraphQL error", w.Code, w.Body)
	}
	return b.Errors[0].Extensions.Code
}

func TestHTTPMiddleware(t *testing.T) {
	cfg := Defaults()
	cfg.MaxUploadBytes = 2 << 20
	h := HTTPMiddleware(cfg, echo)
	do := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	post := func(contentType, body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		return r
	}
	refused := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"Err3MBBody", post("application/json", `{"query":"{ __typename }","x":"`+strings.Repeat("a", 3<<20)+`"}`),
			http.StatusRequestEntityTooLarge, CodePayloadTooLarge},
		{"Err3MBBodyNoLength", func() *http.Request {
			r := post("application/json", strings.Repeat(" ", 3<<20)+"{}")
			r.ContentLength = -1 // chunked: the limit holds while reading
			return r
		}(), http.StatusRequestEntityTooLarge, CodePayloadTooLarge},
		{"Err3MBMultipart", post("multipart/form-data; boundary=x", strings.Repeat("a", 3<<20)),
			http.StatusRequestEntityTooLarge, CodePayloadTooLarge},
		{"ErrBatch", post("application/json", ` [{"query":"{ __typename }"},{"query":"{ __typename }"}]`),
			http.StatusBadRequest, CodeBadRequest},
		{"ErrTextPlain", post("text/plain", `{"query":"mutation { revokeToken(id: 1) }"}`),
			http.StatusUnsupportedMediaType, CodeBadRequest},
		{"ErrFormURLEncoded", post("application/x-www-form-urlencoded", `query=mutation+%7B+x+%7D`),
			http.StatusUnsupportedMediaType, CodeBadRequest},
		{"ErrNoContentType", post("", `{"query":"{ __typename }"}`),
			http.StatusUnsupportedMediaType, CodeBadRequest},
		{"ErrPut", httptest.NewRequest(http.MethodPut, "/graphql", nil),
			http.StatusMethodNotAllowed, CodeBadRequest},
		{"ErrLongGET", httptest.NewRequest(http.MethodGet, "/graphql?query="+strings.Repeat("a", 2<<20), nil),
			http.StatusRequestEntityTooLarge, CodePayloadTooLarge},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			w := do(c.req)
			if w.Code != c.status || errCode(t, w) != c.code {
				t.Fatalf("got %d %s, want %d %s", w.Code, w.Body.String()[:min(200, w.Body.Len())], c.status, c.code)
			}
		})
	}

	t.Run("JSONPassesWithBodyAndDeadline", func(t *testing.T) {
		w := do(post("application/json; charset=utf-8", `{"query":"{ __typename }"}`))
		var got struct {
			Body     string
			Deadline bool
		}
		json.Unmarshal(w.Body.Bytes(), &got)
		if w.Code != http.StatusOK || got.Body != `{"query":"{ __typename }"}` || !got.Deadline {
			t.Fatalf("%d %+v", w.Code, got)
		}
	})
	t.Run("MultipartPasses", func(t *testing.T) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("operations", `{"query":"{ __typename }"}`)
		mw.Close()
		if w := do(post(mw.FormDataContentType(), b.String())); w.Code != http.StatusOK {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("GETPasses", func(t *testing.T) {
		if w := do(httptest.NewRequest(http.MethodGet, "/graphql?query=%7B__typename%7D", nil)); w.Code != http.StatusOK {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
}

// A statement running past the request's deadline is cancelled by lib/pq
// and reported as TIMEOUT.
func TestTimeout(t *testing.T) {
	d, _ := testdb.New(t)
	cfg := Defaults()
	cfg.Timeout = 200 * time.Millisecond
	var sqlErr error
	h := HTTPMiddleware(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, sqlErr = d.ExecContext(r.Context(), `SELECT pg_sleep(10)`)
	}))
	start := time.Now()
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the statement was not cancelled: %v", d)
	}
	t.Logf("after %v: %v", time.Since(start), sqlErr)
	if !IsTimeout(sqlErr) {
		t.Fatalf("not a timeout: %v", sqlErr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	ctx = graphql.WithPathContext(ctx, graphql.NewPathWithField("companies"))
	present := ErrorPresenter(nil)
	for _, err := range []error{sqlErr, context.DeadlineExceeded, fmt.Errorf("loading: %w", &pq.Error{Code: "57014"}), context.Canceled} {
		got := present(ctx, err)
		if got.Extensions["code"] != CodeTimeout || strings.Contains(got.Message, "pq") || len(got.Path) == 0 {
			t.Fatalf("%v presented as %+v", err, got)
		}
	}
	if got := present(context.Background(), errors.New("boom")); got.Extensions["code"] == CodeTimeout {
		t.Fatal("an ordinary error became a timeout")
	}
}
