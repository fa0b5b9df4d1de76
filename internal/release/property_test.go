package release

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"

	"github.com/gpec-project/gpec/internal/secrecy"
)

// The property: on random linked structures (France, regions, departments;
// role families nested in grand domains, and poles where a company may be in
// none, one or both), every hidden primary cell withstands an attacker
// written here, independent of the product's audit: it states the structure
// from the micro-data's shape (not from the relations the product builds),
// solves one LP over every hidden cell at once in general form (equalities
// as two inequalities, non-negativity as rows, lp.Convert), and never splits
// components nor restricts neighbourhoods. The headcount, which the rules
// protect, is the same at every horizon, so one pattern serves the three
// horizons of a release (the database tests check that it is stored so).

type micro struct {
	dept     string
	region   string
	families map[string]int // family -> headcount
	poles    []string       // "" when none
}

var testDomains = map[string]string{"f1": "G1", "f2": "G1", "f3": "G2", "f4": "G2"}

func randomWorld(r *rand.Rand) []micro {
	regions := map[string][]string{"R1": []string{"D11", "D12", "D13"}[:2+r.IntN(2)], "R2": []string{"D21", "D22"}[:1+r.IntN(2)]}
	var ms []micro
	n := 5 + r.IntN(8)
	for range n {
		reg := []string{"R1", "R2"}[r.IntN(2)]
		m := micro{region: reg, dept: regions[reg][r.IntN(len(regions[reg]))], families: map[string]int{}}
		for _, f := range []string{"f1", "f2", "f3", "f4"} {
			if r.IntN(2) == 0 {
				m.families[f] = 1 + r.IntN(12)
				if r.IntN(6) == 0 {
					m.families[f] += 40 // a dominant company now and then
				}
			}
		}
		if len(m.families) == 0 {
			m.families["f1"] = 1
		}
		switch r.IntN(4) {
		case 0:
			m.poles = []string{""}
		case 1:
			m.poles = []string{"p1"}
		case 2:
			m.poles = []string{"p2"}
		default:
			m.poles = []string{"p1", "p2"}
		}
		ms = append(ms, m)
	}
	return ms
}

// entries sums the micro-data into the release's keys, as the SQL does.
func worldEntries(ms []micro) []*entry {
	type contrib map[int]int // company -> headcount
	cells := map[key]contrib{}
	parents := map[key]string{}
	add := func(k key, parent string, company, h int) {
		if cells[k] == nil {
			cells[k] = contrib{}
		}
		cells[k][company] += h
		parents[k] = parent
	}
	for c, m := range ms {
		places := []struct{ level, code, parent string }{{"department", m.dept, m.region}, {"region", m.region, "FR"}, {"country", "FR", ""}}
		total := 0
		for f, h := range m.families {
			total += h
			for _, p := range places {
				add(key{"role_family", p.level, p.code, f}, p.parent, c, h)
				add(key{"grand_domain", p.level, p.code, testDomains[f]}, p.parent, c, h)
			}
		}
		for _, p := range places {
			add(key{"none", p.level, p.code, ""}, p.parent, c, total)
			for _, pole := range m.poles {
				add(key{"pole", p.level, p.code, pole}, p.parent, c, total)
			}
		}
	}
	m := map[key]*entry{}
	for k, cs := range cells {
		var hs []int
		for _, h := range cs {
			hs = append(hs, h)
		}
		slices.Sort(hs)
		slices.Reverse(hs)
		e := &entry{key: k, parent: parents[k], contributors: len(hs)}
		for i, h := range hs {
			e.headcount += h
			switch i {
			case 0:
				e.largest = h
			case 1:
				e.second = h
			}
		}
		m[k] = e
	}
	return sortedEntries(m)
}

