package secrecy

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// Reasons of releases besides those of the live tables.
const (
	// PPercent: the headcount less the two largest contributions is below
	// PPercentShare of the largest, so the second largest contributor could
	// estimate the largest within that share.
	PPercent Reason = "P_PERCENT"
	// GroupDisclosure: an employment share of 0, 1, 1/n or (n−1)/n tells
	// every member's status, or every member's but one.
	GroupDisclosure Reason = "GROUP_DISCLOSURE"
)

// Defaults of releases' rules (DESIGN.md).
const (
	// DefaultPPercent is the p of the p% rule, in percent.
	DefaultPPercent = 15
	// DefaultProtection is the share of a primary cell's value the
	// attacker's interval must reach on each side, in percent.
	DefaultProtection = 15
)

// ReleaseRules are the primary thresholds of a release; zero fields take
// DESIGN.md's values.
type ReleaseRules struct {
	MinCompanies int     // FREQUENCY below this many contributors (3)
	MaxShare     float64 // DOMINANCE above this share of the largest (0.85)
	PPercent     int     // P_PERCENT: percent of the largest (15)
	Protection   int     // protection requirement, percent of the value (15)
}

func (r ReleaseRules) withDefaults() ReleaseRules {
	if r.MinCompanies <= 0 {
		r.MinCompanies = DefaultMinCompanies
	}
	if !(r.MaxShare > 0) {
		r.MaxShare = DefaultMaxShare
	}
	if r.PPercent <= 0 {
		r.PPercent = DefaultPPercent
	}
	if r.Protection <= 0 {
		r.Protection = DefaultProtection
	}
	return r
}

// ReleasePrimary returns why a release cell is primary sensitive, or "":
// FREQUENCY with fewer than MinCompanies contributors, DOMINANCE when the
// largest contribution exceeds MaxShare of the headcount, P_PERCENT when the
// headcount less the two largest contributions is below PPercent % of the
// largest. Contributors are companies with at least one employee in the
// cell; largest and second are the two largest contributions (second is 0
// with a single contributor). Integer arithmetic only.
func ReleasePrimary(contributors, headcount, largest, second int, rules ReleaseRules) Reason {
	r := rules.withDefaults()
	if contributors < r.MinCompanies {
		return Frequency
	}
	if primary(contributors, headcount, largest, Rules{MinCompanies: r.MinCompanies, MaxShare: r.MaxShare}) != "" {
		return Dominance
	}
	// headcount − largest − second < p/100 × largest
	if 100*int64(headcount-largest-second) < int64(r.PPercent)*int64(largest) {
		return PPercent
	}
	return ""
}

// Margin is the protection a primary cell of value v needs on each side:
// max(1, ⌈percent × v / 100⌉).
func Margin(v, percent int) int {
	m := (v*percent + 99) / 100
	return max(1, m)
}

// # Linked tables
//
// A release is a set of cells tied by linear relations that an attacker
// knows: totals equal to the sum of their parts, totals at least each part,
// a sum of parts at least the total. LinkedCell and Relation describe them
// without saying what a cell is; Protect chooses the hidden cells and Audit
// proves the result.

// LinkedCell is one cell of linked tables: its true value (the headcount),
// and its primary reason ("" when not sensitive).
type LinkedCell struct {
	Value   int
	Primary Reason
	// Hidden and Reason are the outcome: the primary reason, or SECONDARY.
	Hidden bool
	Reason Reason
}

// Term is coef × cell.
type Term struct {
	Cell int
	Coef float64
}

// Relation is Σ terms = 0 (Equal) or Σ terms <= 0 (not Equal) over the true
// values of the cells.
type Relation struct {
	Terms []Term
	Equal bool
}

// SumOf is total = Σ parts.
func SumOf(total int, parts []int) Relation {
	r := Relation{Equal: true, Terms: []Term{{total, 1}}}
	for _, p := range parts {
		r.Terms = append(r.Terms, Term{p, -1})
	}
	return r
}

// AtMost is part <= total.
func AtMost(part, total int) Relation {
	return Relation{Terms: []Term{{part, 1}, {total, -1}}}
}

