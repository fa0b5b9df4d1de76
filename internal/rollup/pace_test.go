package rollup_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/rollup"
	"github.com/gpec-project/gpec/internal/testdb"
)

// TestPacedBuilds: with Yield, Refresh paces the builds of campaigns' keys
// (each statement run by rollup.Exec is followed by a pause of Yield times
// its duration, and parallel workers are off) and not those of today's
// keys; without it, nothing is paced. (A pause is a lower bound on the
// build's time: no timing can make this test fail on a slow machine.)
func TestPacedBuilds(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.New(t)
	db.MustExec(`INSERT INTO territories (level, code, name) VALUES ('region', '76', 'Occitanie')`)
	// Two poles, so that a write to one's member leaves the other's part fresh.
	db.MustExec(`INSERT INTO poles (id, name, kind, region_code) VALUES ('p', 'P', 'cluster', '76'), ('q', 'Q', 'cluster', '76')`)
	db.MustExec(`INSERT INTO campaigns (pole_id, id, title, opens_on, closes_on, reference_date, horizons) VALUES
		('p', '2025', 'B', '2025-03-01', '2025-04-30', '2025-06-30', '{2028}')`)
	db.MustExec(`INSERT INTO companies (siren, name) VALUES ('732829320', 'A')`)
	db.MustExec(`INSERT INTO memberships (pole_id, siren, since) VALUES ('p', '732829320', '2020-01-01')`)
	type build struct {
		paced   bool
		workers string
		took    time.Duration
	}
	var mu sync.Mutex
	builds := map[string]build{}
	const work = 100 * time.Millisecond
	b := polesBuilder(&mu, new([]string))
	b.Build = func(ctx context.Context, tx *sqlx.Tx, _ int64, k rollup.Key, _ []string) error {
		var workers string
		if err := tx.GetContext(ctx, &workers, `SHOW max_parallel_workers_per_gather`); err != nil {
			return err
		}
		start := time.Now()
		for range 2 {
			if err := rollup.Exec(ctx, tx, `SELECT pg_sleep($1)`, work.Seconds()); err != nil {
				return err
			}
		}
		mu.Lock()
		defer mu.Unlock()
		builds[fmt.Sprintf("%s/%d", k.AsOf.Format(time.DateOnly), k.Horizon)] = build{rollup.Paced(ctx), workers, time.Since(start)}
		return nil
	}
	for _, yield := range []int{0, 3} {
		db.MustExec(`DELETE FROM rollup_runs`)
		clear(builds)
		r := &rollup.Refresher{DB: db, Builders: []rollup.Builder{b}, Today: func() time.Time { return today }, Yield: yield}
		if _, complete, err := r.Refresh(ctx); err != nil || !complete {
			t.Fatalf("yield %d: refresh: %v %v", yield, complete, err)
		}
		for key, want := range map[string]bool{"2026-11-25/2029": false, "2025-06-30/2028": yield > 0} {
			got, ok := builds[key]
			switch {
			case !ok:
				t.Fatalf("yield %d: %s not built (built %v)", yield, key, builds)
			case got.paced != want:
				t.Errorf("yield %d: %s paced %v, want %v", yield, key, got.paced, want)
			case want && got.workers != "0":
				t.Errorf("yield %d: %s paced with max_parallel_workers_per_gather %s, want 0", yield, key, got.workers)
			case want && got.took < 2*work*time.Duration(1+yield):
				t.Errorf("yield %d: %s took %s for %s of work: not paced", yield, key, got.took, 2*work)
			}
		}
		// Today's part made stale by a company's own write is rebuilt
		// paced (readers derive its answers meanwhile); by a membership's
		// change (no reader derives around it), at once.
		for _, w := range []struct {
			write string
			paced bool
		}{{`UPDATE companies SET name = 'A bis' WHERE siren = '732829320'`, yield > 0}, {`UPDATE memberships SET since = '2019-01-01'`, false}} {
			clear(builds)
			db.MustExec(w.write)
			if _, complete, err := r.Refresh(ctx); err != nil || !complete {
				t.Fatalf("yield %d, after %s: refresh: %v %v", yield, w.write, complete, err)
			}
			if got, ok := builds["2026-11-25/2029"]; !ok || got.paced != w.paced {
				t.Errorf("yield %d, after %s: today's part rebuilt %v, paced %v, want paced %v (builds %v)", yield, w.write, ok, got.paced, w.paced, builds)
			}
		}
	}
}
