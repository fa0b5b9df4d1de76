package aggregates_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/analytics"
	ref "github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/testdb"
)

// TestQualifiedLikeTheReference: the skill_category dimension's qualified
// reads the same levels as the gap engine, completions of trainings
// included (DESIGN.md's level of a skill at asOf): per region, the sum over
// its categories equals the reference's qualified summed over the skills.
func TestQualifiedLikeTheReference(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.New(t)
	if err := ref.Insert(ctx, db, ref.Generate(5, ref.Small)); err != nil {
		t.Fatal(err)
	}
	d, err := ref.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	raised := 0
	for _, asOf := range []int{0, -400, 300} {
		p := analytics.Params{AsOf: ref.GenAsOf.AddDate(0, 0, asOf), Horizon: 2031, RetirementAge: 64}
		res, err := aggregates.Compute(ctx, db, aggregates.Query{Level: "region", Dimension: aggregates.DimensionSkillCategory,
			AsOf: p.AsOf, Horizon: p.Horizon, RetirementAge: p.RetirementAge})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, c := range res.Cells {
			if c.Qualified != nil {
				got[c.TerritoryCode] += *c.Qualified
			}
		}
		for _, reg := range []string{"11", "84", "76"} {
			want := 0
			for _, g := range d.SkillGaps(analytics.Scope{TerritoryLevel: "region", TerritoryCode: reg}, p) {
				want += g.Qualified
			}
			if got[reg] != want {
				t.Errorf("asOf %s region %s: qualified %d, reference %d", p.AsOf.Format("2006-01-02"), reg, got[reg], want)
			}
		}
		for _, en := range d.Enrolments {
			for _, ts := range d.TrainingSkills {
				if ts.TrainingID == en.TrainingID && en.Status == "completed" {
					if l, _ := d.Assessed(en.EmployeeID, ts.SkillID, p.AsOf); d.Level(en.EmployeeID, ts.SkillID, p.AsOf) > l {
						raised++
					}
				}
			}
		}
	}
	if raised == 0 {
		t.Error("no completion raises a level: the test proves nothing")
	}
	t.Log(fmt.Sprint("levels raised by completions: ", raised))
}
