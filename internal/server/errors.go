package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/observe"
)

// RequestID returns the id of the request ctx belongs to (also in its
// X-Request-Id header and its log line).
func RequestID(ctx context.Context) string {
	if r := observe.FromContext(ctx); r != nil {
		return r.ID
	}
	return ""
}

// presentError maps an error once, at the edge: a domain error shows its
// message and code; anything else (SQL, driver, bug) is logged with the
// request id and shown as "internal error" with that id only. No message
// quotes more than a short excerpt of the request (limits.ShortenMessage),
// and in production only admins get gqlparser's "Did you mean" hints.
func presentError(log *slog.Logger, production bool) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		ge := present(ctx, log, err)
		ge.Message = limits.ShortenMessage(ge.Message)
		if production && !auth.FromContext(ctx).IsAdmin() {
			ge.Message = withoutSuggestion(ge.Message)
		}
		return ge
	}
}

// withoutSuggestion drops the hint gqlparser appends to validation errors
// about unknown fields, arguments, enum values, input fields and types
// ("Did you mean …?"): in production the schema is for admins to read.
func withoutSuggestion(msg string) string {
	if i := strings.Index(msg, " Did you mean "); i >= 0 {
		return msg[:i]
	}
	return msg
}

func present(ctx context.Context, log *slog.Logger, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Err == nil {
		// Parser and validation errors come from gqlgen itself and are
		// safe, once shortened; a copy, since gqlgen may cache them.
		c := *gqlErr
		return &c
	}
	ge := graphql.DefaultErrorPresenter(ctx, err)
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		ge.Message = de.Message
		ge.Extensions = map[string]any{"code": de.Code}
		if de.Field != "" {
			ge.Extensions["field"] = de.Field
		}
	case errors.Is(err, context.DeadlineExceeded):
		ge.Message = "the request took longer than allowed and was cancelled"
		ge.Extensions = map[string]any{"code": "TIMEOUT"}
	case errors.Is(err, context.Canceled):
		ge.Message = "the request was cancelled"
		ge.Extensions = map[string]any{"code": "CANCELLED"}
	default:
		id := RequestID(ctx)
		log.ErrorContext(ctx, "internal error", "request_id", id, "path", ge.Path.String(), "err", err.Error())
		ge.Message = fmt.Sprintf("internal error (request %s)", id)
		ge.Extensions = map[string]any{"code": domain.CodeInternal, "requestId": id}
	}
	return ge
}

// recoverPanic turns a resolver panic into an internal error, logged with its stack.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "request_id", RequestID(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errors.New("panic") // presented as internal error with the request id
	}
}
