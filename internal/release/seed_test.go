package release_test

import (
	"context"
	"io"
	"io/fs"
	"testing"

	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/refdata"
	"github.com/gpec-project/gpec/internal/seed"
	"github.com/gpec-project/gpec/internal/testdb"
)

// TestSeedReleaseKeepsFrance builds the release of the small seeded
// dataset (the demo's): 83 % of its keys are primary, among them overseas
// departments alone in their regions, cells equal to their department's
// total and France-level cells, all of which used to be protected through
// France's total. An observatory needs that total: it stays published, and
// the release passes its audit (Build publishes it only then).
func TestSeedReleaseKeepsFrance(t *testing.T) {
	d, _ := testdb.New(t)
	ctx := context.Background()
	var src []importer.Source
	fsys := refdata.Files()
	entries, _ := fs.ReadDir(fsys, ".")
	for _, e := range entries {
		name := e.Name()
		src = append(src, importer.Source{Name: name, Open: func() (io.ReadCloser, error) { return fsys.Open(name) }})
	}
	dir := t.TempDir()
	if _, err := seed.Generate(ctx, dir, seed.Small, 1, nil); err != nil {
		t.Fatal(err)
	}
	more, err := importer.SourcesFromPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := importer.Import(ctx, d, append(src, more...), importer.Options{}); err != nil || !rep.Committed {
		t.Fatalf("import: %v %v", err, rep)
	}
	rel := build(t, d, "2026-06-30")
	var suppressed []bool
	if err := d.Select(&suppressed, `SELECT suppressed FROM release_cells
WHERE release_id = $1 AND level = 'country' AND dimension = 'none'`, rel.ID); err != nil {
		t.Fatal(err)
	}
	if len(suppressed) == 0 {
		t.Fatal("no France total in the release")
	}
	for _, s := range suppressed {
		if s {
			t.Fatal("France's total is hidden")
		}
	}
}
