package release_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/release"
)

// Every table a cache serves equals, cell by cell, the one read from the
// database, whether it was read before (a hit) or not; errors are the same.
func TestTablesEqualUncached(t *testing.T) {
	w := newWorld(t)
	rel := build(t, w.db, "2026-06-30")
	ctx := context.Background()
	tables := release.NewTables(release.DefaultCacheCells)
	parents := []*domain.TerritoryKey{nil, {Level: domain.LevelRegion, Code: "76"}, {Level: domain.LevelRegion, Code: "84"},
		{Level: domain.LevelDepartment, Code: "31"}}
	n := 0
	for _, h := range rel.Horizons() {
		for _, dim := range append(aggregates.Dimensions(), "") {
			for _, level := range []string{domain.LevelRegion, domain.LevelDepartment} {
				for _, p := range parents {
					if level == domain.LevelRegion && p != nil && p.Level == domain.LevelDepartment {
						continue
					}
					q := release.TableQuery{Level: level, Parent: p, Dimension: dim, Horizon: h}
					want := table(t, w.db, rel, q)
					miss, err := tables.Table(ctx, w.db, rel, q)
					if err != nil {
						t.Fatalf("%+v: %v", q, err)
					}
					hit, err := tables.Table(ctx, w.db, rel, q)
					if err != nil {
						t.Fatalf("%+v: %v", q, err)
					}
					if hit != miss {
						t.Fatalf("%+v: the second read was not served from the cache", q)
					}
					if !reflect.DeepEqual(want, hit) {
						a, _ := json.Marshal(want)
						b, _ := json.Marshal(hit)
						t.Fatalf("%+v: cached\n%s\nread\n%s", q, b, a)
					}
					for k, f := range cells(hit) {
						if brief(f) == "LEAK" {
							t.Fatalf("%+v: %s: a hidden cell shows a figure", q, k)
						}
					}
					if dim != "" { // "" is none: the same table
						n++
					}
				}
			}
		}
	}
	if tabs, _ := tables.Len(); tabs != n {
		t.Fatalf("%d tables cached, want %d", tabs, n)
	}
	// Errors: the same as without the cache, and never cached.
	for _, q := range []release.TableQuery{
		{Level: domain.LevelRegion, Horizon: 2030},
		{Level: domain.LevelDepartment, Horizon: 2027, Parent: &domain.TerritoryKey{Level: domain.LevelRegion, Code: "11"}},
		{Level: "commune", Horizon: 2027},
	} {
		_, want := release.Table(ctx, w.db, rel, q)
		_, got := tables.Table(ctx, w.db, rel, q)
		if want == nil || got == nil || want.Error() != got.Error() || domain.ErrorCode(got) != domain.ErrorCode(want) {
			t.Fatalf("%+v: %v, want %v", q, got, want)
		}
	}
	if tabs, _ := tables.Len(); tabs != n {
		t.Fatalf("an error was cached: %d tables", tabs)
	}
}

// The cache holds at most its bound of cells, dropping the least recently
// read table first; a table larger than the bound is never kept.
func TestTablesBound(t *testing.T) {
	w := newWorld(t)
	rel := build(t, w.db, "2026-06-30")
	ctx := context.Background()
	q := func(h int) release.TableQuery {
		return release.TableQuery{Level: domain.LevelDepartment, Dimension: aggregates.DimensionRoleFamily, Horizon: h}
	}
	one := table(t, w.db, rel, q(2027))
	size := len(one.Cells) + len(one.RowTotals) + len(one.ColumnTotals) + 1
	tables := release.NewTables(2 * size)
	first, _ := tables.Table(ctx, w.db, rel, q(2027))
	tables.Table(ctx, w.db, rel, q(2029))
	if again, _ := tables.Table(ctx, w.db, rel, q(2027)); again != first { // 2027 is now the most recent
		t.Fatal("2027 not served from the cache")
	}
	tables.Table(ctx, w.db, rel, q(2031)) // drops 2029
	if tabs, c := tables.Len(); tabs != 2 || c != 2*size {
		t.Fatalf("%d tables, %d cells; want 2, %d", tabs, c, 2*size)
	}
	if again, _ := tables.Table(ctx, w.db, rel, q(2027)); again != first {
		t.Fatal("the most recently read table was dropped")
	}

	small := release.NewTables(size - 1)
	small.Table(ctx, w.db, rel, q(2027))
	if tabs, _ := small.Len(); tabs != 0 {
		t.Fatal("a table larger than the cache was kept")
	}
	if release.NewTables(0) != nil {
		t.Fatal("a cache of 0 cells")
	}
	var none *release.Tables // no cache: every read from the database
	if r, err := none.Table(ctx, w.db, rel, q(2027)); err != nil || !reflect.DeepEqual(r, one) {
		t.Fatalf("nil cache: %v", err)
	}
}

// A release deleted (by another process: no Forget) and replaced by another
// under the same id is never answered with the tables of the deleted one:
// the key holds the creation time, and the caller's Get finds the new row.
func TestTablesReleaseReplaced(t *testing.T) {
	w := newWorld(t)
	old := build(t, w.db, "2026-06-30")
	ctx := context.Background()
	tables := release.NewTables(release.DefaultCacheCells)
	q := release.TableQuery{Level: domain.LevelDepartment, Dimension: aggregates.DimensionRoleFamily, Horizon: 2027}
	before, err := tables.Table(ctx, w.db, old, q)
	if err != nil {
		t.Fatal(err)
	}
	if brief(before.Total.Figures) != "c=9 h=131" {
		t.Fatalf("France: %s", brief(before.Total.Figures))
	}
	if ok, err := release.Delete(ctx, w.db, old.ID); err != nil || !ok {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if rel, err := release.Get(ctx, w.db, old.ID); err != nil || rel != nil {
		t.Fatalf("a deleted release read: %+v %v", rel, err)
	}
	// New staff, and the same id again (a restored dump, a reset sequence).
	w.staff(w.late, w.rA, 3, "2020-01-01")
	w.exec(`SELECT setval(pg_get_serial_sequence('releases', 'id'), $1, false)`, old.ID)
	rel := build(t, w.db, "2026-06-30")
	if rel.ID != old.ID {
		t.Fatalf("the new release is %d, not %d", rel.ID, old.ID)
	}
	got, err := tables.Table(ctx, w.db, rel, q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, table(t, w.db, rel, q)) || brief(got.Total.Figures) != "c=9 h=134" {
		t.Fatalf("the replacing release answered France %s (the deleted one had %s)", brief(got.Total.Figures), brief(before.Total.Figures))
	}
}
