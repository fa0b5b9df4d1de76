package secrecy

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Reason says why a cell is suppressed.
type Reason string

// The reasons of DESIGN.md; a published cell has the empty Reason.
const (
	Frequency Reason = "FREQUENCY" // fewer than Rules.MinCompanies companies
	Dominance Reason = "DOMINANCE" // one company holds more than Rules.MaxShare of the headcount
	Secondary Reason = "SECONDARY" // hidden so that another suppressed cell cannot be recovered
)

// Defaults of the primary secrecy thresholds (DESIGN.md).
const (
	DefaultMinCompanies = 3
	DefaultMaxShare     = 0.85
)

// Rules are the primary secrecy thresholds. A field left at zero takes its
// default, so Rules{} is DESIGN.md's rule.
type Rules struct {
	MinCompanies int     // a cell needs at least this many distinct companies
	MaxShare     float64 // no company may contribute more than this share of the headcount
}

// Contribution is one company's headcount in one cell. A company appearing
// several times in a cell contributes the sum of its headcounts.
type Contribution struct {
	Row       string // territory code
	Col       string // dimension value code
	Company   string // SIREN
	Headcount int    // >= 0; 0 for a company with declared needs only
}

// Cell is one figure set of the table. A row total has Col "", a column total
// has Row "", the grand total has both empty; their place in Table says which
// they are. Companies and Headcount are always filled, for callers with
// unsuppressed access; an observatory sees neither when Suppressed.
type Cell struct {
	Row, Col   string
	Companies  int // distinct contributing companies
	Headcount  int
	Suppressed bool
	Reason     Reason // empty when published
}

// Table is the result of Apply. Rows and Cols are the codes in ascending
// order; RowTotals[i] is the total of Rows[i], ColTotals[j] of Cols[j]. Cells
// holds the inner cells that exist, ordered by row then column.
type Table struct {
	Rows, Cols []string
	Cells      []Cell
	RowTotals  []Cell
	ColTotals  []Cell
	Grand      Cell

	cellAt map[cellKey]int
	rowAt  map[string]int
	colAt  map[string]int
	passes int // secondary secrecy passes, for the tests
}

// Cell returns the inner cell at (row, col); ok is false when no company
// contributes to it.
func (t *Table) Cell(row, col string) (c Cell, ok bool) {
	i, ok := t.cellAt[cellKey{row, col}]
	if !ok {
		return Cell{}, false
	}
	return t.Cells[i], true
}

// RowTotal returns the total of a row; ok is false for an unknown row.
func (t *Table) RowTotal(row string) (c Cell, ok bool) {
	i, ok := t.rowAt[row]
	if !ok {
		return Cell{}, false
	}
	return t.RowTotals[i], true
}

// ColTotal returns the total of a column; ok is false for an unknown column.
func (t *Table) ColTotal(col string) (c Cell, ok bool) {
	i, ok := t.colAt[col]
	if !ok {
		return Cell{}, false
	}
	return t.ColTotals[i], true
}

type cellKey struct{ row, col string }

// Apply builds the table of the contributions with its margins and, when
// enforce is true, applies primary then secondary secrecy; with enforce false
// every cell is published. It panics on a negative headcount or an empty
// company, which are the caller's bugs, not data.
func Apply(contribs []Contribution, rules Rules, enforce bool) *Table {
	return ApplySummaries(summarize(contribs), rules, enforce)
}

// Summary is what secrecy needs of one figure set, summed from its
// contributions elsewhere (a pre-aggregated rollup): its distinct companies,
// headcount, and the largest single company's headcount. Row and Col follow
// Cell's convention.
type Summary struct {
	Row, Col  string
	Companies int
	Headcount int
	Largest   int
}

// Summaries are a whole table's figure sets: the inner cells, each row's
// total, each column's total and the grand total. Rows and columns are those
// of the totals; an inner cell of an unknown row or column is the caller's
// bug.
type Summaries struct {
	Cells, RowTotals, ColTotals []Summary
	Grand                       Summary
}

// ApplySummaries is Apply on figure sets already summed: it gives the same
// table as Apply on the contributions they were summed from.
func ApplySummaries(s Summaries, rules Rules, enforce bool) *Table {
	t, largest := build(s)
	if enforce {
		t.protect(largest, rules.withDefaults())
	}
	return t
}

