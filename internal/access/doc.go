// Package access decides which rows the caller of a request may read: the
// one place where auth's roles meet the data. A pole manager reads its
// pole's active members, a company itself, an observatory no row at all
// (aggregates only), an admin everything. Resolvers call it before loading a
// row-level node or edge, and list queries take the Scope it returns, so the
// restriction runs inside the SQL.
package access
