package analytics_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/rollup"
)

// poleAnswers are every pole-scope answer the rollups can give.
type poleAnswers struct {
	Skills   map[analytics.Scope]analytics.SkillPage
	Top      map[analytics.Scope]analytics.SkillPage
	Roles    map[analytics.Scope]analytics.RolePage
	Critical map[string]analytics.CriticalSkillPage
	Shared   []map[string]analytics.SharedOpportunityPage
	Mobility map[string]analytics.MobilityPage
}

func answer(t *testing.T, e *analytics.Engine, poles []string, p analytics.Params) poleAnswers {
	t.Helper()
	ctx := context.Background()
	var scopes []analytics.Scope
	for _, id := range poles {
		scopes = append(scopes, analytics.Scope{PoleID: id})
	}
	var a poleAnswers
	var err error
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	a.Skills, err = e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
	must(err)
	a.Top, err = e.SkillGaps(ctx, scopes, p, analytics.SkillByGap, 3)
	must(err)
	a.Roles, err = e.RoleGaps(ctx, scopes, p, analytics.RoleByGap, 0)
	must(err)
	a.Critical, err = e.CriticalSkills(ctx, poles, p, 0)
	must(err)
	for _, k := range []int{1, 2, 3} {
		s, err := e.SharedTrainingOpportunities(ctx, poles, p, analytics.SharedOptions{MinCompanies: k}, 0)
		must(err)
		a.Shared = append(a.Shared, s)
	}
	a.Mobility, err = e.MobilityPaths(ctx, poles, p, 0)
	must(err)
	return a
}

// TestRollupsAnswerLikeTheData builds the pole rollups on random datasets
// and checks that every pole answer read from them equals the answer
// computed from the data; that the answers do come from the rollups (a
// tampered rollup shows); and that any write makes them stale.
func TestRollupsAnswerLikeTheData(t *testing.T) {
	ctx := context.Background()
	seen := map[string]int{}
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, d := generated(t, seed, reference.Small)
			poles := []string{"no-such-pole"}
			for _, p := range d.Poles {
				poles = append(poles, p.ID)
			}
			r := &rollup.Refresher{DB: e.DB, Builders: []rollup.Builder{analytics.BuildRollup}}
			for _, p := range paramSets() {
				if p.IncludeOptional {
					continue
				}
				key := rollup.Key{AsOf: p.AsOf, Horizon: p.Horizon, RetirementAge: p.RetirementAge}
				live := answer(t, e, poles, p)
				if _, err := r.Build(ctx, key); err != nil {
					t.Fatal(err)
				}
				if _, ok, err := rollup.Fresh(ctx, e.DB, key); err != nil || !ok {
					t.Fatalf("%s: no fresh rollup after a build (err %v)", key, err)
				}
				if got := answer(t, e, poles, p); !reflect.DeepEqual(got, live) {
					t.Fatalf("%s: from the rollup\n%s\nfrom the data\n%s", key, dump(got), dump(live))
				}
				if p.IncludeProjects {
					// The run with projects answers; the comparison is
					// not vacuous only where projects change the answers.
					if _, ok, err := rollup.FreshWithProjects(ctx, e.DB, key); err != nil || !ok {
						t.Fatalf("%s: no fresh rollup with projects after a build (err %v)", key, err)
					}
					q := p
					q.IncludeProjects = false
					plain := answer(t, e, poles, q)
					for what, differ := range map[string]bool{
						"projects change skills":        !reflect.DeepEqual(plain.Skills, live.Skills),
						"projects change roles":         !reflect.DeepEqual(plain.Roles, live.Roles),
						"projects change critical":      !reflect.DeepEqual(plain.Critical, live.Critical),
						"projects change opportunities": !reflect.DeepEqual(plain.Shared, live.Shared),
						"projects change mobility":      !reflect.DeepEqual(plain.Mobility, live.Mobility),
					} {
						if differ {
							seen[what]++
						}
					}
					if p.WithPlan {
						seen["projects with the plan"]++
					}
				}
				for _, id := range poles {
					seen["skills"] += live.Skills[analytics.Scope{PoleID: id}].Total
					seen["roles"] += live.Roles[analytics.Scope{PoleID: id}].Total
					seen["critical with companies"] += len(live.Critical[id].Items)
					seen["opportunities k=2"] += live.Shared[1][id].Total
					seen["mobility paths"] += live.Mobility[id].Total
				}
			}

			// The rollup is what answers: tampering with it shows.
			p := paramSets()[0]
			key := rollup.Key{AsOf: p.AsOf, Horizon: p.Horizon, RetirementAge: p.RetirementAge}
			if _, err := r.Build(ctx, key); err != nil {
				t.Fatal(err)
			}
			live := answer(t, e, poles, p)
			if _, err := e.DB.Exec(`UPDATE rollup_pole_skills SET required = required + 1000`); err != nil {
				t.Fatal(err)
			}
			if got := answer(t, e, poles, p); reflect.DeepEqual(got.Skills, live.Skills) {
				t.Fatal("a tampered rollup did not change the answers: they do not come from the rollup")
			}
			// So does the run with projects, for requests with projects
			// only.
			pp := p
			pp.IncludeProjects = true
			if _, err := r.Build(ctx, key); err != nil {
				t.Fatal(err)
			}
			withProjects := answer(t, e, poles, pp)
			if _, err := e.DB.Exec(`UPDATE rollup_pole_skills s SET required = required + 1000
FROM rollup_runs r WHERE r.id = s.run_id AND r.projects`); err != nil {
				t.Fatal(err)
			}
			if got := answer(t, e, poles, pp); reflect.DeepEqual(got.Skills, withProjects.Skills) {
				t.Fatal("a tampered rollup with projects did not change the answers with projects")
			}
			if got := answer(t, e, poles, p); !reflect.DeepEqual(got, live) {
				t.Fatal("a tampered rollup with projects changed the answers without projects")
			}
			// Any write to the data makes it stale: the answers are the
			// data's again, untampered.
			if _, err := e.DB.Exec(`UPDATE companies SET name = name WHERE false`); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := rollup.Fresh(ctx, e.DB, key); ok {
				t.Fatal("the rollup is still fresh after a write")
			}
			if got := answer(t, e, poles, p); !reflect.DeepEqual(got, live) {
				t.Fatal("after a write, the answers are not the data's")
			}
		})
	}
	for _, what := range []string{"skills", "roles", "critical with companies", "opportunities k=2", "mobility paths",
		"projects change skills", "projects change roles", "projects change critical", "projects change opportunities",
		"projects change mobility", "projects with the plan"} {
		if seen[what] == 0 {
			t.Errorf("the datasets never had %s: the comparison is vacuous there", what)
		}
	}
	t.Logf("compared: %v", seen)
}