// attack returns the attacker's integer bounds of every hidden cell.
func attack(t *testing.T, list []*entry, hidden []bool) map[int][2]float64 {
	idx := map[key]int{}
	for i, e := range list {
		idx[e.key] = i
	}
	col := map[int]int{}
	for i := range list {
		if hidden[i] {
			col[i] = len(col)
		}
	}
	n := len(col)
	// Rows over the hidden cells then one slack per inequality: lhs − rhs
	// (= or <=) 0, cells absent from the release being known zeros.
	type row struct {
		coef  []float64
		c     float64
		equal bool
	}
	var rows []row
	rel := func(equal bool, plus, minus []key) {
		r := row{coef: make([]float64, n), equal: equal}
		for s, ks := range [][]key{plus, minus} {
			sign := 1.0 - 2*float64(s)
			for _, k := range ks {
				i, ok := idx[k]
				if !ok {
					continue
				}
				if j, ok := col[i]; ok {
					r.coef[j] += sign
				} else {
					r.c += sign * float64(list[i].headcount)
				}
			}
		}
		rows = append(rows, r)
	}
	depts := map[string][]string{}
	regions := map[string]bool{}
	for _, e := range list {
		if e.level == "department" {
			if !slices.Contains(depts[e.parent], e.code) {
				depts[e.parent] = append(depts[e.parent], e.code)
			}
			regions[e.parent] = true
		}
	}
	values := map[string][]string{"none": {""}, "role_family": {"f1", "f2", "f3", "f4"}, "grand_domain": {"G1", "G2"}, "pole": {"", "p1", "p2"}}
	var regionList []key
	for r := range regions {
		regionList = append(regionList, key{level: "region", code: r})
	}
	for dim, vs := range values {
		for _, v := range vs {
			// Territory tree.
			var rs []key
			for r := range regions {
				rs = append(rs, key{dim, "region", r, v})
				var ds []key
				for _, d := range depts[r] {
					ds = append(ds, key{dim, "department", d, v})
				}
				rel(true, []key{{dim, "region", r, v}}, ds)
			}
			rel(true, []key{{dim, "country", "FR", v}}, rs)
		}
	}
	var terrs []key
	terrs = append(terrs, key{level: "country", code: "FR"})
	terrs = append(terrs, regionList...)
	for r := range regions {
		for _, d := range depts[r] {
			terrs = append(terrs, key{level: "department", code: d})
		}
	}
	for _, tk := range terrs {
		total := key{"none", tk.level, tk.code, ""}
		at := func(dim string, vs ...string) []key {
			var ks []key
			for _, v := range vs {
				ks = append(ks, key{dim, tk.level, tk.code, v})
			}
			return ks
		}
		rel(true, []key{total}, at("role_family", "f1", "f2", "f3", "f4"))
		rel(true, []key{total}, at("grand_domain", "G1", "G2"))
		rel(true, at("grand_domain", "G1"), at("role_family", "f1", "f2"))
		rel(true, at("grand_domain", "G2"), at("role_family", "f3", "f4"))
		for _, p := range at("pole", "", "p1", "p2") {
			rel(false, []key{p}, []key{total})
		}
		rel(false, []key{total}, at("pole", "", "p1", "p2"))
	}
	// Standard form: x >= 0 is the LP's own; an inequality gets a slack.
	// Equalities that others imply are dropped by Gram–Schmidt (the solver
	// wants full row rank); the slack of an inequality keeps it independent.
	slacks := 0
	for _, r := range rows {
		if !r.equal {
			slacks++
		}
	}
	var basis [][]float64
	var A [][]float64
	var b []float64
	s := n
	for _, r := range rows {
		full := make([]float64, n+slacks)
		copy(full, r.coef)
		if !r.equal {
			full[s] = 1
			s++
		}
		res := slices.Clone(full)
		for _, q := range basis {
			dot := 0.0
			for k := range res {
				dot += res[k] * q[k]
			}
			for k := range res {
				res[k] -= dot * q[k]
			}
		}
		norm := 0.0
		for _, x := range res {
			norm += x * x
		}
		if norm < 1e-9 {
			continue
		}
		norm = math.Sqrt(norm)
		for k := range res {
			res[k] /= norm
		}
		basis = append(basis, res)
		A, b = append(A, full), append(b, -r.c)
	}
	out := map[int][2]float64{}
	if len(A) == 0 {
		for i := range col {
			out[i] = [2]float64{0, math.Inf(1)}
		}
		return out
	}
	// The solver's own first phase, else Big-M artificials (rows signed so
	// that b >= 0) as a starting basis: the first phase sometimes fails on
	// these degenerate systems.
	m, w := len(A), n+slacks
	a := mat.NewDense(m, w+m, nil)
	basic := make([]int, m)
	for i, r := range A {
		sign := 1.0
		if b[i] < 0 {
			sign, b[i] = -1, -b[i]
		}
		for k, x := range r {
			a.Set(i, k, sign*x)
		}
		a.Set(i, w+i, 1)
		basic[i] = w + i
	}
	const bigM = 1e5
	plain := mat.NewDense(m, w, nil)
	for i := range m {
		for k := range w {
			plain.Set(i, k, a.At(i, k))
		}
	}
	solve := func(j int, sign float64) (float64, error) {
		c := make([]float64, w)
		c[j] = sign
		f, _, err := lp.Simplex(c, plain, b, 1e-9, nil)
		if err == nil || errors.Is(err, lp.ErrUnbounded) || errors.Is(err, lp.ErrInfeasible) {
			return f, err
		}
		c = make([]float64, w+m)
		c[j] = sign
		for k := w; k < w+m; k++ {
			c[k] = bigM
		}
		f, _, err = lp.Simplex(c, a, b, 1e-9, slices.Clone(basic))
		return f, err
	}
	for i, j := range col {
		lo, err := solve(j, 1)
		if err != nil {
			t.Fatalf("attacker min of %v: %v", list[i].key, err)
		}
		hi, err := solve(j, -1)
		up := math.Inf(1)
		if err == nil {
			up = math.Floor(-hi + 1e-6)
		} else if !errors.Is(err, lp.ErrUnbounded) {
			t.Fatalf("attacker max of %v: %v", list[i].key, err)
		}
		out[i] = [2]float64{math.Max(0, math.Ceil(lo-1e-6)), up}
	}
	return out
}

