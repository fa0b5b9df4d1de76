package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// Employment is DESIGN.md's employment indicators of a pole for a year Y.
type Employment struct {
	Year int
	// Companies have an active membership on 31 December Y.
	Companies int
	// Created counts those whose headcount on 31 December Y is greater than
	// on 31 December Y−1; Maintained those whose headcount is at least it.
	Created    int
	Maintained int
	// CreatedShare = Created / Companies, MaintainedShare = Maintained /
	// Companies; nil when Companies = 0.
	CreatedShare    *float64
	MaintainedShare *float64
}

// A company's headcount at a date is its active employees at that date, over
// all its sites; members without employees count (0 maintains 0).
const employmentSQL = `
WITH pole_in AS (
  SELECT (u.ord - 1)::int AS pole_no, u.id FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord)
),
member AS (
  SELECT DISTINCT pi.pole_no, m.siren
  FROM pole_in pi JOIN memberships m ON m.pole_id = pi.id
   AND m.since <= $2::date AND (m.until IS NULL OR $2::date < m.until)
),
headcount AS (
  SELECT mb.pole_no, mb.siren,
         count(e.id) FILTER (WHERE e.entry_date <= $2::date AND (e.exit_date IS NULL OR e.exit_date > $2::date)) AS this_year,
         count(e.id) FILTER (WHERE e.entry_date <= $3::date AND (e.exit_date IS NULL OR e.exit_date > $3::date)) AS last_year
  FROM member mb LEFT JOIN employees e ON e.siren = mb.siren AND e.entry_date <= $2::date
  GROUP BY mb.pole_no, mb.siren
)
SELECT pole_no, count(*)::int, (count(*) FILTER (WHERE this_year > last_year))::int,
       (count(*) FILTER (WHERE this_year >= last_year))::int
FROM headcount GROUP BY pole_no`

// Employment computes each pole's indicators for year, in one statement.
// Every pole asked for has an entry.
func (e *Engine) Employment(ctx context.Context, poleIDs []string, year int) (map[string]Employment, error) {
	if year < 1901 || year > 2200 {
		return nil, invalid("year", "must be between 1901 and 2200, got %d", year)
	}
	poles := distinctStrings(poleIDs)
	out := make(map[string]Employment, len(poles))
	for _, id := range poles {
		out[id] = Employment{Year: year}
	}
	if len(poles) == 0 {
		return out, nil
	}
	end := time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	prev := time.Date(year-1, time.December, 31, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	rows, err := e.queryx(ctx, employmentSQL, pq.Array(poles), end, prev)
	if err != nil {
		return nil, fmt.Errorf("employment: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		em := Employment{Year: year}
		if err := rows.Scan(&n, &em.Companies, &em.Created, &em.Maintained); err != nil {
			return nil, err
		}
		out[poles[n]] = em
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for id, em := range out {
		if em.Companies > 0 {
			c := float64(em.Created) / float64(em.Companies)
			m := float64(em.Maintained) / float64(em.Companies)
			em.CreatedShare, em.MaintainedShare = &c, &m
		}
		out[id] = em
	}
	return out, nil
}
