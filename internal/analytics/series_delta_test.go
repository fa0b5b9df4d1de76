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

// TestSeriesFromAStalePart: after writes to a few companies, a pole's
// figures at the date of its (now stale) rollup derive from that rollup
// minus the companies' kept units plus their figures now, and equal the
// reference implementation's on the data after the writes; the rollup and
// the kept units are read (tampered, they change the figures). A
// membership's change is not a company's own: the pole computes from the
// data.
func TestSeriesFromAStalePart(t *testing.T) {
	derived := 0
	for _, seed := range []int64{5, 13, 34} {
		db, dsn := testdb.New(t)
		ctx := context.Background()
		if err := reference.Insert(ctx, db, reference.Generate(seed, reference.Small)); err != nil {
			t.Fatal(err)
		}
		e, statements := countingEngine(t, dsn)
		base := reference.GenAsOf
		key := rollup.Key{AsOf: base, Horizon: 2029, RetirementAge: 64}
		r := &rollup.Refresher{DB: db, Builders: []rollup.Builder{analytics.BuildRollup}}
		if _, err := r.Build(ctx, key); err != nil {
			t.Fatal(err)
		}
		var sirens []string
		// Members at the rollup's date with figures in it.
		if err := db.Select(&sirens, `SELECT DISTINCT siren FROM rollup_unit_skills WHERE required > 0 ORDER BY siren LIMIT 3`); err != nil || len(sirens) < 3 {
			t.Fatalf("members %v (err %v)", sirens, err)
		}
		for i, siren := range sirens[:2] {
			for w, stmt := range companyWrites {
				if (w+i)%2 == 0 {
					db.MustExec(typed+stmt, siren, base, 2029, 17*w+i)
				}
			}
		}
		d, err := reference.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var poles []analytics.Scope
		for _, p := range d.Poles {
			poles = append(poles, analytics.Scope{PoleID: p.ID})
		}
		points := []analytics.Point{{AsOf: base, Horizon: 2029}}
		check := func(got map[analytics.Scope][]analytics.Figures) {
			t.Helper()
			for _, s := range poles {
				p := analytics.Params{AsOf: base, Horizon: 2029, RetirementAge: 64}
				if want := d.RoleGaps(s, p); !reflect.DeepEqual(orNil(got[s][0].Roles), orNil(want)) {
					t.Fatalf("seed %d, %+v roles:\n got %+v\nwant %+v", seed, s, got[s][0].Roles, want)
				}
				if want := d.SkillGaps(s, p); !reflect.DeepEqual(orNil(got[s][0].Skills), orNil(want)) {
					t.Fatalf("seed %d, %+v skills:\n got %s\nwant %s", seed, s, dump(got[s][0].Skills), dump(want))
				}
			}
		}
		statements.Reset()
		got, err := e.Series(ctx, poles, points, 64, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		check(got)
		if n := statements.Count(); n != 5 {
			t.Errorf("seed %d: %d statements, want 5 (the points' rollups, the stale part's, changed companies, roles, skills)", seed, n)
		}
		// With the server's point cache, the derived answer is kept for the
		// data version: the next request runs the rollups' look-up only.
		version := int64(1)
		e.Version = func(context.Context) (int64, bool) { return version, true }
		e.Points = analytics.NewPointCache(analytics.DefaultPointRows)
		for i, want := range []int64{5, 1, 5} {
			if i == 2 {
				version++
			}
			statements.Reset()
			cached, err := e.Series(ctx, poles, points, 64, nil, nil)
			if err != nil || !reflect.DeepEqual(cached, got) {
				t.Fatalf("seed %d, request %d with the point cache: err %v, or figures differ", seed, i, err)
			}
			if n := statements.Count(); n != want {
				t.Errorf("seed %d, request %d with the point cache: %d statements, want %d", seed, i, n, want)
			}
		}
		e.Version, e.Points = nil, nil
		// The kept units of a changed company are what is subtracted.
		db.MustExec(`UPDATE rollup_unit_skills SET required = required + 1000 WHERE siren = $1`, sirens[0])
		if tampered, err := e.Series(ctx, poles, points, 64, nil, nil); err != nil || reflect.DeepEqual(tampered, got) {
			t.Fatalf("seed %d: tampered kept units did not change the figures (err %v): they are not read", seed, err)
		}
		db.MustExec(`UPDATE rollup_unit_skills SET required = required - 1000 WHERE siren = $1`, sirens[0])
		derived++

		// A membership's change: from the data, with the same figures.
		db.MustExec(`UPDATE memberships SET since = since WHERE siren = $1`, sirens[2])
		db.MustExec(`UPDATE rollup_pole_skills SET required = required + 1000`)
		fromData, err := e.Series(ctx, poles, points, 64, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		check(fromData)
	}
	if derived == 0 {
		t.Fatal("no point derived from a stale part")
	}
}
