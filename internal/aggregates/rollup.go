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
// company's write makes them all stale. Each company's contributions are
// kept with the run (rollup_aggregate_units, migration 0019), so that a
// dimension stale only through writes to a few companies
// (rollup.CompanyChanges) is rebuilt by company: their contributions are
// computed again, and the cells of their departments' regions and of France
// summed again from the kept ones. At national scale that is a second or
// two, where a whole dimension takes seconds (role families) to about a
// minute (skill categories: every stayer's assessments).
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
			}
		}
	}
	for _, d := range dims {
		// A whole build of the run has nothing to replace; a part's rebuild
		// is by company when only a few companies' writes made it stale.
		var sirens []string
		byCompany := false
		if parts != nil {
			var err error
			if sirens, byCompany, err = rollup.CompanyChanges(ctx, tx, run, dimensionPart(d)); err != nil {
				return fmt.Errorf("aggregate rollup (%s): %w", d, err)
			}
		}
		var err error
		switch {
		case byCompany:
			err = rebuildByCompany(ctx, tx, run, k, d, sirens)
		default:
			err = buildDimension(ctx, tx, run, k, d, parts != nil)
		}
		if err != nil {
			return fmt.Errorf("aggregate rollup (%s): %w", d, err)
		}
	}
	return nil
}

// buildDimension computes every company's contributions to dimension d,
// keeps them, and sums the cells of every territory from them; replace
// clears the run's earlier rows of d first.
func buildDimension(ctx context.Context, tx *sqlx.Tx, run int64, k rollup.Key, d Dimension, replace bool) error {
	if replace {
		for _, t := range []string{"rollup_aggregate_units", "rollup_aggregate_cells"} {
			if err := rollup.Exec(ctx, tx, `DELETE FROM `+t+` WHERE run_id = $1 AND dimension = $2`, run, string(d)); err != nil {
				return fmt.Errorf("clear %s: %w", t, err)
			}
		}
	}
	if err := keepContributions(ctx, tx, run, k, d, nil); err != nil {
		return err
	}
	if err := rollup.Exec(ctx, tx, cellsSQL(everyFiling, `true`), run, string(d)); err != nil {
		return fmt.Errorf("cells: %w", err)
	}
	return nil
}

