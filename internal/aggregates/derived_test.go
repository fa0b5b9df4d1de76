package aggregates_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/rollup"
)

// TestDerivedFromStaleCells writes to two companies after a rollup's
// build and checks that every query a rollup answers, derived from the
// stale cells (the kept contributions, those of the written companies
// computed again), equals the answer from the data, secrecy included; that
// the kept contributions of the companies not written are read and the
// written ones' are not; that the answer is kept for the data version; and
// that a change of the referential is computed from the data instead.
func TestDerivedFromStaleCells(t *testing.T) {
	ctx := context.Background()
	const typed = `WITH params AS (SELECT $1::text, $2::date, $3::int, $4::int) `
	const horizon = 2029
	key := rollup.Key{AsOf: asOf, Horizon: horizon, RetirementAge: aggregates.DefaultRetirementAge}
	for _, seed := range []int64{5, 8} {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			f := newFixture(t)
			rng := rand.New(rand.NewSource(seed))
			generate(f, rng, 40, 12)
			r := &rollup.Refresher{DB: f.db, Builders: []rollup.Builder{aggregates.BuildRollup}}
			if _, err := r.Build(ctx, key); err != nil {
				t.Fatal(err)
			}
			var sirens []string
			if err := f.db.Select(&sirens, `SELECT DISTINCT siren FROM rollup_aggregate_units WHERE headcount > 0 ORDER BY siren LIMIT 3`); err != nil || len(sirens) < 3 {
				t.Fatalf("companies %v (err %v)", sirens, err)
			}
			for _, siren := range sirens[:2] {
				for w, stmt := range companyWrites {
					if rng.Intn(2) == 0 || w == 0 {
						f.exec(typed+stmt, siren, key.AsOf, key.Horizon, rng.Intn(1000))
					}
				}
			}
			queries := rollupQueries(horizon)
			version := int64(1)
			kept := aggregates.NewKept(aggregates.DefaultKeptCells, func(context.Context) (int64, bool) { return version, true })
			derive := func(q aggregates.Query) *aggregates.Result {
				t.Helper()
				res, err := aggregates.ComputeKept(ctx, f.db, q, kept)
				if err != nil {
					t.Fatalf("%+v: %v", q, err)
				}
				return res
			}
			got := make([]*aggregates.Result, len(queries))
			for i, q := range queries {
				got[i] = derive(q)
			}
			if kept.Len() != len(queries) {
				t.Fatalf("%d answers derived and kept, want %d", kept.Len(), len(queries))
			}
			// Kept: a tampered contribution changes nothing until the data
			// version moves, whatever the query (a parent too, asked anew).
			f.exec(`UPDATE rollup_aggregate_units SET headcount = headcount + 1000 WHERE siren = $1`, sirens[2])
			for i, q := range queries {
				if q.Parent != nil {
					parent := *q.Parent
					q.Parent = &parent
				}
				if again := derive(q); !reflect.DeepEqual(again, got[i]) {
					t.Fatalf("%+v: the kept answer was not served", q)
				}
			}
			version++
			if tampered := derive(queries[0]); reflect.DeepEqual(tampered, got[0]) {
				t.Fatal("tampered contributions of a company not written did not change the derived answer: they are not read")
			}
			f.exec(`UPDATE rollup_aggregate_units SET headcount = headcount - 1000 WHERE siren = $1`, sirens[2])
			f.exec(`UPDATE rollup_aggregate_units SET headcount = headcount + 1000 WHERE siren = $1`, sirens[0])
			version++
			if again := derive(queries[0]); !reflect.DeepEqual(again, got[0]) {
				t.Fatal("a written company's kept contributions changed the derived answer")
			}

			// From the data (no rollup): the same answers.
			f.exec(`DELETE FROM rollup_runs`)
			suppressed := 0
			for i, q := range queries {
				live := compute(t, f.db, q)
				if !reflect.DeepEqual(got[i], live) {
					t.Fatalf("%+v:\nderived from stale cells %s\nfrom the data %s", q, dumpResult(got[i]), dumpResult(live))
				}
				for _, c := range live.Cells {
					if c.Suppressed {
						suppressed++
					}
				}
			}
			if suppressed == 0 {
				t.Error("no suppressed cell: secrecy was not compared")
			}

			// A change of the referential: from the data.
			if _, err := r.Build(ctx, key); err != nil {
				t.Fatal(err)
			}
			f.exec(`UPDATE skills SET category = category WHERE id = (SELECT min(id) FROM skills)`)
			f.exec(`UPDATE rollup_aggregate_units SET headcount = headcount + 1000`)
			version++
			for i, q := range queries[:6] {
				if again := derive(q); !reflect.DeepEqual(again, got[i]) {
					t.Fatalf("%+v: after a change of the referential, not the data's answer", q)
				}
			}
		})
	}
}
