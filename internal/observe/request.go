package observe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Request gathers what is known of one HTTP request while it runs.
type Request struct {
	ID    string
	Route string
	// Operation is the GraphQL operation name; OperationSet tells whether
	// gqlgen got as far as choosing an operation.
	Operation    string
	OperationSet bool
	// Outcome is "ok" or the first error's extensions.code; empty until known.
	Outcome string
	TokenID int64
	Role    string
	start   time.Time
}

type requestKey struct{}

// FromContext returns the request ctx belongs to, or nil outside one.
func FromContext(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// NewRequestID returns a random id to quote in logs and error messages.
func NewRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Middleware gives each request on route an id (also sent as the
// X-Request-Id header), and once the response is written logs it and
// counts it in m (nil: no metrics). It goes outermost, so that requests
// refused by the body limit or the authentication are seen too.
func Middleware(route string, m *Metrics, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{ID: NewRequestID(), Route: route, start: time.Now()}
		w.Header().Set("X-Request-Id", req.ID)
		sw := &statusWriter{ResponseWriter: w}
		if m != nil {
			m.inFlight.Inc()
			defer m.inFlight.Dec()
		}
		finish := func(aborted bool) {
			if req.Outcome == "" {
				req.Outcome = outcomeOfHTTP(sw, aborted)
			}
			d := time.Since(req.start)
			if m != nil {
				m.observe(req, sw.status(), d)
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request", req.attrs(r, sw, d)...)
		}
		defer func() {
			// An aborted response (http.ErrAbortHandler, a panic) is logged
			// and counted, then the panic goes on to net/http.
			if p := recover(); p != nil {
				finish(true)
				panic(p)
			}
		}()
		next.ServeHTTP(sw, r.WithContext(WithRequest(r.Context(), req)))
		finish(false)
	})
}

func (req *Request) attrs(r *http.Request, sw *statusWriter, d time.Duration) []slog.Attr {
	a := []slog.Attr{
		slog.String("request_id", req.ID),
		slog.String("route", req.Route),
		slog.String("method", r.Method),
		slog.Int("status", sw.status()),
		slog.String("outcome", req.Outcome),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.Int64("bytes", sw.bytes),
	}
	if req.OperationSet {
		a = append(a, slog.String("operation", truncate(req.Operation, 100)))
	}
	if req.Role != "" {
		a = append(a, slog.String("role", req.Role))
	}
	if req.TokenID != 0 {
		a = append(a, slog.Int64("token_id", req.TokenID))
	}
	return a
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// outcomeOfHTTP names the outcome of a request that gqlgen did not
// answer: the code in the JSON error body gpec's middlewares write (413,
// 401, 429…), else one derived from the status.
func outcomeOfHTTP(sw *statusWriter, aborted bool) string {
	switch {
	case aborted:
		return "ABORTED"
	case sw.status() < 400:
		return "ok"
	}
	var body struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(sw.head, &body) == nil && len(body.Errors) > 0 && body.Errors[0].Extensions.Code != "" {
		return body.Errors[0].Extensions.Code
	}
	return "HTTP_" + strconv.Itoa(sw.status())
}

// statusWriter records the status, the size and, for error responses, the
// start of the body (error bodies are small JSON documents).
type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int64
	head  []byte
}

const headMax = 1024

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if w.code >= 400 && len(w.head) < headMax {
		w.head = append(w.head, b[:min(len(b), headMax-len(w.head))]...)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// Flush keeps streaming responses (CSV exports) streaming.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
