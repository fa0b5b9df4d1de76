package analytics_test

import (
	"context"
	"reflect"
	"sort"
	"sync"
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
	// SeriesFirst may leave out roles and skills, never one of the first n
	// at the last point (the order of a trend's Top), whose figures are
	// those of Series at every point. With rollups it reads only those when
	// that is exact for every scope: not with the pole without members
	// (fewer than n figures: it reads them all), but for the others alone.
	var withMembers []analytics.Scope
	for _, sc := range poles {
		if f := live[sc]; len(f[len(f)-1].Skills) > 0 {
			withMembers = append(withMembers, sc)
		}
	}
	narrowed := false
	for _, n := range []int{1, 2, 3, 5, 40} {
		for _, set := range [][]analytics.Scope{poles, withMembers} {
			got, err := e.SeriesFirst(ctx, set, points, 64, nil, nil, n)
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range set {
				full, part := live[sc], got[sc]
				for _, id := range firstSkills(full, n) {
					for i := range points {
						if a, b := skillOf(full[i], id), skillOf(part[i], id); !reflect.DeepEqual(a, b) {
							t.Fatalf("n=%d, pole %s, point %d, skill %d: %+v, want %+v", n, sc.PoleID, i, id, b, a)
						}
					}
				}
				for _, id := range firstRoles(full, n) {
					for i := range points {
						if a, b := roleOf(full[i], id), roleOf(part[i], id); !reflect.DeepEqual(a, b) {
							t.Fatalf("n=%d, pole %s, point %d, role %d: %+v, want %+v", n, sc.PoleID, i, id, b, a)
						}
					}
				}
				for i := range points {
					if len(part[i].Skills) < len(full[i].Skills) && len(part[i].Roles) < len(full[i].Roles) {
						narrowed = true
					}
				}
			}
		}
	}
	if len(withMembers) == 0 || !narrowed {
		t.Error("SeriesFirst never left out a role and a skill: the rollups' first rows are not used")
	}
	// A point without a rollup (a campaign just opened, its rollup being
	// built): it alone computes from the data, the others read theirs.
	db.MustExec(`DELETE FROM rollup_runs WHERE as_of = $1::date AND horizon = $2`,
		points[len(points)-1].AsOf.Format(time.DateOnly), points[len(points)-1].Horizon)
	statements.Reset()
	split, err := e.Series(ctx, poles, points, 64, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(split, live) {
		t.Fatalf("from the rollups but one point\n%s\nfrom the data\n%s", dump(split), dump(live))
	}
	if n := statements.Count(); n != 8 {
		t.Errorf("%d statements with a point without rollup, want 8 (look-up; look-up, roles and skills twice; the look-up of a rollup of another date at its horizon)", n)
	}
	// Concurrent identical requests compute that point once: while a lock
	// holds the employees, one statement waits for it, not eight.
	lock := db.MustBegin()
	lock.MustExec(`LOCK TABLE employees IN ACCESS EXCLUSIVE MODE`)
	statements.Reset()
	var wg sync.WaitGroup
	answers := make([]map[analytics.Scope][]analytics.Figures, 8)
	errs := make([]error, 8)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = e.Series(ctx, poles, points, 64, nil, nil)
		}()
	}
	var waiting int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err := db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
	}
	time.Sleep(300 * time.Millisecond) // the other requests reach the point too
	if err := db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
		t.Fatal(err)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if waiting != 1 {
		t.Errorf("%d statements computed the point without rollup at once for 8 identical requests, want 1", waiting)
	}
	for i := range answers {
		if errs[i] != nil || !reflect.DeepEqual(answers[i], live) {
			t.Fatalf("concurrent request %d: err %v, or figures differ from the data's", i, errs[i])
		}
	}
	// With a point cache (the server's), the answer is kept for the data
	// version: the next request runs the rollups' look-up only; a new
	// version computes it again.
	version := int64(1)
	e.Version = func(context.Context) (int64, bool) { return version, true }
	e.Points = analytics.NewPointCache(analytics.DefaultPointRows)
	for i, want := range []int64{8, 1, 8} {
		if i == 2 {
			version++
		}
		statements.Reset()
		cached, err := e.Series(ctx, poles, points, 64, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cached, live) {
			t.Fatalf("request %d with the point cache: figures differ from the data's", i)
		}
		if n := statements.Count(); n != want {
			t.Errorf("request %d with the point cache: %d statements, want %d", i, n, want)
		}
	}
	e.Version, e.Points = nil, nil
	db.MustExec(`UPDATE rollup_pole_skills SET required = required + 1000`)
	if tampered, _ := e.Series(ctx, poles, points, 64, nil, nil); reflect.DeepEqual(tampered, live) {
		t.Error("a tampered rollup did not change the series: it is not read")
	}
	if _, err := e.Series(ctx, scopes[:1], []analytics.Point{{AsOf: reference.GenAsOf, Horizon: 2020}}, 64, nil, nil); err == nil {
		t.Error("a horizon before asOf's year was accepted")
	}
}

// firstSkills are the ids of the first n skills of a series in a trend's
// order at its last point (gap descending, coverage ascending with none
// last, code), among the skills with figures at some point (0 elsewhere).
func firstSkills(figs []analytics.Figures, n int) []int {
	last := figs[len(figs)-1]
	code := map[int]string{}
	for _, f := range figs {
		for _, g := range f.Skills {
			code[g.SkillID] = g.SkillCode
		}
	}
	var ids []int
	for id := range code {
		ids = append(ids, id)
	}
	at := func(id int) (gap int, cov *float64) {
		if g := skillOf(last, id); g != nil {
			return g.Gap, g.Coverage
		}
		return 0, nil
	}
	sort.Slice(ids, func(i, j int) bool {
		gi, ci := at(ids[i])
		gj, cj := at(ids[j])
		if gi != gj {
			return gi > gj
		}
		if (ci == nil) != (cj == nil) {
			return cj == nil
		}
		if ci != nil && *ci != *cj {
			return *ci < *cj
		}
		return code[ids[i]] < code[ids[j]]
	})
	return ids[:min(n, len(ids))]
}

// firstRoles are the ids of the first n roles of a series by roleGap
// descending at its last point, then code.
func firstRoles(figs []analytics.Figures, n int) []int {
	last := figs[len(figs)-1]
	code := map[int]string{}
	for _, f := range figs {
		for _, g := range f.Roles {
			code[g.RoleID] = g.RoleCode
		}
	}
	var ids []int
	for id := range code {
		ids = append(ids, id)
	}
	gap := func(id int) int {
		if g := roleOf(last, id); g != nil {
			return g.Gap
		}
		return 0
	}
	sort.Slice(ids, func(i, j int) bool {
		if gap(ids[i]) != gap(ids[j]) {
			return gap(ids[i]) > gap(ids[j])
		}
		return code[ids[i]] < code[ids[j]]
	})
	return ids[:min(n, len(ids))]
}

func skillOf(f analytics.Figures, id int) *analytics.SkillGap {
	for i := range f.Skills {
		if f.Skills[i].SkillID == id {
			return &f.Skills[i]
		}
	}
	return nil
}

func roleOf(f analytics.Figures, id int) *analytics.RoleGap {
	for i := range f.Roles {
		if f.Roles[i].RoleID == id {
			return &f.Roles[i]
		}
	}
	return nil
}
