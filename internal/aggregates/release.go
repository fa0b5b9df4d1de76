package aggregates

import (
	"fmt"
	"time"

	"github.com/lib/pq"
)

// ReleaseCellsSQL returns the statement computing the cells of one dimension
// at one horizon for an observatory release (package release), and its
// arguments: the contributions of every department as Compute computes them
// with no parent and no scope, filed under their department, region and
// France, summed per company there, then per cell. The columns:
//
//	level, code, parent_code, name, value_code, value_label, contributors,
//	headcount, stayers, target, required, qualified, largest, second
//
// contributors counts the companies with at least one active employee in the
// cell (a company with only a declared need contributes nothing to the
// secrecy rules, though its need counts in target); largest and second are
// the two largest contributions to the headcount. With DimensionNone the
// rows are the territories' totals (value_code ”); with another dimension
// only the cells, never the dimension's own total (in a release a
// territory's total is one cell, shared by every dimension). value_label is
// the label the referential gives (ValueLabel completes it).
func ReleaseCellsSQL(d Dimension, asOf time.Time, horizon, retirementAge int) (string, []any, error) {
	src, ok := dimensionSources[d]
	if !ok {
		return "", nil, fmt.Errorf("aggregates: unknown dimension %q", d)
	}
	args := []any{asOf.Format(time.DateOnly), horizon, retirementAge, false, "department", "", "", ""}
	col, join := `c.col`, ``
	if d == DimensionNafSection {
		divisions, sections := nafDivisions()
		args = append(args, pq.Array(divisions), pq.Array(sections))
		col, join = `coalesce(nm.section, '')`, `LEFT JOIN unnest($9::text[], $10::text[]) AS nm(division, section) ON nm.division = c.col`
	}
	stmt := `WITH ` + unitsCTE + `,
` + src.cte + `,
contrib AS (
  SELECT c.tcode, ` + col + ` AS col, c.siren, sum(c.headcount) AS headcount, sum(c.stayers) AS stayers,
         sum(c.target) AS target, sum(c.required) AS required, sum(c.qualified) AS qualified
  FROM cell c ` + join + `
  GROUP BY 1, 2, 3
),
per_company AS (
  SELECT v.level, v.code, v.parent_code, c.col, c.siren, sum(c.headcount) AS headcount, sum(c.stayers) AS stayers,
         sum(c.target) AS target, sum(c.required) AS required, sum(c.qualified) AS qualified
  FROM contrib c
  JOIN territories d ON d.level = 'department' AND d.code = c.tcode
  CROSS JOIN LATERAL (VALUES ('department', c.tcode, coalesce(d.parent_code, '')),
                             ('region', coalesce(d.parent_code, ''), '` + CountryCode + `'),
                             ('` + CountryLevel + `', '` + CountryCode + `', '')) AS v(level, code, parent_code)
  GROUP BY 1, 2, 3, 4, 5
),
ranked AS (
  SELECT p.*, row_number() OVER (PARTITION BY level, code, col ORDER BY headcount DESC, siren) AS rn
  FROM per_company p
),
grouped AS (
  SELECT level, code, parent_code, col,
         (count(*) FILTER (WHERE headcount > 0))::int AS contributors,
         sum(headcount)::int AS headcount, sum(stayers)::int AS stayers, sum(target)::int AS target,
         sum(required)::int AS required, sum(qualified)::int AS qualified,
         coalesce(max(headcount) FILTER (WHERE rn = 1), 0)::int AS largest,
         coalesce(max(headcount) FILTER (WHERE rn = 2), 0)::int AS second
  FROM ranked
  GROUP BY level, code, parent_code, col
)
SELECT c.level, c.code, c.parent_code, coalesce(t.name, '` + CountryName + `') AS name,
       c.col AS value_code, ` + src.label + ` AS value_label, c.contributors, c.headcount, c.stayers, c.target,
       c.required, c.qualified, c.largest, c.second
FROM grouped c
LEFT JOIN territories t ON t.level = c.level AND t.code = c.code
` + src.labelJoin
	return stmt, args, nil
}

// ValueLabel names a dimension value as the tables do: the "not specified"
// label for the empty code, a NAF section's title, else the referential's
// label.
func ValueLabel(d Dimension, code, label string) string { return valueLabel(d, code, label) }

// CellFigures derives a published cell's measures from its sums (companies,
// headcount, stayers, target, required, qualified), as the live tables do;
// skills adds the skill figures.
func CellFigures(companies, headcount, stayers, target, required, qualified int, skills bool) Figures {
	f := Figures{
		Companies:  ptr(companies),
		Headcount:  ptr(headcount),
		Departures: ptr(headcount - stayers),
		Target:     ptr(target),
		RoleGap:    ptr(target - stayers),
	}
	if skills {
		f.Required, f.Qualified, f.Gap = ptr(required), ptr(qualified), ptr(required-qualified)
		if required > 0 {
			f.Coverage = ptr(float64(qualified) / float64(required))
		}
	}
	return f
}

// HiddenFigures are a suppressed cell's: every figure null, with its reason.
func HiddenFigures(reason string) Figures {
	return Figures{Suppressed: true, Reason: &reason}
}
