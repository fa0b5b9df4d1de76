package aggregates

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/rollup"
	"github.com/gpec-project/gpec/internal/secrecy"
)

// Dimension is what a territory's figures are crossed with.
type Dimension string

// The dimensions (see the package documentation).
const (
	DimensionNone          Dimension = "none"
	DimensionRoleFamily    Dimension = "role_family"
	DimensionGrandDomain   Dimension = "grand_domain"
	DimensionSkillCategory Dimension = "skill_category"
	DimensionPole          Dimension = "pole"
	DimensionNafSection    Dimension = "naf_section"
)

// Dimensions lists every dimension, for schemas and tests.
func Dimensions() []Dimension {
	return []Dimension{DimensionNone, DimensionRoleFamily, DimensionGrandDomain,
		DimensionSkillCategory, DimensionPole, DimensionNafSection}
}

// DefaultRetirementAge is DESIGN.md's default retirement age A.
const DefaultRetirementAge = 64

// Scope limits a non-observatory caller's aggregates. PoleID set: only the
// sites of that pole's members with an active membership at asOf (a pole
// manager). The zero Scope is everything (an administrator, an observatory).
type Scope struct {
	PoleID string
}

// Query asks for the aggregates of the territories of one level.
type Query struct {
	// Level is the level of the rows: domain.LevelRegion or
	// domain.LevelDepartment.
	Level string
	// Parent, when set, keeps the rows inside that territory (a region, or a
	// department for a single department); nil is all of France.
	Parent *domain.TerritoryKey
	// Dimension crosses the rows with at most one dimension; "" is none.
	Dimension Dimension
	// AsOf is the reference date; the zero time is today (UTC).
	AsOf time.Time
	// Horizon is the horizon year H, >= the year of AsOf.
	Horizon int
	// RetirementAge is A; 0 is DefaultRetirementAge.
	RetirementAge int
	// IncludeOptional makes optional role–skill links count as "requires".
	IncludeOptional bool
	// Scope limits the sites for non-observatory callers.
	Scope Scope
	// Enforce applies statistical secrecy: true when the caller is an
	// observatory.
	Enforce bool
	// OrderBy orders the rows by this measure of their total; "" keeps the
	// territory code order.
	OrderBy Measure
	// Descending reverses OrderBy (suppressed values still sort last).
	Descending bool
	// First keeps the first rows only; 0 keeps every row.
	First int
}

// Figures are one cell's measures. Every pointer is nil when the cell is
// suppressed; the skill figures are nil outside the skill_category dimension,
// and Coverage also when Required is 0.
type Figures struct {
	Companies  *int
	Headcount  *int
	Departures *int
	Target     *int
	RoleGap    *int
	Required   *int
	Qualified  *int
	Gap        *int
	Coverage   *float64
	Suppressed bool
	// Reason is FREQUENCY, DOMINANCE or SECONDARY when Suppressed.
	Reason *string
}

// Cell is one figure set: a territory × a dimension value, or a margin.
// A territory's total over the dimension has a nil DimensionCode; a
// dimension value's total over the territories (and the grand total) has the
// parent territory (or TerritoryLevel "country", TerritoryCode "FR").
type Cell struct {
	TerritoryLevel string
	TerritoryCode  string
	TerritoryName  string
	// DimensionCode is the dimension value; "" is the "not specified" value.
	DimensionCode  *string
	DimensionLabel *string
	Figures
}

// Result is a response. With DimensionNone, Cells and ColumnTotals are
// empty: each territory's figures are its row total (they would be equal).
// Cells are ordered like RowTotals, then by dimension code; ColumnTotals by
// dimension code.
type Result struct {
	Cells        []Cell
	RowTotals    []Cell
	ColumnTotals []Cell
	Total        Cell
}

// Country is the territory of margins when a query has no parent.
const (
	CountryLevel = "country"
	CountryCode  = "FR"
	CountryName  = "France"
)

var poleSlug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// normalize applies the defaults and checks the query; every error is a
// BAD_USER_INPUT naming its field.
func (q Query) normalize() (Query, error) {
	if q.AsOf.IsZero() {
		q.AsOf = domain.Today()
	}
	y, m, d := q.AsOf.Date()
	q.AsOf = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if err := checkLevels(q.Level, q.Parent); err != nil {
		return q, err
	}
	if q.Dimension == "" {
		q.Dimension = DimensionNone
	}
	if _, ok := dimensionSources[q.Dimension]; !ok {
		return q, domain.Invalid("dimension", "unknown dimension %q", q.Dimension)
	}
	if q.RetirementAge == 0 {
		q.RetirementAge = DefaultRetirementAge
	}
	if q.RetirementAge < 1 || q.RetirementAge > 120 {
		return q, domain.Invalid("retirementAge", "must be between 1 and 120, got %d", q.RetirementAge)
	}
	if q.Horizon < y || q.Horizon > 2200 {
		return q, domain.Invalid("horizon", "must be a year between %d (the year of asOf) and 2200, got %d", y, q.Horizon)
	}
	if q.Scope.PoleID != "" && !poleSlug.MatchString(q.Scope.PoleID) {
		return q, domain.Invalid("scope", "pole id %q is not a slug", q.Scope.PoleID)
	}
	if q.First < 0 {
		return q, domain.Invalid("first", "must be >= 0, got %d", q.First)
	}
	if q.OrderBy != "" {
		skill, ok := measures[q.OrderBy]
		if !ok {
			return q, domain.Invalid("orderBy", "unknown measure %q", q.OrderBy)
		}
		if skill && q.Dimension != DimensionSkillCategory {
			return q, domain.Invalid("orderBy", "measure %q exists only with the skill_category dimension", q.OrderBy)
		}
	}
	return q, nil
}

