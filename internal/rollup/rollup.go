package rollup

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/domain"
)

// DefaultRetirementAge is the retirement age of the rollups built by
// default: DESIGN.md's default A.
const DefaultRetirementAge = 64

// Key names a rollup: DESIGN.md's parameters, essential links only.
type Key struct {
	AsOf          time.Time // a calendar date (UTC midnight)
	Horizon       int
	RetirementAge int
}

func (k Key) date() string { return k.AsOf.Format(time.DateOnly) }

func (k Key) String() string {
	return fmt.Sprintf("asOf %s, horizon %d, retirement age %d", k.date(), k.Horizon, k.RetirementAge)
}

// check refuses a key no request could ask for (DESIGN.md's parameters, as
// the engine checks them), naming the field.
func (k Key) check() error {
	y, m, d := k.AsOf.Date()
	switch {
	case k.AsOf.IsZero() || !k.AsOf.Equal(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)):
		return fmt.Errorf("rollup: asOf must be a calendar date (UTC midnight), got %s", k.AsOf)
	case k.Horizon < y || k.Horizon > 2200:
		return fmt.Errorf("rollup: horizon must be a year between %d (the year of asOf) and 2200, got %d", y, k.Horizon)
	case k.RetirementAge < 1 || k.RetirementAge > 120:
		return fmt.Errorf("rollup: retirement age must be between 1 and 120, got %d", k.RetirementAge)
	}
	return nil
}

// Run is a built rollup, or the parts of one rebuilt.
type Run struct {
	ID          int64
	Key         Key
	DataVersion int64
	BuildTime   time.Duration
	// Parts are the parts rebuilt; nil for a whole build.
	Parts []string
}

// PolePart names the part of a rollup holding a pole's figures; AggregatesPart
// the territorial aggregate cells, whose builder splits them into parts
// "aggregates:…" (a change of scope S concerns the parts S and "S:…").
// Migration 0015's triggers record writes under these names.
func PolePart(poleID string) string { return "pole:" + poleID }

// AggregatesPart is the scope of the territorial aggregate cells.
const AggregatesPart = "aggregates"

// Fresh returns the id of the rollup of k when it was built whole (not for
// some poles only, as a campaign's key is: BuildParts) and every part of it
// was built from the data as it is now; ok is false otherwise.
func Fresh(ctx context.Context, db sqlx.QueryerContext, k Key) (id int64, ok bool, err error) {
	err = sqlx.GetContext(ctx, db, &id, `
SELECT r.id FROM rollup_runs r
WHERE r.as_of = $1::date AND r.horizon = $2 AND r.retirement_age = $3 AND NOT r.projects AND r.snap IS NOT NULL
  AND EXISTS (SELECT 1 FROM rollup_parts p WHERE p.run_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM rollup_parts p WHERE p.run_id = r.id AND NOT rollup_part_fresh(r.id, p.part))`,
		k.date(), k.Horizon, k.RetirementAge)
	return found(id, err)
}

// FreshParts returns the id of the rollup of k (with projects: its run with
// projects, ProjectsRun) when each of parts was built from the data as it is
// now at k.AsOf; ok is false otherwise, and the caller computes from the
// data. A write to one company leaves the parts of other poles fresh, and a
// write dated after k.AsOf (an assessment, a need) every part of k.
func FreshParts(ctx context.Context, db sqlx.QueryerContext, k Key, projects bool, parts []string) (id int64, ok bool, err error) {
	id, fresh, _, err := PartsState(ctx, db, k, projects, parts)
	return id, fresh, err
}

// PartsState is FreshParts telling also whether k has a rollup whose parts
// are not all fresh (stale): a reader may derive from it, in the same
// statement as the look-up of a fresh one.
func PartsState(ctx context.Context, db sqlx.QueryerContext, k Key, projects bool, parts []string) (id int64, fresh, stale bool, err error) {
	if len(parts) == 0 {
		return 0, false, false, nil
	}
	var row struct {
		ID    int64 `db:"id"`
		Fresh bool  `db:"fresh"`
	}
	err = sqlx.GetContext(ctx, db, &row, `
SELECT r.id, coalesce((SELECT bool_and(rollup_part_fresh(r.id, p)) FROM unnest($5::text[]) p), false) AS fresh
FROM rollup_runs r
WHERE r.as_of = $1::date AND r.horizon = $2 AND r.retirement_age = $3 AND r.projects = $4`,
		k.date(), k.Horizon, k.RetirementAge, projects, pq.Array(parts))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, false, nil
	}
	if err != nil {
		return 0, false, false, fmt.Errorf("rollup: lookup: %w", err)
	}
	if !row.Fresh {
		return 0, false, true, nil
	}
	return row.ID, true, false, nil
}

