package release_test

import (
	"testing"

	"github.com/gpec-project/gpec/internal/testdb"
	"github.com/gpec-project/gpec/internal/testdb/demodata"
)

// TestSeedReleaseKeepsFrance builds the release of the small seeded
// dataset (the demo's): 83 % of its keys are primary, among them overseas
// departments alone in their regions, cells equal to their department's
// total and France-level cells, all of which used to be protected through
// France's total. An observatory needs that total: it stays published, and
// the release passes its audit (Build publishes it only then).
func TestSeedReleaseKeepsFrance(t *testing.T) {
	d, _ := testdb.New(t)
	demodata.Load(t, d)
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
