// Package limits owns the guards that keep one GraphQL request from taking
// the server down, all applied before any resolver runs: document shape
// (depth with fragments expanded, aliases, directives per field, fields,
// parser tokens), a schema-driven cost that multiplies by the `first` of
// nested connections, the 1..MaxFirst rule on connections' `first`, and, at
// the HTTP layer, body size, batch refusal, content types, GET for queries
// only, and a per-request deadline whose expiry is reported as TIMEOUT.
//
// Its errors carry extensions.code (see the Code constants), so clients can
// tell which limit they hit and the edge need not parse messages.
package limits
