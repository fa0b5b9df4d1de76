package analytics_test

import (
	"context"
	"testing"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/testdb"
)

// countingEngine opens a second pool on the test database whose statements
// are counted at the driver level, below anything the engine could hide.
func countingEngine(t *testing.T, dsn string) (*analytics.Engine, *testdb.Statements) {
	db, st := testdb.OpenCounting(t, dsn)
	return &analytics.Engine{DB: db}, st
}

// TestStatementsPerBatch checks that answering 50 parents costs the same
// number of statements as answering 5.
func TestStatementsPerBatch(t *testing.T) {
	db, dsn := testdb.New(t)
	ctx := context.Background()
	if err := reference.Insert(ctx, db, reference.Generate(5, reference.Small)); err != nil {
		t.Fatal(err)
	}
	d, err := reference.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	e, statements := countingEngine(t, dsn)
	all := scopesOf(d)
	if len(all) < 50 {
		t.Fatalf("only %d scopes", len(all))
	}
	p := analytics.Params{AsOf: reference.GenAsOf, Horizon: 2030}
	poles := func(n int) []string {
		out := []string{}
		for i := 0; i < n; i++ {
			out = append(out, d.Poles[i%len(d.Poles)].ID+[]string{"", "-x", "-y", "-z"}[i/len(d.Poles)%4])
		}
		return out
	}
	near := func(n int) []analytics.NearRequest {
		var out []analytics.NearRequest
		for i := 0; i < n; i++ {
			out = append(out, analytics.NearRequest{Scope: all[i], SkillID: d.Skills[i%len(d.Skills)].ID, MinLevel: 2})
		}
		return out
	}
	calls := map[string]func(n int) error{
		"RoleGaps": func(n int) error {
			_, err := e.RoleGaps(ctx, all[:n], p, analytics.RoleByGap, 10)
			return err
		},
		"SkillGaps": func(n int) error {
			_, err := e.SkillGaps(ctx, all[:n], p, analytics.SkillByGap, 10)
			return err
		},
		"TrainingsNear": func(n int) error {
			_, err := e.TrainingsNear(ctx, near(n), 5)
			return err
		},
		"CriticalSkills": func(n int) error {
			_, err := e.CriticalSkills(ctx, poles(n), p, 10)
			return err
		},
		"SharedTrainingOpportunities": func(n int) error {
			_, err := e.SharedTrainingOpportunities(ctx, poles(n), p, analytics.SharedOptions{MinCompanies: 1}, 10)
			return err
		},
		"MobilityPaths": func(n int) error {
			_, err := e.MobilityPaths(ctx, poles(n), p, 10)
			return err
		},
		"Employment": func(n int) error {
			_, err := e.Employment(ctx, poles(n), 2026)
			return err
		},
	}
	for name, call := range calls {
		count := func(n int) int64 {
			before := statements.Count()
			if err := call(n); err != nil {
				t.Fatalf("%s(%d): %v", name, n, err)
			}
			return statements.Count() - before
		}
		five, fifty := count(5), count(50)
		t.Logf("%s: %d statements for 5 parents, %d for 50", name, five, fifty)
		// At most: a lookup of a fresh rollup, the figures, their trainings.
		if five != fifty || five == 0 || five > 3 {
			t.Errorf("%s: %d statements for 5 parents, %d for 50", name, five, fifty)
		}
	}
}
