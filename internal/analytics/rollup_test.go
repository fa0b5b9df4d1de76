package analytics_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/rollup"
)

// partsOf names the rollup parts of poles.
func partsOf(poles []string) []string {
	var parts []string
	for _, id := range poles {
		parts = append(parts, rollup.PolePart(id))
	}
	return parts
}

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
					if _, ok, err := rollup.FreshParts(ctx, e.DB, key, true, partsOf(poles)); err != nil || !ok {
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
			// A write to one company makes its poles' parts stale, and only
			// them: their answers are the data's again, untampered.
			// A company active in one pole, in fewer poles than all.
			var siren, pole string
			var its []string
			if err := e.DB.QueryRow(`SELECT m.siren, min(m.pole_id) FILTER (WHERE m.since <= $1::date AND (m.until IS NULL OR m.until > $1::date))
FROM memberships m GROUP BY m.siren
HAVING count(DISTINCT m.pole_id) < (SELECT count(*) FROM poles)
   AND count(*) FILTER (WHERE m.since <= $1::date AND (m.until IS NULL OR m.until > $1::date)) > 0
ORDER BY count(DISTINCT m.pole_id), m.siren LIMIT 1`, key.AsOf).Scan(&siren, &pole); err != nil {
				t.Fatal(err)
			}
			if err := e.DB.Select(&its, `SELECT DISTINCT pole_id FROM memberships WHERE siren = $1`, siren); err != nil {
				t.Fatal(err)
			}
			// An undated need of a role the site had none of: a new target.
			if _, err := e.DB.Exec(`INSERT INTO needs (siret, role_id, horizon_year, headcount)
SELECT s.siret, (SELECT min(r.id) FROM roles r WHERE NOT EXISTS (SELECT 1 FROM needs n WHERE n.siret = s.siret AND n.role_id = r.id)), $2, 5
FROM sites s WHERE s.siren = $1 ORDER BY s.siret LIMIT 1`, siren, key.Horizon); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := rollup.Fresh(ctx, e.DB, key); ok {
				t.Fatal("the rollup is still fresh after a write")
			}
			if _, ok, _ := rollup.FreshParts(ctx, e.DB, key, false, partsOf([]string{pole})); ok {
				t.Fatalf("the part of pole %s is still fresh after a write to its member %s", pole, siren)
			}
			for _, id := range poles[1:] {
				if slices.Contains(its, id) {
					continue
				}
				if _, ok, err := rollup.FreshParts(ctx, e.DB, key, false, partsOf([]string{id})); err != nil || !ok {
					t.Fatalf("a write to %s (pole %s) made the part of pole %s stale (err %v)", siren, pole, id, err)
				}
			}
			if got := answer(t, e, []string{pole}, p); reflect.DeepEqual(got.Roles[analytics.Scope{PoleID: pole}], live.Roles[analytics.Scope{PoleID: pole}]) {
				t.Fatal("the write changed nothing in its pole's figures: the check is vacuous")
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

// TestIncrementalRollups writes to one company between builds, rebuilds
// the stale parts only (its poles'), and checks every pole answer against
// the data and against a whole rebuild; then the same after a write dated
// after the rollup's asOf, which leaves every part fresh.
func TestIncrementalRollups(t *testing.T) {
	ctx := context.Background()
	for _, seed := range []int64{4, 5} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, d := generated(t, seed, reference.Small)
			var poles []string
			for _, p := range d.Poles {
				poles = append(poles, p.ID)
			}
			r := &rollup.Refresher{DB: e.DB, Builders: []rollup.Builder{analytics.BuildRollup}}
			var sirens []string
			if err := e.DB.Select(&sirens, `SELECT m.siren FROM memberships m GROUP BY m.siren
ORDER BY count(*) DESC, (SELECT count(*) FROM employees e WHERE e.siren = m.siren) DESC, m.siren LIMIT 3`); err != nil {
				t.Fatal(err)
			}
			for i, p := range paramSets() {
				if p.IncludeOptional {
					continue
				}
				key := rollup.Key{AsOf: p.AsOf, Horizon: p.Horizon, RetirementAge: p.RetirementAge}
				if _, err := r.Build(ctx, key); err != nil {
					t.Fatal(err)
				}
				// A company's assessments, needs, an employee leaving and a
				// membership ending: every kind of row its poles read.
				siren := sirens[i%len(sirens)]
				for _, stmt := range []string{
					`UPDATE employee_skills SET level = CASE WHEN level >= 3 THEN 1 ELSE 4 END WHERE employee_id IN (SELECT id FROM employees WHERE siren = $1)`,
					`UPDATE needs SET headcount = headcount + 7 WHERE siret IN (SELECT siret FROM sites WHERE siren = $1)`,
					`DELETE FROM employees WHERE id = (SELECT min(id) FROM employees WHERE siren = $1)`,
					`UPDATE memberships SET until = since + 1 WHERE siren = $1 AND pole_id = (SELECT max(pole_id) FROM memberships WHERE siren = $1)
					   AND (SELECT count(*) FROM memberships WHERE siren = $1) > 1`,
				} {
					if _, err := e.DB.Exec(stmt, siren); err != nil {
						t.Fatal(err)
					}
				}
				stale, _, err := r.StaleParts(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				if len(stale) == 0 || len(stale) == len(poles) {
					t.Fatalf("%s: a write to %s made %d of %d parts stale", key, siren, len(stale), len(poles))
				}
				if _, err := r.Rebuild(ctx, key, stale); err != nil {
					t.Fatal(err)
				}
				if _, ok, err := rollup.FreshParts(ctx, e.DB, key, p.IncludeProjects, partsOf(poles)); err != nil || !ok {
					t.Fatalf("%s: not fresh after the rebuild of %v (err %v)", key, stale, err)
				}
				incremental := answer(t, e, poles, p)
				e.DB.MustExec(`DELETE FROM rollup_runs`)
				live := answer(t, e, poles, p)
				if !reflect.DeepEqual(incremental, live) {
					t.Fatalf("%s: rebuilt %v\n%s\nfrom the data\n%s", key, stale, dump(incremental), dump(live))
				}
				if _, err := r.Build(ctx, key); err != nil {
					t.Fatal(err)
				}
				if whole := answer(t, e, poles, p); !reflect.DeepEqual(incremental, whole) {
					t.Fatalf("%s: rebuilt %v\n%s\nrebuilt whole\n%s", key, stale, dump(incremental), dump(whole))
				}
				// An assessment dated after asOf changes no figure at asOf.
				if res, err := e.DB.Exec(`INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
SELECT e.id, (SELECT min(id) FROM skills), 1, $1::date + 1 + $2::int FROM employees e ORDER BY e.id LIMIT 1`,
					key.AsOf, i); err != nil {
					t.Fatal(err)
				} else if n, _ := res.RowsAffected(); n != 1 {
					t.Fatalf("%s: no dated assessment written", key)
				}
				if stale, _, err := r.StaleParts(ctx, key); err != nil || len(stale) != 0 {
					t.Fatalf("%s: an assessment dated after asOf made %v stale (err %v)", key, stale, err)
				}
			}
		})
	}
}
