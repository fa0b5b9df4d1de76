package release

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
)

// TableQuery asks for one table of a release.
type TableQuery struct {
	Level     string               // region or department rows
	Parent    *domain.TerritoryKey // nil: France
	Dimension aggregates.Dimension // "" or none: totals only
	Horizon   int
}

// check validates q against the release, naming it in every error.
func (q *TableQuery) check(rel *Release) error {
	if q.Dimension == "" {
		q.Dimension = aggregates.DimensionNone
	}
	if !slices.Contains(aggregates.Dimensions(), q.Dimension) {
		return domain.Invalid("dimension", "unknown dimension %q", q.Dimension)
	}
	if !rel.HasHorizon(q.Horizon) {
		return domain.Invalid("horizon", "%s has horizons %s only, not %d", rel.Name(), joinInts(rel.Horizons()), q.Horizon)
	}
	return checkLevels(q.Level, q.Parent)
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

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
	case level == domain.LevelRegion && parent.Level == domain.LevelDepartment:
		return domain.Invalid("parent", "a department cannot contain regions")
	}
	return nil
}

// readCell is a stored cell as tables read it.
type readCell struct {
	Dimension  string  `db:"dimension"`
	Level      string  `db:"level"`
	Code       string  `db:"code"`
	Name       string  `db:"name"`
	Value      string  `db:"value_code"`
	Label      string  `db:"value_label"`
	Companies  int     `db:"companies"`
	Headcount  int     `db:"headcount"`
	Stayers    int     `db:"stayers"`
	Target     int     `db:"target"`
	Required   int     `db:"required"`
	Qualified  int     `db:"qualified"`
	Suppressed bool    `db:"suppressed"`
	Reason     *string `db:"reason"`
}

// Table returns one table of a release in the shape of the live aggregates:
// the rows of q.Level inside q.Parent (cells of the dimension and the rows'
// totals), the parent's (or France's) cells as dimension totals and its total
// as the grand total. A hidden cell has every figure null and its reason.
// One statement.
func Table(ctx context.Context, db sqlx.QueryerContext, rel *Release, q TableQuery) (*aggregates.Result, error) {
	if err := q.check(rel); err != nil {
		return nil, err
	}
	mLevel, mCode := aggregates.CountryLevel, aggregates.CountryCode
	if q.Parent != nil {
		mLevel, mCode = q.Parent.Level, q.Parent.Code
	}
	var cells []readCell
	if err := sqlx.SelectContext(ctx, db, &cells, `
SELECT dimension, level, code, name, value_code, value_label, companies, headcount, stayers, target, required,
       qualified, suppressed, reason
FROM release_cells
WHERE release_id = $1 AND horizon = $2 AND dimension IN ('none', $3)
  AND ((level = $4 AND ($5 = '' OR ($5 = level AND code = $6) OR ($5 = 'region' AND parent_code = $6)))
    OR (level = $7 AND code = $8))
ORDER BY code, value_code`, rel.ID, q.Horizon, string(q.Dimension), q.Level,
		parentLevel(q.Parent), parentCode(q.Parent), mLevel, mCode); err != nil {
		return nil, fmt.Errorf("release: table: %w", err)
	}
	skills := q.Dimension == aggregates.DimensionSkillCategory
	withDim := q.Dimension != aggregates.DimensionNone
	r := &aggregates.Result{}
	found := false
	for _, c := range cells {
		cell := aggregates.Cell{TerritoryLevel: c.Level, TerritoryCode: c.Code, TerritoryName: c.Name, Figures: figures(c, skills)}
		isTotal := c.Dimension == string(aggregates.DimensionNone)
		if !isTotal {
			code, label := c.Value, c.Label
			cell.DimensionCode, cell.DimensionLabel = &code, &label
		}
		isMargin := c.Level == mLevel && c.Code == mCode
		if c.Level == q.Level {
			if isTotal {
				r.RowTotals = append(r.RowTotals, cell)
			} else if withDim {
				r.Cells = append(r.Cells, cell)
			}
		}
		if isMargin {
			found = true
			if isTotal {
				r.Total = cell
			} else if withDim {
				r.ColumnTotals = append(r.ColumnTotals, cell)
			}
		}
	}
	if !found {
		return nil, domain.Invalid("parent", "%s holds no %s with code %q (it has territories with sites only)", rel.Name(), mLevel, mCode)
	}
	return r, nil
}

