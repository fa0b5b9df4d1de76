// Package server assembles gpec's HTTP service: the GraphQL handler (gqlgen's
// handler.New with explicit transports, a parsed-query cache, persisted
// queries, the error presenter and panic recovery), the request-scoped
// loaders, GraphiQL, the health and metrics endpoints, the downloads (CSV and
// XLSX, with signed links), templates and schema endpoints, CORS, the request
// log, the routing of reads to a replica, and Run, the graceful serve loop.
package server
