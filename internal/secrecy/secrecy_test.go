package secrecy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gpec-project/gpec/internal/secrecy"
)

// cell returns the contributions of one cell, one company per headcount,
// named after the cell so that no two cells share a company.
func cell(row, col string, headcounts ...int) []secrecy.Contribution {
	cs := make([]secrecy.Contribution, len(headcounts))
	for i, h := range headcounts {
		cs[i] = secrecy.Contribution{Row: row, Col: col, Company: fmt.Sprintf("%s/%s/%d", row, col, i), Headcount: h}
	}
	return cs
}

// table concatenates cells.
func table(cells ...[]secrecy.Contribution) []secrecy.Contribution {
	var all []secrecy.Contribution
	for _, c := range cells {
		all = append(all, c...)
	}
	return all
}

// n returns n companies of headcount h each.
func n(count, h int) []int {
	hs := make([]int, count)
	for i := range hs {
		hs[i] = h
	}
	return hs
}

// state is what an observatory sees of a cell: "" when published, else the reason.
func state(c secrecy.Cell) string {
	if !c.Suppressed {
		if c.Reason != "" {
			return "published with reason " + string(c.Reason)
		}
		return ""
	}
	return string(c.Reason)
}

// suppressedStates lists every suppressed cell of t as "row/col" → reason,
// writing totals as "row/Σ", "Σ/col" and "Σ/Σ".
func suppressedStates(t *secrecy.Table) map[string]string {
	got := map[string]string{}
	add := func(name string, c secrecy.Cell) {
		if s := state(c); s != "" {
			got[name] = s
		}
	}
	for _, c := range t.Cells {
		add(c.Row+"/"+c.Col, c)
	}
	for _, c := range t.RowTotals {
		add(c.Row+"/Σ", c)
	}
	for _, c := range t.ColTotals {
		add("Σ/"+c.Col, c)
	}
	add("Σ/Σ", t.Grand)
	return got
}

func assertStates(t *testing.T, tab *secrecy.Table, want map[string]string) {
	t.Helper()
	got := suppressedStates(tab)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: suppressed %q, want published", k, g)
		}
	}
}

// checkEquations rebuilds the equation groups of DESIGN.md from the output
// alone and reports every group with exactly one suppressed member, whose
// value the others would give away by subtraction. The grand total of an
// empty table is alone in its groups: there is nothing to subtract.
func checkEquations(t *secrecy.Table) error {
	type group struct {
		name                string
		members, suppressed int
	}
	var groups []*group
	byRow, byCol := map[string]*group{}, map[string]*group{}
	for _, r := range t.Rows {
		byRow[r] = &group{name: "row " + r}
		groups = append(groups, byRow[r])
	}
	for _, c := range t.Cols {
		byCol[c] = &group{name: "column " + c}
		groups = append(groups, byCol[c])
	}
	rowMargin, colMargin := &group{name: "row totals"}, &group{name: "column totals"}
	groups = append(groups, rowMargin, colMargin)
	count := func(c secrecy.Cell, gs ...*group) {
		for _, g := range gs {
			g.members++
			if c.Suppressed {
				g.suppressed++
			}
		}
	}
	for _, c := range t.Cells {
		count(c, byRow[c.Row], byCol[c.Col])
	}
	for _, c := range t.RowTotals {
		count(c, byRow[c.Row], rowMargin)
	}
	for _, c := range t.ColTotals {
		count(c, byCol[c.Col], colMargin)
	}
	count(t.Grand, rowMargin, colMargin)
	var leaks []string
	for _, g := range groups {
		if g.suppressed == 1 && g.members > 1 {
			leaks = append(leaks, g.name)
		}
	}
	if leaks != nil {
		return fmt.Errorf("groups with exactly one suppressed member: %s", strings.Join(leaks, ", "))
	}
	return nil
}

