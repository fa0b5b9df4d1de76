package store

import (
	"context"

	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/page"
)

const territoryCols = `t.level, t.code, t.name, t.parent_code, t.parent_level`

type territoryRow struct {
	domain.Territory
	Key string `db:"pkey"`
	RN  int    `db:"rn"`
	counted
}

// TerritoryFilter narrows a list of territories.
type TerritoryFilter struct {
	Level  string
	Parent *domain.TerritoryKey
	Search string
}

// Territories lists territories by code.
func (s *Store) Territories(ctx context.Context, f TerritoryFilter, a page.Args) ([]*domain.Territory, int, error) {
	w := &where{}
	if f.Level != "" {
		w.add("t.level = ?", f.Level)
	}
	if f.Parent != nil {
		w.add("t.parent_level = ?", f.Parent.Level)
		w.add("t.parent_code = ?", f.Parent.Code)
	}
	if f.Search != "" {
		w.add("t.name ILIKE ?", likePattern(f.Search))
	}
	rows, total, err := listPage(ctx, s, `SELECT `+territoryCols+`, '' AS pkey, 0 AS rn, count(*) OVER () AS total_count FROM territories t`, w,
		"array_position(ARRAY['region','department','commune'], t.level), t.code", a,
		func(r *territoryRow) int { return r.Total })
	if err != nil {
		return nil, 0, err
	}
	out := make([]*domain.Territory, len(rows))
	for i, r := range rows {
		t := r.Territory
		out[i] = &t
	}
	return out, total, nil
}

// TerritoriesByKey returns the territories with these keys.
func (s *Store) TerritoriesByKey(ctx context.Context, keys []domain.TerritoryKey) (map[domain.TerritoryKey]*domain.Territory, error) {
	levels := make([]string, len(keys))
	codes := make([]string, len(keys))
	for i, k := range keys {
		levels[i], codes[i] = k.Level, k.Code
	}
	var rows []*domain.Territory
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+territoryCols+` FROM territories t
		JOIN unnest($1::text[], $2::text[]) AS k(level, code) ON k.level = t.level AND k.code = t.code`,
		pq.Array(levels), pq.Array(codes)); err != nil {
		return nil, err
	}
	out := make(map[domain.TerritoryKey]*domain.Territory, len(rows))
	for _, t := range rows {
		out[t.Key()] = t
	}
	return out, nil
}

// ChildrenKey asks one page of one territory's children.
type ChildrenKey struct {
	Parent domain.TerritoryKey
	Args   page.Args
}

// ChildrenOf answers many ChildrenKey in one statement per distinct page.
func (s *Store) ChildrenOf(ctx context.Context, keys []ChildrenKey) (map[ChildrenKey]*page.Connection[*domain.Territory], error) {
	groups := map[page.Args][]domain.TerritoryKey{}
	for _, k := range keys {
		groups[k.Args] = append(groups[k.Args], k.Parent)
	}
	out := make(map[ChildrenKey]*page.Connection[*domain.Territory], len(keys))
	for a, parents := range groups {
		levels := make([]string, len(parents))
		codes := make([]string, len(parents))
		for i, p := range parents {
			levels[i], codes[i] = p.Level, p.Code
		}
		inner := `SELECT ` + territoryCols + `, t.parent_level || ':' || t.parent_code AS pkey,
			row_number() OVER (PARTITION BY t.parent_level, t.parent_code ORDER BY t.code) AS rn,
			count(*) OVER (PARTITION BY t.parent_level, t.parent_code) AS total_count
			FROM territories t JOIN unnest($1::text[], $2::text[]) AS k(level, code)
			  ON t.parent_level = k.level AND t.parent_code = k.code`
		var rows []*territoryRow
		if err := s.DB.SelectContext(ctx, &rows, partitionedPage(inner, a)+" ORDER BY pkey, rn", pq.Array(levels), pq.Array(codes)); err != nil {
			return nil, err
		}
		by := map[string][]*domain.Territory{}
		totals := map[string]int{}
		for _, r := range rows {
			t := r.Territory
			by[r.Key] = append(by[r.Key], &t)
			totals[r.Key] = r.Total
		}
		for _, p := range parents {
			k := p.Level + ":" + p.Code
			out[ChildrenKey{p, a}] = page.Build(a, by[k], totals[k])
		}
	}
	return out, nil
}
