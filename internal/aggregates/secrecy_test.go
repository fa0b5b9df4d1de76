package aggregates_test

import (
	"fmt"
	"testing"

	"github.com/gpec-project/gpec/internal/aggregates"
)

// groups lists the equations of a result (DESIGN.md): each row's cells with
// its total, each column's cells with its total, the row totals with the
// grand total, the column totals with the grand total.
func groups(r *aggregates.Result) map[string][]aggregates.Cell {
	g := map[string][]aggregates.Cell{}
	for _, c := range r.Cells {
		g["row "+c.TerritoryCode] = append(g["row "+c.TerritoryCode], c)
		g["col "+*c.DimensionCode] = append(g["col "+*c.DimensionCode], c)
	}
	for _, c := range r.RowTotals {
		if len(r.Cells) > 0 {
			g["row "+c.TerritoryCode] = append(g["row "+c.TerritoryCode], c)
		}
		g["row totals"] = append(g["row totals"], c)
	}
	for _, c := range r.ColumnTotals {
		g["col "+*c.DimensionCode] = append(g["col "+*c.DimensionCode], c)
		g["column totals"] = append(g["column totals"], c)
	}
	g["row totals"] = append(g["row totals"], r.Total)
	if len(r.ColumnTotals) > 0 {
		g["column totals"] = append(g["column totals"], r.Total)
	}
	return g
}

// checkNoRecovery fails when a group has exactly one suppressed member: its
// value would be the total minus the published members (or the total, the
// sum of the members).
func checkNoRecovery(t *testing.T, r *aggregates.Result) {
	t.Helper()
	for name, members := range groups(r) {
		n := 0
		for _, c := range members {
			if c.Suppressed {
				n++
				if c.Headcount != nil || c.Companies != nil || c.Target != nil || c.Reason == nil {
					t.Errorf("%s: suppressed cell %+v publishes a figure or no reason", name, c)
				}
			}
		}
		if n == 1 {
			t.Errorf("%s: exactly one suppressed member, recoverable by subtraction", name)
		}
	}
}