func (r Rules) withDefaults() Rules {
	if r.MinCompanies <= 0 {
		r.MinCompanies = DefaultMinCompanies
	}
	if !(r.MaxShare > 0) { // also catches NaN
		r.MaxShare = DefaultMaxShare
	}
	return r
}

// figures accumulates one cell's contributions by company.
type figures map[string]int

func (f figures) add(company string, headcount int) { f[company] += headcount }

// summary returns the number of companies, the headcount and the largest
// single company's headcount.
func (f figures) summary() (companies, headcount, largest int) {
	for _, h := range f {
		headcount += h
		largest = max(largest, h)
	}
	return len(f), headcount, largest
}

// summarize sums the contributions into every cell and margin.
func summarize(contribs []Contribution) Summaries {
	inner := map[cellKey]figures{}
	rowFig := map[string]figures{}
	colFig := map[string]figures{}
	grand := figures{}
	for _, c := range contribs {
		if c.Headcount < 0 {
			panic(fmt.Sprintf("secrecy: negative headcount %d for company %q in cell (%q, %q)", c.Headcount, c.Company, c.Row, c.Col))
		}
		if c.Company == "" {
			panic(fmt.Sprintf("secrecy: contribution without a company in cell (%q, %q)", c.Row, c.Col))
		}
		k := cellKey{c.Row, c.Col}
		for _, f := range []figures{at(inner, k), at(rowFig, c.Row), at(colFig, c.Col), grand} {
			f.add(c.Company, c.Headcount)
		}
	}
	summary := func(row, col string, f figures) Summary {
		n, h, l := f.summary()
		return Summary{Row: row, Col: col, Companies: n, Headcount: h, Largest: l}
	}
	var s Summaries
	for k, f := range inner {
		s.Cells = append(s.Cells, summary(k.row, k.col, f))
	}
	for r, f := range rowFig {
		s.RowTotals = append(s.RowTotals, summary(r, "", f))
	}
	for c, f := range colFig {
		s.ColTotals = append(s.ColTotals, summary("", c, f))
	}
	s.Grand = summary("", "", grand)
	return s
}

// build orders the figure sets into a table. largest is indexed like
// t.nodes(): the largest single contribution of each cell, for dominance.
func build(s Summaries) (*Table, []int) {
	rows := make(map[string]Summary, len(s.RowTotals))
	for _, r := range s.RowTotals {
		rows[r.Row] = r
	}
	cols := make(map[string]Summary, len(s.ColTotals))
	for _, c := range s.ColTotals {
		cols[c.Col] = c
	}
	t := &Table{
		Rows:   sortedKeys(rows),
		Cols:   sortedKeys(cols),
		cellAt: make(map[cellKey]int, len(s.Cells)),
		rowAt:  make(map[string]int, len(rows)),
		colAt:  make(map[string]int, len(cols)),
	}
	inner := slices.Clone(s.Cells)
	sort.Slice(inner, func(i, j int) bool {
		if inner[i].Row != inner[j].Row {
			return inner[i].Row < inner[j].Row
		}
		return inner[i].Col < inner[j].Col
	})

	largest := make([]int, 0, len(inner)+len(rows)+len(cols)+1)
	cell := func(x Summary) Cell {
		largest = append(largest, x.Largest)
		return Cell{Row: x.Row, Col: x.Col, Companies: x.Companies, Headcount: x.Headcount}
	}
	// Same order as nodes: inner cells, row totals, column totals, grand total.
	for i, x := range inner {
		t.Cells = append(t.Cells, cell(x))
		t.cellAt[cellKey{x.Row, x.Col}] = i
	}
	for i, r := range t.Rows {
		t.RowTotals = append(t.RowTotals, cell(rows[r]))
		t.rowAt[r] = i
	}
	for j, c := range t.Cols {
		t.ColTotals = append(t.ColTotals, cell(cols[c]))
		t.colAt[c] = j
	}
	g := s.Grand
	g.Row, g.Col = "", ""
	t.Grand = cell(g)
	return t, largest
}