func found(id int64, err error) (int64, bool, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("rollup: lookup: %w", err)
	}
	return id, true, nil
}

// MaxDerivedCompanies bounds the companies whose writes a reader derives
// around: a part stale through at most that many companies' own writes
// answers its requests from the figures it kept of the others plus theirs
// now (packages analytics and aggregates), at the cost of those companies'
// figures, so its rebuild is paced like a campaign key's (Refresh).
const MaxDerivedCompanies = 100

// MaxIncrementalCompanies bounds the companies whose units a pole part's
// rebuild recomputes instead of its every member's (CompanyChanges): each
// costs about one company's live figures (tens of milliseconds at national
// scale), a whole pole about 1,000 of them, and past a few dozen the
// per-company statements lose to the one pass over every member. Migration
// 0016's trigger records the company of a statement's changes only up to
// the same number of companies.
const MaxIncrementalCompanies = 50

// CompanyChanges returns, inside a rebuild's transaction (Builder.Build),
// the companies whose writes made part of run stale: the changes of its
// scope, dated on or before the run's asOf, that the part's snapshot did
// not see and the transaction's does. ok is false when the part must be
// rebuilt whole: it has no snapshot of its own (a new pole, a new run), a
// change is not one company's (a pole's memberships or projects, the
// referential, a bulk statement: migration 0016), or more than
// MaxIncrementalCompanies companies changed. A write that commits after
// the transaction's snapshot is not listed, and leaves the part stale
// (recordParts records that snapshot).
func CompanyChanges(ctx context.Context, tx *sqlx.Tx, run int64, part string) (sirens []string, ok bool, err error) {
	// rollup_part_changed_companies (migration 0021) reads the changes in
	// the statement's snapshot, the transaction's: readers deriving from a
	// stale part ask it the same question.
	var changed pq.StringArray
	if err := tx.GetContext(ctx, &changed, `SELECT rollup_part_changed_companies($1, $2, $3)`,
		run, part, MaxIncrementalCompanies); err != nil {
		return nil, false, fmt.Errorf("rollup: changed companies of %s: %w", part, err)
	}
	if changed == nil {
		return nil, false, nil
	}
	return []string(changed), true, nil
}

// ProjectsRun adds, inside a build's transaction, the run with projects of
// the key of run (same key and data version: built and rebuilt with it),
// for the builders whose figures take includeProjects (package analytics);
// FreshParts finds it. It returns the new run's id.
func ProjectsRun(ctx context.Context, tx *sqlx.Tx, run int64) (int64, error) {
	var id int64
	if err := tx.GetContext(ctx, &id, `
INSERT INTO rollup_runs (as_of, horizon, retirement_age, data_version, projects)
SELECT as_of, horizon, retirement_age, data_version, true FROM rollup_runs WHERE id = $1 AND NOT projects
RETURNING id`, run); err != nil {
		return 0, fmt.Errorf("rollup: run with projects: %w", err)
	}
	return id, nil
}

// TwinRun returns the run with projects of run, created by ProjectsRun.
func TwinRun(ctx context.Context, tx *sqlx.Tx, run int64) (int64, error) {
	var id int64
	if err := tx.GetContext(ctx, &id, `
SELECT t.id FROM rollup_runs r JOIN rollup_runs t
  ON t.as_of = r.as_of AND t.horizon = r.horizon AND t.retirement_age = r.retirement_age AND t.projects
WHERE r.id = $1`, run); err != nil {
		return 0, fmt.Errorf("rollup: run with projects: %w", err)
	}
	return id, nil
}

// Builder fills some of the rollup tables, part by part.
type Builder struct {
	// Parts lists the parts the builder fills, from the data as it is
	// (every pole's, say).
	Parts func(ctx context.Context, q sqlx.QueryerContext) ([]string, error)
	// Build fills the builder's tables for run inside the build's
	// transaction (REPEATABLE READ: every builder sees the same snapshot):
	// every part for a new run (parts nil), else only parts, whose rows of
	// run it replaces.
	Build func(ctx context.Context, tx *sqlx.Tx, run int64, k Key, parts []string) error
}

