package analytics_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// generated inserts a random dataset into a fresh database and returns the
// engine and the dataset as loaded back (what the reference computes from).
func generated(t *testing.T, seed int64, size reference.Size) (*analytics.Engine, *reference.Dataset) {
	t.Helper()
	db, _ := testdb.New(t)
	ctx := context.Background()
	if err := reference.Insert(ctx, db, reference.Generate(seed, size)); err != nil {
		t.Fatal(err)
	}
	d, err := reference.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return &analytics.Engine{DB: db}, d
}

// scopesOf lists the scopes the property tests try: every company, pole
// (one without members, one unknown), territory at each level, pole ×
// region/department, company × department, company × pole.
func scopesOf(d *reference.Dataset) []analytics.Scope {
	var out []analytics.Scope
	for _, c := range d.Companies {
		out = append(out, analytics.Scope{Siren: c.Siren})
		out = append(out, analytics.Scope{Siren: c.Siren, TerritoryLevel: "department", TerritoryCode: "69"})
		out = append(out, analytics.Scope{Siren: c.Siren, PoleID: "aero-84"})
	}
	poles := []string{"no-such-pole"}
	for _, p := range d.Poles {
		poles = append(poles, p.ID)
	}
	for _, p := range poles {
		out = append(out, analytics.Scope{PoleID: p})
	}
	for _, t := range d.Territories {
		out = append(out, analytics.Scope{TerritoryLevel: t.Level, TerritoryCode: t.Code})
		if t.Level != "commune" {
			for _, p := range poles[1:3] {
				out = append(out, analytics.Scope{PoleID: p, TerritoryLevel: t.Level, TerritoryCode: t.Code})
			}
		}
	}
	return out
}

// paramSets crosses reference dates on and around boundaries, horizons,
// retirement ages 62 and 64, includeOptional and includeProjects (the
// latter without includeOptional, to keep the run short: the two options
// touch different parts of the figures).
func paramSets() []analytics.Params {
	var out []analytics.Params
	for _, asOf := range []time.Time{reference.GenAsOf, reference.GenAsOf.AddDate(0, 0, 1), time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)} {
		for _, h := range []int{asOf.Year(), 2028, 2031} {
			for _, a := range []int{62, 64} {
				for _, opt := range []bool{false, true} {
					// The plan with one of each (A, includeOptional) pair's
					// values, so that both are met without doubling the sets.
					plan := opt != (a == 62)
					out = append(out, analytics.Params{AsOf: asOf, Horizon: h, RetirementAge: a, IncludeOptional: opt, WithPlan: plan})
				}
				// Projects with and without the plan: with both,
				// gapAfterPlan = required (with projects) − qualifiedWithPlan.
				out = append(out, analytics.Params{AsOf: asOf, Horizon: h, RetirementAge: a, IncludeProjects: true, WithPlan: a == 64})
			}
		}
	}
	return out
}

func orNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestAgainstReference compares every figure of the engine with the naive
// reference on random datasets, for many scopes and parameters.
func TestAgainstReference(t *testing.T) {
	ctx := context.Background()
	// seen counts the non-trivial cases met over all seeds, so that a sparse
	// generator cannot make the comparison vacuous.
	seen := map[string]int{}
	for _, seed := range []int64{1, 2, 3, 4} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, d := generated(t, seed, reference.Small)
			scopes := scopesOf(d)
			poles := []string{"no-such-pole"}
			for _, p := range d.Poles {
				poles = append(poles, p.ID)
			}
			nonEmpty := 0
			for _, p := range paramSets() {
				name := fmt.Sprintf("asOf=%s H=%d A=%d opt=%v projects=%v", p.AsOf.Format("2006-01-02"), p.Horizon, p.RetirementAge,
					p.IncludeOptional, p.IncludeProjects)
				roles, err := e.RoleGaps(ctx, scopes, p, analytics.RoleByCode, 0)
				if err != nil {
					t.Fatal(err)
				}
				skills, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range scopes {
					want := d.RoleGaps(s, p)
					if got := roles[s]; got.Total != len(want) || !reflect.DeepEqual(orNil(got.Items), orNil(want)) {
						t.Fatalf("%s %+v role gaps:\n got %+v\nwant %+v", name, s, got.Items, want)
					}
					wantS := d.SkillGaps(s, p)
					if got := skills[s]; got.Total != len(wantS) || !reflect.DeepEqual(orNil(got.Items), orNil(wantS)) {
						t.Fatalf("%s %+v skill gaps:\n got %s\nwant %s", name, s, dump(got.Items), dump(wantS))
					}
					if len(want) > 0 {
						nonEmpty++
					}
					if p.IncludeProjects {
						plain := p
						plain.IncludeProjects = false
						if !reflect.DeepEqual(want, d.RoleGaps(s, plain)) {
							seen[fmt.Sprint("projects change the figures of a scope with a pole: ", s.PoleID != "")]++
						}
					}
					for _, g := range want {
						if g.Gap < 0 {
							seen["negative roleGap"]++
						}
						if g.Headcount == 0 && g.Target > 0 {
							seen["need without employees"]++
						}
					}
					for _, g := range wantS {
						if g.InternalPool > 0 {
							seen["internalPool"]++
						}
						if g.Upskillable > 0 {
							seen["upskillable"]++
						}
						if g.Coverage == nil {
							seen["null coverage"]++
						}
						if g.LevelNeeded == 0 {
							seen["no level needed"]++
						}
						if g.PlannedLearners > 0 {
							seen["planned learners"]++
						}
					}
				}
				crit, err := e.CriticalSkills(ctx, poles, p, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range []int{1, 2, 3} {
					shared, err := e.SharedTrainingOpportunities(ctx, poles, p, analytics.SharedOptions{MinCompanies: k}, 0)
					if err != nil {
						t.Fatal(err)
					}
					for _, pole := range poles {
						want := d.SharedTrainingOpportunities(pole, p, k)
						seen[fmt.Sprint("shared k=", k)] += len(want)
						if got := shared[pole]; got.Total != len(want) || !reflect.DeepEqual(orNil(got.Items), orNil(want)) {
							t.Fatalf("%s %s k=%d shared:\n got %+v\nwant %+v", name, pole, k, got.Items, want)
						}
					}
				}
				mob, err := e.MobilityPaths(ctx, poles, p, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, pole := range poles {
					want := d.CriticalSkills(pole, p)
					if got := crit[pole]; got.Total != len(want) || !reflect.DeepEqual(orNil(got.Items), orNil(want)) {
						t.Fatalf("%s %s critical:\n got %+v\nwant %+v", name, pole, got.Items, want)
					}
					wantM := d.MobilityPaths(pole, p)
					seen["mobility paths"] += len(wantM)
					for _, c := range want {
						if c.CompaniesWithGap > 1 {
							seen["critical in several companies"]++
						}
					}
					if got := mob[pole]; got.Total != len(wantM) || !reflect.DeepEqual(orNil(got.Items), orNil(wantM)) {
						t.Fatalf("%s %s mobility:\n got %+v\nwant %+v", name, pole, got.Items, wantM)
					}
				}
			}
			for _, en := range d.Enrolments {
				if en.Status == "completed" {
					for _, ts := range d.TrainingSkills {
						if ts.TrainingID == en.TrainingID {
							l, _ := d.Assessed(en.EmployeeID, ts.SkillID, reference.GenAsOf)
							if d.Level(en.EmployeeID, ts.SkillID, reference.GenAsOf) > l {
								seen["completion raises a level"]++
							}
						}
					}
				}
			}
			if nonEmpty < 100 {
				t.Fatalf("only %d non-empty role pages: the generator is too sparse to test anything", nonEmpty)
			}
			// Trainings: every skill, every level, scopes of every kind.
			var reqs []analytics.NearRequest
			for _, s := range scopes {
				for _, sk := range d.Skills {
					reqs = append(reqs, analytics.NearRequest{Scope: s, SkillID: sk.ID, MinLevel: int(sk.ID) % 5})
				}
			}
			near, err := e.TrainingsNear(ctx, reqs, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range reqs {
				want := d.TrainingsNear(r)
				for _, m := range want {
					seen[fmt.Sprint("training distance ", m.Distance)]++
				}
				if got := near[r]; got.Total != len(want) || !reflect.DeepEqual(orNil(got.Items), orNil(want)) {
					t.Fatalf("%+v trainings:\n got %s\nwant %s", r, dump(got.Items), dump(want))
				}
			}
			for _, y := range []int{2024, 2025, 2026, 2027} {
				seen["employment created"] += d.Employment("aero-84", y).Created
				emp, err := e.Employment(ctx, poles, y)
				if err != nil {
					t.Fatal(err)
				}
				for _, pole := range poles {
					if want := d.Employment(pole, y); !reflect.DeepEqual(emp[pole], want) {
						t.Fatalf("%s %d employment: got %s want %s", pole, y, dump(emp[pole]), dump(want))
					}
				}
			}
		})
	}
	t.Logf("cases met: %v", seen)
	for _, c := range []string{"negative roleGap", "need without employees", "internalPool", "upskillable",
		"null coverage", "shared k=3", "mobility paths", "critical in several companies", "employment created",
		"training distance 0", "training distance 1", "training distance 2", "planned learners", "completion raises a level",
		"projects change the figures of a scope with a pole: true", "projects change the figures of a scope with a pole: false"} {
		if seen[c] == 0 {
			t.Errorf("no case of %q: the generator is too sparse", c)
		}
	}
}