func at[K comparable](m map[K]figures, k K) figures {
	f, ok := m[k]
	if !ok {
		f = figures{}
		m[k] = f
	}
	return f
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// nodes lists every cell of the table: inner cells, row totals, column
// totals, then the grand total.
func (t *Table) nodes() []*Cell {
	ns := make([]*Cell, 0, len(t.Cells)+len(t.RowTotals)+len(t.ColTotals)+1)
	for i := range t.Cells {
		ns = append(ns, &t.Cells[i])
	}
	for i := range t.RowTotals {
		ns = append(ns, &t.RowTotals[i])
	}
	for i := range t.ColTotals {
		ns = append(ns, &t.ColTotals[i])
	}
	return append(ns, &t.Grand)
}

// groups returns the equations in visiting order, each listing its members
// (indexes into nodes) in code order with the total last, so that a member's
// position breaks ties on code. An empty table has no equation: its grand
// total is alone.
func (t *Table) groups() [][]int {
	if len(t.Cells) == 0 {
		return nil
	}
	nInner, nRows, nCols := len(t.Cells), len(t.Rows), len(t.Cols)
	rowTotal := func(i int) int { return nInner + i }
	colTotal := func(j int) int { return nInner + nRows + j }
	grand := nInner + nRows + nCols

	byRow := make([][]int, nRows)
	byCol := make([][]int, nCols)
	for i, c := range t.Cells { // row-major, so both lists come out in code order
		r, k := t.rowAt[c.Row], t.colAt[c.Col]
		byRow[r] = append(byRow[r], i)
		byCol[k] = append(byCol[k], i)
	}
	gs := make([][]int, 0, nRows+nCols+2)
	for i, members := range byRow {
		gs = append(gs, append(members, rowTotal(i)))
	}
	for j, members := range byCol {
		gs = append(gs, append(members, colTotal(j)))
	}
	margin := make([]int, 0, nRows+1)
	for i := range nRows {
		margin = append(margin, rowTotal(i))
	}
	gs = append(gs, append(margin, grand))
	margin = make([]int, 0, nCols+1)
	for j := range nCols {
		margin = append(margin, colTotal(j))
	}
	return append(gs, append(margin, grand))
}

// protect applies primary then secondary secrecy in place.
func (t *Table) protect(largest []int, rules Rules) {
	nodes := t.nodes()
	groups := t.groups()
	memberOf := make([][]int, len(nodes)) // every cell is in exactly two groups
	for g, members := range groups {
		for _, n := range members {
			memberOf[n] = append(memberOf[n], g)
		}
	}
	suppressedIn := make([]int, len(groups))
	suppress := func(n int, why Reason) {
		nodes[n].Suppressed, nodes[n].Reason = true, why
		for _, g := range memberOf[n] {
			suppressedIn[g]++
		}
	}

	for n, c := range nodes {
		if why := primary(c.Companies, c.Headcount, largest[n], rules); why != "" {
			suppress(n, why)
		}
	}

	for changed := true; changed; {
		t.passes++
		changed = false
		for g, members := range groups {
			if suppressedIn[g] != 1 {
				continue
			}
			suppress(secondChoice(nodes, members), Secondary)
			changed = true
		}
	}
}

// primary returns why a cell fails primary secrecy, or "" when it passes.
func primary(companies, headcount, largest int, rules Rules) Reason {
	if companies < rules.MinCompanies {
		return Frequency
	}
	if rules.MaxShare >= 1 {
		return "" // no company can hold more than the whole
	}
	// largest/headcount > MaxShare, in integers: with headcount 0, largest is
	// 0 and never dominates.
	const scale = 1_000_000
	perMillion := int64(math.Round(rules.MaxShare * scale))
	if int64(largest)*scale > perMillion*int64(headcount) {
		return Dominance
	}
	return ""
}

// secondChoice picks the published member of a group to suppress: fewest
// companies, then smallest headcount, then lowest code; members come in code
// order with the total last, so the first best wins.
func secondChoice(nodes []*Cell, members []int) int {
	best := -1
	for _, n := range members {
		c := nodes[n]
		if c.Suppressed {
			continue
		}
		if best < 0 || c.Companies < nodes[best].Companies ||
			c.Companies == nodes[best].Companies && c.Headcount < nodes[best].Headcount {
			best = n
		}
	}
	return best // a group has at least two members, and exactly one is suppressed
}
