// Package domain holds gpec's domain types — the entities of DESIGN.md as
// the API shows them — and the one typed error that every layer returns and
// the GraphQL edge maps to an extensions.code. It has no dependencies.
package domain