// checkLevels accepts regions or departments as rows, inside a parent that is
// not finer than them.
func checkLevels(level string, parent *domain.TerritoryKey) error {
	if level != domain.LevelRegion && level != domain.LevelDepartment {
		return domain.Invalid("level", "must be %q or %q, got %q", domain.LevelRegion, domain.LevelDepartment, level)
	}
	if parent == nil {
		return nil
	}
	switch {
	case parent.Level != domain.LevelRegion && parent.Level != domain.LevelDepartment:
		return domain.Invalid("parent", "must be a region or a department, got level %q", parent.Level)
	case parent.Code == "":
		return domain.Invalid("parent", "needs a code")
	case level == domain.LevelRegion && parent.Level == domain.LevelDepartment:
		return domain.Invalid("parent", "a department cannot contain regions")
	}
	return nil
}

// contribution is one company's figures in one (territory, dimension value).
type contribution struct {
	TerritoryCode  string `db:"tcode"`
	TerritoryName  string `db:"tname"`
	DimensionCode  string `db:"col"`
	DimensionLabel string `db:"label"`
	Siren          string `db:"siren"`
	sums
}

// sums are the additive figures of a cell: every measure derives from them.
type sums struct {
	Headcount int `db:"headcount"`
	Stayers   int `db:"stayers"`
	Target    int `db:"target"`
	Required  int `db:"required"`
	Qualified int `db:"qualified"`
}

func (s *sums) add(o sums) {
	s.Headcount += o.Headcount
	s.Stayers += o.Stayers
	s.Target += o.Target
	s.Required += o.Required
	s.Qualified += o.Qualified
}

// Compute answers a query: contributions in one statement, then cells,
// margins, secrecy and ordering in Go. Without a pole scope and with
// essential links only, a fresh rollup (rollup.go) gives the cells' sums
// instead of the contributions, with the same result.
func Compute(ctx context.Context, db *sqlx.DB, q Query) (*Result, error) {
	return ComputeKept(ctx, db, q, nil)
}

// ComputeKept is Compute, keeping in kept the answers derived from cells
// stale through a few companies' writes (derived.go) for the data version.
func ComputeKept(ctx context.Context, db *sqlx.DB, q Query, kept *Kept) (*Result, error) {
	q, err := q.normalize()
	if err != nil {
		return nil, err
	}
	margin, err := marginTerritory(ctx, db, q.Parent)
	if err != nil {
		return nil, err
	}
	if q.Scope.PoleID == "" && !q.IncludeOptional {
		run, ok, stale, err := rollup.PartsState(ctx, db, rollup.Key{AsOf: q.AsOf, Horizon: q.Horizon, RetirementAge: q.RetirementAge}, false,
			[]string{dimensionPart(q.Dimension)})
		if err != nil {
			return nil, err
		}
		if ok {
			r, err := fromRollup(ctx, db, run, q, margin)
			if err != nil {
				return nil, err
			}
			order(r, q)
			return r, nil
		}
		if stale {
			if r, ok, err := derived(ctx, db, q, margin, kept); err != nil || ok {
				return r, err
			}
		}
	}
	var contribs []contribution
	args := []any{q.AsOf.Format(time.DateOnly), q.Horizon, q.RetirementAge, q.IncludeOptional,
		q.Level, parentLevel(q.Parent), parentCode(q.Parent), q.Scope.PoleID}
	if err := sqlx.SelectContext(ctx, db, &contribs, contributionsSQL(q.Dimension), args...); err != nil {
		return nil, fmt.Errorf("aggregates: contributions: %w", err)
	}
	for i := range contribs {
		c := &contribs[i]
		if q.Dimension == DimensionNafSection {
			c.DimensionCode = NafSection(c.DimensionCode)
		}
		c.DimensionLabel = valueLabel(q.Dimension, c.DimensionCode, c.DimensionLabel)
	}
	r := tabulate(q, margin, contribs)
	order(r, q)
	return r, nil
}

// territory names a margin's territory.
type territory struct{ level, code, name string }

