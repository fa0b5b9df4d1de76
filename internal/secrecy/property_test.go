package secrecy_test

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/gpec-project/gpec/internal/secrecy"
)

var (
	territoryCodes = []string{"01", "2A", "2B", "11", "84", "971", "69", "38", "75", "13", "976", "06"}
	dimensionCodes = []string{"H1206", "H2903", "M1805", "100023", "K2111", "h1206", "N1103", "A1203", "pole-skill-7"}
)

// randomTable draws a table of varied shape: 1–8 rows, 1–9 columns (or no
// dimension), sparse or full, with few or many companies shared across cells,
// zero headcounts (needs only) and dominant companies.
func randomTable(r *rand.Rand) []secrecy.Contribution {
	rows := pick(r, territoryCodes, 1+r.Intn(8))
	cols := []string{""}
	if r.Intn(5) > 0 {
		cols = pick(r, dimensionCodes, 1+r.Intn(len(dimensionCodes)))
	}
	density := []float64{0.2, 0.5, 0.8, 1}[r.Intn(4)]
	pool := 1 + r.Intn(20)
	maxPerCell := 1 + r.Intn(6)
	var contribs []secrecy.Contribution
	for _, row := range rows {
		for _, col := range cols {
			if r.Float64() >= density {
				continue
			}
			for range 1 + r.Intn(maxPerCell) {
				h := 1 + r.Intn(30)
				switch r.Intn(10) {
				case 0, 1:
					h = 0
				case 2:
					h = 100 + r.Intn(400)
				}
				company := fmt.Sprintf("%09d", r.Intn(pool))
				contribs = append(contribs, secrecy.Contribution{Row: row, Col: col, Company: company, Headcount: h})
			}
		}
	}
	return contribs
}

func pick(r *rand.Rand, codes []string, k int) []string {
	p := r.Perm(len(codes))
	out := make([]string, min(k, len(codes)))
	for i := range out {
		out[i] = codes[p[i]]
	}
	return out
}

// expected holds figures computed from the contributions directly, without
// the package: companies and headcount by company, per cell and margin.
type expected struct {
	cells, rows, cols map[string]map[string]int
	grand             map[string]int
}

func expect(contribs []secrecy.Contribution) expected {
	e := expected{cells: map[string]map[string]int{}, rows: map[string]map[string]int{}, cols: map[string]map[string]int{}, grand: map[string]int{}}
	add := func(m map[string]map[string]int, k, company string, h int) {
		if m[k] == nil {
			m[k] = map[string]int{}
		}
		m[k][company] += h
	}
	for _, c := range contribs {
		add(e.cells, c.Row+"\x00"+c.Col, c.Company, c.Headcount)
		add(e.rows, c.Row, c.Company, c.Headcount)
		add(e.cols, c.Col, c.Company, c.Headcount)
		e.grand[c.Company] += c.Headcount
	}
	return e
}

// primaryReason applies DESIGN.md's primary rule with the default thresholds,
// in integers: 100 × largest > 85 × headcount.
func primaryReason(byCompany map[string]int) secrecy.Reason {
	if len(byCompany) < 3 {
		return secrecy.Frequency
	}
	total, largest := 0, 0
	for _, h := range byCompany {
		total += h
		largest = max(largest, h)
	}
	if 100*largest > 85*total {
		return secrecy.Dominance
	}
	return ""
}

func sum(byCompany map[string]int) int {
	total := 0
	for _, h := range byCompany {
		total += h
	}
	return total
}

func TestProperties(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 42, 2026} {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewSource(seed))
			for i := range 1000 {
				contribs := randomTable(r)
				if err := checkProperties(r, contribs); err != nil {
					t.Fatalf("table %d: %v\ncontributions: %+v", i, err, contribs)
				}
			}
		})
	}
}