// Refresher builds rollups with its Builders.
type Refresher struct {
	DB       *sqlx.DB
	Builders []Builder
	Log      *slog.Logger
	// Today returns the date of the default keys; nil is domain.Today.
	Today func() time.Time
	// OnBuild, when set, hears of every build Refresh attempts (metrics).
	OnBuild func(d time.Duration, err error)
	// MaxCampaignKeys bounds the keys of campaigns' reference dates kept
	// fresh besides today's (0: DefaultMaxCampaignKeys; < 0: none).
	MaxCampaignKeys int
	// Yield paces Refresh's builds of other dates than today (campaigns'
	// keys) and of today's parts that readers derive around: each
	// statement is followed by a pause of Yield times its duration
	// (pace.go). 0 does not pace: a command that only
	// builds rollups has no requests to leave the cores to.
	Yield int
	// Steps, when set, keeps the steps of its parts for the horizons and
	// retirement ages of today's keys (steps.go): before the first paced
	// build once no whole build is left, else after the rollups.
	Steps *StepsBuilder
}

// lockID is the advisory lock of rollup builds ("gpec rollup" in ASCII).
const lockID = 0x6770656320726f6c

// ErrBusy means another session was building rollups.
var ErrBusy = errors.New("rollup: another build is running")

// inBuild runs fn in a REPEATABLE READ transaction holding the build lock.
// The lock is a session lock taken before the transaction begins, so that
// the transaction's snapshot sees every earlier build's parts (pruneChanges
// relies on it).
func (r *Refresher) inBuild(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	conn, err := r.DB.Connx(ctx)
	if err != nil {
		return fmt.Errorf("rollup: connection: %w", err)
	}
	defer conn.Close()
	var locked bool
	if err := conn.GetContext(ctx, &locked, `SELECT pg_try_advisory_lock($1)`, int64(lockID)); err != nil {
		return fmt.Errorf("rollup: lock: %w", err)
	}
	if !locked {
		return ErrBusy
	}
	defer func() {
		// A fresh context: the lock must go back with the connection even
		// when ctx ended.
		if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(lockID)); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the connection and its lock
		}
	}()
	tx, err := conn.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("rollup: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// A build is a batch job: the service's statement timeout (meant for
	// requests) would cut the national skill-category pass, and its sorts
	// spill to disk at the default work_mem. A paced build keeps to one
	// core: parallel workers would take the others from the requests.
	settings := `SET LOCAL statement_timeout = '1h'; SET LOCAL work_mem = '256MB'`
	if Paced(ctx) {
		settings += `; SET LOCAL max_parallel_workers_per_gather = 0`
	}
	if _, err := tx.ExecContext(ctx, settings); err != nil {
		return fmt.Errorf("rollup: settings: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := pruneChanges(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rollup: commit: %w", err)
	}
	return nil
}

