package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gpec-project/gpec/internal/auth"
)

// introspection lets a request read the schema in development mode, and in
// production only when an admin asks: the schema is a map of what to probe.
type introspection struct{ production bool }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = introspection{}

func (introspection) ExtensionName() string                   { return "GpecIntrospection" }
func (introspection) Validate(graphql.ExecutableSchema) error { return nil }
func (i introspection) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	oc.DisableIntrospection = i.production && !auth.FromContext(ctx).IsAdmin()
	return nil
}
