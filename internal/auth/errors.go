package auth

import (
	"net/http"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/httpjson"
)

// Errors are *domain.Error, the project's one user-facing error type, so
// that the GraphQL edge shows their message and code as it does any
// other's. The codes used here: domain.CodeUnauthenticated (missing when
// required, malformed, unknown, expired or revoked token),
// domain.CodeForbidden (the role or scope does not allow it),
// domain.CodeInvalid (a token cannot be created as asked),
// domain.CodeNotFound (no token with that id), and CodeRateLimited.

// CodeRateLimited: too many requests for this token or client address
// (HTTP 429 with Retry-After; only the middleware sends it).
const CodeRateLimited = "RATE_LIMITED"

// CodeUnavailable: the token could not be looked up because the database
// is unreachable (HTTP 503 with Retry-After): retry, the token may be fine.
const CodeUnavailable = "UNAVAILABLE"

// unavailableRetry is the Retry-After, in seconds, of an answer during a
// database outage.
const unavailableRetry = 5

func errorf(code, msg string) *domain.Error { return &domain.Error{Code: code, Message: msg} }

// WriteError writes a GraphQL-shaped error body (see internal/httpjson).
func WriteError(w http.ResponseWriter, status int, code, message string) {
	httpjson.Error(w, status, code, message)
}
