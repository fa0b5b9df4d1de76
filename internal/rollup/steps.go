package rollup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Steps: a part's figures at every date (migration 0022). A rollup answers
// its own asOf; the figures of a part are step functions of the date,
// changing only on the dates of its facts, so a builder can keep each
// figure's changes by day, for a horizon and a retirement age, and a reader
// sums them up to any date. Steps belong to no run: they depend on the
// data only, not on today's date, and are rebuilt part by part when a
// write of their scope is dated on or before a date they answer.
//
// A part's steps built from snapshot S answer a date D while no change of
// the part's scope dated on or before D is invisible to S (StepsFresh):
// a change dated after D leaves the figures of D as they were.
// pruneChanges keeps the changes a part's steps have not seen.

// StepsKey names the steps of a part: DESIGN.md's horizon and retirement
// age (essential links only; no plan, no projects).
type StepsKey struct {
	Horizon       int
	RetirementAge int
}

// StepsBuilder fills the steps tables of its parts.
type StepsBuilder struct {
	// Parts lists the parts the builder keeps steps of.
	Parts func(ctx context.Context, q sqlx.QueryerContext) ([]string, error)
	// Build replaces the steps of part for k inside the build's
	// transaction (REPEATABLE READ).
	Build func(ctx context.Context, tx *sqlx.Tx, k StepsKey, part string) error
}

// StepsFresh reports whether the steps of every one of parts for k answer
// the date asOf: built, and no change of their scopes dated on or before
// asOf escaped their snapshot.
func StepsFresh(ctx context.Context, db sqlx.QueryerContext, k StepsKey, parts []string, asOf time.Time) (bool, error) {
	if len(parts) == 0 {
		return false, nil
	}
	var ok bool
	if err := sqlx.GetContext(ctx, db, &ok, `
SELECT coalesce(bool_and(rollup_steps_fresh(p, $1, $2, $3::date)), false) FROM unnest($4::text[]) p`,
		k.Horizon, k.RetirementAge, asOf.Format(time.DateOnly), pq.Array(parts)); err != nil {
		return false, fmt.Errorf("rollup: steps lookup: %w", err)
	}
	return ok, nil
}

// staleSteps lists the (key, part) steps to build: missing, or with a
// change of their scope that their snapshot did not see, whatever its date
// (a change dated in the future answers wrong once that date has come).
func (r *Refresher) staleSteps(ctx context.Context, keys []StepsKey, parts []string) ([]stepsJob, error) {
	var jobs []stepsJob
	for _, k := range keys {
		var stale []string
		if err := r.DB.SelectContext(ctx, &stale, `
SELECT p FROM unnest($3::text[]) WITH ORDINALITY AS u(p, ord)
WHERE NOT rollup_steps_fresh(p, $1, $2, 'infinity') ORDER BY ord`,
			k.Horizon, k.RetirementAge, pq.Array(parts)); err != nil {
			return nil, fmt.Errorf("rollup: stale steps: %w", err)
		}
		for _, p := range stale {
			jobs = append(jobs, stepsJob{k, p})
		}
	}
	return jobs, nil
}

type stepsJob struct {
	k    StepsKey
	part string
}

// refreshSteps builds the stale steps of today's keys' horizons and
// retirement ages, one part per transaction, at full speed (the answers of
// the dates they do not answer are derived around a few companies' writes
// meanwhile, or computed from the data),
// and drops the steps of other keys. With replan, a write since the plan
// stops the pass, incomplete.
func (r *Refresher) refreshSteps(ctx context.Context, wanted []want, replan bool) (complete bool, err error) {
	if r.Steps == nil {
		return true, nil
	}
	var keys []StepsKey
	seen := map[StepsKey]bool{}
	for _, w := range wanted {
		k := StepsKey{w.Horizon, w.RetirementAge}
		if w.poles == nil && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	parts, err := r.Steps.Parts(ctx, r.DB)
	if err != nil {
		return false, fmt.Errorf("rollup: steps parts: %w", err)
	}
	jobs, err := r.staleSteps(ctx, keys, parts)
	if err != nil {
		return false, err
	}
	version, err := r.dataVersion(ctx)
	if err != nil {
		return false, err
	}
	for i, j := range jobs {
		if replan && i > 0 {
			if now, err := r.dataVersion(ctx); err != nil || now != version {
				return false, err
			}
		}
		start := time.Now()
		err := r.BuildSteps(ctx, j.k, j.part)
		if errors.Is(err, ErrBusy) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		r.logger().Info("rollup steps built", "horizon", j.k.Horizon, "retirement_age", j.k.RetirementAge,
			"part", j.part, "ms", time.Since(start).Milliseconds())
	}
	horizons, ages := make([]int64, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		horizons[i], ages[i] = int64(k.Horizon), int64(k.RetirementAge)
	}
	// The steps of other keys or of parts gone (a pole deleted) answer
	// nothing and would keep their changes from being pruned.
	if _, err := r.DB.ExecContext(ctx, `
DELETE FROM rollup_steps s
WHERE NOT (s.horizon, s.retirement_age) IN (SELECT * FROM unnest($1::int[], $2::int[])) OR NOT s.part = ANY($3)`,
		pq.Array(horizons), pq.Array(ages), pq.Array(parts)); err != nil {
		return false, fmt.Errorf("rollup: drop old steps: %w", err)
	}
	return true, nil
}

// BuildSteps builds the steps of part for k from the current data, in one
// transaction holding the build lock, and records its snapshot.
func (r *Refresher) BuildSteps(ctx context.Context, k StepsKey, part string) error {
	if r.Steps == nil {
		return errors.New("rollup: no steps builder")
	}
	start := time.Now()
	return r.inBuild(ctx, func(tx *sqlx.Tx) error {
		// Recorded first: the builder's rows reference it (deleting it
		// deletes them). The snapshot is the transaction's, which the
		// builder reads in (REPEATABLE READ).
		if _, err := tx.ExecContext(ctx, `
INSERT INTO rollup_steps (part, horizon, retirement_age, snap)
VALUES ($1, $2, $3, pg_current_snapshot())
ON CONFLICT (part, horizon, retirement_age) DO UPDATE SET snap = excluded.snap, built_at = now()`,
			part, k.Horizon, k.RetirementAge); err != nil {
			return fmt.Errorf("rollup: record steps: %w", err)
		}
		// The companies' priors kept for the steps replaced (migration
		// 0025) answer nothing once these are built.
		if _, err := tx.ExecContext(ctx, `
DELETE FROM rollup_steps_prior WHERE part = $1 AND horizon = $2 AND retirement_age = $3`,
			part, k.Horizon, k.RetirementAge); err != nil {
			return fmt.Errorf("rollup: record steps: %w", err)
		}
		if err := r.Steps.Build(ctx, tx, k, part); err != nil {
			return fmt.Errorf("rollup: steps of %s (horizon %d, retirement age %d): %w", part, k.Horizon, k.RetirementAge, err)
		}
		if _, err := tx.ExecContext(ctx, `
UPDATE rollup_steps SET build_ms = $4 WHERE part = $1 AND horizon = $2 AND retirement_age = $3`,
			part, k.Horizon, k.RetirementAge, time.Since(start).Milliseconds()); err != nil {
			return fmt.Errorf("rollup: record steps: %w", err)
		}
		return nil
	})
}