// Covers is total <= Σ parts (every unit of the total is in at least one part).
func Covers(total int, parts []int) Relation {
	r := Relation{Terms: []Term{{total, 1}}}
	for _, p := range parts {
		r.Terms = append(r.Terms, Term{p, -1})
	}
	return r
}

// Bound is the attacker's interval of a hidden cell: Lower and Upper are the
// integer bounds (the LP optimum rounded inward); Unbounded means no upper
// bound.
type Bound struct {
	Cell         int
	Value        int
	Lower, Upper int
	Unbounded    bool
	// Exact: the bounds are the attacker's tightest (LP over the whole
	// component); otherwise they are inside them (see boundCell).
	Exact bool
}

// Violation is a primary cell the attacker bounds too tightly.
type Violation struct {
	Bound
	Margin int // required on each side
}

func (v Violation) String() string {
	up := "∞"
	if !v.Unbounded {
		up = fmt.Sprint(v.Upper)
	}
	return fmt.Sprintf("cell %d of value %d bounded to [%d, %s], needs at most %d and at least %d",
		v.Cell, v.Value, v.Lower, up, max(0, v.Value-v.Margin), v.Value+v.Margin)
}

// protected tells whether b meets the requirement.
func protected(b Bound, margin int) bool {
	low := b.Lower <= max(0, b.Value-margin)
	high := b.Unbounded || b.Upper >= b.Value+margin
	return low && high
}

// Linked is a set of linked cells and their relations.
type Linked struct {
	Cells     []LinkedCell
	Relations []Relation
	// Protection is the requirement in percent (0: DefaultProtection).
	Protection int
	// MaxLP bounds the hidden cells of one linear program (0:
	// DefaultMaxLP).
	MaxLP int
	// Moves, when set, proposes directions in which a cell's true values
	// may move for the attacker not to tell (each a sparse vector of
	// changes, the cell's own +1): typically the 4-cycles of a table. They
	// are only candidates: moveRoom checks each against every relation.
	Moves func(cell int) [][]Term
	// Group and Scopes, when set, guide the search of moves (findMove):
	// Group is each cell's group (for a release, its territory) and Scopes
	// proposes for a cell the sets of groups to search a move within, in
	// order (its territory and a sibling, the chain up to France…), before
	// the search over every cell. A scope only narrows where a search
	// looks: every move found is checked against every relation.
	Group  []int
	Scopes func(cell int) [][]int
	// Weight, when set, multiplies the cost of hiding each cell (its value
	// plus one): the levels of a hierarchy weighted as in τ-ARGUS' and
	// HiTaS' practice, so that a release hides a national figure only when
	// nothing below it can protect a cell. Nil or 0 counts as 1.
	Weight []int
	// Trace, when set, hears of each round of Protect (progress lines).
	Trace func(round, violated, hidden int)

	of     [][]int     // relations of each cell
	ofCoef [][]float64 // the cell's coefficient in each of them
	slack  []float64   // per relation: −Σ coef × true value (0 for equalities)
	ss     *searchState
	mask   []bool
	pool   *movePool // moves found by Protect or by the audit (moves.go)
}

// cost is what hiding cell c costs Protect: its value plus one (few cells,
// little headcount), times its Weight.
func (l *Linked) cost(c int) int {
	w := 1
	if c < len(l.Weight) && l.Weight[c] > 0 {
		w = l.Weight[c]
	}
	return (l.Cells[c].Value + 1) * w
}

func (l *Linked) protection() int {
	if l.Protection <= 0 {
		return DefaultProtection
	}
	return l.Protection
}

func (l *Linked) index() {
	if l.of != nil {
		return
	}
	l.of = make([][]int, len(l.Cells))
	l.ofCoef = make([][]float64, len(l.Cells))
	l.slack = make([]float64, len(l.Relations))
	for r, rel := range l.Relations {
		for _, t := range rel.Terms {
			if k := len(l.of[t.Cell]); k == 0 || l.of[t.Cell][k-1] != r {
				l.of[t.Cell] = append(l.of[t.Cell], r)
				l.ofCoef[t.Cell] = append(l.ofCoef[t.Cell], t.Coef)
			} else {
				l.ofCoef[t.Cell][k-1] += t.Coef
			}
			l.slack[r] -= t.Coef * float64(l.Cells[t.Cell].Value)
		}
	}
}