func figures(c readCell, skills bool) aggregates.Figures {
	if c.Suppressed {
		return aggregates.HiddenFigures(deref(c.Reason))
	}
	return aggregates.CellFigures(c.Companies, c.Headcount, c.Stayers, c.Target, c.Required, c.Qualified, skills)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
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

// readEmp is a stored employment row.
type readEmp struct {
	Year       int     `db:"year"`
	Level      string  `db:"level"`
	Code       string  `db:"code"`
	Name       string  `db:"name"`
	Companies  int     `db:"companies"`
	Created    int     `db:"created"`
	Maintained int     `db:"maintained"`
	Suppressed bool    `db:"suppressed"`
	Reason     *string `db:"reason"`
}

// Employment returns a release's employment indicators of the rows of level
// inside parent, with the parent's (or France's) as the total.
func Employment(ctx context.Context, db sqlx.QueryerContext, rel *Release, level string, parent *domain.TerritoryKey) (*aggregates.EmploymentResult, error) {
	if err := checkLevels(level, parent); err != nil {
		return nil, err
	}
	mLevel, mCode := aggregates.CountryLevel, aggregates.CountryCode
	if parent != nil {
		mLevel, mCode = parent.Level, parent.Code
	}
	var rows []readEmp
	if err := sqlx.SelectContext(ctx, db, &rows, `
SELECT year, level, code, name, companies, created, maintained, suppressed, reason FROM release_employment
WHERE release_id = $1
  AND ((level = $2 AND ($3 = '' OR ($3 = level AND code = $4) OR ($3 = 'region' AND parent_code = $4)))
    OR (level = $5 AND code = $6))
ORDER BY code`, rel.ID, level, parentLevel(parent), parentCode(parent), mLevel, mCode); err != nil {
		return nil, fmt.Errorf("release: employment: %w", err)
	}
	res := &aggregates.EmploymentResult{Year: rel.ReferenceDate.Year() - 1}
	res.Total = aggregates.EmploymentCell{TerritoryLevel: mLevel, TerritoryCode: mCode,
		EmploymentFigures: aggregates.EmploymentFigures{Suppressed: true, Reason: ptr("FREQUENCY")}}
	if mLevel == aggregates.CountryLevel {
		res.Total.TerritoryName = aggregates.CountryName
	}
	for _, r := range rows {
		c := aggregates.EmploymentCell{TerritoryLevel: r.Level, TerritoryCode: r.Code, TerritoryName: r.Name, EmploymentFigures: empFigures(r)}
		if r.Level == level {
			res.Territories = append(res.Territories, c)
		}
		if r.Level == mLevel && r.Code == mCode {
			res.Total = c
		}
	}
	slices.SortFunc(res.Territories, func(a, b aggregates.EmploymentCell) int { return cmp.Compare(a.TerritoryCode, b.TerritoryCode) })
	return res, nil
}

func empFigures(r readEmp) aggregates.EmploymentFigures {
	if r.Suppressed {
		return aggregates.EmploymentFigures{Suppressed: true, Reason: r.Reason}
	}
	f := aggregates.EmploymentFigures{Companies: ptr(r.Companies), Created: ptr(r.Created), Maintained: ptr(r.Maintained)}
	if r.Companies > 0 {
		f.CreatedShare = ptr(float64(r.Created) / float64(r.Companies))
		f.MaintainedShare = ptr(float64(r.Maintained) / float64(r.Companies))
	}
	return f
}

func ptr[T any](v T) *T { return &v }
