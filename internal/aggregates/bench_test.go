package aggregates_test

import (
	"math/rand"
	"testing"

	"github.com/gpec-project/gpec/internal/aggregates"
)

// BenchmarkCompute runs every dimension on generated data: 400 companies,
// about 800 sites and 8,000 employees with their assessments, departments of
// France under secrecy.
func BenchmarkCompute(b *testing.B) {
	f := newFixture(b)
	generate(f, rand.New(rand.NewSource(99)), 400, 20)
	f.exec(`ANALYZE`)
	for _, d := range aggregates.Dimensions() {
		b.Run(string(d), func(b *testing.B) {
			q := aggregates.Query{Level: "department", Dimension: d, AsOf: asOf, Horizon: 2029, Enforce: true}
			for b.Loop() {
				compute(b, f.db, q)
			}
		})
	}
}
