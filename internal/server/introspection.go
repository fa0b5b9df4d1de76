package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/domain"
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

// MutateOperationContext refuses an operation reading __schema or __type
// before it runs, with FORBIDDEN: gqlgen's own refusal happens during
// execution as an untyped error, which would otherwise be presented (and
// logged) as an internal error.
func (i introspection) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	oc.DisableIntrospection = i.production && !auth.FromContext(ctx).IsAdmin()
	if oc.DisableIntrospection && oc.Operation != nil && readsSchema(oc.Doc, oc.Operation.SelectionSet, map[string]bool{}) {
		return &gqlerror.Error{
			Message:    "introspection is reserved to administrators in production",
			Extensions: map[string]any{"code": domain.CodeForbidden},
		}
	}
	return nil
}

// readsSchema tells whether set selects __schema or __type, fragments
// included (validation has already refused cycles; seen keeps the walk
// linear all the same).
func readsSchema(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" || readsSchema(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if readsSchema(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := doc.Fragments.ForName(s.Name); f != nil && readsSchema(doc, f.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}
