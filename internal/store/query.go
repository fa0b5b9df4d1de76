package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/gpec-project/gpec/internal/page"
)

// where builds a WHERE clause with positional arguments, appended in order.
type where struct {
	conds []string
	args  []any
}

// add appends a condition in which "?" stands for the next argument.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), -1))
}

func (w *where) addRaw(cond string) { w.conds = append(w.conds, cond) }

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// next returns the placeholder of the next argument and records it.
func (w *where) next(arg any) string {
	w.args = append(w.args, arg)
	return fmt.Sprintf("$%d", len(w.args))
}

// counted is embedded in scan targets of paged queries: total rows of the set.
type counted struct {
	Total int `db:"total_count"`
}

// listPage runs `SELECT cols, count(*) OVER () AS total_count FROM … ORDER BY … LIMIT/OFFSET`
// and scans into dest rows of type R (each embedding counted).
func listPage[R any](ctx context.Context, s *Store, selectFrom string, w *where, order string, a page.Args, total func(*R) int) ([]*R, int, error) {
	q := selectFrom + w.sql() + " ORDER BY " + order
	q += " LIMIT " + w.next(a.Limit) + " OFFSET " + w.next(a.Offset)
	var rows []*R
	if err := s.DB.SelectContext(ctx, &rows, q, w.args...); err != nil {
		return nil, 0, err
	}
	n := 0
	if len(rows) > 0 {
		n = total(rows[0])
	} else if a.Offset > 0 {
		// Past the end: count separately so totalCount stays right.
		if err := s.DB.GetContext(ctx, &n, "SELECT count(*) FROM ("+selectFrom+w.sql()+") AS s", w.args[:len(w.args)-2]...); err != nil {
			return nil, 0, err
		}
	}
	return rows, n, nil
}

// partitionedPage returns the SQL that keeps rows Offset+1..Offset+Limit of
// each partition of inner, which must select rn and total_count computed with
// row_number()/count(*) OVER (PARTITION BY …). One statement serves every parent.
func partitionedPage(inner string, a page.Args) string {
	return fmt.Sprintf("SELECT * FROM (%s) AS p WHERE rn > %d AND rn <= %d", inner, a.Offset, a.Offset+a.Limit)
}

// likePattern escapes a user's search text for ILIKE.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.TrimSpace(s)) + "%"
}
