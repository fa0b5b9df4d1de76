package secrecy

import (
	"cmp"
	"math"
	"slices"
)

// # Moves: alternative datasets the attacker cannot tell from the truth
//
// A hidden cell x of value v is protected upwards by k when some other
// dataset, identical to the truth on every published cell, satisfies every
// relation and gives x the value v + k: the attacker, who only knows the
// published figures and the relations, cannot rule it out, so its upper
// bound is at least v + k (the LP optimum is at least any feasible point).
// Such a dataset is the truth plus k × u for a direction u over hidden cells
// (u[x] = +1) that keeps every equality, stays within every inequality's
// slack and keeps every value non-negative: a move. Downwards likewise with
// u[x] = −1.
//
// findMove searches such a direction by propagation: start from u = {x: ±1};
// while a relation is broken (an equality whose sum moved, an inequality
// pushed past its slack), pick the broken relation with the fewest terms
// and try each cell of it that would mend it, hidden cells first, then the
// ones mending the most other relations and breaking the fewest; depth-first
// with a budget of nodes. In a linked set of hierarchical tables this finds
// the moves statisticians draw by hand: the 4-cycles (x+, y−, z−, w+) of a
// table, carried down the territory tree to the departments (a region's cell
// moves with one of its departments'), across the tables sharing a total
// (a department total moves with one cell of each dimension), and up to
// France where no sibling can compensate.
//
// With published cells allowed (Protect), each published cell of the move
// costs its value plus one times its Weight, and the search keeps the cheapest move found
// within the budget (branch and bound): hiding its published cells makes the
// move a proof.

// moveBudget bounds the nodes of one search.
const moveBudget = 4000

// scopeBudget bounds the nodes of one search within a scope.
const scopeBudget = 400

// moveBranch bounds the cells tried to mend one relation.
const moveBranch = 6

// moveCellSteps bounds how many times one cell of a move is moved: once
// for an equality, then shares for inequalities.
const moveCellSteps = 3

// moveMaxCells bounds the cells of one move.
const moveMaxCells = 96

// search is the state of one findMove. Its vectors are dense and shared
// by every search of a Linked (searchState), reset through the lists of
// what a search touched: a release has tens of thousands of cells and a
// search touches a few dozen.
type search struct {
	l      *Linked
	k      float64 // the distance the move must go
	pub    bool    // published cells allowed (at a cost)
	scope  []bool  // the groups whose cells may move (nil: all)
	budget int
	*searchState

	order []step // the steps taken, in order
	cost  int

	best     []Term
	bestCost int
}

// searchState holds the dense vectors of searches.
type searchState struct {
	u       []float64 // per cell: the move
	steps   []int32   // per cell: steps holding it
	touched []int     // cells ever moved in this search
	slope   []float64 // per relation: Σ coef × u
	pos     []int32   // per relation: index in broken, or -1
	broken  []int     // relations not holding at distance k
	rtouch  []int     // relations whose slope was ever changed
}

func (l *Linked) state() *searchState {
	if l.ss == nil {
		st := &searchState{u: make([]float64, len(l.Cells)), steps: make([]int32, len(l.Cells)),
			slope: make([]float64, len(l.Relations)), pos: make([]int32, len(l.Relations))}
		for i := range st.pos {
			st.pos[i] = -1
		}
		l.ss = st
	}
	return l.ss
}

// reset clears what the last search touched.
func (st *searchState) reset() {
	for _, c := range st.touched {
		st.u[c], st.steps[c] = 0, 0
	}
	for _, r := range st.rtouch {
		st.slope[r], st.pos[r] = 0, -1
	}
	st.touched, st.rtouch, st.broken = st.touched[:0], st.rtouch[:0], st.broken[:0]
}

