package analytics_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/rollup"
)

// factDates returns every date a figure may change on in the database
// (entries, exits, assessments, completions, declarations, memberships'
// bounds), with the day before each, and 31 December of the years around
// them (the steps' checkpoints), sorted.
func factDates(t *testing.T, e *analytics.Engine) []time.Time {
	t.Helper()
	var days []time.Time
	if err := e.DB.Select(&days, `
SELECT DISTINCT y.d FROM (
  SELECT entry_date AS d FROM employees UNION ALL SELECT exit_date FROM employees
  UNION ALL SELECT assessed_on FROM employee_skills UNION ALL SELECT completed_on FROM enrolments
  UNION ALL SELECT declared_on FROM needs UNION ALL SELECT since FROM memberships UNION ALL SELECT until FROM memberships
) x CROSS JOIN LATERAL (VALUES (x.d), (x.d - 1), (make_date(extract(year FROM x.d)::int, 12, 31)),
                               (make_date(extract(year FROM x.d)::int - 1, 12, 31))) y(d)
WHERE y.d IS NOT NULL ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	return days
}

// TestStepsAnswerLikeTheReference builds every pole's steps on random
// datasets and checks that pole skill and role gaps at any date they
// answer equal the naive reference's: on and the day before every date of
// a fact, and around the checkpoints; that the answers do come from the
// steps (tampering shows); and that a write dated D makes them answer only
// the dates before D.
func TestStepsAnswerLikeTheReference(t *testing.T) {
	ctx := context.Background()
	seen := map[string]int{}
	for _, seed := range []int64{1, 2, 3, 5} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, d := generated(t, seed, reference.Small)
			var poles []string
			var scopes []analytics.Scope
			for _, p := range d.Poles {
				poles = append(poles, p.ID)
				scopes = append(scopes, analytics.Scope{PoleID: p.ID})
			}
			r := &rollup.Refresher{DB: e.DB, Steps: &analytics.BuildSteps}
			keys := []rollup.StepsKey{{Horizon: 2028, RetirementAge: 64}, {Horizon: 2031, RetirementAge: 62},
				{Horizon: reference.GenAsOf.Year(), RetirementAge: 64}}
			for _, k := range keys {
				for _, part := range partsOf(poles) {
					if err := r.BuildSteps(ctx, k, part); err != nil {
						t.Fatal(err)
					}
				}
			}
			days := factDates(t, e)
			days = append(days, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 12, 31, 0, 0, 0, 0, time.UTC))
			rng := rand.New(rand.NewSource(seed))
			for _, day := range days {
				// A key whose horizon is not before the date.
				var fit []rollup.StepsKey
				for _, k := range keys {
					if k.Horizon >= day.Year() {
						fit = append(fit, k)
					}
				}
				if len(fit) == 0 {
					continue
				}
				k := fit[rng.Intn(len(fit))]
				p := analytics.Params{AsOf: day, Horizon: k.Horizon, RetirementAge: k.RetirementAge}
				if ok, err := rollup.StepsFresh(ctx, e.DB, k, partsOf(poles), day); err != nil || !ok {
					t.Fatalf("%s: the steps do not answer after their build (err %v)", day.Format(time.DateOnly), err)
				}
				skills, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
				if err != nil {
					t.Fatal(err)
				}
				roles, err := e.RoleGaps(ctx, scopes, p, analytics.RoleByCode, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range scopes {
					name := fmt.Sprintf("%s H=%d A=%d pole %s", day.Format(time.DateOnly), p.Horizon, p.RetirementAge, s.PoleID)
					want := d.SkillGaps(s, p)
					if got := skills[s]; got.Total != len(want) || !reflect.DeepEqual(orNil(got.Items), orNil(want)) {
						t.Fatalf("%s skill gaps from the steps:\n got %s\nwant %s", name, dump(got.Items), dump(want))
					}
					wantR := d.RoleGaps(s, p)
					if got := roles[s]; got.Total != len(wantR) || !reflect.DeepEqual(orNil(got.Items), orNil(wantR)) {
						t.Fatalf("%s role gaps from the steps:\n got %+v\nwant %+v", name, got.Items, wantR)
					}
					for _, g := range want {
						if g.Upskillable > 0 {
							seen["upskillable"]++
						}
						if g.InternalPool > 0 {
							seen["internal pool"]++
						}
						if g.Qualified > 0 && g.Qualified < g.Required {
							seen["partly qualified"]++
						}
					}
					if len(wantR) > 0 {
						seen["dates with role figures"]++
					}
				}
			}

			// The steps are what answers: tampering with them shows.
			k := keys[0]
			mid := reference.GenAsOf.AddDate(0, -3, 0)
			p := analytics.Params{AsOf: mid, Horizon: k.Horizon, RetirementAge: k.RetirementAge}
			before, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.DB.Exec(`UPDATE rollup_pole_skill_steps SET qualified = array_fill(1000, ARRAY[cardinality(skill_ids)])
WHERE horizon = $1 AND retirement_age = $2`, k.Horizon, k.RetirementAge); err != nil {
				t.Fatal(err)
			}
			if _, err := e.DB.Exec(`UPDATE rollup_pole_role_steps SET target = array_fill(1000, ARRAY[cardinality(role_ids)])
WHERE horizon = $1 AND retirement_age = $2`, k.Horizon, k.RetirementAge); err != nil {
				t.Fatal(err)
			}
			if got, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0); err != nil || reflect.DeepEqual(got, before) {
				t.Fatalf("tampered steps did not change the answers (err %v): they do not come from the steps", err)
			}

			// A write dated D: the steps answer the dates before D only,
			// and the dates from D on are the data's (untampered).
			var siren, pole string
			if err := e.DB.QueryRow(`SELECT m.siren, m.pole_id FROM memberships m
JOIN employees x ON x.siren = m.siren ORDER BY m.pole_id, m.siren LIMIT 1`).Scan(&siren, &pole); err != nil {
				t.Fatal(err)
			}
			// An assessment dated D (a company's rows are marked by their
			// dates: migration 0015).
			if _, err := e.DB.Exec(`INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
SELECT min(x.id), (SELECT min(id) FROM skills), 4, $2 FROM employees x WHERE x.siren = $1`, siren, mid); err != nil {
				t.Fatal(err)
			}
			part := partsOf([]string{pole})
			if ok, _ := rollup.StepsFresh(ctx, e.DB, k, part, mid.AddDate(0, 0, -1)); !ok {
				t.Fatal("a write dated D made the steps stale for the day before D")
			}
			if ok, _ := rollup.StepsFresh(ctx, e.DB, k, part, mid); ok {
				t.Fatal("a write dated D left the steps fresh on D")
			}
			after := analytics.Params{AsOf: mid.AddDate(0, 1, 0), Horizon: k.Horizon, RetirementAge: k.RetirementAge}
			got, err := e.SkillGaps(ctx, []analytics.Scope{{PoleID: pole}}, after, analytics.SkillByCode, 0)
			if err != nil {
				t.Fatal(err)
			}
			if want := d.SkillGaps(analytics.Scope{PoleID: pole}, after); len(want) > 0 && got[analytics.Scope{PoleID: pole}].Total == len(want) {
				// The reference is the dataset before the write: the
				// answer must be the data's now, not the tampered steps'.
				for _, g := range got[analytics.Scope{PoleID: pole}].Items {
					if g.Qualified >= 1000 || g.Required >= 1000 {
						t.Fatalf("stale steps answered %s: %+v", after.AsOf.Format(time.DateOnly), g)
					}
				}
			}
			// Rebuilt, they answer every date again.
			if err := r.BuildSteps(ctx, k, part[0]); err != nil {
				t.Fatal(err)
			}
			if ok, _ := rollup.StepsFresh(ctx, e.DB, k, part, mid); !ok {
				t.Fatal("rebuilt steps do not answer")
			}
		})
	}
	var what []string
	for w := range seen {
		what = append(what, w)
	}
	sort.Strings(what)
	for _, w := range []string{"upskillable", "internal pool", "partly qualified", "dates with role figures"} {
		if seen[w] == 0 {
			t.Errorf("no case of %q over the seeds: the comparison is too weak (seen %v)", w, what)
		}
	}
}
