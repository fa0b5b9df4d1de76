package aggregates_test

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
)

// generate fills a database with random data on the fixture's geography:
// companies with 1–3 sites in departments or communes, roles with families
// (some without a family, some families without a row or a parent), skills
// with categories, requirements, employees with random birth years, entry
// and exit dates, assessments, needs at several horizons and memberships.
func generate(f *fixture, r *rand.Rand, companies, employeesPerSite int) {
	f.family("H", "Industrie", "")
	f.family("H12", "Conception", "H")
	f.family("H25", "Production", "H")
	f.family("M", "Support", "")
	f.family("M18", "Informatique", "M")
	f.family("K", "Services", "")                            // a family that is its own grand domain
	families := []string{"H12", "H25", "M18", "K", "ZZ", ""} // ZZ has no row
	var roles []int
	for i := range 8 {
		roles = append(roles, f.role(fmt.Sprintf("R%d", i), families[r.Intn(len(families))]))
	}
	categories := []string{"cao", "soft", "qualite", ""}
	var skills []int
	for i := range 10 {
		skills = append(skills, f.skill(fmt.Sprintf("S%d", i), categories[r.Intn(len(categories))]))
	}
	for _, role := range roles {
		for _, p := range r.Perm(len(skills))[:r.Intn(4)] {
			f.requires(role, skills[p], 1+r.Intn(4), r.Intn(3) > 0)
		}
	}
	f.pole("aero", "Aero", "76")
	f.pole("meca", "Meca", "84")
	places := []string{"31", "31555", "34", "34172", "11", "69", "38", "75"}
	nafs := []string{"25.62B", "62.01Z", "01.11Z", "04.00Z", "99.00Z", "86.10Z", ""}
	var sirets, refs []string
	var roleIDs, births []int64
	var entries, exits []*string
	type needKey struct {
		siret string
		role  int
		year  int
	}
	needs := map[needKey]int{}
	for c := range companies {
		siren := f.company(fmt.Sprintf("C%d", c), nafs[r.Intn(len(nafs))])
		for _, pole := range []string{"aero", "meca"} {
			switch r.Intn(4) {
			case 0:
				f.member(pole, siren, "2020-01-01", "")
			case 1:
				f.member(pole, siren, "2020-01-01", "2026-06-01")
			case 2:
				f.member(pole, siren, "2026-11-25", "") // starts on asOf: active
			}
		}
		for range 1 + r.Intn(3) {
			siret := f.site(siren, places[r.Intn(len(places))])
			for range r.Intn(employeesPerSite + 1) {
				sirets = append(sirets, siret)
				refs = append(refs, fmt.Sprintf("g%d", len(refs)))
				roleIDs = append(roleIDs, int64(roles[r.Intn(len(roles))]))
				births = append(births, int64(1955+r.Intn(50)))
				entry := fmt.Sprintf("%d-%02d-01", 2015+r.Intn(13), 1+r.Intn(12))
				entries = append(entries, &entry)
				var exit *string
				if r.Intn(4) == 0 {
					e := fmt.Sprintf("%d-%02d-15", 2028+r.Intn(2)-r.Intn(4), 1+r.Intn(12))
					if e >= entry {
						exit = &e
					}
				}
				exits = append(exits, exit)
			}
			for range r.Intn(3) {
				needs[needKey{siret, roles[r.Intn(len(roles))], 2028 + r.Intn(3)}] = r.Intn(12)
			}
		}
	}
	f.exec(`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date, exit_date)
	  SELECT left(s, 9), ref, s, role, birth, entry::date, exit::date
	  FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[]) AS u(s, ref, role, birth, entry, exit)`,
		pq.Array(sirets), pq.Array(refs), pq.Array(roleIDs), pq.Array(births), pq.Array(entries), pq.Array(exits))
	f.exec(`INSERT INTO employee_skills (employee_id, skill_id, level)
	  SELECT e.id, s.id, (hashtext(e.employee_ref || s.code) & 7) % 5
	  FROM employees e CROSS JOIN skills s WHERE (hashtext(s.code || e.employee_ref) & 3) <> 0`)
	for k, h := range needs {
		f.need(k.siret, k.role, k.year, h)
	}
}

// reference computes headcount, stayers and target per (department, role
// family, company) naively from the raw rows, as DESIGN.md words them.
type refFigures struct{ headcount, stayers, target int }

