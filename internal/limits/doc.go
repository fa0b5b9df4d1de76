// Package limits owns the guards that keep one GraphQL request, or one
// token, from taking the server down, all applied before any resolver
// runs: document shape (depth with fragments expanded, introspection depth
// apart, aliases, directives per field, fields, parser tokens), a cost
// that weighs what fields cost and multiplies by the `first` of nested
// connections, the 1..MaxFirst rule on connections' `first`, bounds on
// every input (string arguments and input fields: length, valid UTF-8, no
// null byte; variables' size and depth; operationName's length), and per
// token a budget of cost per second and a cap on requests in flight; at
// the HTTP layer, body size, batch refusal, content types, GET for queries
// only, and a per-request deadline whose expiry is reported as TIMEOUT.
//
// Its errors carry extensions.code (see the Code constants), and, for a
// limit, extensions.limit (its name) and extensions.value; a per-token
// refusal is RATE_LIMITED with HTTP 429, Retry-After and
// extensions.retryAfter (seconds). No error quotes more than a short
// excerpt (40 characters) of what the client sent (ShortenMessage).
//
// # How the weights were measured
//
// The cost unit is a plain field resolved, about 10 µs of server time.
// DefaultWeights (weights.go) give the analytics fields what they cost in
// those units, measured on the medium dataset (`gpec seed -scale medium
// -import` into a scratch database: 1,000 companies, 50,000 employees,
// 650,000 skill assessments, 33,671 skills) behind `gpec bench serve`, on
// the 2-core development machine: each field alone in a query with a past
// asOf (which no rollup answers, the worst case), one warm-up request then
// the median of five, minus the time of the same query without the field;
// then the same field under ten poles (or fifty members) to separate the
// statement's fixed part (Fixed) from its growth per parent (Each). The
// unit itself comes from plain lists (skills(first: 500) with two fields:
// 2,000 units in 24 ms). Re-measure when an analytics statement changes
// much; the weights are estimates meant to be within a factor of two.
package limits
