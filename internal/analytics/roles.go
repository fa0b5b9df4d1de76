package analytics

import (
	"context"
	"fmt"
)

// RoleGap is DESIGN.md's role figures of one role in one scope.
type RoleGap struct {
	RoleID     int
	RoleCode   string
	RoleTitle  string
	Headcount  int // active employees at asOf
	Stayers    int // active employees with birth_year + A > H
	Departures int // Headcount − Stayers
	Target     int // per site: declared need at H, else the site's headcount
	Gap        int // roleGap = Target − Stayers; > 0 to recruit or train, < 0 surplus
}

// RolePage is one scope's role figures: Total roles with a non-zero figure,
// Items the first of them in the requested order.
type RolePage struct {
	Total int
	Items []RoleGap
}

// RoleOrder orders role figures; ties are always broken by role code (byte
// order).
type RoleOrder string

// Role orders.
const (
	RoleByGap        RoleOrder = "GAP"        // roleGap descending
	RoleByHeadcount  RoleOrder = "HEADCOUNT"  // headcount descending
	RoleByDepartures RoleOrder = "DEPARTURES" // departures descending
	RoleByCode       RoleOrder = "CODE"       // code ascending
)

func (o RoleOrder) sql() (string, error) {
	switch o {
	case RoleByGap, "":
		return `rf.target - rf.stayers DESC, ro.code COLLATE "C"`, nil
	case RoleByHeadcount:
		return `rf.headcount DESC, ro.code COLLATE "C"`, nil
	case RoleByDepartures:
		return `rf.headcount - rf.stayers DESC, ro.code COLLATE "C"`, nil
	case RoleByCode:
		return `ro.code COLLATE "C"`, nil
	}
	return "", invalid("order", "unknown role order %q", string(o))
}

// RoleGaps returns the role figures of every scope, in one statement. Roles
// whose figures are all zero are left out. first > 0 keeps the first roles
// of each scope; 0 keeps them all. Every scope asked for has an entry.
// Poles whose rollup is stale through a few companies' writes are derived
// from their parts (derive).
func (e *Engine) RoleGaps(ctx context.Context, scopes []Scope, p Params, order RoleOrder, first int) (map[Scope]RolePage, error) {
	return orDerived(ctx, e, scopes, p, "role gaps", []any{order, first},
		func(ctx context.Context) (map[Scope]RolePage, error) { return e.roleGaps(ctx, scopes, p, order, first) })
}

func (e *Engine) roleGaps(ctx context.Context, scopes []Scope, p Params, order RoleOrder, first int) (map[Scope]RolePage, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	orderBy, err := order.sql()
	if err != nil {
		return nil, err
	}
	if err := validateFirst(first); err != nil {
		return nil, err
	}
	list, arr, err := distinctScopes(scopes)
	if err != nil {
		return nil, err
	}
	out := make(map[Scope]RolePage, len(list))
	for _, s := range list {
		out[s] = RolePage{Items: []RoleGap{}}
	}
	if len(list) == 0 {
		return out, nil
	}
	cte, args, _, err := e.unitFigures(ctx, list, arr, p)
	if err != nil {
		return nil, err
	}
	args = append(args, limit(first))
	q := `WITH ` + cte + `
SELECT unit_no, id, code, title, headcount, stayers, target, total
FROM (SELECT rf.unit_no, ro.id, ro.code, ro.title, rf.headcount, rf.stayers, rf.target,
             count(*) OVER (PARTITION BY rf.unit_no) AS total,
             row_number() OVER (PARTITION BY rf.unit_no ORDER BY ` + orderBy + `) AS rn
      FROM role_fig rf JOIN roles ro ON ro.id = rf.role_id) x
WHERE rn <= $` + fmt.Sprint(len(args)) + `
ORDER BY unit_no, rn`
	rows, err := e.queryx(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("role gaps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var unit, total int
		var g RoleGap
		if err := rows.Scan(&unit, &g.RoleID, &g.RoleCode, &g.RoleTitle, &g.Headcount, &g.Stayers, &g.Target, &total); err != nil {
			return nil, err
		}
		g.Departures = g.Headcount - g.Stayers
		g.Gap = g.Target - g.Stayers
		page := out[list[unit]]
		page.Total = total
		page.Items = append(page.Items, g)
		out[list[unit]] = page
	}
	return out, rows.Err()
}