func reference(t *testing.T, f *fixture, horizon int) map[string]map[string]*refFigures {
	var emps []struct {
		Siret  string     `db:"siret"`
		Role   int        `db:"role_id"`
		Birth  int        `db:"birth_year"`
		Entry  time.Time  `db:"entry_date"`
		Exit   *time.Time `db:"exit_date"`
		Dept   string     `db:"department_code"`
		Siren  string     `db:"siren"`
		Family *string    `db:"family"`
	}
	if err := f.db.Select(&emps, `SELECT e.siret, e.role_id, e.birth_year, e.entry_date, e.exit_date, sp.department_code, sp.siren, r.family
	  FROM employees e JOIN site_places sp USING (siret) JOIN roles r ON r.id = e.role_id`); err != nil {
		t.Fatal(err)
	}
	var needs []struct {
		Siret  string  `db:"siret"`
		Role   int     `db:"role_id"`
		Head   int     `db:"headcount"`
		Dept   string  `db:"department_code"`
		Siren  string  `db:"siren"`
		Family *string `db:"family"`
	}
	if err := f.db.Select(&needs, `SELECT n.siret, n.role_id, n.headcount, sp.department_code, sp.siren, r.family
	  FROM needs n JOIN site_places sp USING (siret) JOIN roles r ON r.id = n.role_id WHERE n.horizon_year = $1`, horizon); err != nil {
		t.Fatal(err)
	}
	type siteRole struct {
		siret string
		role  int
	}
	out := map[string]map[string]*refFigures{} // "dept/family" → siren → figures
	get := func(dept string, family *string, siren string) *refFigures {
		k := dept + "/"
		if family != nil {
			k += *family
		}
		if out[k] == nil {
			out[k] = map[string]*refFigures{}
		}
		if out[k][siren] == nil {
			out[k][siren] = &refFigures{}
		}
		return out[k][siren]
	}
	declared := map[siteRole]bool{}
	for _, n := range needs {
		declared[siteRole{n.Siret, n.Role}] = true
		get(n.Dept, n.Family, n.Siren).target += n.Head
	}
	for _, e := range emps {
		if e.Entry.After(asOf) || (e.Exit != nil && !e.Exit.After(asOf)) {
			continue
		}
		fig := get(e.Dept, e.Family, e.Siren)
		fig.headcount++
		if e.Birth+64 > horizon {
			fig.stayers++
		}
		if !declared[siteRole{e.Siret, e.Role}] {
			fig.target++
		}
	}
	return out
}

// additive are the figures that sum over disjoint site sets and over cells.
var additive = []struct {
	name string
	get  func(aggregates.Figures) *int
}{
	{"headcount", func(f aggregates.Figures) *int { return f.Headcount }},
	{"departures", func(f aggregates.Figures) *int { return f.Departures }},
	{"target", func(f aggregates.Figures) *int { return f.Target }},
	{"roleGap", func(f aggregates.Figures) *int { return f.RoleGap }},
	{"required", func(f aggregates.Figures) *int { return f.Required }},
	{"qualified", func(f aggregates.Figures) *int { return f.Qualified }},
}

func figure(get func(aggregates.Figures) *int, f aggregates.Figures) int {
	if v := get(f); v != nil {
		return *v
	}
	return 0
}

