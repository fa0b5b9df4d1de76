package analytics_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/testdb"
)

// BenchmarkMedium runs the engine on reference.Medium (100,000 employees,
// 800,000 assessments, poles of 500 companies). Seeding takes a while, so
// every case is a sub-benchmark of one database. GPEC_EXPLAIN=1 logs the plan
// of a pole's top-20 skill gaps.
//
//	go test ./internal/analytics/ -run '^$' -bench Medium -benchtime 10x
func BenchmarkMedium(b *testing.B) {
	db, _ := testdb.New(b)
	ctx := context.Background()
	start := time.Now()
	if err := reference.Seed(ctx, db, reference.Medium); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %+v in %s", reference.Medium, time.Since(start).Round(time.Second))
	e := &analytics.Engine{DB: db}
	p := analytics.Params{AsOf: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), Horizon: 2030}
	pole := analytics.Scope{PoleID: "pole-1"}
	var companies []analytics.Scope
	if err := db.Select(&companies, `SELECT siren AS "siren", '' AS "poleid", '' AS "territorylevel", '' AS "territorycode"
		FROM memberships WHERE pole_id = 'pole-1' LIMIT 20`); err != nil {
		b.Fatal(err)
	}
	if os.Getenv("GPEC_EXPLAIN") != "" {
		plan, err := e.ExplainSkillGaps(ctx, []analytics.Scope{pole}, p, analytics.SkillByGap, 20)
		if err != nil {
			b.Fatal(err)
		}
		b.Log("\n" + plan)
		for name, q := range map[string]string{"critical skills": analytics.CriticalSkillsSQL,
			"shared opportunities": analytics.SharedOpportunitiesSQL, "mobility paths": analytics.MobilityPathsSQL} {
			args := []any{"2026-06-30", 2030, 64, false, pq.Array([]string{"pole-1"}), 20}
			if name == "shared opportunities" {
				args = append(args[:5], 3, 20)
			}
			plan, err := e.Explain(ctx, q, args...)
			if err != nil {
				b.Fatal(err)
			}
			b.Log(name + "\n" + plan)
		}
	}
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("PoleSkillGapsTop20", func() error {
		_, err := e.SkillGaps(ctx, []analytics.Scope{pole}, p, analytics.SkillByGap, 20)
		return err
	})
	plan := p
	plan.WithPlan = true
	run("PoleSkillGapsTop20WithPlan", func() error {
		_, err := e.SkillGaps(ctx, []analytics.Scope{pole}, plan, analytics.SkillByGapAfterPlan, 20)
		return err
	})
	run("CriticalSkillsTop20WithPlan", func() error {
		_, err := e.CriticalSkills(ctx, []string{"pole-1"}, plan, 20)
		return err
	})
	run("20CompaniesSkillGapsTop10WithPlan", func() error {
		_, err := e.SkillGaps(ctx, companies, plan, analytics.SkillByGap, 10)
		return err
	})
	run("PoleRoleGapsTop20", func() error {
		_, err := e.RoleGaps(ctx, []analytics.Scope{pole}, p, analytics.RoleByGap, 20)
		return err
	})
	run("CriticalSkillsTop20", func() error {
		_, err := e.CriticalSkills(ctx, []string{"pole-1"}, p, 20)
		return err
	})
	run("Region84SkillGapsTop20", func() error {
		_, err := e.SkillGaps(ctx, []analytics.Scope{{TerritoryLevel: "region", TerritoryCode: "84"}}, p, analytics.SkillByGap, 20)
		return err
	})
	run("20CompaniesSkillGapsTop10", func() error {
		_, err := e.SkillGaps(ctx, companies, p, analytics.SkillByGap, 10)
		return err
	})
	run("SharedOpportunities", func() error {
		_, err := e.SharedTrainingOpportunities(ctx, []string{"pole-1"}, p, analytics.SharedOptions{Trainings: 5}, 20)
		return err
	})
	run("MobilityPathsTop20", func() error {
		_, err := e.MobilityPaths(ctx, []string{"pole-1"}, p, 20)
		return err
	})
	run("Employment", func() error {
		_, err := e.Employment(ctx, []string{"pole-1", "pole-2"}, 2025)
		return err
	})
}