// recordParts records that the parts of every run of run's key (with and
// without projects) were built from the transaction's snapshot.
func recordParts(ctx context.Context, tx *sqlx.Tx, run int64, parts []string, d time.Duration) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO rollup_parts (run_id, part, snap, build_ms)
SELECT t.id, p, pg_current_snapshot(), $3
FROM rollup_runs r
JOIN rollup_runs t ON t.as_of = r.as_of AND t.horizon = r.horizon AND t.retirement_age = r.retirement_age
CROSS JOIN unnest($2::text[]) p
WHERE r.id = $1
ON CONFLICT (run_id, part) DO UPDATE SET snap = excluded.snap, built_at = now(), build_ms = excluded.build_ms`,
		run, pq.Array(parts), d.Milliseconds())
	if err != nil {
		return fmt.Errorf("rollup: record parts: %w", err)
	}
	return nil
}

// pruneChanges deletes, inside a build holding the lock, the changes that
// every part already saw or does not depend on (another scope, or dated
// after its asOf), and that the steps of their scope saw (whatever their
// date: steps answer every date): no part can be stale for them, and a
// part built later sees them, all being committed. A change stays while a run's whole build
// missed it and the run has no part of its scope (rollup_part_fresh judges
// such parts by the run's snapshot): a change of every part, or of a pole
// created after the build.
func pruneChanges(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, `
DELETE FROM rollup_changes c
WHERE NOT EXISTS (
  SELECT 1 FROM rollup_parts p JOIN rollup_runs r ON r.id = p.run_id
  WHERE c.scope IN (p.part, '*', split_part(p.part, ':', 1)) AND c.since <= r.as_of
    AND NOT pg_visible_in_snapshot(c.xid, p.snap))
  AND NOT EXISTS (
  SELECT 1 FROM rollup_runs r
  WHERE c.since <= r.as_of AND r.snap IS NOT NULL AND NOT pg_visible_in_snapshot(c.xid, r.snap)
    AND NOT EXISTS (SELECT 1 FROM rollup_parts p
                    WHERE p.run_id = r.id AND (p.part = c.scope OR split_part(p.part, ':', 1) = c.scope)))
  AND NOT EXISTS (
  SELECT 1 FROM rollup_steps s
  WHERE c.scope IN (s.part, '*', split_part(s.part, ':', 1)) AND NOT pg_visible_in_snapshot(c.xid, s.snap))`); err != nil {
		return fmt.Errorf("rollup: prune changes: %w", err)
	}
	return nil
}

// Build builds the rollup of k from the current data, replacing any older
// rollup of k, in one transaction. It also drops rollups of earlier dates
// except campaigns' reference dates (campaign figures and trends read
// those).
func (r *Refresher) Build(ctx context.Context, k Key) (Run, error) {
	return r.build(ctx, k, nil)
}

// BuildParts builds a new rollup of k holding only parts (a campaign's key:
// its poles'), replacing any older rollup of k, in one transaction; nil
// parts is Build. The other parts of such a rollup never answer: the run
// keeps no snapshot of its own (rollup_runs.snap), by which
// rollup_part_fresh would judge a part without a row.
func (r *Refresher) BuildParts(ctx context.Context, k Key, parts []string) (Run, error) {
	return r.build(ctx, k, parts)
}

func (r *Refresher) build(ctx context.Context, k Key, parts []string) (Run, error) {
	if err := k.check(); err != nil {
		return Run{}, err
	}
	start := time.Now()
	run := Run{Key: k, Parts: parts}
	err := r.inBuild(ctx, func(tx *sqlx.Tx) error {
		// The first query fixes the snapshot: the version read is the
		// version of the data every builder reads.
		if err := tx.GetContext(ctx, &run.DataVersion, `SELECT version FROM data_version`); err != nil {
			return fmt.Errorf("rollup: data version: %w", err)
		}
		// The build replaces its key's rollup; a whole build of today's
		// keys drops the other dates once committed (dropOldDates).
		if _, err := tx.ExecContext(ctx, `
DELETE FROM rollup_runs r WHERE r.as_of = $1::date AND r.horizon = $2 AND r.retirement_age = $3`,
			k.date(), k.Horizon, k.RetirementAge); err != nil {
			return fmt.Errorf("rollup: drop the key's rollup: %w", err)
		}
		if err := tx.GetContext(ctx, &run.ID, `
INSERT INTO rollup_runs (as_of, horizon, retirement_age, data_version) VALUES ($1::date, $2, $3, $4) RETURNING id`,
			k.date(), k.Horizon, k.RetirementAge, run.DataVersion); err != nil {
			return fmt.Errorf("rollup: new run: %w", err)
		}
		if parts != nil {
			// The builders of some parts replace their rows in both runs
			// (Builder.Build): the run with projects must exist.
			if _, err := ProjectsRun(ctx, tx, run.ID); err != nil {
				return err
			}
		}
		done, err := r.buildParts(ctx, tx, run.ID, k, parts)
		if err != nil {
			return err
		}
		run.BuildTime = time.Since(start)
		if err := recordParts(ctx, tx, run.ID, done, run.BuildTime); err != nil {
			return err
		}
		// The build time covers the run with projects too (one build); the
		// snapshot is that of a whole build only.
		if _, err := tx.ExecContext(ctx, `
UPDATE rollup_runs t SET build_ms = $2, snap = CASE WHEN $3 THEN pg_current_snapshot() END
FROM rollup_runs r
WHERE r.id = $1 AND t.as_of = r.as_of AND t.horizon = r.horizon AND t.retirement_age = r.retirement_age`,
			run.ID, run.BuildTime.Milliseconds(), parts == nil); err != nil {
			return fmt.Errorf("rollup: finish run: %w", err)
		}
		return nil
	})
	if err != nil {
		return Run{}, err
	}
	if parts == nil {
		if err := r.dropOldDates(ctx, k); err != nil {
			return run, err
		}
	}
	return run, nil
}

// dropOldDates drops the rollups of dates before k's, except campaigns'
// reference dates (campaign figures and trends read those), after a whole
// build of k has committed. Deleting a day's rollups deletes their kept
// units and opportunities, millions of rows at national scale (about 100 s
// on two cores): inside the build, it delayed the first fresh rollup of
// the day by as much.
func (r *Refresher) dropOldDates(ctx context.Context, k Key) error {
	if _, err := r.DB.ExecContext(ctx, `
