// Package migrate owns the schema version of a gpec database: it applies and
// rolls back the embedded migrations, one transaction each, under a
// PostgreSQL advisory lock so that two instances starting at once never
// apply the same migration twice.
package migrate