// TestOrdersAndFirst checks every order and the per-scope cut against the
// reference's sort of the full lists.
func TestOrdersAndFirst(t *testing.T) {
	ctx := context.Background()
	e, d := generated(t, 7, reference.Small)
	scopes := scopesOf(d)
	p := analytics.Params{AsOf: reference.GenAsOf, Horizon: 2029, RetirementAge: 62}
	for _, first := range []int{1, 3} {
		for _, o := range []analytics.RoleOrder{analytics.RoleByGap, analytics.RoleByHeadcount, analytics.RoleByDepartures, analytics.RoleByCode} {
			got, err := e.RoleGaps(ctx, scopes, p, o, first)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range scopes {
				want := d.RoleGaps(s, p)
				reference.SortRoles(want, o)
				total := len(want)
				want = want[:min(first, len(want))]
				if got[s].Total != total || !reflect.DeepEqual(orNil(got[s].Items), orNil(want)) {
					t.Fatalf("%s first %d %+v:\n got %+v\nwant %+v", o, first, s, got[s], want)
				}
			}
		}
		for _, o := range []analytics.SkillOrder{analytics.SkillByGap, analytics.SkillByCoverage, analytics.SkillByRequired, analytics.SkillByCode} {
			got, err := e.SkillGaps(ctx, scopes, p, o, first)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range scopes {
				want := d.SkillGaps(s, p)
				reference.SortSkills(want, o)
				total := len(want)
				want = want[:min(first, len(want))]
				if got[s].Total != total || !reflect.DeepEqual(orNil(got[s].Items), orNil(want)) {
					t.Fatalf("%s first %d %+v:\n got %s\nwant %s", o, first, s, dump(got[s].Items), dump(want))
				}
			}
		}
	}
}

// TestAdditivity checks the figures' algebra on random data: a pole's role
// figures are the sums of its active members' company scopes, a region's
// the sums of its departments', and gap = required − qualified everywhere.
func TestAdditivity(t *testing.T) {
	ctx := context.Background()
	for _, seed := range []int64{11, 12} {
		e, d := generated(t, seed, reference.Small)
		for _, p := range paramSets() {
			var scopes []analytics.Scope
			parts := map[analytics.Scope][]analytics.Scope{}
			for _, pole := range d.Poles {
				ps := analytics.Scope{PoleID: pole.ID}
				for _, siren := range d.Members(pole.ID, p.AsOf) {
					// Each member within the pole: the same sites as the
					// company's, and with includeProjects the pole's
					// projects only (a company alone counts every pole's).
					parts[ps] = append(parts[ps], analytics.Scope{Siren: siren, PoleID: pole.ID})
				}
			}
			for _, r := range d.Territories {
				if r.Level != "region" {
					continue
				}
				rs := analytics.Scope{TerritoryLevel: "region", TerritoryCode: r.Code}
				parts[rs] = nil
				for _, dep := range d.Territories {
					if dep.Level == "department" && dep.Parent == r.Code {
						parts[rs] = append(parts[rs], analytics.Scope{TerritoryLevel: "department", TerritoryCode: dep.Code})
					}
				}
			}
			for whole, ps := range parts {
				scopes = append(scopes, whole)
				scopes = append(scopes, ps...)
			}
			roles, err := e.RoleGaps(ctx, scopes, p, analytics.RoleByCode, 0)
			if err != nil {
				t.Fatal(err)
			}
			skills, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
			if err != nil {
				t.Fatal(err)
			}
			for whole, ps := range parts {
				sum := map[int]analytics.RoleGap{}
				for _, part := range ps {
					for _, g := range roles[part].Items {
						s := sum[g.RoleID]
						s.Headcount += g.Headcount
						s.Stayers += g.Stayers
						s.Target += g.Target
						s.Gap += g.Gap
						sum[g.RoleID] = s
					}
				}
				if len(sum) != len(roles[whole].Items) {
					t.Fatalf("%+v: %d roles, its parts %d", whole, len(roles[whole].Items), len(sum))
				}
				for _, g := range roles[whole].Items {
					s := sum[g.RoleID]
					if s.Headcount != g.Headcount || s.Stayers != g.Stayers || s.Target != g.Target || s.Gap != g.Gap {
						t.Fatalf("%+v role %s: %+v, sum of parts %+v", whole, g.RoleCode, g, s)
					}
				}
				qsum := map[int][2]int{}
				for _, part := range ps {
					for _, g := range skills[part].Items {
						q := qsum[g.SkillID]
						qsum[g.SkillID] = [2]int{q[0] + g.Required, q[1] + g.Qualified}
					}
				}
				for _, g := range skills[whole].Items {
					if q := qsum[g.SkillID]; q != [2]int{g.Required, g.Qualified} {
						t.Fatalf("%+v skill %s: required, qualified %d %d; parts %v", whole, g.SkillCode, g.Required, g.Qualified, q)
					}
				}
			}
			for s, page := range skills {
				for _, g := range page.Items {
					if g.Gap != g.Required-g.Qualified {
						t.Fatalf("%+v %s: gap %d != %d − %d", s, g.SkillCode, g.Gap, g.Required, g.Qualified)
					}
				}
			}
		}
	}
}