DELETE FROM rollup_runs r
WHERE r.as_of < $1::date AND NOT EXISTS (
  SELECT 1 FROM campaigns c WHERE coalesce(c.reference_date, c.closes_on) = r.as_of)`, k.date()); err != nil {
		return fmt.Errorf("rollup: drop old rollups: %w", err)
	}
	return nil
}

// buildParts runs each builder, in tx, for run: whole (parts nil) or for
// those of its parts named. It returns the parts built.
func (r *Refresher) buildParts(ctx context.Context, tx *sqlx.Tx, run int64, k Key, parts []string) ([]string, error) {
	want := make(map[string]bool, len(parts))
	for _, p := range parts {
		want[p] = true
	}
	var done []string
	for _, b := range r.Builders {
		own, err := b.Parts(ctx, tx)
		if err != nil {
			return nil, fmt.Errorf("rollup: %s: parts: %w", k, err)
		}
		if parts == nil { // a whole build: every part of every builder
			if err := b.Build(ctx, tx, run, k, nil); err != nil {
				return nil, fmt.Errorf("rollup: %s: %w", k, err)
			}
			done = append(done, own...)
			continue
		}
		var mine []string
		for _, p := range own {
			if want[p] {
				mine = append(mine, p)
			}
		}
		if len(mine) == 0 {
			continue
		}
		if err := b.Build(ctx, tx, run, k, mine); err != nil {
			return nil, fmt.Errorf("rollup: %s, %v: %w", k, mine, err)
		}
		done = append(done, mine...)
	}
	return done, nil
}

// Rebuild rebuilds parts of the existing rollup of k from the current data,
// in one transaction: each Builder rebuilds those of its parts named.
func (r *Refresher) Rebuild(ctx context.Context, k Key, parts []string) (Run, error) {
	start := time.Now()
	run := Run{Key: k, Parts: parts}
	err := r.inBuild(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &run.DataVersion, `SELECT version FROM data_version`); err != nil {
			return fmt.Errorf("rollup: data version: %w", err)
		}
		if err := tx.GetContext(ctx, &run.ID, `
SELECT id FROM rollup_runs WHERE as_of = $1::date AND horizon = $2 AND retirement_age = $3 AND NOT projects`,
			k.date(), k.Horizon, k.RetirementAge); err != nil {
			return fmt.Errorf("rollup: %s: no rollup to rebuild: %w", k, err)
		}
		done, err := r.buildParts(ctx, tx, run.ID, k, parts)
		if err != nil {
			return err
		}
		run.BuildTime = time.Since(start)
		return recordParts(ctx, tx, run.ID, done, run.BuildTime)
	})
	if err != nil {
		return Run{}, err
	}
	return run, nil
}

// maxHorizons bounds the default keys: each costs a build.
const maxHorizons = 6

// DefaultKeys returns the keys kept fresh: today, the default retirement
// age, and the horizons of declared needs from this year to ten years on,
// with this year + 3 (the horizon of DESIGN.md's "3–5 years"), the nearest
// first, at most maxHorizons; then the campaigns' keys (wanted.poles).
func (r *Refresher) DefaultKeys(ctx context.Context) ([]Key, error) {
	ws, err := r.wanted(ctx)
	keys := make([]Key, len(ws))
	for i, w := range ws {
		keys[i] = w.Key
	}
	return keys, err
}

// want is a key kept fresh and the poles it is kept for: nil, the whole
// rollup (today's keys: every request of today may read it); else only
// these poles' parts (a campaign's key: only that pole's campaign figures
// and trend ask for its date, and the territorial aggregates of any past
// date compute from the data).
type want struct {
	Key
	poles []string
}

// wanted lists DefaultKeys with the poles each is kept for.
func (r *Refresher) wanted(ctx context.Context) ([]want, error) {
	today := r.today()
	y := today.Year()
	var years []int
	if err := r.DB.SelectContext(ctx, &years, `