// AuditStats count an audit's work.
type AuditStats struct {
	Components  int // connected groups of hidden cells with a primary cell
	LargestSize int // hidden cells of the largest one
	LPs         int // linear programs solved
}

// Audit computes, for every hidden primary cell, the attacker's tightest
// bounds by linear programming over every relation, the published cells
// being constants, and returns the cells that violate the requirement. Only
// hidden cells are variables: the relations are split into connected
// components of hidden cells and one small LP is solved per component and
// bound.
func (l *Linked) Audit() ([]Violation, AuditStats, error) {
	l.index()
	// The audit's own pool, so that it finds the same proofs whoever calls
	// it (Protect's last rounds, or the audit of the stored release).
	saved := l.pool
	l.pool = newPool()
	defer func() { l.pool = saved }()
	var st AuditStats
	var out []Violation
	comps := l.components(nil)
	// First the moves of every primary cell of the components too large for
	// one LP, in Protect's order (largest first), into the pool: a move
	// found for one cell proves others (a total's move carries its parts),
	// whatever the order the components are then bounded in.
	var order []int
	for _, comp := range comps {
		if len(comp) <= l.maxLP() || l.closed(comp) {
			continue
		}
		for _, c := range comp {
			if l.Cells[c].Primary != "" && l.Cells[c].Value > 0 {
				order = append(order, c)
			}
		}
	}
	slices.Sort(order)
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(l.Cells[b].Value, l.Cells[a].Value) })
	for _, x := range order {
		v := l.Cells[x].Value
		m := Margin(v, l.protection())
		l.proveSide(x, 1, m)
		l.proveSide(x, -1, min(v, m))
	}
	for _, comp := range comps {
		vs, n, err := l.auditComponent(comp, nil)
		st.LPs += n
		if n > 0 {
			st.Components++
			st.LargestSize = max(st.LargestSize, len(comp))
		}
		if err != nil {
			return nil, st, err
		}
		out = append(out, vs...)
	}
	slices.SortFunc(out, func(a, b Violation) int { return cmp.Compare(a.Cell, b.Cell) })
	return out, st, nil
}

// components returns the connected components of hidden cells (linked when
// they share a relation), each sorted; only those holding a cell of only
// (when only is not nil) are returned.
func (l *Linked) components(only map[int]bool) [][]int {
	parent := make([]int, len(l.Cells))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, rel := range l.Relations {
		first := -1
		for _, t := range rel.Terms {
			if !l.Cells[t.Cell].Hidden {
				continue
			}
			if first < 0 {
				first = t.Cell
				continue
			}
			a, b := find(first), find(t.Cell)
			if a != b {
				parent[a] = b
			}
		}
	}
	groups := map[int][]int{}
	for i, c := range l.Cells {
		if c.Hidden {
			groups[find(i)] = append(groups[find(i)], i)
		}
	}
	var out [][]int
	for _, g := range groups {
		keep := only == nil
		for _, c := range g {
			if only[c] {
				keep = true
			}
		}
		if keep {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return cmp.Compare(a[0], b[0]) })
	return out
}

// auditComponent bounds the primary cells of one component (those of only,
// when not nil).
func (l *Linked) auditComponent(comp []int, only map[int]bool) ([]Violation, int, error) {
	lps := 0
	var out []Violation
	closed := l.closed(comp)
	for _, c := range comp {
		if l.Cells[c].Primary == "" || (only != nil && !only[c]) {
			continue
		}
		v := l.Cells[c].Value
		if v == 0 {
			// No contributor: a cell of declared needs only. Its headcount
			// discloses no company's (there is none); it is hidden for its
			// other figures, which hiding protects.
			continue
		}
		if closed {
			continue // [0, ∞): see closed
		}
		m := Margin(v, l.protection())
		b, n := l.boundCell(c, m, comp)
		lps += n
		if !protected(b, m) {
			out = append(out, Violation{Bound: b, Margin: m})
		}
	}
	return out, lps, nil
}