// rebuildByCompany replaces the kept contributions of sirens to dimension d
// by their contributions now, and sums again the cells they can change:
// those of the regions where the companies had or have a site, of every
// department of those regions, and of France. The other cells are sums of unchanged
// contributions (their companies' writes were all seen by the part's
// snapshot, as rollup.CompanyChanges guarantees).
func rebuildByCompany(ctx context.Context, tx *sqlx.Tx, run int64, k rollup.Key, d Dimension, sirens []string) error {
	if len(sirens) == 0 {
		return nil // changes dated after asOf only, or already seen
	}
	if err := rollup.Exec(ctx, tx, `CREATE TEMP TABLE rollup_agg_regions ON COMMIT DROP AS
SELECT DISTINCT t.parent_code AS code
FROM rollup_aggregate_units u JOIN territories t ON t.level = 'department' AND t.code = u.department_code
WHERE u.run_id = $1 AND u.dimension = $2 AND u.siren = ANY($3)`, run, string(d), pq.Array(sirens)); err != nil {
		return fmt.Errorf("regions before: %w", err)
	}
	if err := rollup.Exec(ctx, tx, `DELETE FROM rollup_aggregate_units WHERE run_id = $1 AND dimension = $2 AND siren = ANY($3)`,
		run, string(d), pq.Array(sirens)); err != nil {
		return fmt.Errorf("clear contributions: %w", err)
	}
	if err := keepContributions(ctx, tx, run, k, d, sirens); err != nil {
		return err
	}
	regions := `(SELECT code FROM rollup_agg_regions)`
	steps := []struct {
		name, sql string
		args      []any
	}{
		{"regions after", `INSERT INTO rollup_agg_regions
SELECT DISTINCT t.parent_code
FROM rollup_aggregate_units u JOIN territories t ON t.level = 'department' AND t.code = u.department_code
WHERE u.run_id = $1 AND u.dimension = $2 AND u.siren = ANY($3)`, []any{run, string(d), pq.Array(sirens)}},
		{"clear cells", `DELETE FROM rollup_aggregate_cells c
WHERE c.run_id = $1 AND c.dimension = $2
  AND (c.level = '` + CountryLevel + `'
       OR (c.level = 'region' AND c.code IN ` + regions + `)
       OR (c.level = 'department' AND c.code IN (SELECT code FROM territories
                                                WHERE level = 'department' AND parent_code IN ` + regions + `)))`,
			[]any{run, string(d)}},
		{"territories' cells", cellsSQL(territoryFilings, `d.parent_code IN `+regions), []any{run, string(d)}},
		{"France's cells", cellsSQL(countryFiling, `true`), []any{run, string(d)}},
		{"drop", `DROP TABLE rollup_agg_regions`, nil},
	}
	for _, s := range steps {
		if err := rollup.Exec(ctx, tx, s.sql, s.args...); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// keepContributions computes the contributions of every company (sirens
// nil) or of sirens to dimension d, as Compute does with no parent and no
// scope, per department, and keeps them with run.
func keepContributions(ctx context.Context, tx *sqlx.Tx, run int64, k rollup.Key, d Dimension, sirens []string) error {
	var only any // NULL: every company
	if sirens != nil {
		only = pq.Array(sirens)
	}
	args := []any{k.AsOf.Format("2006-01-02"), k.Horizon, k.RetirementAge, false,
		"department", "", "", "", run, string(d), only}
	if d == DimensionNafSection {
		divisions, sections := nafDivisions()
		args = append(args, pq.Array(divisions), pq.Array(sections))
	}
	if err := rollup.Exec(ctx, tx, contributionsRollupSQL(d), args...); err != nil {
		return fmt.Errorf("contributions: %w", err)
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

// contributionsRollupSQL computes the contributions of every department (as
// Compute does with no parent and no scope: $1..$8), of the companies of
// $11 (NULL: every company), and keeps them with run $9 under dimension $10
// (and for NAF sections, $12 and $13 are the divisions and their sections).
func contributionsRollupSQL(d Dimension) string {
	src := dimensionSources[d]
	col, join := `c.col`, ``
	if d == DimensionNafSection {
		col, join = `coalesce(nm.section, '')`, `LEFT JOIN unnest($12::text[], $13::text[]) AS nm(division, section) ON nm.division = c.col`
	}
	return `INSERT INTO rollup_aggregate_units
  (run_id, dimension, department_code, col, siren, headcount, stayers, target, required, qualified)
WITH ` + unitsWhere(`($11::text[] IS NULL OR sp.siren = ANY($11::text[]))`) + `,
` + src.cte + `
SELECT $9, $10, c.tcode, ` + col + `, c.siren, sum(c.headcount), sum(c.stayers), sum(c.target),
       sum(c.required), sum(c.qualified)
FROM cell c ` + join + `
GROUP BY c.tcode, ` + col + `, c.siren`
}

// The territories a contribution is filed under: its department, the
// department's region, France.
const (
	territoryFilings = `('department', u.department_code), ('region', d.parent_code)`
	countryFiling    = `('` + CountryLevel + `', '` + CountryCode + `')`
	everyFiling      = territoryFilings + `, ` + countryFiling
)

// cellsSQL sums the kept contributions of run $1 to dimension $2 that
// satisfy where (on the contribution u and its department d) into the cells
// of the territories of filings, each in its dimension value and in the
// territory's total: per company first (secrecy counts the companies and
// their largest), then per cell.
func cellsSQL(filings, where string) string {
	return `
INSERT INTO rollup_aggregate_cells
  (run_id, dimension, level, code, is_total, col, companies, headcount, stayers, target, required, qualified, largest)
SELECT $1, $2, level, code, is_total, col, count(*), sum(headcount), sum(stayers), sum(target),
       sum(required), sum(qualified), max(headcount)
FROM (
  SELECT v.level, v.code, w.is_total, w.col, u.siren, sum(u.headcount) AS headcount, sum(u.stayers) AS stayers,
         sum(u.target) AS target, sum(u.required) AS required, sum(u.qualified) AS qualified
  FROM rollup_aggregate_units u
  JOIN territories d ON d.level = 'department' AND d.code = u.department_code
  CROSS JOIN LATERAL (VALUES ` + filings + `) AS v(level, code)
  CROSS JOIN LATERAL (VALUES (false, u.col), (true, '')) AS w(is_total, col)
  WHERE u.run_id = $1 AND u.dimension = $2 AND ` + where + `
  GROUP BY 1, 2, 3, 4, 5
) per_company
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