SELECT h FROM (SELECT DISTINCT horizon_year AS h FROM needs WHERE horizon_year BETWEEN $1 AND $1 + 10
               UNION SELECT $1 + 3) x
ORDER BY h = $1 + 3 DESC, h LIMIT $2`, y, maxHorizons); err != nil {
		return nil, fmt.Errorf("rollup: horizons: %w", err)
	}
	keys := make([]want, len(years))
	whole := make(map[Key]bool, len(years))
	for i, h := range years {
		keys[i] = want{Key: Key{AsOf: today, Horizon: h, RetirementAge: DefaultRetirementAge}}
		whole[keys[i].Key] = true
	}
	// Each campaign's reference date at its horizons and at the default
	// offset of trends (year + 3), for the poles of the campaigns of that
	// date: the campaign's figures and a pole's trend over its campaigns
	// read them. The latest campaigns first, at most MaxCampaignKeys keys.
	var ck []struct {
		AsOf    time.Time      `db:"as_of"`
		Horizon int            `db:"horizon"`
		Poles   pq.StringArray `db:"poles"`
	}
	max := r.MaxCampaignKeys
	if max == 0 {
		max = DefaultMaxCampaignKeys
	}
	if max < 0 {
		return keys, nil
	}
	if err := r.DB.SelectContext(ctx, &ck, `
SELECT ref AS as_of, h AS horizon, array_agg(DISTINCT c.pole_id ORDER BY c.pole_id) AS poles
FROM (SELECT c.pole_id, coalesce(c.reference_date, c.closes_on) AS ref, c.horizons FROM campaigns c) c
CROSS JOIN LATERAL unnest(coalesce(c.horizons, ARRAY[extract(year FROM c.ref)::int + 1,
                                                    extract(year FROM c.ref)::int + 3,
                                                    extract(year FROM c.ref)::int + 5])
                          || (extract(year FROM c.ref)::int + 3)) AS h