func TestPrimary(t *testing.T) {
	const (
		F = string(secrecy.Frequency)
		D = string(secrecy.Dominance)
	)
	sameCompanyTwice := []secrecy.Contribution{
		{Row: "84", Col: "H1206", Company: "A", Headcount: 50},
		{Row: "84", Col: "H1206", Company: "A", Headcount: 40},
		{Row: "84", Col: "H1206", Company: "B", Headcount: 5},
		{Row: "84", Col: "H1206", Company: "C", Headcount: 5},
	}
	for _, tc := range []struct {
		name       string
		contribs   []secrecy.Contribution
		rules      secrecy.Rules
		want       string
		companies  int
		headcounts int
	}{
		{"FrequencyTwoCompanies", cell("84", "H1206", 50, 50), secrecy.Rules{}, F, 2, 100},
		{"FrequencyOneCompany", cell("84", "H1206", 7), secrecy.Rules{}, F, 1, 7},
		{"ThreeCompaniesPublished", cell("84", "H1206", 40, 30, 30), secrecy.Rules{}, "", 3, 100},
		{"DominanceNinetyPercent", cell("84", "H1206", 90, 5, 5), secrecy.Rules{}, D, 3, 100},
		{"EightyFivePercentExactlyPublished", cell("84", "H1206", 85, 10, 5), secrecy.Rules{}, "", 3, 100},
		{"SeventeenOfTwentyPublished", cell("84", "H1206", 17, 2, 1), secrecy.Rules{}, "", 3, 20},
		{"JustOverEightyFivePercent", cell("84", "H1206", 86, 10, 4), secrecy.Rules{}, D, 3, 100},
		{"FrequencyBeforeDominance", cell("84", "H1206", 100, 0), secrecy.Rules{}, F, 2, 100},
		{"ZeroHeadcountOnlyFrequencyApplies", cell("84", "H1206", 0, 0, 0), secrecy.Rules{}, "", 3, 0},
		{"ZeroHeadcountTwoCompanies", cell("84", "H1206", 0, 0), secrecy.Rules{}, F, 2, 0},
		{"NeedOnlyCompaniesCount", cell("84", "H1206", 10, 0, 0), secrecy.Rules{}, D, 3, 10},
		{"SameCompanyTwiceIsOneCompany", sameCompanyTwice, secrecy.Rules{}, D, 3, 100},
		{"CustomMinCompanies", cell("84", "H1206", n(4, 10)...), secrecy.Rules{MinCompanies: 5}, F, 4, 40},
		{"CustomMaxShare", cell("84", "H1206", 60, 20, 20), secrecy.Rules{MaxShare: 0.5}, D, 3, 100},
		{"CustomMaxShareExactlyPublished", cell("84", "H1206", 50, 25, 25), secrecy.Rules{MaxShare: 0.5}, "", 3, 100},
		{"MaxShareOneNeverDominates", cell("84", "H1206", 100, 0, 0), secrecy.Rules{MaxShare: 1}, "", 3, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := secrecy.Apply(tc.contribs, tc.rules, true)
			// A single cell is its row total, its column total and the grand total.
			for _, c := range []secrecy.Cell{tab.Cells[0], tab.RowTotals[0], tab.ColTotals[0], tab.Grand} {
				if got := state(c); got != tc.want {
					t.Errorf("cell (%q, %q): got %q, want %q", c.Row, c.Col, got, tc.want)
				}
				if c.Companies != tc.companies || c.Headcount != tc.headcounts {
					t.Errorf("cell (%q, %q): %d companies, headcount %d; want %d, %d", c.Row, c.Col, c.Companies, c.Headcount, tc.companies, tc.headcounts)
				}
			}
		})
	}
}

