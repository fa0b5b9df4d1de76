package aggregates_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/rollup"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestStatementCount(t *testing.T) {
	// The statements of a query do not grow with its territories: one for
	// the parent territory, one to look up a fresh rollup, one for the
	// contributions or the rollup's cells.
	f := newFixture(t)
	d, st := testdb.OpenCounting(t, f.dsn)
	r := f.role("R", "F")
	s := f.skill("S", "cat")
	f.requires(r, s, 1, true)
	count := func(q aggregates.Query) int64 {
		st.Reset()
		compute(t, d, q)
		return st.Count()
	}
	parent := aggregates.Query{Level: "department", Parent: region76(), AsOf: asOf, Horizon: 2029}
	france := aggregates.Query{Level: "department", AsOf: asOf, Horizon: 2029}
	type counts struct{ parent, france int64 }
	measure := func() map[aggregates.Dimension]counts {
		m := map[aggregates.Dimension]counts{}
		for _, dim := range aggregates.Dimensions() {
			p, fr := parent, france
			p.Dimension, fr.Dimension = dim, dim
			m[dim] = counts{count(p), count(fr)}
		}
		return m
	}
	f.staff(f.site(f.company("A", "25.62B"), "31"), r, 2)
	small := measure()
	for _, dept := range []string{"31", "34", "11", "69", "38", "75"} {
		for i := range 3 {
			f.staff(f.site(f.company(dept+fmt.Sprint(i), "62.01Z"), dept), r, 1+i)
		}
	}
	large := measure()
	rb := &rollup.Refresher{DB: f.db, Builders: []rollup.Builder{aggregates.BuildRollup}}
	if _, err := rb.Build(context.Background(), rollup.Key{AsOf: asOf, Horizon: 2029, RetirementAge: aggregates.DefaultRetirementAge}); err != nil {
		t.Fatal(err)
	}
	rolled := measure()
	for _, dim := range aggregates.Dimensions() {
		if small[dim] != (counts{3, 2}) || large[dim] != small[dim] || rolled[dim] != small[dim] {
			t.Errorf("%s: statements with 1 territory %+v, with 6 %+v, from a rollup %+v; want {3 2} each",
				dim, small[dim], large[dim], rolled[dim])
		}
	}
	if n := len(compute(t, f.db, france).RowTotals); n != 6 {
		t.Fatalf("%d departments, want 6", n)
	}
}

func TestOrdering(t *testing.T) {
	f := newFixture(t)
	r := f.role("R", "F")
	// 31: 3 companies of 2 (h 6); 34: 3 of 4 (h 12); 11: 2 companies
	// (FREQUENCY) of 20; 69, 38 (region 84): 3 of 1 and 3 of 3.
	for _, d := range []struct {
		code   string
		n, per int
	}{{"31", 3, 2}, {"34", 3, 4}, {"11", 2, 20}, {"69", 3, 1}, {"38", 3, 3}} {
		for i := range d.n {
			f.staff(f.site(f.company(d.code+fmt.Sprint(i), ""), d.code), r, d.per)
		}
	}
	codes := func(r *aggregates.Result) string {
		var s []string
		for _, c := range r.RowTotals {
			s = append(s, c.TerritoryCode)
		}
		return strings.Join(s, ",")
	}
	q := aggregates.Query{Level: "department", AsOf: asOf, Horizon: 2029, Dimension: aggregates.DimensionRoleFamily,
		OrderBy: aggregates.MeasureHeadcount, Descending: true}
	res := compute(t, f.db, q)
	if got := codes(res); got != "11,34,38,31,69" {
		t.Errorf("without secrecy, by headcount descending: %s", got)
	}
	q.Enforce = true
	// 11 is suppressed: it sorts last, whatever the direction. Its row
	// cell is suppressed too, so its column would leak it: 69 (the
	// column's smallest) is suppressed SECONDARY and sorts last as well.
	if got := codes(compute(t, f.db, q)); got != "34,38,31,11,69" {
		t.Errorf("with secrecy, descending: %s", got)
	}
	q.Descending = false
	q.First = 3
	res = compute(t, f.db, q)
	if got := codes(res); got != "31,38,34" {
		t.Errorf("with secrecy, ascending, first 3: %s", got)
	}
	var cells []string
	for _, c := range res.Cells {
		cells = append(cells, c.TerritoryCode)
	}
	if strings.Join(cells, ",") != "31,38,34" || len(res.ColumnTotals) != 1 || *res.ColumnTotals[0].Headcount != 6+12+40+3+9 {
		t.Errorf("cells %v follow the rows; the column total covers every row: %s", cells, brief(res.ColumnTotals[0].Figures))
	}
}

