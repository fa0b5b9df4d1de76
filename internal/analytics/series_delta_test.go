package analytics_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/rollup"
	"github.com/gpec-project/gpec/internal/testdb"
)

// TestSeriesFromAnotherDate: a pole's figures at dates without a rollup,
// derived from the rollup of another date at the same horizon, equal the
// reference implementation's at those dates, on several generated
// datasets; the rollup is read (a tampered one changes them), in a fixed
// number of statements; with a rollup for some points, the others derive
// too.
func TestSeriesFromAnotherDate(t *testing.T) {
	for _, seed := range []int64{3, 8, 21} {
		db, dsn := testdb.New(t)
		ctx := context.Background()
		if err := reference.Insert(ctx, db, reference.Generate(seed, reference.Small)); err != nil {
			t.Fatal(err)
		}
		d, err := reference.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		e, statements := countingEngine(t, dsn)
		var poles []analytics.Scope
		for _, p := range d.Poles {
			poles = append(poles, analytics.Scope{PoleID: p.ID})
		}
		base := reference.GenAsOf
		r := &rollup.Refresher{DB: db, Builders: []rollup.Builder{analytics.BuildRollup}}
		if _, err := r.Build(ctx, rollup.Key{AsOf: base, Horizon: 2029, RetirementAge: 64}); err != nil {
			t.Fatal(err)
		}
		points := []analytics.Point{
			{AsOf: base.AddDate(0, 0, -400), Horizon: 2029},
			{AsOf: base.AddDate(0, 0, -30), Horizon: 2029},
			{AsOf: base.AddDate(0, 0, -1), Horizon: 2029},
			{AsOf: base.AddDate(0, 0, 1), Horizon: 2029},
			{AsOf: base.AddDate(0, 2, 0), Horizon: 2029},
		}
		check := func(got map[analytics.Scope][]analytics.Figures, points []analytics.Point) int {
			t.Helper()
			nonEmpty := 0
			for _, s := range poles {
				for i, pt := range points {
					p := analytics.Params{AsOf: pt.AsOf, Horizon: pt.Horizon, RetirementAge: 64}
					if want := d.RoleGaps(s, p); !reflect.DeepEqual(orNil(got[s][i].Roles), orNil(want)) {
						t.Fatalf("seed %d, %+v at %s roles:\n got %+v\nwant %+v", seed, s, pt.AsOf.Format(time.DateOnly), got[s][i].Roles, want)
					}
					want := d.SkillGaps(s, p)
					if !reflect.DeepEqual(orNil(got[s][i].Skills), orNil(want)) {
						t.Fatalf("seed %d, %+v at %s skills:\n got %s\nwant %s", seed, s, pt.AsOf.Format(time.DateOnly), dump(got[s][i].Skills), dump(want))
					}
					if len(want) > 0 {
						nonEmpty++
					}
				}
			}
			return nonEmpty
		}
		statements.Reset()
		got, err := e.Series(ctx, poles, points, 64, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := statements.Count(); n != 5 {
			t.Errorf("seed %d: %d statements, want 5 (look-up of the points' rollups, of another date's, the companies changed, roles, skills)", seed, n)
		}
		if nonEmpty := check(got, points); nonEmpty < 3 {
			t.Fatalf("seed %d: only %d non-empty points", seed, nonEmpty)
		}

		// With a rollup for the last point, the others derive from the
		// nearest (split).
		if _, err := r.BuildParts(ctx, rollup.Key{AsOf: points[len(points)-1].AsOf, Horizon: 2029, RetirementAge: 64}, nil); err != nil {
			t.Fatal(err)
		}
		split, err := e.Series(ctx, poles, points, 64, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		check(split, points)

		// The rollup is read: tampered, it changes the derived figures.
		db.MustExec(`UPDATE rollup_pole_skills SET required = required + 1000`)
		if tampered, _ := e.Series(ctx, poles, points[:3], 64, nil, nil); reflect.DeepEqual(tampered, map[analytics.Scope][]analytics.Figures{}) || reflect.DeepEqual(tampered[poles[0]], got[poles[0]][:3]) {
			t.Fatalf("seed %d: a tampered rollup did not change the derived figures: they do not read it", seed)
		}
	}
}