// closed tells whether no relation of the component holds a published cell.
// Then the relations are homogeneous in its cells (every constant is 0), so
// any non-negative multiple of the true values satisfies them: each cell of
// value v > 0 can be anything from 0 up, and the exact bounds are [0, ∞).
func (l *Linked) closed(comp []int) bool {
	for _, c := range comp {
		for _, r := range l.of[c] {
			for _, t := range l.Relations[r].Terms {
				if !l.Cells[t.Cell].Hidden {
					return false
				}
			}
		}
	}
	return true
}

// moveRoom returns how far the true values may move along sign × d while
// every relation holds and every value stays >= 0: then the values moved
// are a dataset the attacker cannot tell from the true one, so each cell of
// d can be off by that much. 0 when a cell of d is published (its value
// would change), an equality is unbalanced, or nothing can move.
func (l *Linked) moveRoom(d []Term, sign float64) int {
	delta := map[int]float64{}
	for _, t := range d {
		if !l.Cells[t.Cell].Hidden {
			return 0
		}
		delta[t.Cell] += sign * t.Coef
	}
	room := math.Inf(1)
	for c, dc := range delta {
		if dc < 0 {
			room = min(room, float64(l.Cells[c].Value)/-dc)
		}
	}
	seen := map[int]bool{}
	for c := range delta {
		for _, r := range l.of[c] {
			if seen[r] {
				continue
			}
			seen[r] = true
			rel := l.Relations[r]
			var at, slope float64
			for _, t := range rel.Terms {
				at += t.Coef * float64(l.Cells[t.Cell].Value)
				slope += t.Coef * delta[t.Cell]
			}
			switch {
			case rel.Equal && math.Abs(slope) > 1e-9:
				return 0
			case !rel.Equal && slope > 1e-9:
				room = min(room, -at/slope)
			}
		}
	}
	if math.IsInf(room, 1) {
		return math.MaxInt32
	}
	return int(math.Floor(room + 1e-9))
}

// DefaultMaxLP is the most hidden cells one linear program of the audit
// holds (see boundCell).
const DefaultMaxLP = 100

func (l *Linked) maxLP() int {
	if l.MaxLP <= 0 {
		return DefaultMaxLP
	}
	return l.MaxLP
}

// boundCell proves the requirement for primary cell x of component comp, or
// computes its exact bounds. A component of at most MaxLP cells gets the
// exact bounds, by the attacker's LP over all of it. Otherwise each side is
// proven by a move (the caller's Moves, then findMove), or by the attacker's
// LP over growing neighbourhoods of x: the hidden cells sharing a relation with x, then those
// closing a cycle through two of them, then every hidden cell two relations
// away, then the whole component. Outside a neighbourhood the hidden cells
// are held at their true values: that restricts the feasible set, so the
// interval found is inside the attacker's, and once it reaches far enough on
// a side, so does the attacker's. The whole component gives the exact
// bounds. A side still unproven when the component is too large (over
// MaxLP cells) or the solver failed counts as a violation (Bound.Exact
// false): the protection then hides more rather than trust an unproven side.
func (l *Linked) boundCell(x, m int, comp []int) (Bound, int) {
	v := l.Cells[x].Value
	b := Bound{Cell: x, Value: v, Lower: v, Upper: v}
	upDone, downDone := false, false
	lps := 0
	if len(comp) <= l.maxLP() {
		// Small enough for the exact bounds: the LP over the whole
		// component, which the report shows as the attacker's interval;
		// no need to search moves.
		p := l.program(comp)
		lo, okLo := p.min(x)
		hi, unb, okHi := p.max(x)
		lps += 2
		if okLo && okHi {
			return Bound{Cell: x, Value: v, Lower: lo, Upper: hi, Unbounded: unb, Exact: true}, lps
		}
	}
	if l.Moves != nil {
		for _, d := range l.Moves(x) {
			if !upDone {
				if k := l.moveRoom(d, 1); k > 0 {
					b.Upper = max(b.Upper, v+k)
					upDone = b.Upper >= v+m
				}
			}
			if !downDone {
				if k := l.moveRoom(d, -1); k > 0 {
					b.Lower = min(b.Lower, v-k)
					downDone = b.Lower <= max(0, v-m)
				}
			}
			if upDone && downDone {
				return b, lps
			}
		}
	}
	// A move of hidden cells (findMove): an alternative dataset, so a
	// point of the attacker's feasible set, as far as the requirement.
	if !upDone {
		if k := l.proveSide(x, 1, m); k > 0 {
			if k >= math.MaxInt32 {
				b.Unbounded = true
			} else {
				b.Upper = max(b.Upper, v+k)
			}
			upDone = true
		}
	}
	if !downDone {
		if k := l.proveSide(x, -1, min(v, m)); k > 0 {
			b.Lower = min(b.Lower, max(0, v-k))
			downDone = true
		}
	}
	if upDone && downDone {
		return b, lps
	}
	for _, set := range l.neighbourhoods(x, comp) {
		p := l.program(set)
		full := len(set) == len(comp)
		if !downDone {
			lo, ok := p.min(x)
			lps++
			if ok {
				b.Lower = min(b.Lower, lo)
				downDone = b.Lower <= max(0, v-m) || full
			}
		}
		if !upDone {
			hi, unbounded, ok := p.max(x)
			lps++
			if ok {
				if unbounded {
					b.Unbounded = true
				} else {
					b.Upper = max(b.Upper, hi)
				}
				upDone = b.Unbounded || b.Upper >= v+m || full
			}
		}
		if upDone && downDone {
			b.Exact = full
			return b, lps
		}
	}
	return b, lps
}