func TestInvalid(t *testing.T) {
	f := newFixture(t)
	ok := aggregates.Query{Level: "department", AsOf: asOf, Horizon: 2029}
	for name, c := range map[string]struct {
		q     func(q aggregates.Query) aggregates.Query
		field string
	}{
		"Level": {func(q aggregates.Query) aggregates.Query { q.Level = "commune"; return q }, "level"},
		"ParentFiner": {func(q aggregates.Query) aggregates.Query {
			q.Level = "region"
			q.Parent = &domain.TerritoryKey{Level: "department", Code: "31"}
			return q
		}, "parent"},
		"ParentUnknown": {func(q aggregates.Query) aggregates.Query {
			q.Parent = &domain.TerritoryKey{Level: "region", Code: "99"}
			return q
		}, "parent"},
		"ParentCommune": {func(q aggregates.Query) aggregates.Query {
			q.Parent = &domain.TerritoryKey{Level: "commune", Code: "31555"}
			return q
		}, "parent"},
		"Dimension":     {func(q aggregates.Query) aggregates.Query { q.Dimension = "company"; return q }, "dimension"},
		"HorizonPast":   {func(q aggregates.Query) aggregates.Query { q.Horizon = 2025; return q }, "horizon"},
		"RetirementAge": {func(q aggregates.Query) aggregates.Query { q.RetirementAge = -1; return q }, "retirementAge"},
		"First":         {func(q aggregates.Query) aggregates.Query { q.First = -1; return q }, "first"},
		"OrderBy":       {func(q aggregates.Query) aggregates.Query { q.OrderBy = "siren"; return q }, "orderBy"},
		"OrderBySkill":  {func(q aggregates.Query) aggregates.Query { q.OrderBy = aggregates.MeasureCoverage; return q }, "orderBy"},
		"PoleNotASlug":  {func(q aggregates.Query) aggregates.Query { q.Scope.PoleID = "x'; DROP"; return q }, "scope"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := aggregates.Compute(context.Background(), f.db, c.q(ok))
			if domain.ErrorCode(err) != domain.CodeInvalid {
				t.Fatalf("got %v, want BAD_USER_INPUT", err)
			}
			if e := err.(*domain.Error); e.Field != c.field {
				t.Errorf("field %q, want %q", e.Field, c.field)
			}
		})
	}
	if _, err := aggregates.Compute(context.Background(), f.db, ok); err != nil {
		t.Errorf("valid query: %v", err)
	}
	// A database failure is internal: logged by the edge, never shown.
	f.db.Close()
	if _, err := aggregates.Compute(context.Background(), f.db, ok); domain.ErrorCode(err) != domain.CodeInternal || strings.Contains(err.Error(), "SELECT") {
		t.Errorf("closed database: %v", err)
	}
}