func dump(v any) string {
	return fmt.Sprintf("%+v", deref(reflect.ValueOf(v)))
}

// deref renders pointers' values so that failures are readable.
func deref(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "nil"
		}
		return deref(v.Elem())
	case reflect.Slice:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = deref(v.Index(i))
		}
		return out
	case reflect.Struct:
		out := make(map[string]any, v.NumField())
		for i := 0; i < v.NumField(); i++ {
			out[v.Type().Field(i).Name] = deref(v.Field(i))
		}
		return out
	}
	return v.Interface()
}

// TestCompanyScopesAgainstReference covers the statement of batches made of
// whole companies only (companySitesCTE), which mixed batches never use.
func TestCompanyScopesAgainstReference(t *testing.T) {
	ctx := context.Background()
	e, d := generated(t, 5, reference.Small)
	var scopes []analytics.Scope
	for _, c := range d.Companies {
		scopes = append(scopes, analytics.Scope{Siren: c.Siren})
	}
	scopes = append(scopes, analytics.Scope{Siren: "000000000"})
	compared := 0
	for _, p := range paramSets() {
		roles, err := e.RoleGaps(ctx, scopes, p, analytics.RoleByCode, 0)
		if err != nil {
			t.Fatal(err)
		}
		skills, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range scopes {
			if want := d.RoleGaps(s, p); !reflect.DeepEqual(orNil(roles[s].Items), orNil(want)) {
				t.Fatalf("%+v %+v role gaps:\n got %+v\nwant %+v", p, s, roles[s].Items, want)
			}
			want := d.SkillGaps(s, p)
			if !reflect.DeepEqual(orNil(skills[s].Items), orNil(want)) {
				t.Fatalf("%+v %+v skill gaps:\n got %s\nwant %s", p, s, dump(skills[s].Items), dump(want))
			}
			compared += len(want)
		}
	}
	if compared == 0 {
		t.Fatal("no skill figure compared")
	}
}