func TestProtectionAgainstAnIndependentAttacker(t *testing.T) {
	checked, secondary, recovered := 0, 0, 0
	for seed := range 8 {
		r := rand.New(rand.NewPCG(uint64(seed), 11))
		list := worldEntries(randomWorld(r))
		l, _, err := linked(list, testDomains, secrecy.ReleaseRules{})
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range list {
			l.Cells[i].Primary = secrecy.ReleasePrimary(e.contributors, e.headcount, e.largest, e.second, secrecy.ReleaseRules{})
		}
		st, err := l.Protect()
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		secondary += st.Secondary
		hidden := make([]bool, len(list))
		for i, c := range l.Cells {
			hidden[i] = c.Hidden
		}
		if seed < 3 {
			// The attacker is no strawman: against primary suppression alone
			// it recovers cells.
			primaryOnly := make([]bool, len(list))
			for i, c := range l.Cells {
				primaryOnly[i] = c.Primary != ""
			}
			for i, b := range attack(t, list, primaryOnly) {
				v := list[i].headcount
				m := secrecy.Margin(v, 15)
				if l.Cells[i].Primary != "" && v > 0 && (b[0] > float64(max(0, v-m)) || b[1] < float64(v+m)) {
					recovered++
				}
			}
		}
		bounds := attack(t, list, hidden)
		for i, c := range l.Cells {
			v := list[i].headcount
			if c.Primary == "" || v == 0 {
				continue
			}
			if !c.Hidden {
				t.Fatalf("seed %d: primary cell %v published", seed, list[i].key)
			}
			m := secrecy.Margin(v, 15)
			b := bounds[i]
			if b[0] > float64(max(0, v-m)) || b[1] < float64(v+m) {
				t.Errorf("seed %d: %s (headcount %d, %s) recovered within [%v, %v]; needs %d and %d",
					seed, list[i].describe(), v, c.Primary, b[0], b[1], max(0, v-m), v+m)
			}
			checked++
		}
	}
	if recovered == 0 {
		t.Fatal("the attacker recovers nothing even without secondary suppression")
	}
	if checked < 60 || secondary == 0 {
		t.Fatalf("only %d primary cells checked, %d secondary: the structures are too easy", checked, secondary)
	}
	t.Logf("%d primary cells withstand the attacker; %d secondary cells hidden; without them %d were recovered", checked, secondary, recovered)
}
