package server

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
)

// HandlerWithFieldMiddleware is Handler with mw around every field
// resolver, for tests only (this file is compiled only by `go test`): it
// lets a test make a real resolver of the generated schema panic, which
// the production schema has no way to do.
func (s *Server) HandlerWithFieldMiddleware(mw graphql.FieldMiddleware) http.Handler {
	gql := s.GraphQL().(*handler.Server)
	gql.AroundFields(mw)
	return s.routes(gql)
}