func TestNafSection(t *testing.T) {
	for naf, want := range map[string]string{
		"01.11Z": "A", "03.22Z": "A", "05.10Z": "B", "09.90Z": "B", "10.11Z": "C", "25.62B": "C", "33.20A": "C",
		"35.11Z": "D", "36.00Z": "E", "39.00Z": "E", "41.10A": "F", "43.99D": "F", "45.11Z": "G", "47.99B": "G",
		"49.10Z": "H", "53.20Z": "H", "55.10Z": "I", "56.30Z": "I", "58.11Z": "J", "63.99Z": "J", "64.11Z": "K",
		"66.30Z": "K", "68.20A": "L", "69.10Z": "M", "75.00Z": "M", "77.11A": "N", "82.99Z": "N", "84.11Z": "O",
		"85.10Z": "P", "86.10Z": "Q", "88.99B": "Q", "90.01Z": "R", "93.29Z": "R", "94.11Z": "S", "96.09Z": "S",
		"97.00Z": "T", "98.20Z": "T", "99.00Z": "U", "04.00Z": "", "34.00Z": "", "00.00Z": "", "": "", "4": "", "x1": "",
	} {
		if got := aggregates.NafSection(naf); got != want {
			t.Errorf("NafSection(%q) = %q, want %q", naf, got, want)
		}
	}
}

func TestCSV(t *testing.T) {
	f := goldenFixture(t)
	f.exec(`UPDATE territories SET name = '=HYPERLINK("x")' WHERE level = 'department' AND code = '34'`)
	f.exec(`UPDATE role_families SET title = '@SUM(1)' WHERE code = 'M18'`)
	q := aggregates.Query{Level: "department", Parent: region76(), Dimension: aggregates.DimensionRoleFamily, AsOf: asOf, Horizon: 2029, Enforce: true}
	res := compute(t, f.db, q)
	var buf bytes.Buffer
	if err := aggregates.WriteCSV(&buf, q.Dimension, res); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(aggregates.CSVHeader, ",") {
		t.Errorf("header %v", recs[0])
	}
	// 5 cells, 2 territory totals, 3 dimension totals, the grand total.
	if len(recs) != 1+5+2+3+1 {
		t.Errorf("%d lines:\n%s", len(recs), buf.String())
	}
	want := map[string]bool{
		`cell,department,34,'=HYPERLINK("x"),role_family,M18,'@SUM(1),,,,,,,,,,true,FREQUENCY`:             true,
		`territory_total,department,31,Haute-Garonne,role_family,,,,,,,,,,,,true,FREQUENCY`:                true,
		`grand_total,region,76,Occitanie,role_family,,,3,12,3,18,9,,,,,false,`:                             true,
		`dimension_total,region,76,Occitanie,role_family,H12,Conception industrielle,3,5,1,9,5,,,,,false,`: true,
	}
	for _, r := range recs {
		delete(want, strings.Join(r, ","))
	}
	for w := range want {
		t.Errorf("missing line %s in\n%s", w, buf.String())
	}

	if got := aggregates.Filename(q); got != "gpec-aggregates_department-of-region-76_by-role-family_2029_asof-2026-11-25.csv" {
		t.Errorf("filename %s", got)
	}
	q2 := aggregates.Query{Level: "region", AsOf: asOf, Horizon: 2031, RetirementAge: 62, IncludeOptional: true, Scope: aggregates.Scope{PoleID: "aero"}}
	if got := aggregates.Filename(q2); got != "gpec-aggregates_region-of-france_pole-aero_2031_asof-2026-11-25_retirement-62_with-optional.csv" {
		t.Errorf("filename %s", got)
	}
	if got := aggregates.ContentDisposition(q); got != `attachment; filename=gpec-aggregates_department-of-region-76_by-role-family_2029_asof-2026-11-25.csv` {
		t.Errorf("Content-Disposition %s", got)
	}
}

