package release_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/release"
)

// TestResume: a release left BUILDING by a process that stopped mid-build
// is built again by Resume and published; one whose build lock another
// session holds (a build running elsewhere) is left alone, and Build
// refuses it without marking it failed.
func TestResume(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	day := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	orphan, err := release.Create(ctx, w.db, day, 64) // its build never ran: an interrupted one
	if err != nil {
		t.Fatal(err)
	}
	busy, err := release.Create(ctx, w.db, day.AddDate(0, -1, 0), 64)
	if err != nil {
		t.Fatal(err)
	}
	// Another session builds busy: it holds its lock.
	other, err := w.db.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, `SELECT pg_advisory_lock($1, $2)`, int32(0x72656c65), int32(busy.ID)); err != nil {
		t.Fatal(err)
	}
	if err := release.Build(ctx, w.db, busy.ID, release.Options{}); !errors.Is(err, release.ErrBuilding) {
		t.Fatalf("building a release another session builds: %v, want ErrBuilding", err)
	}
	ended := make(chan error, 2)
	ids, err := release.Resume(ctx, w.db, func(id int64, err error) { ended <- err })
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != orphan.ID {
		t.Fatalf("resumed %v, want [%d] (release %d is being built elsewhere)", ids, orphan.ID, busy.ID)
	}
	select {
	case err := <-ended:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the resumed build did not end")
	}
	for id, want := range map[int64]release.Status{orphan.ID: release.Published, busy.ID: release.Building} {
		rel, err := release.Get(ctx, w.db, id)
		if err != nil {
			t.Fatal(err)
		}
		if rel.Status != want {
			t.Errorf("release %d is %s, want %s", id, rel.Status, want)
		}
	}
}
