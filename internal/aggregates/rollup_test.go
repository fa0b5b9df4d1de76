package aggregates_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
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
			queries := rollupQueries(horizon)
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

// rollupQueries are the queries a rollup answers that the tests compare:
// every dimension, level and parent kind, with and without secrecy, and
// one ordered and cut.
func rollupQueries(horizon int) []aggregates.Query {
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
	return append(queries, aggregates.Query{Level: "department", Dimension: aggregates.DimensionSkillCategory, AsOf: asOf,
		Horizon: horizon, Enforce: true, OrderBy: aggregates.MeasureGap, Descending: true, First: 3})
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

// companyWrites are the writes TestRebuildByCompany draws from, each to
// company $1 at asOf $2 and horizon $3, $4 a random number: every kind of
// row a company's contributions read, in every dimension.
var companyWrites = []string{
	// A new employee, a stayer.
	`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
SELECT $1, 'incr-' || $4::int || '-' || (SELECT count(*) FROM employees), (SELECT min(siret) FROM sites WHERE siren = $1),
       (SELECT id FROM roles ORDER BY id OFFSET $4::int % (SELECT count(*) FROM roles) LIMIT 1), 1995, $2::date - 30
WHERE EXISTS (SELECT 1 FROM sites WHERE siren = $1)`,
	// An employee leaving before asOf.
	`UPDATE employees SET exit_date = $2::date - 1
WHERE id = (SELECT min(id) FROM employees WHERE siren = $1 AND exit_date IS NULL AND entry_date <= $2::date - 1)`,
	// Assessments: undated ones changed, dated ones before and after asOf.
	`UPDATE employee_skills SET level = (level + 1 + $4::int % 3) % 5
WHERE employee_id IN (SELECT id FROM employees WHERE siren = $1)`,
	`INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
SELECT e.id, rs.skill_id, ($4::int + e.id)::int % 5, $2::date - ($4::int % 40)
FROM employees e JOIN role_skills rs ON rs.role_id = e.role_id WHERE e.siren = $1
ON CONFLICT DO NOTHING`,
	`INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
SELECT e.id, rs.skill_id, 4, $2::date + 1 + $4::int % 9
FROM employees e JOIN role_skills rs ON rs.role_id = e.role_id WHERE e.siren = $1
ON CONFLICT DO NOTHING`,
	// Needs: more heads, a new one at H.
	`UPDATE needs SET headcount = headcount + 1 + $4::int % 5 WHERE siret IN (SELECT siret FROM sites WHERE siren = $1)`,
	`INSERT INTO needs (siret, role_id, horizon_year, headcount)
SELECT s.siret, (SELECT id FROM roles ORDER BY id OFFSET $4::int % (SELECT count(*) FROM roles) LIMIT 1), $3, 2 + $4::int % 6
FROM sites s WHERE s.siren = $1
ON CONFLICT DO NOTHING`,
	// A site moving to another department (and region).
	`UPDATE sites SET territory_code = (ARRAY['31', '34', '11', '69', '38', '75'])[1 + $4::int % 6]
WHERE siret = (SELECT max(siret) FROM sites WHERE siren = $1)`,
	// Its NAF code (the NAF sections) and its memberships (the poles).
	`UPDATE companies SET naf = (ARRAY['25.62B', '62.01Z', '86.10Z'])[1 + $4::int % 3] WHERE siren = $1`,
	`UPDATE memberships SET until = $2::date - 1 WHERE siren = $1 AND since < $2::date - 1`,
	`INSERT INTO memberships (pole_id, siren, since)
SELECT p.id, $1, $2::date - 10 FROM poles p
WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.siren = $1 AND m.pole_id = p.id)`,
}

// TestRebuildByCompany checks that the cells and kept contributions of
// dimensions rebuilt by company (after writes to a few companies, twice
// in a row) are those of a whole build, that only the written companies'
// contributions were computed again, and that a change of the referential
// rebuilds every company's.
func TestRebuildByCompany(t *testing.T) {
	ctx := context.Background()
	const typed = `WITH params AS (SELECT $1::text, $2::date, $3::int, $4::int) `
	key := rollup.Key{AsOf: asOf, Horizon: 2029, RetirementAge: aggregates.DefaultRetirementAge}
	byCompany, whole, kept := 0, 0, 0
	for _, seed := range []int64{3, 4} {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			f := newFixture(t)
			rng := rand.New(rand.NewSource(seed))
			generate(f, rng, 30, 8)
			var companies []string
			if err := f.db.Select(&companies, `SELECT siren FROM companies ORDER BY siren`); err != nil {
				t.Fatal(err)
			}
			r := &rollup.Refresher{DB: f.db, Builders: []rollup.Builder{aggregates.BuildRollup}}
			run, err := r.Build(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			for round := range 4 {
				written := map[string]bool{}
				referential := round == 2
				for pass := range 2 {
					for n, now := 1+rng.Intn(3), map[string]bool{}; len(now) < n; {
						siren := companies[rng.Intn(len(companies))]
						written[siren], now[siren] = true, true
						for w := 2 + rng.Intn(3); w > 0; w-- {
							stmt := companyWrites[rng.Intn(len(companyWrites))]
							f.exec(typed+stmt, siren, key.AsOf, key.Horizon, rng.Intn(1000))
						}
						// A write of a row, whether the others found any.
						f.exec(`UPDATE companies SET name = name WHERE siren = $1`, siren)
					}
					if referential && pass == 1 {
						f.exec(`UPDATE skills SET category = 'soft' WHERE id = (SELECT min(id) FROM skills)`)
					}
					stale, _, err := r.StaleParts(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					if len(stale) != len(aggregates.Dimensions()) {
						t.Fatalf("round %d: stale parts %v, want every dimension's", round, stale)
					}
					before := contributionVersions(t, f, run.ID)
					for _, part := range stale {
						if _, err := r.Rebuild(ctx, key, []string{part}); err != nil {
							t.Fatal(err)
						}
					}
					after := contributionVersions(t, f, run.ID)
					recomputed := 0
					for unit, v := range after {
						if before[unit] == v {
							kept++
							continue
						}
						recomputed++
						if siren := unit[strings.LastIndex(unit, " ")+1:]; !written[siren] && !(referential && pass == 1) {
							t.Fatalf("round %d: the contribution %s of a company not written was computed again", round, unit)
						}
					}
					if referential && pass == 1 {
						if recomputed != len(after) {
							t.Fatalf("round %d: after a change of the referential %d of %d contributions computed again, want all",
								round, recomputed, len(after))
						}
						whole++
					} else {
						byCompany++
					}
				}
				incremental := rollupRows(t, f, run.ID)
				if run, err = r.Build(ctx, key); err != nil {
					t.Fatal(err)
				}
				if got := rollupRows(t, f, run.ID); !slices.Equal(got, incremental) {
					t.Fatalf("round %d, after writes to %v: rebuilt by company\n%s\nrebuilt whole\n%s",
						round, written, strings.Join(incremental, "\n"), strings.Join(got, "\n"))
				}
			}
		})
	}
	if byCompany == 0 || whole == 0 || kept == 0 {
		t.Fatalf("rebuilds by company %d (contributions kept %d), whole %d: the comparison is vacuous somewhere",
			byCompany, kept, whole)
	}
}

// contributionVersions maps each kept contribution of run (dimension,
// department, value, company) to its row version: a row computed again is
// a new version.
func contributionVersions(t *testing.T, f *fixture, run int64) map[string]string {
	t.Helper()
	var rows []struct{ Unit, Version string }
	if err := f.db.Select(&rows, `
SELECT dimension || ' ' || department_code || ' ' || col || ' ' || siren AS unit, xmin::text || ctid::text AS version
FROM rollup_aggregate_units WHERE run_id = $1`, run); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rows {
		m[r.Unit] = r.Version
	}
	return m
}

// rollupRows lists the cells and kept contributions of run as text, in
// order.
func rollupRows(t *testing.T, f *fixture, run int64) []string {
	t.Helper()
	var rows []string
	if err := f.db.Select(&rows, `
SELECT x FROM (
  SELECT concat_ws(' ', 'cell', dimension, level, code, is_total, col, companies, headcount, stayers, target,
                   required, qualified, largest) AS x
  FROM rollup_aggregate_cells WHERE run_id = $1
  UNION ALL
  SELECT concat_ws(' ', 'unit', dimension, department_code, col, siren, headcount, stayers, target, required, qualified)
  FROM rollup_aggregate_units WHERE run_id = $1) r
ORDER BY x COLLATE "C"`, run); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no rollup rows")
	}
	return rows
}