// neighbourhoods returns the growing sets of hidden cells boundCell tries,
// each sorted, the last being comp when it has at most MaxLP cells.
func (l *Linked) neighbourhoods(x int, comp []int) [][]int {
	limit := l.maxLP()
	hiddenNear := func(c int) []int {
		var out []int
		for _, r := range l.of[c] {
			for _, t := range l.Relations[r].Terms {
				if t.Cell != c && l.Cells[t.Cell].Hidden {
					out = append(out, t.Cell)
				}
			}
		}
		return out
	}
	in := map[int]bool{x: true}
	ring1 := []int{}
	for _, c := range hiddenNear(x) {
		if !in[c] {
			in[c] = true
			ring1 = append(ring1, c)
		}
	}
	sets := [][]int{}
	snapshot := func() []int {
		s := make([]int, 0, len(in))
		for c := range in {
			s = append(s, c)
		}
		slices.Sort(s)
		return s
	}
	if len(in) <= limit {
		sets = append(sets, snapshot())
	}
	// Cells reached from the set through two different relations close the
	// cycles (x+, y−, z−, w+) that protect a cell of a table; repeating the
	// closure lifts those cycles to the tables linked to it (a role family's
	// cycle to its grand domains').
	for range 4 {
		reach := map[int]int{}
		for c := range in {
			for _, r := range l.of[c] {
				for _, t := range l.Relations[r].Terms {
					if !in[t.Cell] && l.Cells[t.Cell].Hidden {
						reach[t.Cell]++
					}
				}
			}
		}
		var closing []int
		for w, n := range reach {
			if n >= 2 {
				closing = append(closing, w)
			}
		}
		if len(closing) == 0 || len(in)+len(closing) > limit {
			break
		}
		for _, w := range closing {
			in[w] = true
		}
		sets = append(sets, snapshot())
	}
	if len(comp) <= limit && len(comp) > len(in) {
		sets = append(sets, comp)
	}
	if len(sets) == 0 || (len(comp) <= limit && len(sets[len(sets)-1]) != len(comp)) {
		sets = append(sets, comp)
	}
	return sets
}

// program is one LP in standard form: A x = b, x >= 0, the first columns
// being hidden cells, then one slack per inequality.
type program struct {
	col  map[int]int // cell -> column
	a    *mat.Dense
	b    []float64
	cols int
}