func TestEmployment(t *testing.T) {
	// Year 2025: headcounts on 2025-12-31 against 2024-12-31, counted at
	// the company's sites in the territory.
	f := newFixture(t)
	r := f.role("R", "F")
	f.pole("aero", "Aero", "76")
	f.pole("meca", "Meca", "84")
	hire := func(siret string, n int, entry, exit string) {
		for range n {
			f.employee(siret, r, 1980, entry, exit)
		}
	}
	// Department 31: A grows 2 → 3 (created), B stays 2 (maintained), C
	// shrinks 3 → 1, D grows in 31 (1 → 2) but shrinks in 34 (4 → 1).
	a, b, c, d := f.company("A", ""), f.company("B", ""), f.company("C", ""), f.company("D", "")
	hire(f.site(a, "31"), 2, "2020-01-01", "")
	hire(f.site(a, "31555"), 1, "2025-03-01", "")
	hire(f.site(b, "31"), 2, "2020-01-01", "")
	cs := f.site(c, "31")
	hire(cs, 1, "2020-01-01", "")
	hire(cs, 2, "2020-01-01", "2025-12-31") // leaves on 31 December: not active then
	d31, d34 := f.site(d, "31"), f.site(d, "34")
	hire(d31, 1, "2020-01-01", "")
	hire(d31, 1, "2025-12-31", "") // enters on 31 December: active
	hire(d34, 1, "2020-01-01", "")
	hire(d34, 3, "2020-01-01", "2025-06-30")
	// E in 34 is no longer a member on 31 December 2025; F joined meca.
	e, fc := f.company("E", ""), f.company("F", "")
	hire(f.site(e, "34"), 5, "2025-01-01", "")
	hire(f.site(fc, "34"), 1, "2020-01-01", "")
	for _, s := range []string{a, b, c, d} {
		f.member("aero", s, "2019-01-01", "")
	}
	f.member("aero", e, "2019-01-01", "2025-12-31") // until is exclusive
	f.member("meca", fc, "2025-12-31", "")

	ctx := context.Background()
	render := func(c aggregates.EmploymentCell) string {
		if c.Suppressed {
			return c.TerritoryCode + " suppressed " + *c.Reason
		}
		return fmt.Sprintf("%s c=%s created=%s (%.2f) maintained=%s (%.2f)", c.TerritoryCode, val(c.Companies),
			val(c.Created), *c.CreatedShare, val(c.Maintained), *c.MaintainedShare)
	}
	q := aggregates.EmploymentQuery{Level: "department", Parent: region76(), Year: 2025}
	res, err := aggregates.Employment(ctx, f.db, q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Territories {
		got = append(got, render(c))
	}
	got = append(got, render(res.Total))
	want := []string{
		"31 c=4 created=2 (0.50) maintained=3 (0.75)", // A, D created; B maintained; C not
		"34 c=2 created=0 (0.00) maintained=1 (0.50)", // D 4 → 1; F 1 → 1
		// Region: D is judged once on 2 + 1 = 3 against 1 + 4 = 5: not
		// maintained. A created, B and F maintained, C not.
		"76 c=5 created=1 (0.20) maintained=3 (0.60)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// An observatory: 34 has 2 companies (FREQUENCY), so 31 is suppressed
	// too (SECONDARY), or 34 would be the region minus 31.
	q.Enforce = true
	res, err = aggregates.Employment(ctx, f.db, q)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, c := range res.Territories {
		got = append(got, render(c))
	}
	got = append(got, render(res.Total))
	if g := strings.Join(got, "\n"); g != "31 suppressed SECONDARY\n34 suppressed FREQUENCY\n76 c=5 created=1 (0.20) maintained=3 (0.60)" {
		t.Errorf("with secrecy:\n%s", g)
	}

	// A pole scope: meca's members only.
	q = aggregates.EmploymentQuery{Level: "region", Year: 2025, Scope: aggregates.Scope{PoleID: "meca"}}
	res, err = aggregates.Employment(ctx, f.db, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Territories) != 1 || render(res.Territories[0]) != "76 c=1 created=0 (0.00) maintained=1 (1.00)" || res.Total.TerritoryCode != "FR" {
		t.Errorf("meca: %+v", res)
	}
	if _, err := aggregates.Employment(ctx, f.db, aggregates.EmploymentQuery{Level: "department", Year: 1800}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("year 1800: %v", err)
	}
}
