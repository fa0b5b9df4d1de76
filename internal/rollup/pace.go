package rollup

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// Paced builds. The rollups of a campaign's reference date are built while
// the server answers, and nothing waits for them: until they exist a pole's
// trend derives the campaign's point from today's rollup. Yet a build's
// statements take a core each for seconds, and PostgreSQL has no priority
// between sessions: on a small machine the requests of the moment wait
// behind them. A paced build therefore runs its work in short statements
// (builders cut their longest ones when Paced says so) and sleeps after
// each for Yield times the time it took, so that it uses about
// 1/(1+Yield) of one core: the same trade as autovacuum's cost-based delay,
// a longer build for steady reads. Builds of today's keys are paced only
// when readers derive their answers meanwhile (a part stale through a few
// companies' writes: MaxDerivedCompanies); otherwise answers wait for them.

// DefaultYield is Refresher.Yield's default: a paced build sleeps four times
// as long as it works, about a fifth of a core.
const DefaultYield = 4

// maxPause bounds one pause: a statement that ran long (a lock waited
// for, a cold cache) does not put the build to sleep for minutes.
const maxPause = 2 * time.Second

type paceKey struct{}

// WithPace marks ctx's build as paced by yield (none when yield <= 0), as
// Refresh does for other dates than today's.
func WithPace(ctx context.Context, yield int) context.Context {
	if yield <= 0 {
		return ctx
	}
	return context.WithValue(ctx, paceKey{}, yield)
}

// Paced reports whether the build of ctx is paced: its builder should then
// cut long statements into short ones (a few companies each), which Exec
// spaces out.
func Paced(ctx context.Context) bool {
	y, _ := ctx.Value(paceKey{}).(int)
	return y > 0
}

// Exec runs one statement of a build in tx; in a paced build, it then
// sleeps Yield times the statement's duration (at most maxPause), or until
// ctx ends.
func Exec(ctx context.Context, tx *sqlx.Tx, query string, args ...any) error {
	start := time.Now()
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return err
	}
	y, _ := ctx.Value(paceKey{}).(int)
	if y <= 0 {
		return nil
	}
	pause := min(time.Since(start)*time.Duration(y), maxPause)
	t := time.NewTimer(pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
