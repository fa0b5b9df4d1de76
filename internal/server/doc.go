// Package server assembles gpec's HTTP service: the GraphQL handler (gqlgen's
// handler.New with explicit transports, a parsed-query cache, persisted
// queries, the error presenter and panic recovery), the request-scoped
// loaders, GraphiQL, and the health endpoints.
package server
