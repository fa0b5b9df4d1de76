// Package server assembles gpec's HTTP service: the GraphQL handler (gqlgen's
// handler.New with the GraphQL over HTTP transports of internal/gqlhttp,
// checked by graphql-http's audits in the tests, a parsed-query cache, persisted
// queries, the error presenter and panic recovery), the request-scoped
// loaders, GraphiQL, the health and metrics endpoints, the downloads (CSV and
// XLSX, with signed links), templates and schema endpoints, CORS, the request
// log, the routing of reads to a replica, and Run, the graceful serve loop.
//
// It also decides what a caller learns from an error: messages quote at
// most a short excerpt of the request, "did you mean" hints reach only
// admins in production, a database outage is UNAVAILABLE (HTTP 503 with
// Retry-After), and readiness, on the authentication pool that queries
// cannot fill, tells an unreachable database from pending migrations. The
// per-token limits (internal/limits' Guard) apply after authentication.
package server
