package aggregates_test

import (
	"context"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/testdb"
)

// BenchmarkNational measures all-regions aggregates on a database holding
// the national dataset, named by GPEC_BENCH_DATABASE_URL (skipped without it).
//
//	GPEC_BENCH_DATABASE_URL=postgres://… go test ./internal/aggregates/ -run '^$' -bench National -benchtime 5x
func BenchmarkNational(b *testing.B) {
	ctx := context.Background()
	d := testdb.National(b)
	for _, c := range []struct {
		name      string
		level     string
		dimension aggregates.Dimension
	}{
		{"RegionsByRoleFamily", "region", aggregates.DimensionRoleFamily},
		{"RegionsByGrandDomain", "region", aggregates.DimensionGrandDomain},
		{"DepartmentsByRoleFamily", "department", aggregates.DimensionRoleFamily},
		{"RegionsBySkillCategory", "region", aggregates.DimensionSkillCategory},
	} {
		for _, enforce := range []bool{true, false} {
			name := c.name + map[bool]string{true: "Secrecy", false: "Plain"}[enforce]
			b.Run(name, func(b *testing.B) {
				q := aggregates.Query{Level: c.level, Dimension: c.dimension, AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
					Horizon: 2029, Enforce: enforce}
				for i := 0; i < b.N; i++ {
					if _, err := aggregates.Compute(ctx, d, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