func TestSecondary(t *testing.T) {
	const (
		F = string(secrecy.Frequency)
		S = string(secrecy.Secondary)
	)
	for _, tc := range []struct {
		name     string
		contribs []secrecy.Contribution
		want     map[string]string
		passes   int
	}{
		{
			// Region 84 by department: 07 fails; 03 and 15 tie on four
			// companies, 15 has the smaller headcount. Each column has one
			// cell, so the column totals follow their cells.
			name: "RegionRowSuppressesSecondDepartment",
			contribs: table(
				cell("84", "01", n(5, 20)...),
				cell("84", "03", n(4, 10)...),
				cell("84", "07", 5, 5),
				cell("84", "15", 10, 8, 7, 5),
				cell("84", "26", n(6, 10)...),
			),
			want:   map[string]string{"84/07": F, "Σ/07": F, "84/15": S, "Σ/15": S},
			passes: 2,
		},
		{
			// One failing cell propagates through rows then columns:
			// pass 1: row 01 → 01/M1805; column H2903 → 69/H2903; column M1805 → 38/M1805;
			// pass 2: row 38 → 38/H1206; row 69 → 69/H1206; pass 3 changes nothing.
			name: "ChainAcrossRowsAndColumns",
			contribs: table(
				cell("01", "H1206", n(5, 10)...), cell("01", "H2903", 4, 4), cell("01", "M1805", n(4, 10)...),
				cell("38", "H1206", 10, 8, 7, 5), cell("38", "H2903", n(6, 10)...), cell("38", "M1805", n(3, 10)...),
				cell("69", "H1206", n(7, 10)...), cell("69", "H2903", n(5, 10)...), cell("69", "M1805", n(8, 10)...),
			),
			want: map[string]string{
				"01/H2903": F, "01/M1805": S, "69/H2903": S, "38/M1805": S, "38/H1206": S, "69/H1206": S,
			},
			passes: 3,
		},
		{
			// 2A has a single cell, which fails: its row total fails with it,
			// and the margin of row totals then hides 2B's total, whose row
			// needs nothing more because column a already hid 2B/a. The
			// empty cell 2A/b is a known zero and no member of any group.
			name: "RowTotalSpreadsThroughMargin",
			contribs: table(
				cell("2A", "a", 5, 5),
				cell("2B", "a", n(3, 10)...), cell("2B", "b", n(4, 10)...),
				cell("06", "a", n(5, 10)...), cell("06", "b", n(6, 10)...),
			),
			want:   map[string]string{"2A/a": F, "2A/Σ": F, "2B/a": S, "2B/Σ": S},
			passes: 2,
		},
		{
			// Two failures in the same row and column need no secondary secrecy.
			name: "TwoFailuresProtectEachOther",
			contribs: table(
				cell("01", "a", 1), cell("01", "b", 1), cell("01", "c", n(5, 10)...),
				cell("03", "a", 1), cell("03", "b", 1), cell("03", "c", n(5, 10)...),
			),
			want:   map[string]string{"01/a": F, "01/b": F, "03/a": F, "03/b": F, "Σ/a": F, "Σ/b": F},
			passes: 1,
		},
		{
			// DESIGN.md's rule is satisfied (no group has exactly one
			// suppressed member), yet row 11's total, 2 companies, is the
			// grand total minus column c's total: 69 − 40 = 29. Pinned so
			// that a change of the rule is a decision, not an accident.
			name: "CombinedEquationsLimit",
			contribs: table(
				cell("11", "a", 20), cell("11", "b", 9),
				cell("13", "c", 10), cell("75", "c", 15), cell("971", "c", 15),
			),
			want: map[string]string{
				"11/a": F, "11/b": F, "11/Σ": F,
				"13/c": F, "13/Σ": F, "75/c": F, "75/Σ": F, "971/c": F, "971/Σ": F,
				"Σ/a": F, "Σ/b": F,
			},
			passes: 1,
		},
		{
			name: "NothingFails",
			contribs: table(
				cell("01", "a", n(3, 10)...), cell("01", "b", n(3, 10)...),
				cell("03", "a", n(3, 10)...), cell("03", "b", n(3, 10)...),
			),
			want:   map[string]string{},
			passes: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := secrecy.Apply(tc.contribs, secrecy.Rules{}, true)
			assertStates(t, tab, tc.want)
			if err := checkEquations(tab); err != nil {
				t.Error(err)
			}
			if got := secrecy.Passes(tab); got != tc.passes {
				t.Errorf("%d passes, want %d", got, tc.passes)
			}
		})
	}
}