// program builds the LP over the hidden cells of set: every relation holding
// one of them, the other cells (published, or hidden outside set) moved to
// the right-hand side at their true values, linearly dependent rows dropped
// (the solver needs full row rank).
func (l *Linked) program(set []int) *program {
	comp := set
	col := make(map[int]int, len(comp))
	for i, c := range comp {
		col[c] = i
	}
	seen := map[int]bool{}
	type row struct {
		coef  map[int]float64
		rhs   float64
		equal bool
	}
	var rows []row
	for _, c := range comp {
		for _, r := range l.of[c] {
			if seen[r] {
				continue
			}
			seen[r] = true
			rel := l.Relations[r]
			rw := row{coef: map[int]float64{}, equal: rel.Equal}
			for _, t := range rel.Terms {
				if j, ok := col[t.Cell]; ok {
					rw.coef[j] += t.Coef
				} else {
					rw.rhs -= t.Coef * float64(l.Cells[t.Cell].Value)
				}
			}
			rows = append(rows, rw)
		}
	}
	n := len(comp)
	slacks := 0
	for _, r := range rows {
		if !r.equal {
			slacks++
		}
	}
	cols := n + slacks
	dense := make([][]float64, 0, len(rows))
	rhs := make([]float64, 0, len(rows))
	s := n
	for _, r := range rows {
		v := make([]float64, cols)
		for j, c := range r.coef {
			v[j] = c
		}
		if !r.equal {
			v[s] = 1
			s++
		}
		dense = append(dense, v)
		rhs = append(rhs, r.rhs)
	}
	keep := independentRows(dense)
	a := mat.NewDense(max(1, len(keep)), cols, nil)
	b := make([]float64, len(keep))
	for i, r := range keep {
		a.SetRow(i, dense[r])
		b[i] = rhs[r]
	}
	if len(keep) == 0 {
		a = nil
	}
	return &program{col: col, a: a, b: b, cols: cols}
}

// independentRows returns a maximal set of linearly independent rows, by
// Gaussian elimination with partial pivoting on a copy. The coefficients are
// small integers, so a fixed tolerance separates zero from non-zero.
func independentRows(rows [][]float64) []int {
	const eps = 1e-9
	m := len(rows)
	if m == 0 {
		return nil
	}
	n := len(rows[0])
	work := make([][]float64, m)
	for i := range rows {
		work[i] = slices.Clone(rows[i])
	}
	orig := make([]int, m)
	for i := range orig {
		orig[i] = i
	}
	rank := 0
	for c := 0; c < n && rank < m; c++ {
		piv, best := -1, eps
		for r := rank; r < m; r++ {
			if a := math.Abs(work[r][c]); a > best {
				piv, best = r, a
			}
		}
		if piv < 0 {
			continue
		}
		work[rank], work[piv] = work[piv], work[rank]
		orig[rank], orig[piv] = orig[piv], orig[rank]
		for r := rank + 1; r < m; r++ {
			f := work[r][c] / work[rank][c]
			if f == 0 {
				continue
			}
			for k := c; k < n; k++ {
				work[r][k] -= f * work[rank][k]
			}
		}
		rank++
	}
	keep := slices.Clone(orig[:rank])
	slices.Sort(keep)
	return keep
}

// min returns the least value of cell over the LP, rounded up (the
// attacker knows the values are integers); ok is false when the solver
// failed.
func (p *program) min(cell int) (int, bool) {
	if p.a == nil {
		return 0, true
	}
	c := make([]float64, p.cols)
	c[p.col[cell]] = 1
	lo, _, err := lp.Simplex(c, p.a, p.b, 1e-10, nil)
	if err != nil {
		return 0, false
	}
	return max(0, int(math.Ceil(lo-1e-6))), true
}

// max returns the greatest value of cell over the LP, rounded down, or
// unbounded; ok is false when the solver failed.
func (p *program) max(cell int) (hi int, unbounded, ok bool) {
	if p.a == nil {
		return 0, true, true
	}
	c := make([]float64, p.cols)
	c[p.col[cell]] = -1
	f, _, err := lp.Simplex(c, p.a, p.b, 1e-10, nil)
	switch {
	case errors.Is(err, lp.ErrUnbounded):
		return 0, true, true
	case err != nil:
		return 0, false, false
	}
	return int(math.Floor(-f + 1e-6)), false, true
}

// ProtectStats describe a protection run.
type ProtectStats struct {
	Primary, Secondary int
	Rounds             int
	Audit              AuditStats
}