WHERE h BETWEEN extract(year FROM c.ref) AND 2200
GROUP BY ref, h
ORDER BY ref DESC, h
LIMIT $1`, max); err != nil {
		return nil, fmt.Errorf("rollup: campaign keys: %w", err)
	}
	for _, c := range ck {
		y, m, d := c.AsOf.Date()
		k := Key{AsOf: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Horizon: c.Horizon, RetirementAge: DefaultRetirementAge}
		if whole[k] {
			continue // one of today's: kept whole
		}
		keys = append(keys, want{Key: k, poles: c.Poles})
	}
	return keys, nil
}

// DefaultMaxCampaignKeys bounds the campaign keys kept fresh by default:
// each costs a build after every write.
const DefaultMaxCampaignKeys = 30

// Refresh brings every default key up to date and returns what it built:
// a rollup with stale parts has those parts rebuilt one at a time (a write
// to one company: its poles' parts and the aggregates), a campaign's key
// without a rollup is built for its poles' parts (BuildParts), and another
// key without a rollup, or whose every part is stale, is built whole. The
// parts of today's keys go first, the first builder's (the poles', seconds
// each at national scale) before the next's, each in the order of the keys;
// then those of the campaigns' keys, likewise (paced: see Yield); then the
// whole builds (minutes each). complete is true when every default key is
// fresh after it. Another session's build (ErrBusy) is not an error: that
// session does the work, and complete is false.
func (r *Refresher) Refresh(ctx context.Context) (built []Run, complete bool, err error) {
	return r.refresh(ctx, false)
}

// refresh is Refresh; with replan (the server's Loop), a write since the
// plan stops the pass, incomplete, so that the next one plans again.
func (r *Refresher) refresh(ctx context.Context, replan bool) (built []Run, complete bool, err error) {
	keys, err := r.wanted(ctx)
	if err != nil {
		return nil, false, err
	}
	all, owner, err := r.partsOwned(ctx)
	if err != nil {
		return nil, false, err
	}
	type job struct {
		k     Key
		parts []string // nil: a whole build
		fresh bool     // a new rollup of these parts only (BuildParts)
		order int
	}
	var jobs []job
	for _, w := range keys {
		need := all
		if w.poles != nil {
			need = polesParts(all, w.poles)
			if len(need) == 0 {
				continue
			}
		}
		stale, exists, err := r.staleParts(ctx, w.Key, need)
		if err != nil {
			return built, false, err
		}
		// Today's parts first (every request of today reads them), by
		// builder; then the campaigns' keys (a trend derives their points
		// meanwhile), by builder; then the whole builds (minutes each).
		rank := 0
		if w.poles != nil {
			rank = len(r.Builders)
		}
		switch {
		case !exists && w.poles != nil:
			// A new campaign's key: its poles' parts, seconds each.
			jobs = append(jobs, job{k: w.Key, parts: need, fresh: true, order: rank + owner[need[0]]})
		case !exists || (w.poles == nil && len(stale) == len(all)):
			jobs = append(jobs, job{k: w.Key, order: 2 * len(r.Builders)})
		default:
			for _, p := range stale {
				jobs = append(jobs, job{k: w.Key, parts: []string{p}, order: rank + owner[p]})
			}
		}
	}
	sort.SliceStable(jobs, func(i, j int) bool { return jobs[i].order < jobs[j].order })
	version, err := r.dataVersion(ctx)
	if err != nil {
		return built, false, err
	}
	today := r.today()
	// wholeFrom[i]: a whole build is among jobs[i:].
	wholeFrom := make([]bool, len(jobs)+1)
	for i := len(jobs) - 1; i >= 0; i-- {
		wholeFrom[i] = wholeFrom[i+1] || (jobs[i].parts == nil && !jobs[i].fresh)
	}
	steps := false
	for i, j := range jobs {
		// A write since the plan may have made cheaper parts stale (a
		// pole's, while the skill categories of every key are rebuilt):
		// the pass stops, incomplete, and the next one plans again.
		if replan && i > 0 {
			if now, err := r.dataVersion(ctx); err != nil || now != version {
				return built, false, err
			}
		}
		paced := false
		if !j.k.AsOf.Equal(today) {
			// No answer of today waits for it: it leaves the cores to
			// the requests.
			paced = true
		} else if j.parts != nil && !j.fresh {
			// Nor for today's parts that readers derive their answers
			// around (a few companies' writes): the requests of the
			// moment keep the cores, the answers stay exact.
			if paced, err = r.derivable(ctx, j.k, j.parts); err != nil {
				return built, false, err
			}
		}
		if paced && !steps && !wholeFrom[i] {
			// The steps before the paced builds: a date they do not
			// answer is derived around the written companies only when
			// their writers kept what they were before (migration 0025),
			// else computed from the data. Not before today's whole
			// builds (a first start, minutes each).
			steps = true
			if complete, err := r.refreshSteps(ctx, keys, replan); err != nil || !complete {
				return built, false, err
			}
		}
		start := time.Now()
		bctx := ctx
		if paced {
			bctx = WithPace(ctx, r.Yield)
		}
		var run Run
		if j.parts == nil || j.fresh {
			run, err = r.BuildParts(bctx, j.k, j.parts)
		} else {
			run, err = r.Rebuild(bctx, j.k, j.parts)
		}
		if errors.Is(err, ErrBusy) {
			return built, false, nil
		}
		if r.OnBuild != nil {
			r.OnBuild(time.Since(start), err)
		}
		if err != nil {
			return built, false, err
		}
		r.logger().Info("rollup built", "as_of", j.k.date(), "horizon", j.k.Horizon,
			"retirement_age", j.k.RetirementAge, "parts", partsLabel(j.parts), "ms", run.BuildTime.Milliseconds(),
			"paced", Paced(bctx))
		built = append(built, run)
	}
	if steps {
		return built, true, nil
	}
	complete, err = r.refreshSteps(ctx, keys, replan)
	return built, complete, err
}

// dataVersion reads data_version, which every write to the figures' tables
// bumps: a refresh pass compares it with its plan's.
func (r *Refresher) dataVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := r.DB.GetContext(ctx, &v, `SELECT version FROM data_version`); err != nil {
		return 0, fmt.Errorf("rollup: data version: %w", err)
	}
	return v, nil
}

// derivable reports whether readers derive the answers of k's parts while
// they are stale (MaxDerivedCompanies).
func (r *Refresher) derivable(ctx context.Context, k Key, parts []string) (bool, error) {
	var ok bool
	if err := r.DB.GetContext(ctx, &ok, `
