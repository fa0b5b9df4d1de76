package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// selects tells whether the current field's selection reaches the field
// path (e.g. "edges", "node", "sites"), through fragments and aliases and
// honouring @include/@skip: a resolver can then read with its own rows
// what its children will ask for. Type conditions are not checked, so a
// fragment on another type may give a false yes: only ever use it to read
// more, never to decide what to answer.
func selects(ctx context.Context, path ...string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFields(op, fc.Field.Selections, nil)
	for i, name := range path {
		var next []graphql.CollectedField
		found := false
		for _, f := range fields {
			if f.Name != name {
				continue
			}
			found = true
			if i < len(path)-1 {
				next = append(next, graphql.CollectFields(op, f.Selections, nil)...)
			}
		}
		if !found {
			return false
		}
		fields = next
	}
	return true
}
