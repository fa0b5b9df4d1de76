// Package migrations holds the numbered, reviewed SQL migrations of gpec's
// PostgreSQL schema, embedded in the binary. Each version N has
// N_name.up.sql and N_name.down.sql; internal/migrate applies them.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
