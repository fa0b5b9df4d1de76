package aggregates

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/rollup"
	"github.com/gpec-project/gpec/internal/secrecy"
)

// Aggregate rollups. Nationally, the contributions of all regions read every
// active employee (and, by skill category, every stayer's assessments):
// seconds per request, and every contribution held in Go. A rollup stores,
// for every dimension and every territory of every level (departments,
// regions, France), each cell's and each territory total's sums with what
// secrecy needs: its number of companies and its largest company's
// headcount. Secrecy's decisions depend on nothing else (secrecy.Summary),
// so a query reads its rows, its row totals, its margins and its grand total
// as they are, with no company in sight. Pole-scoped queries (a pole
// manager's) are computed from the data.

// BuildRollup fills rollup_aggregate_cells of run: one part per dimension
// (dimensionPart), since France's cells depend on every company. A
// company's write makes them all stale; the cheap dimensions (role family,
// no dimension) are rebuilt in seconds at national scale, the skill
// categories (every stayer's assessments) in about a minute.
var BuildRollup = rollup.Builder{
	Parts: func(context.Context, sqlx.QueryerContext) ([]string, error) {
		var parts []string
		for _, d := range Dimensions() {
			parts = append(parts, dimensionPart(d))
		}
		return parts, nil
	},
	Build: buildRollup,
}

// dimensionPart names the rollup part of a dimension's cells: a part of
// rollup.AggregatesPart, which the writes to companies' rows mark.
func dimensionPart(d Dimension) string { return rollup.AggregatesPart + ":" + string(d) }

func buildRollup(ctx context.Context, tx *sqlx.Tx, run int64, k rollup.Key, parts []string) error {
	dims := Dimensions()
	if parts != nil {
		want := map[string]bool{}
		for _, p := range parts {
			want[p] = true
		}
		dims = nil
		for _, d := range Dimensions() {
			if want[dimensionPart(d)] {
				dims = append(dims, d)
				if _, err := tx.ExecContext(ctx, `DELETE FROM rollup_aggregate_cells WHERE run_id = $1 AND dimension = $2`, run, string(d)); err != nil {
					return fmt.Errorf("aggregate rollup (%s): clear: %w", d, err)
				}
			}
		}
	}
	divisions, sections := nafDivisions()
	for _, d := range dims {
		args := []any{k.AsOf.Format("2006-01-02"), k.Horizon, k.RetirementAge, false,
			"department", "", "", "", run, string(d)}
		if d == DimensionNafSection {
			args = append(args, pq.Array(divisions), pq.Array(sections))
		}
		if _, err := tx.ExecContext(ctx, rollupSQL(d), args...); err != nil {
			return fmt.Errorf("aggregate rollup (%s): %w", d, err)
		}
	}
	return nil
}

// nafDivisions lists every 2-digit division with its section (NafSection),
// for the statement that files contributions by section.
func nafDivisions() (divisions, sections []string) {
	for div := 0; div <= 99; div++ {
		code := fmt.Sprintf("%02d", div)
		divisions = append(divisions, code)
		sections = append(sections, NafSection(code))
	}
	return divisions, sections
}

// rollupSQL computes the contributions of every department (as Compute does
// with no parent and no scope: $1..$8), files them under their department,
// region and France, each in its dimension value and in the territory's
// total, sums them per company there, then per cell: $9 the run, $10 the
// dimension (and for NAF sections, $11 and $12 the divisions and their
// sections).
func rollupSQL(d Dimension) string {
	src := dimensionSources[d]
	col, join := `c.col`, ``
	if d == DimensionNafSection {
		col, join = `coalesce(nm.section, '')`, `LEFT JOIN unnest($11::text[], $12::text[]) AS nm(division, section) ON nm.division = c.col`
	}
	return `WITH ` + unitsCTE + `,
` + src.cte + `,
contrib AS (
  SELECT c.tcode, ` + col + ` AS col, c.siren, sum(c.headcount) AS headcount, sum(c.stayers) AS stayers,
         sum(c.target) AS target, sum(c.required) AS required, sum(c.qualified) AS qualified
  FROM cell c ` + join + `
  GROUP BY 1, 2, 3
),
per_company AS (
  SELECT v.level, v.code, w.is_total, w.col, c.siren, sum(c.headcount) AS headcount, sum(c.stayers) AS stayers,
         sum(c.target) AS target, sum(c.required) AS required, sum(c.qualified) AS qualified
  FROM contrib c
  JOIN territories d ON d.level = 'department' AND d.code = c.tcode
  CROSS JOIN LATERAL (VALUES ('department', c.tcode), ('region', d.parent_code), ('` + CountryLevel + `', '` + CountryCode + `')) AS v(level, code)
  CROSS JOIN LATERAL (VALUES (false, c.col), (true, '')) AS w(is_total, col)
  GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO rollup_aggregate_cells
  (run_id, dimension, level, code, is_total, col, companies, headcount, stayers, target, required, qualified, largest)
SELECT $9, $10, level, code, is_total, col, count(*), sum(headcount), sum(stayers), sum(target),
       sum(required), sum(qualified), max(headcount)
FROM per_company
GROUP BY level, code, is_total, col`
}