// TestHistoryCut checks DESIGN.md's "every figure is a function of asOf" on
// generated histories (assessments and needs declared again, dated only,
// dated after asOf): the engine's figures at a date over the whole history
// equal the reference's over the data cut at that date, which sees no row
// dated after it.
func TestHistoryCut(t *testing.T) {
	ctx := context.Background()
	seen := map[string]int{}
	for _, seed := range []int64{11, 12} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, d := generated(t, seed, reference.Small)
			scopes := scopesOf(d)
			poles := []string{"no-such-pole"}
			for _, p := range d.Poles {
				poles = append(poles, p.ID)
			}
			days := []time.Time{reference.GenAsOf, reference.GenAsOf.AddDate(-1, 0, 0), reference.GenAsOf.AddDate(1, 2, 0),
				time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)}
			// The days of some dated rows and the day before each: a row
			// counts from its own day on.
			for i, es := range d.EmployeeSkills {
				if es.AssessedOn != nil && i%40 == 0 {
					days = append(days, *es.AssessedOn, es.AssessedOn.AddDate(0, 0, -1))
				}
			}
			for i, n := range d.Needs {
				if n.DeclaredOn != nil && i%5 == 0 {
					days = append(days, *n.DeclaredOn, n.DeclaredOn.AddDate(0, 0, -1))
				}
			}
			for _, day := range days {
				cut := d.CutAt(day)
				for _, h := range []int{2029, 2031} {
					p := analytics.Params{AsOf: day, Horizon: max(h, day.Year()), RetirementAge: 64}
					name := fmt.Sprintf("asOf=%s H=%d", day.Format("2006-01-02"), p.Horizon)
					roles, err := e.RoleGaps(ctx, scopes, p, analytics.RoleByCode, 0)
					if err != nil {
						t.Fatal(err)
					}
					skills, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range scopes {
						if want := cut.RoleGaps(s, p); !reflect.DeepEqual(orNil(roles[s].Items), orNil(want)) {
							t.Fatalf("%s %+v role gaps:\n got %+v\nwant %+v", name, s, roles[s].Items, want)
						}
						if want := cut.SkillGaps(s, p); !reflect.DeepEqual(orNil(skills[s].Items), orNil(want)) {
							t.Fatalf("%s %+v skill gaps:\n got %s\nwant %s", name, s, dump(skills[s].Items), dump(want))
						}
					}
					crit, err := e.CriticalSkills(ctx, poles, p, 0)
					if err != nil {
						t.Fatal(err)
					}
					for _, pole := range poles {
						if want := cut.CriticalSkills(pole, p); !reflect.DeepEqual(orNil(crit[pole].Items), orNil(want)) {
							t.Fatalf("%s %s critical:\n got %+v\nwant %+v", name, pole, crit[pole].Items, want)
						}
					}
				}
				// The history matters at this date: some pair's level comes
				// from a later assessment than the undated one, some need
				// from a re-declaration.
				for _, es := range d.EmployeeSkills {
					if es.AssessedOn == nil && cut.Level(es.EmployeeID, es.SkillID, day) != es.Level {
						seen["undated assessment superseded"]++
					}
				}
				for _, n := range d.Needs {
					if n.DeclaredOn == nil {
						if h, ok := cut.DeclaredNeed(n.Siret, n.RoleID, n.Horizon, day); ok && h < n.Headcount {
							seen["need re-declared lower"]++
						}
					}
				}
			}
		})
	}
	t.Logf("cases met: %v", seen)
	for _, c := range []string{"undated assessment superseded", "need re-declared lower"} {
		if seen[c] == 0 {
			t.Errorf("no case of %q: the generator is too sparse", c)
		}
	}
}

// TestUpcomingSessionsAgainstReference compares the sessions of every
// (department, skill, level, asOf) with the reference's literal reading.
func TestUpcomingSessionsAgainstReference(t *testing.T) {
	ctx := context.Background()
	seen := map[string]int{}
	for _, seed := range []int64{21, 22} {
		e, d := generated(t, seed, reference.Small)
		var reqs []analytics.SessionRequest
		for _, ter := range d.Territories {
			if ter.Level != analytics.LevelDepartment {
				continue
			}
			for _, sk := range d.Skills {
				for lvl := 0; lvl <= 4; lvl++ {
					for _, asOf := range []time.Time{reference.GenAsOf, reference.GenAsOf.AddDate(-2, 0, 0)} {
						reqs = append(reqs, analytics.SessionRequest{DepartmentCode: ter.Code, SkillID: sk.ID, MinLevel: lvl, AsOf: asOf})
					}
				}
			}
		}
		got, err := e.UpcomingSessions(ctx, reqs, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			want := d.UpcomingSessions(r)
			for _, s := range want {
				seen[fmt.Sprint("distance ", s.Distance)]++
				if s.FreeSeats != nil && *s.FreeSeats == 0 {
					seen["full"]++
				}
			}
			if g := got[r]; g.Total != len(want) || !reflect.DeepEqual(g.Items, want) {
				t.Fatalf("%+v sessions:\n got %s\nwant %s", r, dump(g.Items), dump(want))
			}
		}
	}
	t.Logf("cases met: %v", seen)
	for _, c := range []string{"distance 0", "distance 1", "full"} {
		if seen[c] == 0 {
			t.Errorf("no case of %q: the generator is too sparse", c)
		}
	}
}
