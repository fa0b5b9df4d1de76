package observe

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// GraphQL is the gqlgen extension that tells the request's Request which
// operation ran and how it ended. It intercepts responses, which gqlgen
// calls for executed operations and for requests refused before execution
// (parse, validation, limits) alike, after the error presenter has set the
// codes.
type GraphQL struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = GraphQL{}

// ExtensionName names the extension for gqlgen.
func (GraphQL) ExtensionName() string { return "GpecObserve" }

// Validate accepts every schema.
func (GraphQL) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse records the operation and the outcome of the response.
func (GraphQL) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	req := FromContext(ctx)
	if req == nil {
		return resp
	}
	if graphql.HasOperationContext(ctx) {
		// Only a name that matched an operation of the parsed document: the
		// operationName parameter alone is any string a client sends.
		if op := graphql.GetOperationContext(ctx).Operation; op != nil {
			req.Operation, req.OperationSet = op.Name, true
		}
	}
	req.Outcome = Outcome(resp)
	return resp
}

// Outcome is "ok" for a response without errors, else its first error's
// extensions.code ("ERROR" when it has none).
func Outcome(resp *graphql.Response) string {
	if resp == nil || len(resp.Errors) == 0 {
		return "ok"
	}
	if c, ok := resp.Errors[0].Extensions["code"].(string); ok && c != "" {
		return c
	}
	return "ERROR"
}
