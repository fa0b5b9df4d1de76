package rollup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

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

// Run is a built rollup.
type Run struct {
	ID          int64
	Key         Key
	DataVersion int64
	BuildTime   time.Duration
}

// Fresh returns the id of the rollup of k when one was built from the data
// as it is now; ok is false otherwise, and the caller computes from the data.
// It is one primary-key lookup.
func Fresh(ctx context.Context, db sqlx.QueryerContext, k Key) (id int64, ok bool, err error) {
	return fresh(ctx, db, k, false)
}

// FreshWithProjects is Fresh for the figures with includeProjects: the id
// of the run with projects of k (ProjectsRun), built with the run of k.
func FreshWithProjects(ctx context.Context, db sqlx.QueryerContext, k Key) (id int64, ok bool, err error) {
	return fresh(ctx, db, k, true)
}

func fresh(ctx context.Context, db sqlx.QueryerContext, k Key, projects bool) (id int64, ok bool, err error) {
	err = sqlx.GetContext(ctx, db, &id, `
SELECT r.id FROM rollup_runs r JOIN data_version d ON d.version = r.data_version
WHERE r.as_of = $1::date AND r.horizon = $2 AND r.retirement_age = $3 AND r.projects = $4`,
		k.date(), k.Horizon, k.RetirementAge, projects)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("rollup: lookup: %w", err)
	}
	return id, true, nil
}

// ProjectsRun adds, inside a build's transaction, the run with projects of
// the key of run (same key and data version: stale and replaced with it),
// for the builders whose figures take includeProjects (package analytics);
// FreshWithProjects finds it. It returns the new run's id.
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

// Builder fills its rollup tables for run, inside the build's transaction
// (REPEATABLE READ: every builder sees the same snapshot).
type Builder func(ctx context.Context, tx *sqlx.Tx, run int64, k Key) error

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
}

// lockID is the advisory lock of rollup builds ("gpec rollup" in ASCII).
const lockID = 0x6770656320726f6c

// ErrBusy means another session was building rollups.
var ErrBusy = errors.New("rollup: another build is running")