// The second member hidden in a group: fewest companies, then smallest
// headcount, then lowest code, a total after every code. Each case is one row
// whose cell "!" fails frequency ("!" sorts before every other code, so that
// the choice does not fall on it by code).
func TestSecondChoice(t *testing.T) {
	failing := cell("84", "!", 1)
	for _, tc := range []struct {
		name     string
		contribs []secrecy.Contribution
		want     string // the row's cell suppressed SECONDARY
	}{
		{
			name:     "FewestCompanies",
			contribs: table(failing, cell("84", "b", n(5, 1)...), cell("84", "c", n(4, 100)...)),
			want:     "c",
		},
		{
			name:     "TieOnCompaniesSmallestHeadcount",
			contribs: table(failing, cell("84", "b", n(4, 50)...), cell("84", "c", n(4, 20)...), cell("84", "d", n(5, 1)...)),
			want:     "c",
		},
		{
			name:     "TieOnBothLowestCode",
			contribs: table(failing, cell("84", "M1805", n(4, 20)...), cell("84", "H1206", n(4, 20)...), cell("84", "K2111", n(4, 20)...)),
			want:     "H1206",
		},
		{
			name:     "CodesCompareByteWise",
			contribs: table(failing, cell("84", "h1206", n(4, 20)...), cell("84", "H2903", n(4, 20)...)),
			want:     "H2903",
		},
		{
			// The row total ties with zz (same three companies, same
			// headcount): zz goes, the total sorts after it.
			name: "TotalSortsAfterCodes",
			contribs: []secrecy.Contribution{
				{Row: "84", Col: "!", Company: "X", Headcount: 0},
				{Row: "84", Col: "!", Company: "Y", Headcount: 0},
				{Row: "84", Col: "zz", Company: "X", Headcount: 4},
				{Row: "84", Col: "zz", Company: "Y", Headcount: 3},
				{Row: "84", Col: "zz", Company: "Z", Headcount: 3},
			},
			want: "zz",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := secrecy.Apply(tc.contribs, secrecy.Rules{}, true)
			var got []string
			for _, c := range tab.Cells {
				if c.Reason == secrecy.Secondary {
					got = append(got, c.Col)
				}
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("secondary cells %v, want [%s]", got, tc.want)
			}
			if rt, _ := tab.RowTotal("84"); rt.Suppressed {
				t.Errorf("row total suppressed %s, want published", rt.Reason)
			}
			if err := checkEquations(tab); err != nil {
				t.Error(err)
			}
		})
	}

	// Column groups order territories the same way.
	t.Run("TerritoryCodes", func(t *testing.T) {
		tab := secrecy.Apply(table(
			cell("01", "H1206", 1),
			cell("2B", "H1206", n(4, 20)...), cell("2A", "H1206", n(4, 20)...), cell("21", "H1206", n(4, 20)...),
		), secrecy.Rules{}, true)
		if c, _ := tab.Cell("21", "H1206"); c.Reason != secrecy.Secondary {
			t.Errorf("21/H1206 %q, want SECONDARY (\"21\" < \"2A\" < \"2B\")", c.Reason)
		}
	})
}

// A cell alone in its row (always so without a dimension) is the same figure
// set as its row total; likewise down a column, and for a single row's or a
// single column's totals and the grand total. They must never differ.
func TestDegenerateTables(t *testing.T) {
	const (
		F = string(secrecy.Frequency)
		D = string(secrecy.Dominance)
		S = string(secrecy.Secondary)
	)
	for _, tc := range []struct {
		name     string
		contribs []secrecy.Contribution
		want     map[string]string
	}{
		{
			name: "NoDimensionTwoFailures",
			contribs: table(
				cell("01", "", n(5, 10)...), cell("03", "", 1, 1), cell("07", "", n(4, 10)...), cell("15", "", 95, 3, 2),
			),
			want: map[string]string{"03/": F, "03/Σ": F, "15/": D, "15/Σ": D},
		},
		{
			// Column "" hides 15 (4 companies, headcount 30 < 40); its row
			// total goes with it.
			name: "NoDimensionOneFailure",
			contribs: table(
				cell("01", "", n(5, 10)...), cell("03", "", 1, 1), cell("07", "", n(4, 10)...), cell("15", "", 10, 10, 5, 5),
			),
			want: map[string]string{"03/": F, "03/Σ": F, "15/": S, "15/Σ": S},
		},
		{
			name: "SingleRow",
			contribs: table(
				cell("84", "H1206", n(5, 10)...), cell("84", "H2903", 1, 1), cell("84", "M1805", n(4, 10)...),
			),
			want: map[string]string{"84/H2903": F, "Σ/H2903": F, "84/M1805": S, "Σ/M1805": S},
		},
		{
			name:     "SingleCellPublished",
			contribs: cell("84", "", n(3, 10)...),
			want:     map[string]string{},
		},
		{
			name:     "SingleCellSuppressed",
			contribs: cell("84", "", 1, 1),
			want:     map[string]string{"84/": F, "84/Σ": F, "Σ/": F, "Σ/Σ": F},
		},
		{
			// Regions by department: every column has one cell.
			name: "Diagonal",
			contribs: table(
				cell("84", "01", n(5, 10)...), cell("84", "03", 1, 1), cell("84", "07", n(4, 10)...),
				cell("93", "04", n(3, 10)...), cell("93", "06", n(9, 10)...),
			),
			want: map[string]string{"84/03": F, "Σ/03": F, "84/07": S, "Σ/07": S},
		},
		{
			name:     "Empty",
			contribs: nil,
			want:     map[string]string{"Σ/Σ": F},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := secrecy.Apply(tc.contribs, secrecy.Rules{}, true)
			assertStates(t, tab, tc.want)
			if err := checkEquations(tab); err != nil {
				t.Error(err)
			}
			if err := checkEqualFigures(tab); err != nil {
				t.Error(err)
			}
		})
	}
}

