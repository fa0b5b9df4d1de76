package aggregates

import (
	"cmp"
	"slices"
)

// Measure names a figure to order rows by.
type Measure string

// The measures of Figures.
const (
	MeasureCompanies  Measure = "companies"
	MeasureHeadcount  Measure = "headcount"
	MeasureDepartures Measure = "departures"
	MeasureTarget     Measure = "target"
	MeasureRoleGap    Measure = "role_gap"
	MeasureRequired   Measure = "required"
	MeasureQualified  Measure = "qualified"
	MeasureGap        Measure = "gap"
	MeasureCoverage   Measure = "coverage"
)

// measures tells, for each measure, whether it is a skill figure (only with
// the skill_category dimension).
var measures = map[Measure]bool{
	MeasureCompanies: false, MeasureHeadcount: false, MeasureDepartures: false,
	MeasureTarget: false, MeasureRoleGap: false,
	MeasureRequired: true, MeasureQualified: true, MeasureGap: true, MeasureCoverage: true,
}

// value returns a measure of f, ok false when it is null (suppressed).
func (f *Figures) value(m Measure) (v float64, ok bool) {
	if m == MeasureCoverage {
		if f.Coverage == nil {
			return 0, false
		}
		return *f.Coverage, true
	}
	var p *int
	switch m {
	case MeasureCompanies:
		p = f.Companies
	case MeasureHeadcount:
		p = f.Headcount
	case MeasureDepartures:
		p = f.Departures
	case MeasureTarget:
		p = f.Target
	case MeasureRoleGap:
		p = f.RoleGap
	case MeasureRequired:
		p = f.Required
	case MeasureQualified:
		p = f.Qualified
	case MeasureGap:
		p = f.Gap
	}
	if p == nil {
		return 0, false
	}
	return float64(*p), true
}

// order sorts the rows by q.OrderBy of their total (null values last, then
// territory code), keeps the first q.First, and puts the cells in the same
// row order. It runs after secrecy, so an observatory's order never reveals a
// suppressed value: those rows all sort last, by code.
func order(r *Result, q Query) {
	if q.OrderBy != "" {
		slices.SortStableFunc(r.RowTotals, func(a, b Cell) int {
			va, oka := a.value(q.OrderBy)
			vb, okb := b.value(q.OrderBy)
			switch {
			case oka != okb:
				if oka {
					return -1
				}
				return 1
			case oka && va != vb:
				if q.Descending {
					return cmp.Compare(vb, va)
				}
				return cmp.Compare(va, vb)
			}
			return cmp.Compare(a.TerritoryCode, b.TerritoryCode)
		})
	}
	if q.First > 0 && len(r.RowTotals) > q.First {
		r.RowTotals = r.RowTotals[:q.First]
	}
	rank := make(map[string]int, len(r.RowTotals))
	for i, c := range r.RowTotals {
		rank[c.TerritoryCode] = i
	}
	cells := r.Cells[:0]
	for _, c := range r.Cells {
		if _, ok := rank[c.TerritoryCode]; ok {
			cells = append(cells, c)
		}
	}
	// Cells come from secrecy in (territory, dimension) code order; a stable
	// sort on the row rank keeps the dimension order within a row.
	slices.SortStableFunc(cells, func(a, b Cell) int {
		return cmp.Compare(rank[a.TerritoryCode], rank[b.TerritoryCode])
	})
	r.Cells = cells
}