// Build builds the rollup of k from the current data, replacing any older
// rollup of k, in one transaction. It also drops rollups of stale data,
// which no request can use any more, and of earlier dates except campaigns'
// reference dates (campaign figures and trends read those).
func (r *Refresher) Build(ctx context.Context, k Key) (Run, error) {
	if err := k.check(); err != nil {
		return Run{}, err
	}
	start := time.Now()
	tx, err := r.DB.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return Run{}, fmt.Errorf("rollup: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var locked bool
	if err := tx.GetContext(ctx, &locked, `SELECT pg_try_advisory_xact_lock($1)`, int64(lockID)); err != nil {
		return Run{}, fmt.Errorf("rollup: lock: %w", err)
	}
	if !locked {
		return Run{}, ErrBusy
	}
	// A build is a batch job: the service's statement timeout (meant for
	// requests) would cut the national skill-category pass, and its sorts
	// spill to disk at the default work_mem.
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = '1h'; SET LOCAL work_mem = '256MB'`); err != nil {
		return Run{}, fmt.Errorf("rollup: settings: %w", err)
	}
	run := Run{Key: k}
	// The first query fixes the snapshot: the version read is the version of
	// the data every builder reads.
	if err := tx.GetContext(ctx, &run.DataVersion, `SELECT version FROM data_version`); err != nil {
		return Run{}, fmt.Errorf("rollup: data version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
DELETE FROM rollup_runs r
WHERE (r.as_of = $1::date AND r.horizon = $2 AND r.retirement_age = $3) OR r.data_version <> $4
   OR (r.as_of < $1::date AND NOT EXISTS (
         SELECT 1 FROM campaigns c WHERE coalesce(c.reference_date, c.closes_on) = r.as_of))`,
		k.date(), k.Horizon, k.RetirementAge, run.DataVersion); err != nil {
		return Run{}, fmt.Errorf("rollup: drop old rollups: %w", err)
	}
	if err := tx.GetContext(ctx, &run.ID, `
INSERT INTO rollup_runs (as_of, horizon, retirement_age, data_version) VALUES ($1::date, $2, $3, $4) RETURNING id`,
		k.date(), k.Horizon, k.RetirementAge, run.DataVersion); err != nil {
		return Run{}, fmt.Errorf("rollup: new run: %w", err)
	}
	for _, b := range r.Builders {
		if err := b(ctx, tx, run.ID, k); err != nil {
			return Run{}, fmt.Errorf("rollup: %s: %w", k, err)
		}
	}
	run.BuildTime = time.Since(start)
	// The build time covers the run with projects too (one build).
	if _, err := tx.ExecContext(ctx, `UPDATE rollup_runs SET build_ms = $2 WHERE id = $1`,
		run.ID, run.BuildTime.Milliseconds()); err != nil {
		return Run{}, fmt.Errorf("rollup: finish run: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Run{}, fmt.Errorf("rollup: commit: %w", err)
	}
	return run, nil
}

// maxHorizons bounds the default keys: each costs a build.
const maxHorizons = 6

// DefaultKeys returns the keys kept fresh: today, the default retirement
// age, and the horizons of declared needs from this year to ten years on,
// with this year + 3 (the horizon of DESIGN.md's "3–5 years"), the nearest
// first, at most maxHorizons.
func (r *Refresher) DefaultKeys(ctx context.Context) ([]Key, error) {
	today := r.today()
	y := today.Year()
	var years []int
	if err := r.DB.SelectContext(ctx, &years, `
SELECT h FROM (SELECT DISTINCT horizon_year AS h FROM needs WHERE horizon_year BETWEEN $1 AND $1 + 10
               UNION SELECT $1 + 3) x
ORDER BY h = $1 + 3 DESC, h LIMIT $2`, y, maxHorizons); err != nil {
		return nil, fmt.Errorf("rollup: horizons: %w", err)
	}
	keys := make([]Key, len(years))
	for i, h := range years {
		keys[i] = Key{AsOf: today, Horizon: h, RetirementAge: DefaultRetirementAge}
	}
	// Each campaign's reference date at its horizons and at the default
	// offset of trends (year + 3): the campaign's figures and a pole's
	// trend over its campaigns read them. The latest campaigns first, at
	// most MaxCampaignKeys keys.
	var ck []struct {
		AsOf    time.Time `db:"as_of"`
		Horizon int       `db:"horizon"`
	}
	max := r.MaxCampaignKeys
	if max == 0 {
		max = DefaultMaxCampaignKeys
	}
	if max < 0 {
		return keys, nil
	}
	if err := r.DB.SelectContext(ctx, &ck, `
SELECT DISTINCT ref AS as_of, h AS horizon
FROM (SELECT coalesce(c.reference_date, c.closes_on) AS ref, c.horizons FROM campaigns c) c
CROSS JOIN LATERAL unnest(coalesce(c.horizons, ARRAY[extract(year FROM c.ref)::int + 1,
                                                    extract(year FROM c.ref)::int + 3,
                                                    extract(year FROM c.ref)::int + 5])
                          || (extract(year FROM c.ref)::int + 3)) AS h
WHERE h BETWEEN extract(year FROM c.ref) AND 2200
ORDER BY ref DESC, h
LIMIT $1`, max); err != nil {
		return nil, fmt.Errorf("rollup: campaign keys: %w", err)
	}
	for _, k := range ck {
		y, m, d := k.AsOf.Date()
		keys = append(keys, Key{AsOf: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Horizon: k.Horizon, RetirementAge: DefaultRetirementAge})
	}
	return keys, nil
}

// DefaultMaxCampaignKeys bounds the campaign keys kept fresh by default:
// each costs a build after every write.
const DefaultMaxCampaignKeys = 30

// Refresh builds every default key that has no fresh rollup, and returns
// what it built; complete is true when every default key is fresh after it.
// Another session's build (ErrBusy) is not an error: that session does the
// work, and complete is false.
func (r *Refresher) Refresh(ctx context.Context) (built []Run, complete bool, err error) {
	keys, err := r.DefaultKeys(ctx)
	if err != nil {
		return nil, false, err
	}
	for _, k := range keys {
		if _, ok, err := Fresh(ctx, r.DB, k); err != nil || ok {
			if err != nil {
				return built, false, err
			}
			continue
		}
		start := time.Now()
		run, err := r.Build(ctx, k)
		if errors.Is(err, ErrBusy) {
			return built, false, nil
		}
		if r.OnBuild != nil {
			r.OnBuild(time.Since(start), err)
		}
		if err != nil {
			return built, false, err
		}
		r.logger().Info("rollup built", "as_of", k.date(), "horizon", k.Horizon,
			"retirement_age", k.RetirementAge, "data_version", run.DataVersion, "ms", run.BuildTime.Milliseconds())
		built = append(built, run)
	}
	return built, true, nil
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
			_, complete, err = r.Refresh(ctx)
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