// marginTerritory returns the parent territory, checking that it exists, or
// France.
func marginTerritory(ctx context.Context, db sqlx.QueryerContext, parent *domain.TerritoryKey) (territory, error) {
	if parent == nil {
		return territory{CountryLevel, CountryCode, CountryName}, nil
	}
	var name string
	err := sqlx.GetContext(ctx, db, &name, `SELECT name FROM territories WHERE level = $1 AND code = $2`, parent.Level, parent.Code)
	if errors.Is(err, sql.ErrNoRows) {
		return territory{}, domain.Invalid("parent", "no %s with code %q", parent.Level, parent.Code)
	}
	if err != nil {
		return territory{}, fmt.Errorf("aggregates: parent territory: %w", err)
	}
	return territory{parent.Level, parent.Code, name}, nil
}

func parentLevel(p *domain.TerritoryKey) string {
	if p == nil {
		return ""
	}
	return p.Level
}

func parentCode(p *domain.TerritoryKey) string {
	if p == nil {
		return ""
	}
	return p.Code
}

// sheet is a result's figure sets before secrecy: every cell's, row total's
// and column total's sums, the grand total's, and the names of rows and
// dimension values.
type sheet struct {
	cells         map[cellKey]*sums
	rows, cols    map[string]*sums
	grand         sums
	names, labels map[string]string
}

type cellKey struct{ row, col string }

func newSheet() *sheet {
	return &sheet{cells: map[cellKey]*sums{}, rows: map[string]*sums{}, cols: map[string]*sums{},
		names: map[string]string{}, labels: map[string]string{}}
}

// tabulate sums the contributions into cells and margins and lets secrecy
// decide about each of them.
func tabulate(q Query, margin territory, contribs []contribution) *Result {
	sh := newSheet()
	sc := make([]secrecy.Contribution, len(contribs))
	for i, c := range contribs {
		sc[i] = secrecy.Contribution{Row: c.TerritoryCode, Col: c.DimensionCode, Company: c.Siren, Headcount: c.Headcount}
		sh.names[c.TerritoryCode] = c.TerritoryName
		sh.labels[c.DimensionCode] = c.DimensionLabel
		at(sh.cells, cellKey{c.TerritoryCode, c.DimensionCode}).add(c.sums)
		at(sh.rows, c.TerritoryCode).add(c.sums)
		at(sh.cols, c.DimensionCode).add(c.sums)
		sh.grand.add(c.sums)
	}
	return present(q, margin, secrecy.Apply(sc, secrecy.Rules{}, q.Enforce), sh)
}

// present turns secrecy's table and the sheet's sums into the result.
func present(q Query, margin territory, tab *secrecy.Table, sh *sheet) *Result {
	skills := q.Dimension == DimensionSkillCategory
	withDim := q.Dimension != DimensionNone
	dim := func(col string) (*string, *string) {
		if !withDim {
			return nil, nil
		}
		code, label := col, sh.labels[col]
		return &code, &label
	}
	r := &Result{}
	if withDim {
		for _, c := range tab.Cells {
			code, label := dim(c.Col)
			r.Cells = append(r.Cells, Cell{
				TerritoryLevel: q.Level, TerritoryCode: c.Row, TerritoryName: sh.names[c.Row],
				DimensionCode: code, DimensionLabel: label,
				Figures: figures(c, *sh.cells[cellKey{c.Row, c.Col}], skills),
			})
		}
		for _, c := range tab.ColTotals {
			code, label := dim(c.Col)
			r.ColumnTotals = append(r.ColumnTotals, Cell{
				TerritoryLevel: margin.level, TerritoryCode: margin.code, TerritoryName: margin.name,
				DimensionCode: code, DimensionLabel: label,
				Figures: figures(c, *sh.cols[c.Col], skills),
			})
		}
	}
	for _, c := range tab.RowTotals {
		r.RowTotals = append(r.RowTotals, Cell{
			TerritoryLevel: q.Level, TerritoryCode: c.Row, TerritoryName: sh.names[c.Row],
			Figures: figures(c, *sh.rows[c.Row], skills),
		})
	}
	r.Total = Cell{
		TerritoryLevel: margin.level, TerritoryCode: margin.code, TerritoryName: margin.name,
		Figures: figures(tab.Grand, sh.grand, skills),
	}
	return r
}

func at[K comparable](m map[K]*sums, k K) *sums {
	s, ok := m[k]
	if !ok {
		s = &sums{}
		m[k] = s
	}
	return s
}

// figures derives a cell's measures from its sums; a suppressed cell keeps
// only its reason.
func figures(c secrecy.Cell, s sums, skills bool) Figures {
	if c.Suppressed {
		reason := string(c.Reason)
		return Figures{Suppressed: true, Reason: &reason}
	}
	f := Figures{
		Companies:  ptr(c.Companies),
		Headcount:  ptr(s.Headcount),
		Departures: ptr(s.Headcount - s.Stayers),
		Target:     ptr(s.Target),
		RoleGap:    ptr(s.Target - s.Stayers),
	}
	if skills {
		f.Required, f.Qualified, f.Gap = ptr(s.Required), ptr(s.Qualified), ptr(s.Required-s.Qualified)
		if s.Required > 0 {
			f.Coverage = ptr(float64(s.Qualified) / float64(s.Required))
		}
	}
	return f
}

func ptr[T any](v T) *T { return &v }
