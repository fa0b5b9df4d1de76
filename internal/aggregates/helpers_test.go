package aggregates_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture inserts test data with plain SQL.
type fixture struct {
	tb        testing.TB
	db        *sqlx.DB
	dsn       string
	companies int
	sites     map[string]int
	employees int
}

func newFixture(tb testing.TB) *fixture {
	d, dsn := testdb.New(tb)
	f := &fixture{tb: tb, db: d, dsn: dsn, sites: map[string]int{}}
	f.geography()
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.tb.Helper()
	if _, err := f.db.Exec(q, args...); err != nil {
		f.tb.Fatalf("%s: %v", q, err)
	}
}

// geography: regions 76 (departments 31, 34, 11 Aude), 84 (69, 38) and 11
// (75): codes 11 and 84 are both a region and a department, on purpose.
func (f *fixture) geography() {
	f.exec(`INSERT INTO territories (level, code, name, parent_code) VALUES
	  ('region', '76', 'Occitanie', NULL), ('region', '84', 'Auvergne-Rhône-Alpes', NULL),
	  ('region', '11', 'Île-de-France', NULL),
	  ('department', '31', 'Haute-Garonne', '76'), ('department', '34', 'Hérault', '76'),
	  ('department', '11', 'Aude', '76'), ('department', '69', 'Rhône', '84'),
	  ('department', '38', 'Isère', '84'), ('department', '75', 'Paris', '11'),
	  ('commune', '31555', 'Toulouse', '31'), ('commune', '34172', 'Montpellier', '34')`)
}

// company inserts a company and returns its SIREN; naf "" is null.
func (f *fixture) company(name, naf string) string {
	f.companies++
	siren := ident.CompleteLuhn(fmt.Sprintf("4%07d", f.companies))
	var n any
	if naf != "" {
		n = naf
	}
	f.exec(`INSERT INTO companies (siren, name, naf) VALUES ($1, $2, $3)`, siren, name, n)
	return siren
}

// site inserts a site of the company in a department or commune.
func (f *fixture) site(siren, territory string) string {
	f.sites[siren]++
	siret := ident.CompleteLuhn(fmt.Sprintf("%s%04d", siren, f.sites[siren]))
	f.exec(`INSERT INTO sites (siret, siren, name, territory_code) VALUES ($1, $2, $3, $4)`, siret, siren, "site "+siret, territory)
	return siret
}

func (f *fixture) family(code, title, parent string) {
	var p any
	if parent != "" {
		p = parent
	}
	f.exec(`INSERT INTO role_families (code, title, parent_code) VALUES ($1, $2, $3)`, code, title, p)
}

// role inserts a role; family "" is null.
func (f *fixture) role(code, family string) int {
	var fam any
	if family != "" {
		fam = family
	}
	var id int
	if err := f.db.Get(&id, `INSERT INTO roles (code, title, family) VALUES ($1, $1, $2) RETURNING id`, code, fam); err != nil {
		f.tb.Fatal(err)
	}
	return id
}

// skill inserts a skill; category "" is null.
func (f *fixture) skill(code, category string) int {
	var cat any
	if category != "" {
		cat = category
	}
	var id int
	if err := f.db.Get(&id, `INSERT INTO skills (code, name, kind, category) VALUES ($1, $1, 'know_how', $2) RETURNING id`, code, cat); err != nil {
		f.tb.Fatal(err)
	}
	return id
}

func (f *fixture) requires(role, skill, level int, essential bool) {
	f.exec(`INSERT INTO role_skills (role_id, skill_id, level, essential) VALUES ($1, $2, $3, $4)`, role, skill, level, essential)
}

// employee inserts an employee at a site; exit "" is null.
func (f *fixture) employee(siret string, role, birthYear int, entry, exit string) int64 {
	f.employees++
	var ex any
	if exit != "" {
		ex = exit
	}
	var id int64
	if err := f.db.Get(&id, `INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date, exit_date)
	  VALUES (left($1, 9), $2, $1, $3, $4, $5, $6) RETURNING id`, siret, fmt.Sprintf("e%d", f.employees), role, birthYear, entry, ex); err != nil {
		f.tb.Fatal(err)
	}
	return id
}

// staff inserts n employees of a role at a site, all stayers at 2029,
// active since 2020.
func (f *fixture) staff(siret string, role, n int) {
	for range n {
		f.employee(siret, role, 1990, "2020-01-01", "")
	}
}

func (f *fixture) assess(employee int64, skill, level int) {
	f.exec(`INSERT INTO employee_skills (employee_id, skill_id, level) VALUES ($1, $2, $3)`, employee, skill, level)
}

func (f *fixture) need(siret string, role, horizon, headcount int) {
	f.exec(`INSERT INTO needs (siret, role_id, horizon_year, headcount) VALUES ($1, $2, $3, $4)`, siret, role, horizon, headcount)
}

func (f *fixture) pole(id, name, region string) {
	f.exec(`INSERT INTO poles (id, name, kind, region_code) VALUES ($1, $2, 'competitiveness_pole', $3)`, id, name, region)
}

// member inserts a membership; until "" is null.
func (f *fixture) member(pole, siren, since, until string) {
	var u any
	if until != "" {
		u = until
	}
	f.exec(`INSERT INTO memberships (pole_id, siren, since, until) VALUES ($1, $2, $3, $4)`, pole, siren, since, u)
}

func compute(tb testing.TB, d *sqlx.DB, q aggregates.Query) *aggregates.Result {
	tb.Helper()
	r, err := aggregates.Compute(context.Background(), d, q)
	if err != nil {
		tb.Fatalf("Compute(%+v): %v", q, err)
	}
	return r
}

// key names a cell for assertions: "31/H12", "31/Σ", "Σ/H12", "Σ/Σ".
func key(c aggregates.Cell, total bool) string {
	row := c.TerritoryCode
	if total {
		row = "Σ"
	}
	col := "Σ"
	if c.DimensionCode != nil {
		col = *c.DimensionCode
	}
	return row + "/" + col
}

// all indexes every cell of a result by key.
func all(r *aggregates.Result) map[string]aggregates.Cell {
	m := map[string]aggregates.Cell{}
	for _, c := range r.Cells {
		m[key(c, false)] = c
	}
	for _, c := range r.RowTotals {
		m[key(c, false)] = c
	}
	for _, c := range r.ColumnTotals {
		m[key(c, true)] = c
	}
	m[key(r.Total, true)] = r.Total
	return m
}

func val(p *int) string {
	if p == nil {
		return "∅"
	}
	return fmt.Sprint(*p)
}

// brief renders the role figures of a cell, for golden comparisons:
// companies headcount departures target roleGap.
func brief(f aggregates.Figures) string {
	if f.Suppressed {
		return "suppressed " + *f.Reason
	}
	return fmt.Sprintf("c=%s h=%s d=%s t=%s g=%s", val(f.Companies), val(f.Headcount), val(f.Departures), val(f.Target), val(f.RoleGap))
}

// skillBrief renders the skill figures.
func skillBrief(f aggregates.Figures) string {
	if f.Suppressed {
		return "suppressed " + *f.Reason
	}
	cov := "∅"
	if f.Coverage != nil {
		cov = fmt.Sprintf("%.4f", *f.Coverage)
	}
	return fmt.Sprintf("req=%s q=%s gap=%s cov=%s", val(f.Required), val(f.Qualified), val(f.Gap), cov)
}
