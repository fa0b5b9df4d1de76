package analytics_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/rollup"
)

// factDates returns every date a figure may change on in the database
// (entries, exits, assessments, completions, declarations, memberships'
// bounds), with the day before each, and 31 December of the years around
// them, sorted.
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
	// Checkpoints after every changed value (every day with a change),
	// every few, and none (the national spacing, on these small datasets).
	every := map[int64]int{1: 1, 2: 5, 3: 10000, 5: 2}
	for _, seed := range []int64{1, 2, 3, 5} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			defer analytics.SetStepsCheckpointEvery(every[seed])()
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
			var checkpoints int
			if err := e.DB.Get(&checkpoints, `SELECT count(*) FROM rollup_pole_skill_steps WHERE cumulative`); err != nil {
				t.Fatal(err)
			}
			if (checkpoints > 0) != (every[seed] < 100) {
				t.Fatalf("%d checkpoints with one every %d changes", checkpoints, every[seed])
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
				// The first few in the critical order and by coverage
				// (ranked before reading codes: ties matter).
				top, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByGap, 3)
				if err != nil {
					t.Fatal(err)
				}
				byCoverage, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCoverage, 2)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range scopes {
					name := fmt.Sprintf("%s H=%d A=%d pole %s", day.Format(time.DateOnly), p.Horizon, p.RetirementAge, s.PoleID)
					want := d.SkillGaps(s, p)
					if got := skills[s]; got.Total != len(want) || !reflect.DeepEqual(orNil(got.Items), orNil(want)) {
						t.Fatalf("%s skill gaps from the steps:\n got %s\nwant %s", name, dump(got.Items), dump(want))
					}
					for _, c := range []struct {
						got   analytics.SkillPage
						order func(a, b analytics.SkillGap) int
						n     int
					}{{top[s], byGap, 3}, {byCoverage[s], byCoverageOrder, 2}} {
						ranked := slices.Clone(want)
						slices.SortStableFunc(ranked, c.order)
						if len(ranked) > c.n {
							ranked = ranked[:c.n]
						}
						if c.got.Total != len(want) || !reflect.DeepEqual(orNil(c.got.Items), orNil(ranked)) {
							t.Fatalf("%s first %d skill gaps from the steps:\n got %s\nwant %s", name, c.n, dump(c.got.Items), dump(ranked))
						}
						for i := 1; i < len(ranked); i++ {
							if ranked[i].Gap == ranked[i-1].Gap {
								seen["ties broken by code"]++
							}
						}
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
	for _, w := range []string{"upskillable", "internal pool", "partly qualified", "dates with role figures", "ties broken by code"} {
		if seen[w] == 0 {
			t.Errorf("no case of %q over the seeds: the comparison is too weak (seen %v)", w, what)
		}
	}
}

// TestRefreshKeepsSteps checks the refresher's part in the steps: it builds
// every pole's steps for today's keys after their rollups, a dated write
// makes the steps of its company's poles answer only the dates before it,
// the change is kept until they have seen it (a rollup build alone does
// not prune it), and the next refresh rebuilds those poles' steps only.
func TestRefreshKeepsSteps(t *testing.T) {
	ctx := context.Background()
	e, d := generated(t, 7, reference.Small)
	var poles []string
	for _, p := range d.Poles {
		poles = append(poles, p.ID)
	}
	today := func() time.Time { return reference.GenAsOf }
	r := &rollup.Refresher{DB: e.DB, Builders: []rollup.Builder{analytics.BuildRollup}, Steps: &analytics.BuildSteps,
		Today: today, MaxCampaignKeys: -1}
	if _, complete, err := r.Refresh(ctx); err != nil || !complete {
		t.Fatalf("refresh: complete %v, err %v", complete, err)
	}
	keys, err := r.DefaultKeys(ctx)
	if err != nil || len(keys) == 0 {
		t.Fatalf("no keys (err %v)", err)
	}
	past := reference.GenAsOf.AddDate(-1, 2, 3)
	for _, k := range keys {
		sk := rollup.StepsKey{Horizon: k.Horizon, RetirementAge: k.RetirementAge}
		if ok, err := rollup.StepsFresh(ctx, e.DB, sk, partsOf(poles), past); err != nil || !ok {
			t.Fatalf("%+v: no fresh steps after a refresh (err %v)", sk, err)
		}
	}
	sk := rollup.StepsKey{Horizon: keys[0].Horizon, RetirementAge: keys[0].RetirementAge}
	builtAt := func(part string) (at time.Time) {
		t.Helper()
		if err := e.DB.Get(&at, `SELECT built_at FROM rollup_steps WHERE part = $1 AND horizon = $2 AND retirement_age = $3`,
			part, sk.Horizon, sk.RetirementAge); err != nil {
			t.Fatal(err)
		}
		return at
	}

	// An assessment dated `past` of a company in fewer poles than all.
	var siren string
	var its []string
	if err := e.DB.Get(&siren, `SELECT m.siren FROM memberships m JOIN employees x ON x.siren = m.siren
GROUP BY m.siren HAVING count(DISTINCT m.pole_id) < (SELECT count(*) FROM poles) ORDER BY m.siren LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.Select(&its, `SELECT DISTINCT pole_id FROM memberships WHERE siren = $1 ORDER BY 1`, siren); err != nil {
		t.Fatal(err)
	}
	var other string
	for _, p := range poles {
		if !slices.Contains(its, p) {
			other = p
			break
		}
	}
	before := builtAt(rollup.PolePart(other))
	if _, err := e.DB.Exec(`INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
SELECT min(x.id), (SELECT min(id) FROM skills), 3, $2 FROM employees x WHERE x.siren = $1`, siren, past); err != nil {
		t.Fatal(err)
	}
	mine := partsOf(its)
	if ok, _ := rollup.StepsFresh(ctx, e.DB, sk, mine, past.AddDate(0, 0, -1)); !ok {
		t.Fatal("a write dated D made the steps stale for the day before D")
	}
	if ok, _ := rollup.StepsFresh(ctx, e.DB, sk, mine, past); ok {
		t.Fatal("a write dated D left its poles' steps fresh on D")
	}
	if ok, _ := rollup.StepsFresh(ctx, e.DB, sk, partsOf([]string{other}), past); !ok {
		t.Fatal("a write to a company made the steps of a pole it is not in stale")
	}

	// Steps of a key that is not today's (another retirement age) are
	// dropped by the next refresh, and their rows with them.
	odd := rollup.StepsKey{Horizon: sk.Horizon, RetirementAge: 70}
	if err := r.BuildSteps(ctx, odd, rollup.PolePart(poles[0])); err != nil {
		t.Fatal(err)
	}

	// The rollups alone: the change stays for the steps.
	rollups := &rollup.Refresher{DB: e.DB, Builders: r.Builders, Today: today, MaxCampaignKeys: -1}
	if _, complete, err := rollups.Refresh(ctx); err != nil || !complete {
		t.Fatalf("refresh: complete %v, err %v", complete, err)
	}
	if ok, _ := rollup.StepsFresh(ctx, e.DB, sk, mine, past); ok {
		t.Fatal("a rollup build pruned a change the steps had not seen")
	}
	if _, complete, err := r.Refresh(ctx); err != nil || !complete {
		t.Fatalf("refresh: complete %v, err %v", complete, err)
	}
	for _, k := range keys {
		k := rollup.StepsKey{Horizon: k.Horizon, RetirementAge: k.RetirementAge}
		if ok, err := rollup.StepsFresh(ctx, e.DB, k, partsOf(poles), past); err != nil || !ok {
			t.Fatalf("%+v: steps not rebuilt by the refresh (err %v)", k, err)
		}
	}
	var oddRows int
	if err := e.DB.Get(&oddRows, `SELECT (SELECT count(*) FROM rollup_steps WHERE retirement_age = 70)
  + (SELECT count(*) FROM rollup_pole_skill_steps WHERE retirement_age = 70)
  + (SELECT count(*) FROM rollup_pole_role_steps WHERE retirement_age = 70)`); err != nil || oddRows != 0 {
		t.Fatalf("%d rows of steps of a key not kept left after a refresh (err %v)", oddRows, err)
	}
	if !builtAt(rollup.PolePart(other)).Equal(before) {
		t.Fatalf("the refresh rebuilt the steps of pole %s, which the write did not touch", other)
	}
	var left int
	if err := e.DB.Get(&left, `SELECT count(*) FROM rollup_changes WHERE scope LIKE 'pole:%'`); err != nil || left != 0 {
		t.Fatalf("%d changes left after every part and steps saw them (err %v)", left, err)
	}
	// After a write whose poles' parts readers derive around (one
	// company's), the refresh builds the steps before those parts, which
	// it paces: the dates the steps do not answer compute from the data.
	var log bytes.Buffer
	r.Log, r.Yield = slog.New(slog.NewTextHandler(&log, nil)), 1
	if _, err := e.DB.Exec(`INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
SELECT min(x.id), (SELECT min(id) FROM skills), 2, $2 FROM employees x WHERE x.siren = $1`, siren, past.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	if _, complete, err := r.Refresh(ctx); err != nil || !complete {
		t.Fatalf("refresh: complete %v, err %v", complete, err)
	}
	stepsAt, pacedAt := strings.Index(log.String(), "rollup steps built"), strings.Index(log.String(), "paced=true")
	if stepsAt < 0 || pacedAt < 0 || stepsAt > pacedAt {
		t.Fatalf("the steps were not built before the paced parts:\n%s", log.String())
	}

	// The steps answer the writes.
	p := analytics.Params{AsOf: past.AddDate(0, 0, 1), Horizon: sk.Horizon, RetirementAge: sk.RetirementAge}
	scope := analytics.Scope{PoleID: its[0]}
	got, err := e.SkillGaps(ctx, []analytics.Scope{scope}, p, analytics.SkillByCode, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err = reference.Load(ctx, e.DB)
	if err != nil {
		t.Fatal(err)
	}
	if want := d.SkillGaps(scope, p); !reflect.DeepEqual(orNil(got[scope].Items), orNil(want)) {
		t.Fatalf("rebuilt steps answer\n%s\nthe data\n%s", dump(got[scope].Items), dump(want))
	}
}

// byGap is DESIGN.md's critical order: gap descending, coverage ascending
// (none last), code.
func byGap(a, b analytics.SkillGap) int {
	if c := cmp.Compare(b.Gap, a.Gap); c != 0 {
		return c
	}
	if c := compareCoverage(a, b); c != 0 {
		return c
	}
	return strings.Compare(a.SkillCode, b.SkillCode)
}

// byCoverageOrder is SkillByCoverage: coverage ascending (none last), gap
// descending, code.
func byCoverageOrder(a, b analytics.SkillGap) int {
	if c := compareCoverage(a, b); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Gap, a.Gap); c != 0 {
		return c
	}
	return strings.Compare(a.SkillCode, b.SkillCode)
}

func compareCoverage(a, b analytics.SkillGap) int {
	switch {
	case a.Coverage == nil && b.Coverage == nil:
		return 0
	case a.Coverage == nil:
		return 1
	case b.Coverage == nil:
		return -1
	}
	return cmp.Compare(*a.Coverage, *b.Coverage)
}