func checkProperties(r *rand.Rand, contribs []secrecy.Contribution) error {
	open := secrecy.Apply(contribs, secrecy.Rules{}, false)
	tab := secrecy.Apply(contribs, secrecy.Rules{}, true)
	e := expect(contribs)

	// No group has exactly one suppressed member.
	if err := checkEquations(tab); err != nil {
		return err
	}
	if err := checkEqualFigures(tab); err != nil {
		return err
	}

	// Every cell failing primary secrecy is suppressed with its reason;
	// every other cell is published or SECONDARY.
	checkCell := func(c secrecy.Cell, byCompany map[string]int) error {
		want := primaryReason(byCompany)
		switch {
		case want != "" && (!c.Suppressed || c.Reason != want):
			return fmt.Errorf("cell %+v fails %s", c, want)
		case want == "" && c.Suppressed && c.Reason != secrecy.Secondary:
			return fmt.Errorf("cell %+v passes primary secrecy yet is %s", c, c.Reason)
		case c.Suppressed != (c.Reason != ""):
			return fmt.Errorf("cell %+v: Suppressed and Reason disagree", c)
		}
		return nil
	}
	for _, c := range tab.Cells {
		if err := checkCell(c, e.cells[c.Row+"\x00"+c.Col]); err != nil {
			return err
		}
	}
	for _, c := range tab.RowTotals {
		if err := checkCell(c, e.rows[c.Row]); err != nil {
			return err
		}
	}
	for _, c := range tab.ColTotals {
		if err := checkCell(c, e.cols[c.Col]); err != nil {
			return err
		}
	}
	if err := checkCell(tab.Grand, e.grand); err != nil {
		return err
	}

	// Without secrecy everything is published; with it, figures are the same.
	for i, c := range open.Cells {
		if c.Suppressed || c.Reason != "" {
			return fmt.Errorf("without secrecy, %+v is suppressed", c)
		}
		s := tab.Cells[i]
		if s.Row != c.Row || s.Col != c.Col || s.Companies != c.Companies || s.Headcount != c.Headcount {
			return fmt.Errorf("figures differ with secrecy: %+v and %+v", s, c)
		}
	}
	if len(open.Cells) != len(e.cells) || len(open.Rows) != len(e.rows) || len(open.Cols) != len(e.cols) {
		return fmt.Errorf("%d cells, %d rows, %d columns; want %d, %d, %d", len(open.Cells), len(open.Rows), len(open.Cols), len(e.cells), len(e.rows), len(e.cols))
	}

	// Margins are the sums of the inner cells; their companies the union.
	rowSum, colSum, grandSum := map[string]int{}, map[string]int{}, 0
	for _, c := range open.Cells {
		if want := e.cells[c.Row+"\x00"+c.Col]; c.Companies != len(want) || c.Headcount != sum(want) {
			return fmt.Errorf("cell %+v, want %d companies, headcount %d", c, len(want), sum(want))
		}
		rowSum[c.Row] += c.Headcount
		colSum[c.Col] += c.Headcount
		grandSum += c.Headcount
	}
	for _, c := range open.RowTotals {
		if c.Headcount != rowSum[c.Row] || c.Companies != len(e.rows[c.Row]) {
			return fmt.Errorf("row total %+v, want headcount %d, %d companies", c, rowSum[c.Row], len(e.rows[c.Row]))
		}
	}
	for _, c := range open.ColTotals {
		if c.Headcount != colSum[c.Col] || c.Companies != len(e.cols[c.Col]) {
			return fmt.Errorf("column total %+v, want headcount %d, %d companies", c, colSum[c.Col], len(e.cols[c.Col]))
		}
	}
	if open.Grand.Headcount != grandSum || open.Grand.Companies != len(e.grand) {
		return fmt.Errorf("grand total %+v, want headcount %d, %d companies", open.Grand, grandSum, len(e.grand))
	}

	// The passes terminate: each changing pass hides one more cell.
	nodes := len(tab.Cells) + len(tab.RowTotals) + len(tab.ColTotals) + 1
	if p := secrecy.Passes(tab); p < 1 || p > nodes+1 {
		return fmt.Errorf("%d passes for %d cells", p, nodes)
	}

	// The order of the contributions changes nothing.
	shuffled := append([]secrecy.Contribution(nil), contribs...)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if again := secrecy.Apply(shuffled, secrecy.Rules{}, true); !reflect.DeepEqual(again, tab) {
		return fmt.Errorf("shuffled contributions give another table")
	}
	return nil
}