// Protect hides every primary cell, then chooses secondary cells until every
// primary cell is proven protected on both sides (see the package
// documentation, "Releases"), in two phases.
//
// Certificates: for each primary cell, largest first, and each side, a move
// of hidden cells reaching the requirement (findMove) is the side's
// certificate; when there is none, the published cells of the cheapest move
// found are hidden and that move becomes the certificate; when no move is
// found at all, the cheapest published member of its relations is hidden
// (addPartner). A certificate stays valid whatever is hidden later (moveRoom
// depends only on its own cells being hidden), so a pass only searches for
// the sides without one, and passes repeat until one hides nothing: the
// proof is monotone in the hidden set, and the passes converge.
//
// Audit: a bounded search is not monotone (more hidden cells change which
// branches it explores within its budget), so a side whose certificate the
// audit's search no longer finds is checked the audit's way (boundCell: the
// exact LP of a small component, neighbourhood LPs); only a side that fails
// there too hides the cheapest move found for it, and the check repeats.
// Cells' Hidden and Reason are set; the caller audits the stored result.
func (l *Linked) Protect() (ProtectStats, error) {
	l.index()
	var st ProtectStats
	var order []int
	for i := range l.Cells {
		c := &l.Cells[i]
		c.Hidden, c.Reason = c.Primary != "", c.Primary
		if c.Hidden {
			st.Primary++
			if c.Value > 0 {
				order = append(order, i)
			}
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(l.Cells[b].Value, l.Cells[a].Value) })
	p := l.protection()
	type side struct {
		sign float64
		k    int
	}
	sides := func(x int) [2]side {
		v := l.Cells[x].Value
		m := Margin(v, p)
		return [2]side{{1, m}, {-1, min(v, m)}}
	}
	l.pool = newPool()
	defer func() { l.pool = nil }()
	// protect hides the published cells of the cheapest move of x on side
	// s, which joins the pool, or a partner; false when nothing is left to
	// hide.
	protect := func(x int, s side) bool {
		// The first move found, unless it hides a cell of a weighted
		// level (France's): then longer searches, keeping the cheapest.
		var u []Term
		var cost int
		for _, effort := range efforts {
			if v, c := l.findMove(x, s.sign, s.k, effort); v != nil && (u == nil || c < cost) {
				u, cost = v, c
			}
			if u != nil && !l.weighty(u) {
				break
			}
		}
		hid := 0
		if cost > 0 {
			for _, t := range u {
				if !l.Cells[t.Cell].Hidden {
					l.hide(t.Cell)
					hid++
				}
			}
			if l.moveRoom(u, 1) >= s.k {
				l.pool.add(u)
			}
		}
		return hid > 0 || l.addPartner(x, Margin(l.Cells[x].Value, p)) >= 0
	}
	trace := func(unproven int) {
		if l.Trace != nil {
			hidden := 0
			for _, c := range l.Cells {
				if c.Hidden {
					hidden++
				}
			}
			l.Trace(st.Rounds, unproven, hidden)
		}
	}
	for {
		st.Rounds++
		unproven := 0
		for _, x := range order {
			for _, s := range sides(x) {
				if l.proveSide(x, s.sign, s.k) > 0 {
					continue
				}
				unproven++
				if !protect(x, s) {
					return st, fmt.Errorf("secrecy: no cell left to hide to protect cell %d of value %d", x, l.Cells[x].Value)
				}
			}
		}
		trace(unproven)
		if unproven == 0 {
			break
		}
	}
	// Every side is proven by a move of the pool; now what the audit, which
	// starts from an empty pool, finds.
	for {
		st.Rounds++
		failed, ast, err := l.Audit()
		st.Audit = ast
		if err != nil {
			return st, err
		}
		trace(len(failed))
		if len(failed) == 0 {
			break
		}
		if st.Rounds > maxRounds {
			return st, fmt.Errorf("secrecy: %d primary cells still unproven by the audit after %d rounds", len(failed), st.Rounds)
		}
		for _, v := range failed {
			x := v.Cell
			for i, s := range sides(x) {
				if i == 0 && (v.Unbounded || v.Upper >= v.Value+v.Margin) || i == 1 && v.Lower <= max(0, v.Value-v.Margin) {
					continue
				}
				if !protect(x, s) {
					return st, fmt.Errorf("secrecy: no cell left to hide to protect cell %d of value %d", x, l.Cells[x].Value)
				}
			}
		}
	}
	for _, c := range l.Cells {
		if c.Hidden && c.Primary == "" {
			st.Secondary++
		}
	}
	return st, nil
}

