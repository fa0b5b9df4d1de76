// Package observe owns what operators see of a running gpec: Prometheus
// metrics (requests by GraphQL operation and outcome, latency histograms,
// connection pool statistics, Go runtime and process), and one structured
// log line per request with its id, the token id and role (never the
// token), the operation, the outcome code, the HTTP status and duration.
//
// A request's facts are gathered in a Request carried by its context: the
// HTTP middleware (Middleware) creates it and writes the log line and the
// metrics when the response is done; the GraphQL extension fills in the
// operation and the outcome; the server notes the principal.
package observe
