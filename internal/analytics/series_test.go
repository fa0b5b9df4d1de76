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

// TestSeries compares the figures of every scope at several points, computed
// together, with the reference at each point, and checks that the number of
// statements does not grow with the points.
func TestSeries(t *testing.T) {
	db, dsn := testdb.New(t)
	ctx := context.Background()
	if err := reference.Insert(ctx, db, reference.Generate(21, reference.Small)); err != nil {
		t.Fatal(err)
	}
	d, err := reference.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	e, statements := countingEngine(t, dsn)
	scopes := scopesOf(d)
	points := []analytics.Point{
		{AsOf: time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC), Horizon: 2027},
		{AsOf: time.Date(2025, 4, 30, 0, 0, 0, 0, time.UTC), Horizon: 2028},
		{AsOf: reference.GenAsOf, Horizon: 2029},
		{AsOf: reference.GenAsOf.AddDate(0, 0, 1), Horizon: 2029},
		{AsOf: time.Date(2027, 4, 30, 0, 0, 0, 0, time.UTC), Horizon: 2031},
	}
	got, err := e.Series(ctx, scopes, points, 64, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := statements.Count()
	nonEmpty := 0
	for _, s := range scopes {
		for i, pt := range points {
			p := analytics.Params{AsOf: pt.AsOf, Horizon: pt.Horizon, RetirementAge: 64}
			if want := d.RoleGaps(s, p); !reflect.DeepEqual(orNil(got[s][i].Roles), orNil(want)) {
				t.Fatalf("%+v at %+v roles:\n got %+v\nwant %+v", s, pt, got[s][i].Roles, want)
			}
			want := d.SkillGaps(s, p)
			if !reflect.DeepEqual(orNil(got[s][i].Skills), orNil(want)) {
				t.Fatalf("%+v at %+v skills:\n got %s\nwant %s", s, pt, dump(got[s][i].Skills), dump(want))
			}
			if len(want) > 0 {
				nonEmpty++
			}
		}
	}
	if nonEmpty < 50 {
		t.Fatalf("only %d non-empty points", nonEmpty)
	}
	statements.Reset()
	if _, err := e.Series(ctx, scopes[:1], points[:1], 64, nil, nil); err != nil {
		t.Fatal(err)
	}
	if one := statements.Count(); one != n {
		t.Errorf("%d statements for 1 scope at 1 point, %d for %d scopes at %d points", one, n, len(scopes), len(points))
	}
	// Filters by code keep the same figures.
	codes, err := e.Series(ctx, scopes[:3], points, 64, []string{d.Roles[0].Code}, []string{d.Skills[1].Code})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scopes[:3] {
		for i := range points {
			for _, g := range codes[s][i].Roles {
				if g.RoleCode != d.Roles[0].Code {
					t.Errorf("role %s kept", g.RoleCode)
				}
			}
			for _, g := range codes[s][i].Skills {
				if g.SkillCode != d.Skills[1].Code {
					t.Errorf("skill %s kept", g.SkillCode)
				}
			}
		}
	}
	// Pole scopes read the rollups when every point has one: the same
	// figures (a tampered rollup shows that they are read).
	var poles []analytics.Scope
	for _, p := range d.Poles {
		poles = append(poles, analytics.Scope{PoleID: p.ID})
	}
	live, err := e.Series(ctx, poles, points, 64, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &rollup.Refresher{DB: db, Builders: []rollup.Builder{analytics.BuildRollup}}
	for i := len(points) - 1; i >= 0; i-- { // a build drops the rollups of earlier dates
		if _, err := r.Build(ctx, rollup.Key{AsOf: points[i].AsOf, Horizon: points[i].Horizon, RetirementAge: 64}); err != nil {
			t.Fatal(err)
		}
	}
	statements.Reset()
	rolled, err := e.Series(ctx, poles, points, 64, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rolled, live) {
		t.Fatalf("from the rollups\n%s\nfrom the data\n%s", dump(rolled), dump(live))
	}
	if n := statements.Count(); n != 3 {
		t.Errorf("%d statements from the rollups, want 3 (look-up, roles, skills)", n)
	}
	db.MustExec(`UPDATE rollup_pole_skills SET required = required + 1000`)
	if tampered, _ := e.Series(ctx, poles, points, 64, nil, nil); reflect.DeepEqual(tampered, live) {
		t.Error("a tampered rollup did not change the series: it is not read")
	}
	if _, err := e.Series(ctx, scopes[:1], []analytics.Point{{AsOf: reference.GenAsOf, Horizon: 2020}}, 64, nil, nil); err == nil {
		t.Error("a horizon before asOf's year was accepted")
	}
}