// checkEqualFigures reports a cell alone in its row or column, or a total
// alone in its margin, whose state differs from the total it equals.
func checkEqualFigures(t *secrecy.Table) error {
	inRow, inCol := map[string][]secrecy.Cell{}, map[string][]secrecy.Cell{}
	for _, c := range t.Cells {
		inRow[c.Row] = append(inRow[c.Row], c)
		inCol[c.Col] = append(inCol[c.Col], c)
	}
	same := func(a, b secrecy.Cell) error {
		if a.Companies != b.Companies || a.Headcount != b.Headcount || a.Suppressed != b.Suppressed || a.Reason != b.Reason {
			return fmt.Errorf("equal figure sets differ: %+v and %+v", a, b)
		}
		return nil
	}
	for _, rt := range t.RowTotals {
		if cs := inRow[rt.Row]; len(cs) == 1 {
			if err := same(cs[0], rt); err != nil {
				return err
			}
		}
	}
	for _, ct := range t.ColTotals {
		if cs := inCol[ct.Col]; len(cs) == 1 {
			if err := same(cs[0], ct); err != nil {
				return err
			}
		}
	}
	if len(t.RowTotals) == 1 {
		if err := same(t.RowTotals[0], t.Grand); err != nil {
			return err
		}
	}
	if len(t.ColTotals) == 1 {
		if err := same(t.ColTotals[0], t.Grand); err != nil {
			return err
		}
	}
	return nil
}

func TestWithoutSecrecy(t *testing.T) {
	contribs := table(cell("84", "H1206", 1), cell("84", "H2903", 90, 5, 5), cell("93", "H1206", n(4, 10)...))
	tab := secrecy.Apply(contribs, secrecy.Rules{}, false)
	assertStates(t, tab, map[string]string{})
	if c, _ := tab.Cell("84", "H1206"); c.Companies != 1 || c.Headcount != 1 {
		t.Errorf("84/H1206 = %+v, want 1 company, headcount 1", c)
	}
	if tab.Grand.Companies != 8 || tab.Grand.Headcount != 141 {
		t.Errorf("grand = %+v, want 8 companies, headcount 141", tab.Grand)
	}
	if err := checkEquations(tab); err != nil {
		t.Error(err)
	}
}

func TestLookups(t *testing.T) {
	tab := secrecy.Apply(table(cell("84", "H1206", n(3, 1)...), cell("93", "M1805", n(3, 2)...)), secrecy.Rules{}, true)
	if got := strings.Join(tab.Rows, ","); got != "84,93" {
		t.Errorf("rows %s", got)
	}
	if got := strings.Join(tab.Cols, ","); got != "H1206,M1805" {
		t.Errorf("cols %s", got)
	}
	if c, ok := tab.Cell("93", "M1805"); !ok || c.Headcount != 6 {
		t.Errorf("Cell(93, M1805) = %+v, %v", c, ok)
	}
	if _, ok := tab.Cell("84", "M1805"); ok {
		t.Error("Cell(84, M1805) exists, want absent: no company contributes")
	}
	if c, ok := tab.RowTotal("84"); !ok || c.Row != "84" || c.Col != "" || c.Headcount != 3 {
		t.Errorf("RowTotal(84) = %+v, %v", c, ok)
	}
	if c, ok := tab.ColTotal("M1805"); !ok || c.Row != "" || c.Col != "M1805" || c.Headcount != 6 {
		t.Errorf("ColTotal(M1805) = %+v, %v", c, ok)
	}
	if _, ok := tab.RowTotal("11"); ok {
		t.Error("RowTotal(11) exists")
	}
	if _, ok := tab.ColTotal("K2111"); ok {
		t.Error("ColTotal(K2111) exists")
	}
}

func TestInvalidContributionsPanic(t *testing.T) {
	for _, tc := range []struct {
		name    string
		contrib secrecy.Contribution
	}{
		{"NegativeHeadcount", secrecy.Contribution{Row: "84", Col: "H1206", Company: "356000000", Headcount: -1}},
		{"NoCompany", secrecy.Contribution{Row: "84", Col: "H1206", Headcount: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			secrecy.Apply([]secrecy.Contribution{tc.contrib}, secrecy.Rules{}, false)
		})
	}
}