// findMove returns the cheapest move of cell x in direction sign (±1) that
// goes at least k found within the budget, and its cost (the values plus one
// of its published cells: 0 for a proof), or nil when none was found.
// Hidden cells are tried first everywhere, and a move of cost 0 ends the
// search, so a proof is found as fast as a search among hidden cells only
// would find it. Protect and Audit call it alike: what Protect proved, the
// audit of the stored release proves again, deterministically.
func (l *Linked) findMove(x int, sign float64, k int, effort int) ([]Term, int) {
	l.index()
	if k <= 0 {
		return []Term{{x, sign}}, 0
	}
	if sign < 0 && l.Cells[x].Value < k {
		return nil, 0
	}
	var best []Term
	bestCost := math.MaxInt
	try := func(scope []bool, budget int) bool {
		s := &search{l: l, k: float64(k), pub: true, budget: budget, scope: scope,
			searchState: l.state(), bestCost: bestCost}
		s.add(x, sign)
		s.dfs()
		s.reset()
		if s.best != nil && s.bestCost < bestCost {
			best, bestCost = s.best, s.bestCost
		}
		return best != nil && bestCost == 0
	}
	if l.Scopes != nil {
		for _, groups := range l.Scopes(x) {
			scope := l.scopeMask(groups)
			ok := try(scope, scopeBudget*effort)
			for _, g := range groups {
				scope[g] = false
			}
			if ok {
				return best, 0
			}
		}
	}
	if !try(nil, moveBudget*effort) && best == nil {
		return nil, 0
	}
	return best, bestCost
}

// proveSide returns how far cell x provably moves in direction sign (±1):
// the distance of a move of the pool or found by findMove, when it reaches
// k; 0 otherwise.
func (l *Linked) proveSide(x int, sign float64, k int) int {
	if k <= 0 {
		return 0
	}
	if d := l.pool.proves(l, x, sign); d >= k {
		return d
	}
	if u := l.proofMove(x, sign, k); u != nil {
		return l.moveRoom(u, 1)
	}
	return 0
}

// proofMove returns a move of hidden cells of x in direction sign that
// goes at least k (findMove with growing efforts), or nil. A move found
// joins the pool.
func (l *Linked) proofMove(x int, sign float64, k int) []Term {
	if k <= 0 {
		return nil
	}
	for _, effort := range efforts {
		u, cost := l.findMove(x, sign, k, effort)
		if u == nil || cost > 0 {
			continue
		}
		if l.moveRoom(u, 1) >= k {
			l.pool.add(u)
			return u
		}
	}
	return nil
}

// # The pool of moves
//
// A move is a direction of alternative datasets, and it moves every cell
// in it, not only the one it was searched for: a department total's move
// with a sibling carries each of its skill categories by a share. So every
// move found (a proof of Protect, or of the audit) joins a pool, and a side
// of a cell is proven by any move of the pool holding the cell, in either
// direction, as far as the move's room times the cell's coefficient. A move
// of hidden cells stays one whatever is hidden later, so the pool only
// grows in what it proves: that is what makes Protect converge, where a
// search bounded by a budget may miss, after more cells are hidden, a proof
// it found before (more hidden cells to try change the branches explored).

// movePool holds moves of hidden cells, each with its room both ways.
type movePool struct {
	moves  [][]Term
	room   [][2]int // room along +u and along −u
	byCell map[int][]int32
}

func newPool() *movePool { return &movePool{byCell: map[int][]int32{}} }

// add puts move u (all its cells hidden) in the pool.
func (p *movePool) add(u []Term) {
	if p == nil {
		return
	}
	i := int32(len(p.moves))
	p.moves = append(p.moves, u)
	p.room = append(p.room, [2]int{-1, -1})
	for _, t := range u {
		p.byCell[t.Cell] = append(p.byCell[t.Cell], i)
	}
}

// proves returns the farthest cell x moves in direction sign along a move
// of the pool (math.MaxInt32 when unbounded), 0 when none holds x.
func (p *movePool) proves(l *Linked, x int, sign float64) int {
	if p == nil {
		return 0
	}
	best := 0
	for _, i := range p.byCell[x] {
		u := p.moves[i]
		var a float64
		for _, t := range u {
			if t.Cell == x {
				a += t.Coef
			}
		}
		if math.Abs(a) < 1e-12 {
			continue
		}
		dir := 0
		if a*sign < 0 {
			dir = 1
		}
		if p.room[i][dir] < 0 {
			p.room[i][dir] = l.moveRoom(u, 1-2*float64(dir))
		}
		r := p.room[i][dir]
		if r >= math.MaxInt32 {
			return math.MaxInt32
		}
		best = max(best, int(math.Floor(float64(r)*math.Abs(a)+1e-9)))
	}
	return best
}

