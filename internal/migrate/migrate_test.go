package migrate_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gpec-project/gpec/internal/migrate"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestDownThenUp(t *testing.T) {
	d, _ := testdb.New(t)
	ctx := context.Background()
	all, err := migrate.All()
	if err != nil {
		t.Fatal(err)
	}
	down, err := migrate.Down(ctx, d.DB, len(all))
	if err != nil {
		t.Fatal(err)
	}
	if len(down) != len(all) {
		t.Fatalf("rolled back %d migrations, want %d", len(down), len(all))
	}
	var tables int
	if err := d.Get(&tables, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatalf("%d tables left after rolling everything back", tables)
	}
	up, err := migrate.Up(ctx, d.DB)
	if err != nil {
		t.Fatal(err)
	}
	if len(up) != len(all) {
		t.Fatalf("applied %d, want %d", len(up), len(all))
	}
	if n, err := migrate.Pending(ctx, d.DB); err != nil || n != 0 {
		t.Fatalf("pending = %d, %v; want 0", n, err)
	}
}

// Two instances starting at once must not apply a migration twice.
func TestConcurrentUp(t *testing.T) {
	d, _ := testdb.New(t)
	ctx := context.Background()
	all, _ := migrate.All()
	if _, err := migrate.Down(ctx, d.DB, len(all)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	counts := make([]int, 4)
	errs := make([]error, 4)
	for i := range counts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			did, err := migrate.Up(ctx, d.DB)
			counts[i], errs[i] = len(did), err
		}(i)
	}
	wg.Wait()
	total := 0
	for i := range counts {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		total += counts[i]
	}
	if total != len(all) {
		t.Fatalf("instances applied %d migrations in all, want %d", total, len(all))
	}
}
