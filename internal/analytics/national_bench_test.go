package analytics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/testdb"
)

// BenchmarkNational measures the engine on a database holding the national
// dataset (`gpec seed -scale national -import`), named by
// GPEC_BENCH_DATABASE_URL; it is skipped without it. It logs the plan of a
// pole's top-20 skill gaps.
//
//	GPEC_BENCH_DATABASE_URL=postgres://… go test ./internal/analytics/ -run '^$' -bench National -benchtime 10x
func BenchmarkNational(b *testing.B) {
	ctx := context.Background()
	d := testdb.National(b)
	var pole string
	var members int
	if err := d.QueryRowContext(ctx, `SELECT pole_id, count(*) FROM memberships WHERE until IS NULL
		GROUP BY pole_id ORDER BY count(*) DESC, pole_id LIMIT 1`).Scan(&pole, &members); err != nil {
		b.Fatal(err)
	}
	var companies []analytics.Scope
	if err := d.SelectContext(ctx, &companies, `SELECT siren AS "siren", '' AS "poleid", '' AS "territorylevel", '' AS "territorycode"
		FROM memberships WHERE pole_id = $1 AND until IS NULL ORDER BY siren LIMIT 50`, pole); err != nil {
		b.Fatal(err)
	}
	e := &analytics.Engine{DB: d}
	p := analytics.Params{AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Horizon: 2029}
	scope := []analytics.Scope{{PoleID: pole}}
	b.Logf("pole %s: %d active members", pole, members)
	plan, err := e.ExplainSkillGaps(ctx, scope, p, analytics.SkillByGap, 20)
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(plan, "\n")
	b.Logf("EXPLAIN (ANALYZE, BUFFERS) of the pole's top-20 skill gaps, first and last lines:\n%s\n…\n%s",
		strings.Join(lines[:min(len(lines), 3)], "\n"), strings.Join(lines[max(0, len(lines)-3):], "\n"))
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
		_, err := e.SkillGaps(ctx, scope, p, analytics.SkillByGap, 20)
		return err
	})
	run("PoleRoleGaps", func() error {
		_, err := e.RoleGaps(ctx, scope, p, analytics.RoleByGap, 20)
		return err
	})
	// What the 50-member nested query asks: role and skill gaps of 50 members, each batched.
	run("Members50RoleAndSkillGaps", func() error {
		if _, err := e.RoleGaps(ctx, companies, p, analytics.RoleByGap, 5); err != nil {
			return err
		}
		_, err := e.SkillGaps(ctx, companies, p, analytics.SkillByGap, 5)
		return err
	})
	run("CriticalSkills", func() error {
		_, err := e.CriticalSkills(ctx, []string{pole}, p, 20)
		return err
	})
	run("SharedOpportunities", func() error {
		_, err := e.SharedTrainingOpportunities(ctx, []string{pole}, p, analytics.SharedOptions{Trainings: -1}, 20)
		return err
	})
	run("MobilityPaths", func() error {
		_, err := e.MobilityPaths(ctx, []string{pole}, p, 20)
		return err
	})
}