func TestSecrecy(t *testing.T) {
	t.Run("Dominance", func(t *testing.T) {
		f := newFixture(t)
		r := f.role("R", "F")
		x, y, z := f.company("X", ""), f.company("Y", ""), f.company("Z", "")
		f.staff(f.site(x, "31"), r, 18) // 18 of 20 = 90 % > 85 %
		f.staff(f.site(y, "31"), r, 1)
		f.staff(f.site(z, "31"), r, 1)
		res := compute(t, f.db, aggregates.Query{Level: "department", Parent: region76(), AsOf: asOf, Horizon: 2029, Enforce: true})
		c := res.RowTotals[0]
		if !c.Suppressed || *c.Reason != "DOMINANCE" || c.Headcount != nil || c.Companies != nil {
			t.Errorf("31: got %s, want suppressed DOMINANCE", brief(c.Figures))
		}
		// Y hires one: 18 of 21 = 85.7 %, still dominant; a second: 18 of
		// 22 = 81.8 %, published.
		ys := f.site(y, "31")
		f.staff(ys, r, 1)
		q := aggregates.Query{Level: "department", Parent: region76(), AsOf: asOf, Horizon: 2029, Enforce: true}
		if c := compute(t, f.db, q).RowTotals[0]; !c.Suppressed || *c.Reason != "DOMINANCE" {
			t.Errorf("18 of 21: got %s, want suppressed DOMINANCE", brief(c.Figures))
		}
		f.staff(ys, r, 1)
		if c := compute(t, f.db, q).RowTotals[0]; brief(c.Figures) != "c=3 h=22 d=0 t=22 g=0" {
			t.Errorf("18 of 22: got %s, want published", brief(c.Figures))
		}
	})

	t.Run("Secondary", func(t *testing.T) {
		// Region 76: 31 has 3 companies of 5, 34 two of 5 (FREQUENCY), 11
		// (Aude) three of 10. 34 alone suppressed would be total − 31 − 11:
		// secrecy hides a second department, the one with the fewest
		// companies then the smallest headcount: 31.
		f := newFixture(t)
		r := f.role("R", "F")
		for _, d := range []struct {
			code      string
			companies int
			each      int
		}{{"31", 3, 5}, {"34", 2, 5}, {"11", 3, 10}} {
			for i := range d.companies {
				s := f.company(fmt.Sprintf("%s-%d", d.code, i), "")
				f.staff(f.site(s, d.code), r, d.each)
			}
		}
		q := aggregates.Query{Level: "department", Parent: region76(), AsOf: asOf, Horizon: 2029, Enforce: true}
		res := compute(t, f.db, q)
		assertGolden(t, res, brief, map[string]string{
			"11/Σ": "c=3 h=30 d=0 t=30 g=0",
			"31/Σ": "suppressed SECONDARY",
			"34/Σ": "suppressed FREQUENCY",
			"Σ/Σ":  "c=8 h=55 d=0 t=55 g=0",
		})
		checkNoRecovery(t, res)
		// What an observatory can derive is total − 11 = 25 = 31 + 34: one
		// equation with two unknowns, so neither department is recovered.
		if h := *res.Total.Headcount - *res.RowTotals[0].Headcount; h != 25 {
			t.Fatalf("total − 11 = %d", h)
		}

		// The same table with a dimension: the role family cells follow.
		q.Dimension = aggregates.DimensionRoleFamily
		res = compute(t, f.db, q)
		checkNoRecovery(t, res)
		if c := all(res)["31/F"]; !c.Suppressed {
			t.Errorf("31/F published beside its suppressed row total: %s", brief(c.Figures))
		}
	})

	t.Run("TotalsFromData", func(t *testing.T) {
		// Totals are computed from data, then secrecy decides: a published
		// total equals its published cells plus the suppressed ones' values
		// without secrecy.
		f := goldenFixture(t)
		extra := f.company("D", "25.11Z")
		rid := f.role("R9", "H12")
		f.staff(f.site(extra, "31"), rid, 10)
		f.staff(f.site(extra, "34"), rid, 3)
		q := aggregates.Query{Level: "department", Parent: region76(), Dimension: aggregates.DimensionRoleFamily, AsOf: asOf, Horizon: 2029}
		open := all(compute(t, f.db, q))
		q.Enforce = true
		sec := compute(t, f.db, q)
		checkNoRecovery(t, sec)
		published := 0
		for name, members := range groups(sec) {
			total := members[len(members)-1]
			if total.Suppressed {
				continue
			}
			for _, m := range []struct {
				name string
				get  func(aggregates.Figures) *int
			}{
				{"headcount", func(f aggregates.Figures) *int { return f.Headcount }},
				{"departures", func(f aggregates.Figures) *int { return f.Departures }},
				{"target", func(f aggregates.Figures) *int { return f.Target }},
				{"roleGap", func(f aggregates.Figures) *int { return f.RoleGap }},
			} {
				sum := 0
				for _, c := range members[:len(members)-1] {
					v := m.get(c.Figures)
					if v == nil {
						k := key(c, c.DimensionCode != nil && c.TerritoryCode == "76")
						v = m.get(open[k].Figures)
					}
					sum += *v
				}
				if *m.get(total.Figures) != sum {
					t.Errorf("%s: %s total %d, cells sum to %d", name, m.name, *m.get(total.Figures), sum)
				}
			}
			published++
		}
		if published == 0 {
			t.Fatal("every total is suppressed: the fixture proves nothing")
		}
		for k, c := range all(sec) {
			if !c.Suppressed && brief(c.Figures) != brief(open[k].Figures) {
				t.Errorf("%s: published %s, without secrecy %s", k, brief(c.Figures), brief(open[k].Figures))
			}
		}
	})

	t.Run("EmptyTable", func(t *testing.T) {
		f := newFixture(t)
		res := compute(t, f.db, aggregates.Query{Level: "region", AsOf: asOf, Horizon: 2029, Enforce: true})
		if len(res.RowTotals) != 0 || !res.Total.Suppressed || *res.Total.Reason != "FREQUENCY" {
			t.Errorf("empty table: %+v", res)
		}
	})
}
