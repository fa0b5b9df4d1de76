package secrecy

import (
	"math/rand/v2"
	"testing"
)

// hierTable builds a small linked structure: France = Σ regions, region =
// Σ departments, for the total and each of nv values, each territory's
// total = Σ its values. Cell index: territory t, value j (j = nv: the
// total) at t*(nv+1)+j; territories 0 (France), 1..nr (regions), then nd
// departments per region.
func hierTable(r *rand.Rand, nr, nd, nv int) (*Linked, []int) {
	nt := 1 + nr + nr*nd
	vals := make([]int, nt*(nv+1))
	at := func(t, j int) int { return t*(nv+1) + j }
	parent := make([]int, nt)
	for reg := 1; reg <= nr; reg++ {
		parent[reg] = 0
		for d := 0; d < nd; d++ {
			dep := 1 + nr + (reg-1)*nd + d
			parent[dep] = reg
			for j := 0; j < nv; j++ {
				if r.IntN(4) > 0 {
					v := r.IntN(30)
					vals[at(dep, j)] = v
					vals[at(reg, j)] += v
					vals[at(0, j)] += v
				}
			}
		}
	}
	for t := 0; t < nt; t++ {
		for j := 0; j < nv; j++ {
			vals[at(t, nv)] += vals[at(t, j)]
		}
	}
	l := &Linked{}
	group := make([]int, len(vals))
	for i, v := range vals {
		l.Cells = append(l.Cells, LinkedCell{Value: v})
		group[i] = i / (nv + 1)
	}
	l.Group = group
	for t := 0; t < nt; t++ {
		var parts []int
		for j := 0; j < nv; j++ {
			parts = append(parts, at(t, j))
		}
		l.Relations = append(l.Relations, SumOf(at(t, nv), parts))
		for j := 0; j <= nv; j++ {
			var ch []int
			for c := 1; c < nt; c++ {
				if parent[c] == t && c != t {
					ch = append(ch, at(c, j))
				}
			}
			if len(ch) > 0 && t <= nr {
				l.Relations = append(l.Relations, SumOf(at(t, j), ch))
			}
		}
	}
	return l, vals
}

// TestMovesAreFeasible checks the search's proofs against the exact LP:
// whatever cells are hidden, a move found for a cell never claims more room
// than the attacker's exact interval leaves, on either side; and on a
// structure with every cell of two sibling departments hidden, the search
// finds the 4-cycles and the total's move the LP allows.
func TestMovesAreFeasible(t *testing.T) {
	proved := 0
	for seed := range 80 {
		r := rand.New(rand.NewPCG(uint64(seed), 3))
		l, vals := hierTable(r, 2, 3, 3)
		for i := range l.Cells {
			l.Cells[i].Hidden = r.IntN(3) > 0 && vals[i] > 0
		}
		l.index()
		for _, comp := range l.components(nil) {
			p := l.program(comp)
			for _, x := range comp {
				v := vals[x]
				if v == 0 {
					continue
				}
				lo, okLo := p.min(x)
				hi, unb, okHi := p.max(x)
				if !okLo || !okHi {
					t.Fatalf("seed %d: the LP failed on cell %d", seed, x)
				}
				if up := l.proveSide(x, 1, 1); up > 0 {
					proved++
					if !unb && v+min(up, 1<<20) > hi {
						t.Errorf("seed %d: cell %d (%d) moved up by %d, but the LP's bound is %d", seed, x, v, up, hi)
					}
				}
				if down := l.proveSide(x, -1, 1); down > 0 {
					proved++
					if v-down < lo {
						t.Errorf("seed %d: cell %d (%d) moved down by %d, but the LP's bound is %d", seed, x, v, down, lo)
					}
				}
			}
		}
	}
	if proved < 100 {
		t.Fatalf("only %d sides proven: the structures are too easy for the test to mean anything", proved)
	}
}

func TestMoveOfADepartmentTotal(t *testing.T) {
	// France (0), one region (1), departments 2 and 3; values a, b; total.
	// Department 2: a=4, b=6 (total 10); department 3: a=5, b=7 (12).
	l := &Linked{}
	vals := map[[2]int]int{{2, 0}: 4, {2, 1}: 6, {3, 0}: 5, {3, 1}: 7}
	at := func(t, j int) int { return t*3 + j }
	cells := make([]int, 12)
	for tr := 0; tr < 4; tr++ {
		for j := 0; j < 2; j++ {
			if tr >= 2 {
				cells[at(tr, j)] = vals[[2]int{tr, j}]
			}
		}
	}
	for j := 0; j < 2; j++ {
		cells[at(1, j)] = cells[at(2, j)] + cells[at(3, j)]
		cells[at(0, j)] = cells[at(1, j)]
	}
	for tr := 0; tr < 4; tr++ {
		cells[at(tr, 2)] = cells[at(tr, 0)] + cells[at(tr, 1)]
	}
	for i, v := range cells {
		l.Cells = append(l.Cells, LinkedCell{Value: v, Hidden: i/3 >= 2})
	}
	for tr := 0; tr < 4; tr++ {
		l.Relations = append(l.Relations, SumOf(at(tr, 2), []int{at(tr, 0), at(tr, 1)}))
	}
	for j := 0; j < 3; j++ {
		l.Relations = append(l.Relations, SumOf(at(1, j), []int{at(2, j), at(3, j)}), SumOf(at(0, j), []int{at(1, j)}))
	}
	// Department 2's total (10) moves with department 3's and one value
	// of each: up by 5 (through a) or 7 (through b), down by 4 or 6.
	x := at(2, 2)
	if up := l.proveSide(x, 1, 2); up != 5 && up != 7 {
		t.Errorf("total up: room %d, want 5 or 7", up)
	}
	if down := l.proveSide(x, -1, 2); down != 4 && down != 6 {
		t.Errorf("total down: room %d, want 4 or 6", down)
	}
	// Its cell a (4) moves on a 4-cycle or with the total: up by 5 (3's a
	// is 5), down by 4.
	if up := l.proveSide(at(2, 0), 1, 2); up != 5 {
		t.Errorf("cell up: room %d, want 5", up)
	}
	if down := l.proveSide(at(2, 0), -1, 2); down != 4 {
		t.Errorf("cell down: room %d, want 4", down)
	}
	// Nothing moves when department 3 is published.
	for j := 0; j < 3; j++ {
		l.Cells[at(3, j)].Hidden = false
	}
	if up := l.proveSide(x, 1, 1); up != 0 {
		t.Errorf("with department 3 published the total still moves by %d", up)
	}
}
