package store

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/page"
)

const poleCols = `p.id, p.name, p.kind, p.region_code, p.themes, p.website`

type poleRow struct {
	domain.Pole
	Themes pq.StringArray `db:"themes"`
	counted
}

func (r *poleRow) pole() *domain.Pole {
	p := r.Pole
	p.Themes = []string(r.Themes)
	if p.Themes == nil {
		p.Themes = []string{}
	}
	return &p
}

// PoleFilter narrows the list of poles.
type PoleFilter struct {
	Kind       string
	RegionCode string
	Search     string
}

// Poles lists poles by name.
func (s *Store) Poles(ctx context.Context, f PoleFilter, a page.Args) ([]*domain.Pole, int, error) {
	w := &where{}
	if f.Kind != "" {
		w.add("p.kind = ?", f.Kind)
	}
	if f.RegionCode != "" {
		w.add("p.region_code = ?", f.RegionCode)
	}
	if f.Search != "" {
		ph := w.next(likePattern(f.Search))
		w.addRaw("(p.name ILIKE " + ph + " OR p.id ILIKE " + ph + ")")
	}
	rows, total, err := listPage(ctx, s, `SELECT `+poleCols+`, count(*) OVER () AS total_count FROM poles p`, w, "p.name, p.id", a,
		func(r *poleRow) int { return r.Total })
	if err != nil {
		return nil, 0, err
	}
	out := make([]*domain.Pole, len(rows))
	for i, r := range rows {
		out[i] = r.pole()
	}
	return out, total, nil
}

// PolesByID returns the poles with these ids.
func (s *Store) PolesByID(ctx context.Context, ids []string) (map[string]*domain.Pole, error) {
	var rows []*poleRow
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+poleCols+`, 0 AS total_count FROM poles p WHERE p.id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[string]*domain.Pole, len(rows))
	for _, r := range rows {
		out[r.ID] = r.pole()
	}
	return out, nil
}

// MembershipsOfCompanies returns each company's memberships, latest first.
func (s *Store) MembershipsOfCompanies(ctx context.Context, sirens []string) (map[string][]*domain.Membership, error) {
	var rows []*domain.Membership
	if err := s.DB.SelectContext(ctx, &rows, `SELECT pole_id, siren, since, until FROM memberships
		WHERE siren = ANY($1) ORDER BY siren, since DESC, pole_id`, pq.Array(sirens)); err != nil {
		return nil, err
	}
	out := map[string][]*domain.Membership{}
	for _, m := range rows {
		out[m.Siren] = append(out[m.Siren], m)
	}
	return out, nil
}

// MemberFilter narrows a pole's members.
type MemberFilter struct {
	// AsOf keeps members with an active membership at that date; zero means
	// every company that ever was a member.
	AsOf   time.Time
	Search string
}

// MembersKey asks one page of one pole's members.
type MembersKey struct {
	PoleID string
	Filter MemberFilter
	Args   page.Args
}

type memberRow struct {
	domain.Company
	PoleID string `db:"pole_id"`
	RN     int    `db:"rn"`
	counted
}

// MembersOfPoles answers many MembersKey at once: one statement per distinct
// (filter, page), whatever the number of poles.
func (s *Store) MembersOfPoles(ctx context.Context, keys []MembersKey) (map[MembersKey]*page.Connection[*domain.Company], error) {
	type group struct {
		f MemberFilter
		a page.Args
	}
	groups := map[group][]string{}
	for _, k := range keys {
		g := group{k.Filter, k.Args}
		groups[g] = append(groups[g], k.PoleID)
	}
	out := make(map[MembersKey]*page.Connection[*domain.Company], len(keys))
	for g, poles := range groups {
		w := &where{}
		w.add("m.pole_id = ANY(?)", pq.Array(poles))
		if !g.f.AsOf.IsZero() {
			ph := w.next(g.f.AsOf)
			w.addRaw("m.since <= " + ph + " AND (m.until IS NULL OR " + ph + " < m.until)")
		}
		search := ""
		if g.f.Search != "" {
			search = " WHERE c.name ILIKE " + w.next(likePattern(g.f.Search))
		}
		inner := `SELECT c.siren, c.name, c.naf, c.founded_year, m.pole_id,
			row_number() OVER (PARTITION BY m.pole_id ORDER BY c.name, c.siren) AS rn,
			count(*) OVER (PARTITION BY m.pole_id) AS total_count
			FROM (SELECT DISTINCT m.pole_id, m.siren FROM memberships m` + w.sql() + `) AS m
			JOIN companies c ON c.siren = m.siren` + search
		var rows []*memberRow
		if err := s.DB.SelectContext(ctx, &rows, partitionedPage(inner, g.a)+" ORDER BY pole_id, rn", w.args...); err != nil {
			return nil, err
		}
		byPole := map[string][]*domain.Company{}
		totals := map[string]int{}
		for _, r := range rows {
			c := r.Company
			byPole[r.PoleID] = append(byPole[r.PoleID], &c)
			totals[r.PoleID] = r.Total
		}
		for _, p := range poles {
			out[MembersKey{p, g.f, g.a}] = page.Build(g.a, byPole[p], totals[p])
		}
	}
	return out, nil
}

// MemberKey names a (pole, company) pair.
type MemberKey struct {
	PoleID string
	Siren  string
}

// ActiveMembers tells which pairs are active memberships today.
func (s *Store) ActiveMembers(ctx context.Context, keys []MemberKey) (map[MemberKey]bool, error) {
	poles := make([]string, len(keys))
	sirens := make([]string, len(keys))
	for i, k := range keys {
		poles[i], sirens[i] = k.PoleID, k.Siren
	}
	var rows []MemberKey
	if err := s.DB.SelectContext(ctx, &rows, `SELECT DISTINCT m.pole_id AS "poleid", m.siren AS "siren"
		FROM memberships m JOIN unnest($1::text[], $2::text[]) AS k(pole_id, siren) ON k.pole_id = m.pole_id AND k.siren = m.siren
		WHERE m.since <= current_date AND (m.until IS NULL OR current_date < m.until)`, pq.Array(poles), pq.Array(sirens)); err != nil {
		return nil, err
	}
	out := make(map[MemberKey]bool, len(rows))
	for _, r := range rows {
		out[r] = true
	}
	return out, nil
}