// efforts multiply the search budgets: a cell whose proof the first search
// misses gets longer ones, in the audit as in Protect, so that both find
// the same proofs.
var efforts = []int{1, 8, 64}

// add moves cell c by d more (a cell already in the move may take a larger
// share: a total raised by a third of the move, then by all of it).
func (s *search) add(c int, d float64) {
	if s.steps[c] == 0 {
		s.touched = append(s.touched, c)
		if !s.l.Cells[c].Hidden {
			s.cost += s.l.cost(c)
		}
	}
	s.steps[c]++
	s.u[c] += d
	s.order = append(s.order, step{c, d})
	for i, r := range s.l.of[c] {
		s.slope[r] += s.l.ofCoef[c][i] * d
		s.check(r)
	}
}

// remove undoes the last add.
func (s *search) remove() {
	st := s.order[len(s.order)-1]
	s.order = s.order[:len(s.order)-1]
	c, d := st.cell, st.d
	s.steps[c]--
	s.u[c] -= d
	if s.steps[c] == 0 {
		s.u[c] = 0
		if !s.l.Cells[c].Hidden {
			s.cost -= s.l.cost(c)
		}
	}
	for i, r := range s.l.of[c] {
		s.slope[r] -= s.l.ofCoef[c][i] * d
		s.check(r)
	}
}

// step is one add of the search.
type step struct {
	cell int
	d    float64
}

// holds tells whether relation r holds at distance k with slope sl.
func (s *search) holds(r int, sl float64) bool {
	if s.l.Relations[r].Equal {
		return math.Abs(sl) < 1e-9
	}
	return s.k*sl <= s.l.slack[r]+1e-9
}

// check updates the broken list for relation r.
func (s *search) check(r int) {
	if s.pos[r] == -1 { // first touch: -2 is touched and holding
		s.rtouch = append(s.rtouch, r)
		s.pos[r] = -2
	}
	holds := s.holds(r, s.slope[r])
	switch {
	case holds && s.pos[r] >= 0:
		i := s.pos[r]
		last := s.broken[len(s.broken)-1]
		s.broken[i] = last
		s.pos[last] = i
		s.broken = s.broken[:len(s.broken)-1]
		s.pos[r] = -2
	case !holds && s.pos[r] < 0:
		s.pos[r] = int32(len(s.broken))
		s.broken = append(s.broken, r)
	}
}

// allowed tells whether cell c may enter the move with coefficient d.
func (s *search) allowed(c int, d float64) bool {
	cell := s.l.Cells[c]
	if !cell.Hidden && !s.pub {
		return false
	}
	if s.scope != nil && !s.scope[s.l.Group[c]] {
		return false
	}
	if s.steps[c] >= moveCellSteps {
		return false // two inequalities trading a share back and forth
	}
	after := s.u[c] + d
	if math.Abs(after) < 1e-12 {
		return false // back to nothing: a search going round in circles
	}
	return after > 0 || float64(cell.Value) >= s.k*(-after)-1e-9
}

type candidate struct {
	cell   int
	d      float64
	hidden bool
	fresh  bool // not yet in the move
	whole  bool // an inequality's part following its total one for one
	net    int  // relations mended minus relations broken
	cost   int  // of hiding it
}

