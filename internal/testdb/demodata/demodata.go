// Package demodata loads into a test database what a first `gpec serve`
// loads: the reference data embedded in the binary and the small seeded
// dataset. Tests that need a realistic dataset (the dashboard, the
// server's analytics, a release of the seed) share it.
package demodata

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/refdata"
	"github.com/gpec-project/gpec/internal/seed"
)

// Load imports the reference data and the small seed (seed 1) into d, in
// one all-or-nothing import, and fails the test when it does not commit.
func Load(t testing.TB, d *sqlx.DB) {
	t.Helper()
	ctx := context.Background()
	src, err := importer.SourcesFromFS(refdata.Files())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := seed.Generate(ctx, dir, seed.Small, 1, nil); err != nil {
		t.Fatal(err)
	}
	more, err := importer.SourcesFromPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Import(ctx, d, append(src, more...), importer.Options{})
	if err != nil || !rep.Committed {
		t.Fatalf("demo import: %v %v", err, rep)
	}
}