func TestProperties(t *testing.T) {
	for _, seed := range []int64{1, 7, 2026} {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			f := newFixture(t)
			generate(f, rand.New(rand.NewSource(seed)), 40, 12)
			const horizon = 2029
			q := func(level string, parent *domain.TerritoryKey, d aggregates.Dimension, enforce bool) aggregates.Query {
				return aggregates.Query{Level: level, Parent: parent, Dimension: d, AsOf: asOf, Horizon: horizon, Enforce: enforce}
			}

			t.Run("Reference", func(t *testing.T) {
				ref := reference(t, f, horizon)
				res := compute(t, f.db, q("department", nil, aggregates.DimensionRoleFamily, false))
				got := all(res)
				n := 0
				for k, byCompany := range ref {
					var want refFigures
					for _, fig := range byCompany {
						want.headcount += fig.headcount
						want.stayers += fig.stayers
						want.target += fig.target
					}
					c := got[k]
					w := fmt.Sprintf("c=%d h=%d d=%d t=%d g=%d", len(byCompany), want.headcount, want.headcount-want.stayers, want.target, want.target-want.stayers)
					if g := brief(c.Figures); g != w {
						t.Errorf("%s: got %s, reference %s", k, g, w)
					}
					n++
				}
				if n != len(res.Cells) {
					t.Errorf("reference has %d cells, the result %d", n, len(res.Cells))
				}
			})

			reasons := map[string]int{}
			for _, d := range aggregates.Dimensions() {
				t.Run(string(d), func(t *testing.T) {
					france := compute(t, f.db, q("region", nil, d, false))
					regionRows := map[string]aggregates.Cell{}
					for _, c := range france.RowTotals {
						regionRows[c.TerritoryCode] = c
					}
					checkMargins(t, france)
					for _, reg := range []string{"76", "84", "11"} {
						parent := &domain.TerritoryKey{Level: "region", Code: reg}
						depts := compute(t, f.db, q("department", parent, d, false))
						checkMargins(t, depts)
						region := compute(t, f.db, q("region", parent, d, false))
						// The departments of a region add up to the region.
						want := regionRows[reg]
						for _, m := range additive {
							sum := 0
							for _, c := range depts.RowTotals {
								sum += figure(m.get, c.Figures)
							}
							if w := figure(m.get, want.Figures); sum != w {
								t.Errorf("region %s: departments' %s sum to %d, region %d", reg, m.name, sum, w)
							}
						}
						if len(depts.RowTotals) > 0 && brief(depts.Total.Figures) != brief(want.Figures) {
							t.Errorf("region %s: department total %s, region row %s", reg, brief(depts.Total.Figures), brief(want.Figures))
						}
						if brief(region.Total.Figures) != brief(depts.Total.Figures) || skillBrief(region.Total.Figures) != skillBrief(depts.Total.Figures) {
							t.Errorf("region %s: totals differ by level: %s, %s", reg, brief(region.Total.Figures), brief(depts.Total.Figures))
						}
						// Column totals agree whatever the row level.
						byCode := map[string]string{}
						for _, c := range region.ColumnTotals {
							byCode[*c.DimensionCode] = brief(c.Figures) + skillBrief(c.Figures)
						}
						for _, c := range depts.ColumnTotals {
							if g := brief(c.Figures) + skillBrief(c.Figures); byCode[*c.DimensionCode] != g {
								t.Errorf("region %s, column %q: %s by department, %s by region", reg, *c.DimensionCode, g, byCode[*c.DimensionCode])
							}
						}
						// Secrecy: nothing recoverable, published figures unchanged.
						secret := compute(t, f.db, q("department", parent, d, true))
						checkNoRecovery(t, secret)
						for _, c := range all(secret) {
							if c.Suppressed {
								reasons[*c.Reason]++
							}
						}
						open := all(depts)
						for k, c := range all(secret) {
							if !c.Suppressed && brief(c.Figures)+skillBrief(c.Figures) != brief(open[k].Figures)+skillBrief(open[k].Figures) {
								t.Errorf("%s: published %s, open %s", k, brief(c.Figures), brief(open[k].Figures))
							}
						}
					}
				})
			}

			if reasons["FREQUENCY"] == 0 || reasons["SECONDARY"] == 0 {
				t.Errorf("random data exercised too little secrecy: %v", reasons)
			}
			t.Logf("suppressed cells by reason: %v", reasons)

			t.Run("DimensionsAgree", func(t *testing.T) {
				// The role-based dimensions partition the same units.
				var first string
				for _, d := range []aggregates.Dimension{aggregates.DimensionNone, aggregates.DimensionRoleFamily,
					aggregates.DimensionGrandDomain, aggregates.DimensionNafSection} {
					for _, level := range []string{"region", "department"} {
						g := brief(compute(t, f.db, q(level, nil, d, false)).Total.Figures)
						if first == "" {
							first = g
							if g == "c=0 h=0 d=0 t=0 g=0" {
								t.Fatal("empty data")
							}
						}
						if g != first {
							t.Errorf("%s by %s: total %s, want %s", d, level, g, first)
						}
					}
				}
				t.Logf("grand total: %s", first)
			})
		})
	}
}

// checkMargins asserts that, without secrecy, every margin's additive figures
// are the sums of its cells and its companies at most their sum.
func checkMargins(t *testing.T, r *aggregates.Result) {
	t.Helper()
	for name, members := range groups(r) {
		total := members[len(members)-1]
		companies := 0
		for _, m := range additive {
			sum := 0
			for _, c := range members[:len(members)-1] {
				sum += figure(m.get, c.Figures)
			}
			if w := figure(m.get, total.Figures); w != sum {
				t.Errorf("%s: %s total %d, cells sum to %d", name, m.name, w, sum)
			}
		}
		for _, c := range members[:len(members)-1] {
			companies += *c.Companies
		}
		if *total.Companies > companies {
			t.Errorf("%s: %d companies in the total, %d in its cells", name, *total.Companies, companies)
		}
	}
}
