package analytics_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/rollup"
	"github.com/gpec-project/gpec/internal/testdb"
)

// TestDerivedFromAStalePart writes to two member companies after a
// rollup's build and checks that every pole answer (skill and role gaps in
// two orders, critical skills, shared opportunities for k = 1..3,
// mobility paths), with and without projects and the plan, derived from
// the stale parts equals the one computed from the data; that it reads the
// part's rows and the kept units (tampered, the answer changes); that it
// is kept for the data version; and that a change which is not a
// company's own (a membership) is computed from the data instead.
func TestDerivedFromAStalePart(t *testing.T) {
	ctx := context.Background()
	derived := 0
	for _, seed := range []int64{7, 13, 42} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			db, dsn := testdb.New(t)
			if err := reference.Insert(ctx, db, reference.Generate(seed, reference.Small)); err != nil {
				t.Fatal(err)
			}
			d, err := reference.Load(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			var poles []string
			for _, p := range d.Poles {
				poles = append(poles, p.ID)
			}
			e, statements := countingEngine(t, dsn)
			base := reference.GenAsOf
			r := &rollup.Refresher{DB: db, Builders: []rollup.Builder{analytics.BuildRollup}}
			sets := []analytics.Params{
				{AsOf: base, Horizon: 2029, RetirementAge: 64},
				{AsOf: base, Horizon: 2029, RetirementAge: 64, IncludeProjects: true},
				{AsOf: base, Horizon: 2031, RetirementAge: 62, WithPlan: true},
				{AsOf: base, Horizon: 2031, RetirementAge: 62, WithPlan: true, IncludeProjects: true},
			}
			for _, p := range sets {
				if _, err := r.Build(ctx, rollup.Key{AsOf: p.AsOf, Horizon: p.Horizon, RetirementAge: p.RetirementAge}); err != nil {
					t.Fatal(err)
				}
			}
			// Only the pairs of similar roles each pole's gaps need, so
			// that a derived answer must pair the written companies' new
			// gaps itself (as TestRebuildByCompany does).
			db.MustExec(`DELETE FROM rollup_similar_roles s WHERE NOT EXISTS (
  SELECT 1 FROM rollup_pole_company_roles a
  JOIN rollup_pole_company_roles b ON b.run_id = a.run_id AND b.pole_id = a.pole_id AND b.role_id = s.r2 AND b.gap > 0
  WHERE a.run_id = s.run_id AND a.role_id = s.r1 AND a.gap < 0)`)
			var sirens []string
			// Members with figures, project partners first (their project
			// needs count in the figures with projects).
			if err := db.Select(&sirens, `SELECT siren FROM (SELECT DISTINCT siren FROM rollup_unit_skills WHERE required > 0) u
ORDER BY EXISTS (SELECT 1 FROM project_needs pn WHERE pn.siren = u.siren) DESC, siren LIMIT 3`); err != nil || len(sirens) < 3 {
				t.Fatalf("members %v (err %v)", sirens, err)
			}
			for i, siren := range sirens[:2] {
				for w, stmt := range companyWrites {
					if (w+i)%2 == 0 {
						db.MustExec(typed+stmt, siren, base, 2029, 17*w+int(seed))
					}
				}
			}
			var unwritten string
			if err := db.Get(&unwritten, `SELECT min(siren) FROM rollup_unit_skills WHERE required > 0 AND NOT siren = ANY($1)`,
				sirens[:2]); err != nil {
				t.Fatal(err)
			}

			// Derived, then from the data (no rollup at all).
			got := map[int]poleAnswers{}
			version := int64(1)
			e.Version = func(context.Context) (int64, bool) { return version, true }
			e.Derived = analytics.NewDerivedCache(analytics.DefaultDerivedRows)
			for i, p := range sets {
				got[i] = answer(t, e, poles, p)
			}
			if n, _ := e.Derived.Len(); n == 0 {
				t.Fatal("no answer was derived from the stale parts")
			}
			// Kept for the data version: no statement but the rollups'
			// look-ups.
			statements.Reset()
			for i, p := range sets {
				if again := answer(t, e, poles, p); !reflect.DeepEqual(again, got[i]) {
					t.Fatalf("%+v: the kept answer differs", p)
				}
			}
			if n := statements.Count(); n > int64(8*len(sets)) {
				t.Errorf("%d statements for kept answers, want at most %d (the rollups' look-ups)", n, 8*len(sets))
			}
			e.Version, e.Derived = nil, nil

			// What is read: the part's pole rows, the written companies'
			// kept units (subtracted), the others' (the opportunities sum
			// every unit): tampered, each changes the derived answer.
			for _, table := range []struct{ name, where, arg string }{
				{"rollup_pole_skills", "pole_id <> $1", ""},
				{"rollup_unit_skills", "siren = $1", sirens[0]},
				{"rollup_unit_skills", "siren = $1", unwritten},
			} {
				db.MustExec(`UPDATE `+table.name+` SET required = required + 1000 WHERE `+table.where, table.arg)
				tampered := answer(t, e, poles, sets[0])
				db.MustExec(`UPDATE `+table.name+` SET required = required - 1000 WHERE `+table.where, table.arg)
				if reflect.DeepEqual(tampered, got[0]) {
					t.Fatalf("tampered %s where %s (%s) did not change the derived answer: not read", table.name, table.where, table.arg)
				}
			}

			// A membership's change: from the data, whatever the rollup says.
			db.MustExec(`UPDATE memberships SET since = since WHERE siren = $1`, sirens[2])
			db.MustExec(`UPDATE rollup_unit_skills SET required = required + 1000`)
			for i, p := range sets {
				if again := answer(t, e, poles, p); !reflect.DeepEqual(again, got[i]) {
					t.Fatalf("%+v: after a membership's change\n%s\nwant\n%s", p, dump(again), dump(got[i]))
				}
			}

			db.MustExec(`DELETE FROM rollup_runs`)
			for i, p := range sets {
				if live := answer(t, e, poles, p); !reflect.DeepEqual(live, got[i]) {
					t.Fatalf("%+v: derived from the stale parts\n%s\nfrom the data\n%s", p, dump(got[i]), dump(live))
				}
			}
			derived++
		})
	}
	if derived == 0 {
		t.Fatal("nothing derived")
	}
}