func (s *search) dfs() {
	if s.budget <= 0 {
		return
	}
	s.budget--
	if len(s.broken) == 0 {
		if s.cost < s.bestCost {
			s.bestCost = s.cost
			s.best = s.best[:0]
			for _, c := range s.touched {
				if d := s.u[c]; s.steps[c] > 0 && math.Abs(d) > 1e-12 {
					s.best = append(s.best, Term{c, d})
				}
			}
			// touched lists a cell again when it left the move and came
			// back: one term each.
			slices.SortFunc(s.best, func(a, b Term) int { return cmp.Compare(a.Cell, b.Cell) })
			s.best = slices.CompactFunc(s.best, func(a, b Term) bool { return a.Cell == b.Cell })
			if !s.pub || s.cost == 0 {
				s.budget = 0 // a proof, or a move hiding nothing more: done
			}
		}
		return
	}
	if s.pub && s.cost >= s.bestCost {
		return
	}
	if len(s.order) >= moveMaxCells {
		return
	}
	// The broken relation with the fewest terms (then the lowest index):
	// the most constrained first, deterministically.
	r := -1
	for _, b := range s.broken {
		if r < 0 || len(s.l.Relations[b].Terms) < len(s.l.Relations[r].Terms) ||
			len(s.l.Relations[b].Terms) == len(s.l.Relations[r].Terms) && b < r {
			r = b
		}
	}
	sl := s.slope[r]
	var cands []candidate
	x := s.order[0].cell
	for _, t := range s.l.Relations[r].Terms {
		if t.Cell == x || t.Coef == 0 {
			continue
		}
		// A cell already in the move is moved further only to mend an
		// inequality (its share was partial); moving it to mend an
		// equality would unbalance the one it was added for, and the
		// search would go round in circles.
		if s.steps[t.Cell] > 0 && s.l.Relations[r].Equal {
			continue
		}
		full := -sl / t.Coef
		ds := []float64{full}
		if !s.l.Relations[r].Equal {
			// An inequality needs only its excess over the slack taken
			// back: a total moves by the 3 its part lacks, not by the
			// part's whole move. A cell not yet in the move may also take
			// the whole of it (a part following its total one for one),
			// which keeps the move's shares whole: partial shares spread
			// into many small compensations down the linked tables.
			excess := s.k*sl - s.l.slack[r]
			d := -excess / (s.k * t.Coef)
			if t.Coef*d >= 0 {
				continue
			}
			ds = ds[:0]
			if s.steps[t.Cell] == 0 && t.Coef*full < 0 && math.Abs(full-d) > 1e-9 {
				ds = append(ds, full)
			}
			ds = append(ds, d)
		}
		for i, d := range ds {
			if !s.allowed(t.Cell, d) {
				continue
			}
			net := 0
			for i, r2 := range s.l.of[t.Cell] {
				before := s.pos[r2] < 0
				after := s.holds(r2, s.slope[r2]+s.l.ofCoef[t.Cell][i]*d)
				switch {
				case !before && after:
					net++
				case before && !after:
					net--
				}
			}
			hidden := s.l.Cells[t.Cell].Hidden || s.steps[t.Cell] > 0 // already paid for
			cands = append(cands, candidate{t.Cell, d, hidden, s.steps[t.Cell] == 0, i == 0 && len(ds) > 1, net, s.l.cost(t.Cell)})
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		if a.hidden != b.hidden {
			if a.hidden {
				return -1
			}
			return 1
		}
		if a.fresh != b.fresh {
			// For an inequality, a cell not yet moved: moving one already
			// in the move unbalances the equalities it was added for.
			if a.fresh {
				return -1
			}
			return 1
		}
		if a.net != b.net {
			return cmp.Compare(b.net, a.net)
		}
		if a.whole != b.whole {
			if a.whole {
				return -1
			}
			return 1
		}
		if !a.hidden && a.cost != b.cost {
			return cmp.Compare(a.cost, b.cost)
		}
		return cmp.Compare(a.cell, b.cell)
	})
	if len(cands) > moveBranch {
		cands = cands[:moveBranch]
	}
	for _, c := range cands {
		s.add(c.cell, c.d)
		s.dfs()
		s.remove()
		if s.budget <= 0 {
			return
		}
	}
}

// scopeMask returns the shared mask of groups with groups set.
func (l *Linked) scopeMask(groups []int) []bool {
	if l.mask == nil {
		n := 0
		for _, g := range l.Group {
			n = max(n, g+1)
		}
		l.mask = make([]bool, n)
	}
	for _, g := range groups {
		l.mask[g] = true
	}
	return l.mask
}
