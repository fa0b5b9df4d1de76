package limits

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gpec-project/gpec/internal/httpjson"
)

// Extensions returns the gqlgen extensions enforcing cfg, in the order to
// Use them: after the APQ extension (if any), which must fill in a
// persisted query before its shape is checked.
func Extensions(cfg Config) []graphql.HandlerExtension {
	return []graphql.HandlerExtension{DocumentLimits{cfg}, CostLimits{cfg}}
}

// Server is the part of gqlgen's *handler.Server that Apply needs (an
// interface, so that this package does not pull in gqlgen's transports).
type Server interface {
	SetParserTokenLimit(limit int)
	Use(extension graphql.HandlerExtension)
}

// Apply sets gqlgen's own parser token limit and uses Extensions(cfg) on srv.
func Apply(srv Server, cfg Config) {
	if cfg.MaxTokens > 0 {
		srv.SetParserTokenLimit(cfg.MaxTokens)
	}
	for _, e := range Extensions(cfg) {
		srv.Use(e)
	}
}

type methodKey struct{}

// HTTPMiddleware guards the GraphQL endpoint before gqlgen reads a byte:
//   - methods: GET, POST (and OPTIONS, passed on for CORS); others 405;
//   - POST bodies only as application/json or multipart/form-data, 415
//     otherwise: the other types a cross-site HTML form can send
//     (text/plain, x-www-form-urlencoded) never reach the executor;
//   - JSON bodies and GET query strings over MaxBodyBytes, multipart bodies
//     over MaxUploadBytes: 413;
//   - a JSON body that is an array (a batch): 400, one operation per request;
//   - a deadline of Timeout on the request context, which database/sql and
//     lib/pq honour by cancelling the running statement;
//   - the method in the context, so that CostLimits refuses a mutation over GET;
//   - the HTTP status the GraphQL layer asks with SetStatus (429 for a
//     token over its cost budget, 503 during a database outage, 405 for a
//     mutation over GET), which the transports cannot set.
func HTTPMiddleware(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			if cfg.MaxBodyBytes > 0 && int64(len(r.URL.RawQuery)) > cfg.MaxBodyBytes {
				httpjson.Error(w, http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
					fmt.Sprintf("the query string is larger than %d bytes; send large queries with POST", cfg.MaxBodyBytes))
				return
			}
		case http.MethodPost:
			if !checkBody(cfg, w, r) {
				return
			}
		case http.MethodOptions:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			httpjson.Error(w, http.StatusMethodNotAllowed, CodeBadRequest, "use POST (or GET for queries)")
			return
		}
		ctx := context.WithValue(r.Context(), methodKey{}, r.Method)
		if cfg.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
			defer cancel()
		}
		st := &status{}
		ctx = context.WithValue(ctx, statusKey{}, st)
		next.ServeHTTP(&statusWriter{ResponseWriter: w, s: st}, r.WithContext(ctx))
	})
}

// checkBody applies the POST rules, replacing r.Body with a bounded one.
func checkBody(cfg Config, w http.ResponseWriter, r *http.Request) bool {
	tooLarge := func(limit int64) bool {
		httpjson.Error(w, http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
			fmt.Sprintf("the request body is larger than %d bytes", limit))
		return false
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	limit := cfg.MaxBodyBytes
	if mediaType == "multipart/form-data" && cfg.MaxUploadBytes != 0 {
		limit = cfg.MaxUploadBytes
	}
	if limit > 0 && r.ContentLength > limit {
		return tooLarge(limit)
	}
	switch mediaType {
	case "application/json":
		// Read here, bounded, to look at the first byte; gqlgen would read
		// it whole anyway.
		var src io.Reader = r.Body
		if cfg.MaxBodyBytes > 0 {
			src = io.LimitReader(r.Body, cfg.MaxBodyBytes+1)
		}
		body, err := io.ReadAll(src)
		if err != nil {
			httpjson.Error(w, http.StatusBadRequest, CodeBadRequest, "the request body could not be read")
			return false
		}
		if cfg.MaxBodyBytes > 0 && int64(len(body)) > cfg.MaxBodyBytes {
			return tooLarge(cfg.MaxBodyBytes)
		}
		if first := bytes.TrimLeft(body, " \t\r\n"); len(first) > 0 && first[0] == '[' {
			httpjson.Error(w, http.StatusBadRequest, CodeBadRequest,
				"batched requests (a JSON array) are not supported: send one operation per request, or alias several fields in one query")
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	case "multipart/form-data":
		// Streamed (uploads), so bounded as it is read; a body without a
		// Content-Length that runs over fails in gqlgen's multipart reader.
		if limit > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
	default:
		httpjson.Error(w, http.StatusUnsupportedMediaType, CodeBadRequest,
			"POST a GraphQL request as application/json (or multipart/form-data for uploads)")
		return false
	}
	return true
}

// IsTimeout tells whether err comes from a deadline: the request's
// (context.DeadlineExceeded, or lib/pq's cancellation that it triggers,
// SQLSTATE 57014) or PostgreSQL's statement_timeout (also 57014).
func IsTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "57014"
}

// UnavailableRetry is the Retry-After of an answer during a database
// outage: PostgreSQL restarts or fails over in seconds.
const UnavailableRetry = 5 * time.Second

// CodeUnavailable: the database cannot be reached (HTTP 503 with
// Retry-After): retry later, the request itself is fine.
const CodeUnavailable = "UNAVAILABLE"

// IsUnavailable tells whether err means the database cannot be reached or
// is not accepting work (restart, failover, connection refused or cut,
// too many connections), as opposed to a fault of the request or a bug.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch c := string(pqErr.Code); {
		case strings.HasPrefix(c, "08"), c == "57P01", c == "57P02", c == "57P03", c == "53300":
			return true
		}
		return false
	}
	var opErr *net.OpError
	return errors.Is(err, driver.ErrBadConn) || errors.As(err, &opErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "sql: database is closed")
}

// ErrorPresenter wraps next so that timeouts reach clients as one clear
// error with code TIMEOUT rather than a driver message, and database
// outages as UNAVAILABLE with HTTP 503 and Retry-After. Use it as (or
// inside) the server's error presenter.
func ErrorPresenter(next graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	if next == nil {
		next = graphql.DefaultErrorPresenter
	}
	return func(ctx context.Context, err error) *gqlerror.Error {
		if IsTimeout(err) || (errors.Is(err, context.Canceled) && errors.Is(ctx.Err(), context.DeadlineExceeded)) {
			e := gqlerror.WrapPath(graphql.GetPath(ctx), err)
			e.Message = "the request took longer than the server's time limit; ask for less (smaller first, fewer nested fields)"
			e.Extensions = map[string]any{"code": CodeTimeout}
			return e
		}
		if IsUnavailable(err) {
			SetStatus(ctx, http.StatusServiceUnavailable, UnavailableRetry)
			e := gqlerror.WrapPath(graphql.GetPath(ctx), err)
			e.Message = "the database is unavailable; retry in a few seconds"
			e.Extensions = map[string]any{"code": CodeUnavailable, "retryAfter": retrySecondsInt(UnavailableRetry)}
			return e
		}
		return next(ctx, err)
	}
}
