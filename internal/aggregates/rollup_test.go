package aggregates_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/rollup"
)

// TestRollupsAnswerLikeTheData checks, on random data, that every query a
// rollup can answer (no pole scope, essential links) gives from the rollup
// exactly what it gives from the contributions, secrecy included; that the
// rollup is what answers; and that pole-scoped queries never read it.
func TestRollupsAnswerLikeTheData(t *testing.T) {
	ctx := context.Background()
	for _, seed := range []int64{1, 7} {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			f := newFixture(t)
			generate(f, rand.New(rand.NewSource(seed)), 40, 12)
			const horizon = 2029
			var queries []aggregates.Query
			parents := []*domain.TerritoryKey{nil, {Level: "region", Code: "76"}, {Level: "region", Code: "84"},
				{Level: "department", Code: "31"}, {Level: "region", Code: "11"}}
			for _, d := range aggregates.Dimensions() {
				for _, parent := range parents {
					for _, level := range []string{"region", "department"} {
						if level == "region" && parent != nil && parent.Level == "department" {
							continue
						}
						for _, enforce := range []bool{false, true} {
							queries = append(queries, aggregates.Query{Level: level, Parent: parent, Dimension: d,
								AsOf: asOf, Horizon: horizon, Enforce: enforce})
						}
					}
				}
			}
			ordered := aggregates.Query{Level: "department", Dimension: aggregates.DimensionSkillCategory, AsOf: asOf,
				Horizon: horizon, Enforce: true, OrderBy: aggregates.MeasureGap, Descending: true, First: 3}
			queries = append(queries, ordered)
			poleScoped := aggregates.Query{Level: "department", Dimension: aggregates.DimensionRoleFamily, AsOf: asOf,
				Horizon: horizon, Scope: aggregates.Scope{PoleID: "aero"}}

			live := make([]*aggregates.Result, len(queries))
			for i, q := range queries {
				live[i] = compute(t, f.db, q)
			}
			livePole := compute(t, f.db, poleScoped)
			r := &rollup.Refresher{DB: f.db, Builders: []rollup.Builder{aggregates.BuildRollup}}
			if _, err := r.Build(ctx, rollup.Key{AsOf: asOf, Horizon: horizon, RetirementAge: aggregates.DefaultRetirementAge}); err != nil {
				t.Fatal(err)
			}
			suppressed := 0
			for i, q := range queries {
				got := compute(t, f.db, q)
				if !reflect.DeepEqual(got, live[i]) {
					t.Fatalf("%+v:\nfrom the rollup %s\nfrom the data   %s", q, dumpResult(got), dumpResult(live[i]))
				}
				for _, c := range got.Cells {
					if c.Suppressed {
						suppressed++
					}
				}
			}
			if suppressed == 0 {
				t.Error("no suppressed cell: secrecy was not compared")
			}

			f.exec(`UPDATE rollup_aggregate_cells SET headcount = headcount + 1000`)
			if got := compute(t, f.db, queries[0]); reflect.DeepEqual(got, live[0]) {
				t.Fatal("a tampered rollup did not change the answer: it does not come from the rollup")
			}
			if got := compute(t, f.db, poleScoped); !reflect.DeepEqual(got, livePole) {
				t.Fatal("a pole-scoped query read the rollup")
			}
			// A write to a company makes the cells stale (a statement that
			// changes no row does not); a rebuild of the part answers again.
			f.exec(`DELETE FROM needs WHERE false`)
			if got := compute(t, f.db, queries[0]); reflect.DeepEqual(got, live[0]) {
				t.Fatal("a write of no row made the rollup stale")
			}
			f.exec(`UPDATE companies SET name = name WHERE siren = (SELECT min(siren) FROM companies)`)
			if got := compute(t, f.db, queries[0]); !reflect.DeepEqual(got, live[0]) {
				t.Fatal("after a write, the answer is not the data's")
			}
			key := rollup.Key{AsOf: asOf, Horizon: horizon, RetirementAge: aggregates.DefaultRetirementAge}
			stale, _, err := r.StaleParts(ctx, key)
			if err != nil || len(stale) != len(aggregates.Dimensions()) {
				t.Fatalf("stale parts %v (err %v), want every dimension's", stale, err)
			}
			// The dimension of the query only: the others stay stale.
			part := rollup.AggregatesPart + ":" + string(queries[0].Dimension)
			if _, err := r.Rebuild(ctx, key, []string{part}); err != nil {
				t.Fatal(err)
			}
			f.exec(`UPDATE rollup_aggregate_cells SET headcount = headcount + 1000`)
			if got := compute(t, f.db, queries[0]); reflect.DeepEqual(got, live[0]) {
				t.Fatal("after the rebuild of its part, the rollup does not answer")
			}
			if stale, _, err := r.StaleParts(ctx, key); err != nil || len(stale) != len(aggregates.Dimensions())-1 || slices.Contains(stale, part) {
				t.Fatalf("after the rebuild of %s, stale parts %v (err %v)", part, stale, err)
			}
		})
	}
}

func dumpResult(r *aggregates.Result) string {
	s := ""
	for _, group := range [][]aggregates.Cell{r.Cells, r.RowTotals, r.ColumnTotals, {r.Total}} {
		for _, c := range group {
			col := "Σ"
			if c.DimensionCode != nil {
				col = *c.DimensionCode
			}
			s += fmt.Sprintf("\n  %s %s/%s %s", c.TerritoryLevel, c.TerritoryCode, col, brief(c.Figures))
		}
	}
	return s
}
