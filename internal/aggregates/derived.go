package aggregates

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/refcache"
	"github.com/gpec-project/gpec/internal/rollup"
)

// Aggregates while a dimension's cells are stale through a few companies'
// writes (issue 16). Until the refresher has rebuilt them by company
// (rebuildByCompany), a query of the whole country would compute every
// company's contributions from the data (tens of seconds at national
// scale for the skill categories). The contributions are kept with the run
// per (department, dimension value, company) (migration 0019): a query's
// contributions now are the kept ones of the companies the part has not
// seen change (rollup_part_changed_companies, migration 0021), and the
// others' computed again from the data, then summed per row of the query's
// level inside its parent and tabulated as the contributions' path does
// (same secrecy, same margins). One statement in a read-only snapshot, and
// the answer is kept for the data version (Kept).

// Kept keeps the answers derived from stale cells for the data version, so
// that the dashboards polling the same table while its cells are rebuilt
// cost one derivation. A nil *Kept keeps nothing.
type Kept struct {
	lru     *refcache.LRU[string, *Result]
	version func(ctx context.Context) (int64, bool)
}

// DefaultKeptCells bounds NewKept: cells of the answers kept.
const DefaultKeptCells = 100_000

// NewKept returns a Kept of at most cells cells, keyed by the data version
// version returns for a request.
func NewKept(cells int, version func(ctx context.Context) (int64, bool)) *Kept {
	return &Kept{lru: refcache.NewLRU[string, *Result](refcache.New(), cells), version: version}
}

// derived answers q from the stale cells of run's dimension when only a
// few companies' writes made them stale; ok is false, and nothing
// answered, otherwise.
func derived(ctx context.Context, db *sqlx.DB, q Query, margin territory, kept *Kept) (*Result, bool, error) {
	var version int64
	cache := false
	if kept != nil && kept.version != nil {
		version, cache = kept.version(ctx)
	}
	// The parent by value: a pointer would print its address.
	kq, parent := q, ""
	if q.Parent != nil {
		kq.Parent, parent = nil, q.Parent.Level+":"+q.Parent.Code
	}
	key := fmt.Sprintf("%+v %s", kq, parent)
	if cache {
		if r, ok := kept.lru.Get(version, key); ok {
			return r, true, nil
		}
	}
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	// As the poles' derivations: compiling the statement would cost more
	// than running it.
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
		return nil, false, err
	}
	var run struct {
		ID      int64          `db:"id"`
		Changed pq.StringArray `db:"changed"`
	}
	err = tx.GetContext(ctx, &run, `
SELECT r.id, rollup_part_changed_companies(r.id, $4, $5) AS changed FROM rollup_runs r
WHERE r.as_of = $1::date AND r.horizon = $2 AND r.retirement_age = $3 AND NOT r.projects`,
		q.AsOf.Format("2006-01-02"), q.Horizon, q.RetirementAge, dimensionPart(q.Dimension), rollup.MaxDerivedCompanies)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && run.Changed == nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("aggregates: derived: rollup: %w", err)
	}
	args := []any{q.AsOf.Format("2006-01-02"), q.Horizon, q.RetirementAge, false, "department", "", "", "",
		run.ID, string(q.Dimension), pq.Array([]string(run.Changed)), q.Level, parentLevel(q.Parent), parentCode(q.Parent)}
	if q.Dimension == DimensionNafSection {
		divisions, sections := nafDivisions()
		args = append(args, pq.Array(divisions), pq.Array(sections))
	}
	var contribs []contribution
	if err := tx.SelectContext(ctx, &contribs, derivedSQL(q.Dimension), args...); err != nil {
		return nil, false, fmt.Errorf("aggregates: derived: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, false, err
	}
	for i := range contribs {
		c := &contribs[i]
		c.DimensionLabel = valueLabel(q.Dimension, c.DimensionCode, c.DimensionLabel)
	}
	r := tabulate(q, margin, contribs)
	order(r, q)
	if cache {
		kept.lru.Put(version, key, r, max(1, len(r.Cells)))
	}
	return r, true, nil
}

// derivedSQL is a query's contributions from run $9's kept ones for
// dimension $10, those of the companies of $11 computed from the data
// ($1..$8: contributionsRollupSQL's, per department everywhere), summed
// per row of level $12 inside parent $13/$14 (for NAF sections, $15 and
// $16 the divisions and their sections). Its columns are contributionsSQL's.
func derivedSQL(d Dimension) string {
	src := dimensionSources[d]
	col, join := `c.col`, ``
	if d == DimensionNafSection {
		col, join = `coalesce(nm.section, '')`, `LEFT JOIN unnest($15::text[], $16::text[]) AS nm(division, section) ON nm.division = c.col`
	}
	return `WITH ` + unitsWhere(`sp.siren = ANY($11::text[])`) + `,
` + src.cte + `,
changed AS (
  SELECT c.tcode AS department_code, ` + col + ` AS col, c.siren, sum(c.headcount) AS headcount,
         sum(c.stayers) AS stayers, sum(c.target) AS target, sum(c.required) AS required, sum(c.qualified) AS qualified
  FROM cell c ` + join + `
  GROUP BY 1, 2, 3
),
unit_now AS (
  SELECT u.department_code, u.col, u.siren, u.headcount, u.stayers, u.target, u.required, u.qualified
  FROM rollup_aggregate_units u
  WHERE u.run_id = $9 AND u.dimension = $10 AND NOT u.siren = ANY($11::text[])
  UNION ALL
  SELECT department_code, col, siren, headcount, stayers, target, required, qualified FROM changed
),
row_unit AS (
  SELECT CASE WHEN $12::text = 'region' THEN d.parent_code ELSE d.code END AS tcode, u.col, u.siren,
         sum(u.headcount) AS headcount, sum(u.stayers) AS stayers, sum(u.target) AS target,
         sum(u.required) AS required, sum(u.qualified) AS qualified
  FROM unit_now u JOIN territories d ON d.level = 'department' AND d.code = u.department_code
  WHERE $13::text = '' OR ($13::text = 'region' AND d.parent_code = $14::text)
     OR ($13::text = 'department' AND d.code = $14::text)
  GROUP BY 1, 2, 3
)
SELECT c.tcode, t.name AS tname, c.col, ` + src.label + ` AS label, c.siren,
       c.headcount::int AS headcount, c.stayers::int AS stayers, c.target::int AS target,
       c.required::int AS required, c.qualified::int AS qualified
FROM row_unit c
JOIN territories t ON t.level = $12::text AND t.code = c.tcode
` + src.labelJoin + `
ORDER BY c.tcode, c.col, c.siren`
}

// Len is the number of answers kept.
func (k *Kept) Len() int {
	if k == nil {
		return 0
	}
	n, _ := k.lru.Len()
	return n
}
