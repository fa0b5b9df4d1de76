package secrecy

import "testing"

// table2x2 is a 2×2 table with its margins: cells 0..3 inner (row-major),
// 4, 5 row totals, 6, 7 column totals, 8 the grand total.
func table2x2(v [4]int) *Linked {
	l := &Linked{}
	vals := []int{v[0], v[1], v[2], v[3], v[0] + v[1], v[2] + v[3], v[0] + v[2], v[1] + v[3], v[0] + v[1] + v[2] + v[3]}
	for _, x := range vals {
		l.Cells = append(l.Cells, LinkedCell{Value: x})
	}
	l.Relations = []Relation{
		SumOf(4, []int{0, 1}), SumOf(5, []int{2, 3}),
		SumOf(6, []int{0, 2}), SumOf(7, []int{1, 3}),
		SumOf(8, []int{4, 5}), SumOf(8, []int{6, 7}),
	}
	return l
}

func TestAuditRectangle(t *testing.T) {
	l := table2x2([4]int{5, 7, 6, 9})
	for i := 0; i < 4; i++ {
		l.Cells[i].Hidden = true
	}
	l.Cells[0].Primary = Frequency
	l.index()
	comp := []int{0, 1, 2, 3}
	b, _ := l.boundCell(0, Margin(5, 15), comp)
	// x0 + x1 = 12, x0 + x2 = 11, x2 + x3 = 15, x1 + x3 = 16: x0 in [0, 11].
	if b.Lower != 0 || b.Upper != 11 || b.Unbounded || !b.Exact {
		t.Fatalf("bounds %+v, want [0, 11] exact", b)
	}
	vs, _, err := l.Audit()
	if err != nil || len(vs) != 0 {
		t.Fatalf("audit: %v %v", vs, err)
	}
}