// rollupCell is one row of rollup_aggregate_cells, with its names.
type rollupCell struct {
	Level     string `db:"level"`
	Code      string `db:"code"`
	Name      string `db:"tname"`
	IsTotal   bool   `db:"is_total"`
	Col       string `db:"col"`
	Label     string `db:"label"`
	Companies int    `db:"companies"`
	Largest   int    `db:"largest"`
	sums
}

// fromRollup answers q from run: the rows of the query's level inside its
// parent (cells and row totals) and the parent's (or France's) cells and
// total (the margins), in one statement; then secrecy and the same
// presentation as the contributions' path.
func fromRollup(ctx context.Context, db *sqlx.DB, run int64, q Query, margin territory) (*Result, error) {
	src := dimensionSources[q.Dimension]
	stmt := `
SELECT c.level, c.code, coalesce(t.name, '') AS tname, c.is_total, c.col, ` + src.label + ` AS label,
       c.companies, c.largest, c.headcount, c.stayers, c.target, c.required, c.qualified
FROM rollup_aggregate_cells c
LEFT JOIN territories t ON t.level = c.level AND t.code = c.code
` + src.labelJoin + `
WHERE c.run_id = $1 AND c.dimension = $2
  AND ((c.level = $3 AND ($4 = '' OR ($4 = c.level AND c.code = $5) OR ($4 = 'region' AND t.parent_code = $5)))
    OR (c.level = $6 AND c.code = $7))`
	var cells []rollupCell
	if err := sqlx.SelectContext(ctx, db, &cells, stmt, run, string(q.Dimension), q.Level,
		parentLevel(q.Parent), parentCode(q.Parent), margin.level, margin.code); err != nil {
		return nil, fmt.Errorf("aggregates: rollup: %w", err)
	}
	sh := newSheet()
	var sum secrecy.Summaries
	for _, c := range cells {
		label := valueLabel(q.Dimension, c.Col, c.Label)
		s := c.sums
		isMargin := c.Level == margin.level && c.Code == margin.code
		// A row of the parent's own level is also the margin (the rows of a
		// region within that region).
		isRow := c.Level == q.Level
		if isRow {
			sh.names[c.Code] = c.Name
			if c.IsTotal {
				sh.rows[c.Code] = &s
				sum.RowTotals = append(sum.RowTotals, secrecy.Summary{Row: c.Code, Companies: c.Companies, Headcount: c.Headcount, Largest: c.Largest})
			} else {
				sh.labels[c.Col] = label
				sh.cells[cellKey{c.Code, c.Col}] = &s
				sum.Cells = append(sum.Cells, secrecy.Summary{Row: c.Code, Col: c.Col, Companies: c.Companies, Headcount: c.Headcount, Largest: c.Largest})
			}
		}
		if isMargin {
			if c.IsTotal {
				sh.grand = s
				sum.Grand = secrecy.Summary{Companies: c.Companies, Headcount: c.Headcount, Largest: c.Largest}
			} else {
				sh.labels[c.Col] = label
				sh.cols[c.Col] = &s
				sum.ColTotals = append(sum.ColTotals, secrecy.Summary{Col: c.Col, Companies: c.Companies, Headcount: c.Headcount, Largest: c.Largest})
			}
		}
	}
	return present(q, margin, secrecy.ApplySummaries(sum, secrecy.Rules{}, q.Enforce), sh), nil
}