// weighty tells whether move u would hide a cell of weight above 1.
func (l *Linked) weighty(u []Term) bool {
	for _, t := range u {
		if !l.Cells[t.Cell].Hidden && t.Cell < len(l.Weight) && l.Weight[t.Cell] > 1 {
			return true
		}
	}
	return false
}

// maxRounds bounds Protect's rounds: each hides at least one cell, but a
// release of tens of thousands of cells must not spin for hours.
const maxRounds = 50

// hide makes a published cell a secondary one.
func (l *Linked) hide(i int) {
	l.Cells[i].Hidden, l.Cells[i].Reason = true, Secondary
}

// cheapest chooses the published member of terms to hide: the smallest value
// at least the margin (it must hide enough to protect), else the largest
// value; ties by lowest index. -1 when every member is hidden.
func (l *Linked) cheapest(terms []Term, margin int) int {
	best := -1
	better := func(i int) bool {
		if best < 0 {
			return true
		}
		vi, vb := l.Cells[i].Value, l.Cells[best].Value
		okI, okB := vi >= margin, vb >= margin
		wi, wb := l.cost(i)/(vi+1), l.cost(best)/(vb+1)
		switch {
		case wi != wb:
			return wi < wb // the lower level first
		case okI != okB:
			return okI
		case okI:
			return vi < vb || vi == vb && i < best
		default:
			return vi > vb || vi == vb && i < best
		}
	}
	for _, t := range terms {
		if !l.Cells[t.Cell].Hidden && better(t.Cell) {
			best = t.Cell
		}
	}
	return best
}

// addCycle hides the published cells of the cheapest of the cell's moves
// (Moves) that would then protect it on both sides: the fewest published
// cells, then the least headcount. It returns one of the cells hidden, or
// -1 when no move would do.
func (l *Linked) addCycle(cell, margin int) int {
	if l.Moves == nil {
		return -1
	}
	v := l.Cells[cell].Value
	need := min(v, margin) // downwards: to v − margin, or 0
	best, bestN, bestCost := []int(nil), 0, 0
	for _, d := range l.Moves(cell) {
		var pub []int
		cost := 0
		for _, t := range d {
			if !l.Cells[t.Cell].Hidden {
				pub = append(pub, t.Cell)
				cost += l.cost(t.Cell)
			}
		}
		if best != nil && (len(pub) > bestN || len(pub) == bestN && cost >= bestCost) {
			continue
		}
		// Would the move protect the cell once its cells are hidden?
		for _, c := range pub {
			l.Cells[c].Hidden = true
		}
		ok := l.moveRoom(d, 1) >= margin && l.moveRoom(d, -1) >= need
		for _, c := range pub {
			l.Cells[c].Hidden = false
		}
		if ok {
			best, bestN, bestCost = pub, len(pub), cost
		}
	}
	if len(best) == 0 {
		return -1
	}
	for _, c := range best {
		l.hide(c)
	}
	return best[0]
}

// addPartner hides one more cell for a violating cell: the published cells
// of its cheapest protecting move (addCycle), else the cheapest
// published member of its own relations, else of the relations of the hidden
// cells of its component. It returns the cell hidden, or -1 when none is
// left.
func (l *Linked) addPartner(cell, margin int) int {
	if c := l.addCycle(cell, margin); c >= 0 {
		return c
	}
	var terms []Term
	for _, r := range l.of[cell] {
		terms = append(terms, l.Relations[r].Terms...)
	}
	if best := l.cheapest(terms, margin); best >= 0 {
		l.hide(best)
		return best
	}
	for _, comp := range l.components(map[int]bool{cell: true}) {
		terms = terms[:0]
		for _, c := range comp {
			for _, r := range l.of[c] {
				terms = append(terms, l.Relations[r].Terms...)
			}
		}
		if best := l.cheapest(terms, margin); best >= 0 {
			l.hide(best)
			return best
		}
	}
	return -1
}
