package importer

import (
	"slices"
	"testing"

	"github.com/gpec-project/gpec/internal/testdb"
)

// TestBulkFirstLoad loads the base dataset the way a big first load does
// (secondary indexes dropped, rows inserted, indexes built again) and checks
// that it leaves the same indexes and the same data as a row-by-row load.
func TestBulkFirstLoad(t *testing.T) {
	indexes := func(t *testing.T, d interface {
		Select(dest any, query string, args ...any) error
	}) []string {
		var defs []string
		if err := d.Select(&defs, `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`); err != nil {
			t.Fatal(err)
		}
		return defs
	}
	plain, _ := testdb.New(t)
	mustImport(t, plain, sources(base), Options{})

	defer func(n int64) { bulkRows = n }(bulkRows)
	bulkRows = 1
	bulk, _ := testdb.New(t)
	before := indexes(t, bulk)
	rep := mustImport(t, bulk, sources(base), Options{})
	for _, k := range rep.Kinds {
		if k.Inserted != k.Rows {
			t.Errorf("%s: %+v", k.Kind, k)
		}
	}
	if after := indexes(t, bulk); !slices.Equal(before, after) {
		t.Errorf("indexes changed:\n%v\n%v", before, after)
	}
	if a, b := fingerprint(t, plain), fingerprint(t, bulk); a != b {
		t.Errorf("bulk load differs:\n%s\n%s", a, b)
	}
	t.Run("ReimportChangesNothing", func(t *testing.T) {
		before := fingerprint(t, bulk)
		rep := mustImport(t, bulk, sources(base), Options{})
		for _, k := range rep.Kinds {
			if k.Inserted != 0 || k.Updated != 0 || k.Unchanged != k.Rows {
				t.Errorf("%s: %+v", k.Kind, k)
			}
		}
		if after := fingerprint(t, bulk); after != before {
			t.Errorf("re-import changed the database")
		}
	})
}
