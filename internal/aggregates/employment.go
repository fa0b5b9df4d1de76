package aggregates

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/secrecy"
)

// EmploymentQuery asks for DESIGN.md's employment indicators of year Year by
// territory.
type EmploymentQuery struct {
	Level   string               // domain.LevelRegion or domain.LevelDepartment
	Parent  *domain.TerritoryKey // nil: all of France
	Year    int
	Scope   Scope // PoleID: that pole's members only, instead of any pole's
	Enforce bool  // the caller is an observatory
}

// EmploymentFigures are a territory's indicators. Every pointer is nil when
// the territory is suppressed; the shares are also nil when Companies is 0.
type EmploymentFigures struct {
	// Companies have an active membership in a pole on 31 December Year and
	// at least one site in the territory.
	Companies *int
	// Created counts those whose headcount in the territory on 31 December
	// Year is greater than on 31 December Year−1; Maintained, at least it.
	Created         *int
	Maintained      *int
	CreatedShare    *float64
	MaintainedShare *float64
	Suppressed      bool
	Reason          *string
}

// EmploymentCell is one territory's indicators.
type EmploymentCell struct {
	TerritoryLevel string
	TerritoryCode  string
	TerritoryName  string
	EmploymentFigures
}

// EmploymentResult lists the territories in code order, and their total (the
// parent, or France), computed from the companies, not from the rows.
type EmploymentResult struct {
	Year        int
	Territories []EmploymentCell
	Total       EmploymentCell
}

// employmentSQL returns each member company's headcount per territory at the
// two dates. A company's headcount is counted at its sites in the territory
// only (a territorial observatory asks whether jobs were created there; a
// company growing elsewhere did not create jobs here); an employee counts
// at the site the employees table records. A member with a site in the
// territory but no employee there counts (0 maintains 0).
//
//	$1 31 December Y, $2 31 December Y−1, $3 row level, $4 parent level
//	('' = France), $5 parent code, $6 scope pole id ('' = any pole).
const employmentSQL = `
WITH member AS (
  SELECT DISTINCT m.siren FROM memberships m
  WHERE ($6::text = '' OR m.pole_id = $6::text)
    AND m.since <= $1::date AND (m.until IS NULL OR $1::date < m.until)
),
site_in AS (
  SELECT sp.siret, sp.siren,
         CASE WHEN $3::text = 'region' THEN sp.region_code ELSE sp.department_code END AS tcode
  FROM site_places sp JOIN member mb ON mb.siren = sp.siren
  WHERE ($4::text = ''
         OR ($4::text = 'region' AND sp.region_code = $5::text)
         OR ($4::text = 'department' AND sp.department_code = $5::text))
)
SELECT si.tcode, t.name AS tname, si.siren,
       (count(e.id) FILTER (WHERE e.exit_date IS NULL OR e.exit_date > $1::date))::int AS this_year,
       (count(e.id) FILTER (WHERE e.entry_date <= $2::date AND (e.exit_date IS NULL OR e.exit_date > $2::date)))::int AS last_year
FROM site_in si
JOIN territories t ON t.level = $3::text AND t.code = si.tcode
LEFT JOIN employees e ON e.siret = si.siret AND e.entry_date <= $1::date
GROUP BY si.tcode, t.name, si.siren
ORDER BY si.tcode, si.siren`

type employmentRow struct {
	TerritoryCode string `db:"tcode"`
	TerritoryName string `db:"tname"`
	Siren         string `db:"siren"`
	ThisYear      int    `db:"this_year"`
	LastYear      int    `db:"last_year"`
}

// Employment computes the employment indicators by territory. Under secrecy
// a territory (or the total) with fewer than 3 companies is suppressed
// FREQUENCY; there is no dominance rule, the figures being counts of
// companies, but secondary secrecy applies to the territories and their total
// (each company weighing its headcount on 31 December Y in the choice of the
// second cell), so that a suppressed territory cannot be recovered from the
// total.
func Employment(ctx context.Context, db sqlx.QueryerContext, q EmploymentQuery) (*EmploymentResult, error) {
	if err := checkLevels(q.Level, q.Parent); err != nil {
		return nil, err
	}
	if q.Year < 1901 || q.Year > 2200 {
		return nil, domain.Invalid("year", "must be between 1901 and 2200, got %d", q.Year)
	}
	if q.Scope.PoleID != "" && !poleSlug.MatchString(q.Scope.PoleID) {
		return nil, domain.Invalid("scope", "pole id %q is not a slug", q.Scope.PoleID)
	}
	margin, err := marginTerritory(ctx, db, q.Parent)
	if err != nil {
		return nil, err
	}
	end := time.Date(q.Year, time.December, 31, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	prev := time.Date(q.Year-1, time.December, 31, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	var rows []employmentRow
	if err := sqlx.SelectContext(ctx, db, &rows, employmentSQL, end, prev, q.Level,
		parentLevel(q.Parent), parentCode(q.Parent), q.Scope.PoleID); err != nil {
		return nil, fmt.Errorf("aggregates: employment: %w", err)
	}

	byRow := map[string]*jobChange{}
	names := map[string]string{}
	// The total judges each company on its headcount over all the rows.
	type pair struct{ this, last int }
	byCompany := map[string]*pair{}
	contribs := make([]secrecy.Contribution, len(rows))
	for i, r := range rows {
		contribs[i] = secrecy.Contribution{Row: r.TerritoryCode, Company: r.Siren, Headcount: r.ThisYear}
		names[r.TerritoryCode] = r.TerritoryName
		c := byRow[r.TerritoryCode]
		if c == nil {
			c = &jobChange{}
			byRow[r.TerritoryCode] = c
		}
		c.add(r.ThisYear, r.LastYear)
		p := byCompany[r.Siren]
		if p == nil {
			p = &pair{}
			byCompany[r.Siren] = p
		}
		p.this += r.ThisYear
		p.last += r.LastYear
	}
	var total jobChange
	for _, p := range byCompany {
		total.add(p.this, p.last)
	}
	// MaxShare 1 turns dominance off: only the frequency rule and
	// secondary secrecy apply.
	tab := secrecy.Apply(contribs, secrecy.Rules{MaxShare: 1}, q.Enforce)

	res := &EmploymentResult{Year: q.Year}
	for _, c := range tab.RowTotals {
		res.Territories = append(res.Territories, EmploymentCell{
			TerritoryLevel: q.Level, TerritoryCode: c.Row, TerritoryName: names[c.Row],
			EmploymentFigures: employmentFigures(c, byRow[c.Row].created, byRow[c.Row].maintained),
		})
	}
	res.Total = EmploymentCell{
		TerritoryLevel: margin.level, TerritoryCode: margin.code, TerritoryName: margin.name,
		EmploymentFigures: employmentFigures(tab.Grand, total.created, total.maintained),
	}
	return res, nil
}

// jobChange counts companies that created or maintained jobs.
type jobChange struct{ created, maintained int }

func (c *jobChange) add(this, last int) {
	if this > last {
		c.created++
	}
	if this >= last {
		c.maintained++
	}
}

func employmentFigures(c secrecy.Cell, created, maintained int) EmploymentFigures {
	if c.Suppressed {
		reason := string(c.Reason)
		return EmploymentFigures{Suppressed: true, Reason: &reason}
	}
	f := EmploymentFigures{Companies: ptr(c.Companies), Created: ptr(created), Maintained: ptr(maintained)}
	if c.Companies > 0 {
		f.CreatedShare = ptr(float64(created) / float64(c.Companies))
		f.MaintainedShare = ptr(float64(maintained) / float64(c.Companies))
	}
	return f
}
