// Package loader batches look-ups made by concurrent GraphQL resolvers into
// one statement: the one loader pattern of gpec. Every nested field that
// reads the database goes through a request-scoped Loader, so a nested
// query's number of SQL statements depends on its shape, not on its rows.
package loader