SELECT coalesce(bool_and(rollup_part_changed_companies(r.id, p, $5) IS NOT NULL), false)
FROM rollup_runs r CROSS JOIN unnest($4::text[]) AS p
WHERE r.as_of = $1::date AND r.horizon = $2 AND r.retirement_age = $3 AND NOT r.projects`,
		k.date(), k.Horizon, k.RetirementAge, pq.Array(parts), MaxDerivedCompanies); err != nil {
		return false, fmt.Errorf("rollup: derivable parts: %w", err)
	}
	return ok, nil
}

// polesParts returns the parts of all that are the poles'.
func polesParts(all, poles []string) []string {
	in := make(map[string]bool, len(poles))
	for _, p := range poles {
		in[PolePart(p)] = true
	}
	var parts []string
	for _, p := range all {
		if in[p] {
			parts = append(parts, p)
		}
	}
	return parts
}

// partsLabel names parts for the log: a campaign key's build names every
// pole with a campaign of its date, so long lists are cut.
func partsLabel(parts []string) string {
	if parts == nil {
		return "all"
	}
	if len(parts) > 3 {
		return fmt.Sprintf("%s,… (%d parts)", strings.Join(parts[:3], ","), len(parts))
	}
	return strings.Join(parts, ",")
}

// parts lists the parts of every builder.
func (r *Refresher) parts(ctx context.Context) ([]string, error) {
	all, _, err := r.partsOwned(ctx)
	return all, err
}

// partsOwned lists the parts of every builder, and the index of the
// builder of each.
func (r *Refresher) partsOwned(ctx context.Context) ([]string, map[string]int, error) {
	var all []string
	owner := map[string]int{}
	for i, b := range r.Builders {
		parts, err := b.Parts(ctx, r.DB)
		if err != nil {
			return nil, nil, fmt.Errorf("rollup: parts: %w", err)
		}
		for _, p := range parts {
			owner[p] = i
		}
		all = append(all, parts...)
	}
	return all, owner, nil
}

// StaleParts returns the parts of the rollup of k that are stale or missing
// (a new pole), and whether the rollup exists.
func (r *Refresher) StaleParts(ctx context.Context, k Key) (stale []string, exists bool, err error) {
	all, err := r.parts(ctx)
	if err != nil {
		return nil, false, err
	}
	return r.staleParts(ctx, k, all)
}

func (r *Refresher) staleParts(ctx context.Context, k Key, all []string) (stale []string, exists bool, err error) {
	var run int64
	run, exists, err = found(run, r.DB.GetContext(ctx, &run, `
SELECT id FROM rollup_runs WHERE as_of = $1::date AND horizon = $2 AND retirement_age = $3 AND NOT projects`,
		k.date(), k.Horizon, k.RetirementAge))
	if err != nil || !exists {
		return nil, exists, err
	}
	if err := r.DB.SelectContext(ctx, &stale, `
SELECT p FROM unnest($2::text[]) WITH ORDINALITY AS u(p, ord) WHERE NOT rollup_part_fresh($1, p) ORDER BY ord`,
		run, pq.Array(all)); err != nil {
		return nil, true, fmt.Errorf("rollup: stale parts: %w", err)
	}
	return stale, true, nil
}

// Loop keeps the default keys fresh until ctx ends: it refreshes at start,
// then polls every interval. A poll is one read of data_version: a refresh
// runs only when the version or the date changed since the last complete one
// (an import, another day).
func (r *Refresher) Loop(ctx context.Context, interval time.Duration) {
	var doneVersion int64 = -1
	var doneDay time.Time
	var doneCampaigns string
	for {
		// The campaigns' keys change with the campaigns, which do not bump
		// data_version (no figure reads them): their signature is polled
		// too (a small table).
		var poll struct {
			Version   int64  `db:"version"`
			Campaigns string `db:"campaigns"`
		}
		err := r.DB.GetContext(ctx, &poll, `SELECT (SELECT version FROM data_version) AS version,
  (SELECT md5(coalesce(string_agg(concat_ws('/', closes_on, reference_date, horizons), ',' ORDER BY pole_id, id), ''))
   FROM campaigns) AS campaigns`)
		day := r.today()
		if err == nil && (poll.Version != doneVersion || !day.Equal(doneDay) || poll.Campaigns != doneCampaigns) {
			var complete bool
			_, complete, err = r.refresh(ctx, true)
			if complete {
				doneVersion, doneDay, doneCampaigns = poll.Version, day, poll.Campaigns
			}
		}
		if err != nil && ctx.Err() == nil {
			r.logger().Error("rollup refresh failed; requests compute from the data meanwhile", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func (r *Refresher) today() time.Time {
	if r.Today != nil {
		return r.Today()
	}
	return domain.Today()
}

func (r *Refresher) logger() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}
