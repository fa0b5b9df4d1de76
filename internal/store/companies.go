package store

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/page"
)

const companyCols = `c.siren, c.name, c.naf, c.founded_year`

// CompanyFilter narrows the list of companies.
type CompanyFilter struct {
	// PoleID keeps members of the pole with an active membership at AsOf.
	PoleID string
	AsOf   time.Time
	// Territory keeps companies with at least one site in the territory's subtree.
	Territory *domain.TerritoryKey
	// NAF keeps companies whose NAF code starts with it ("25", "25.62", "25.62B").
	NAF string
	// Search matches the name (case-insensitive) or a SIREN prefix.
	Search string
	// OnlySiren and OnlyMembersOf carry the caller's access scope: one
	// company, or the members of one pole with an active membership today.
	OnlySiren     string
	OnlyMembersOf string
}

type companyRow struct {
	domain.Company
	counted
}

// siteInTerritory is the condition "site s (of site_places) lies in territory t".
func siteInTerritory(w *where, t domain.TerritoryKey) string {
	code := w.next(t.Code)
	switch t.Level {
	case domain.LevelRegion:
		return "sp.region_code = " + code
	case domain.LevelDepartment:
		return "sp.department_code = " + code
	default:
		return "(sp.territory_level = 'commune' AND sp.territory_code = " + code + ")"
	}
}

// Companies lists companies by name.
func (s *Store) Companies(ctx context.Context, f CompanyFilter, a page.Args) ([]*domain.Company, int, error) {
	w := &where{}
	if f.PoleID != "" {
		pole := w.next(f.PoleID)
		asOf := w.next(f.AsOf)
		w.addRaw(`EXISTS (SELECT 1 FROM memberships m WHERE m.siren = c.siren AND m.pole_id = ` + pole +
			` AND m.since <= ` + asOf + ` AND (m.until IS NULL OR ` + asOf + ` < m.until))`)
	}
	if f.Territory != nil {
		w.addRaw(`EXISTS (SELECT 1 FROM site_places sp WHERE sp.siren = c.siren AND ` + siteInTerritory(w, *f.Territory) + `)`)
	}
	if f.NAF != "" {
		w.add("c.naf LIKE ?", f.NAF+"%")
	}
	if f.Search != "" {
		ph := w.next(likePattern(f.Search))
		w.addRaw("(c.name ILIKE " + ph + " OR c.siren LIKE " + w.next(f.Search+"%") + ")")
	}
	if f.OnlySiren != "" {
		w.add("c.siren = ?", f.OnlySiren)
	}
	if f.OnlyMembersOf != "" {
		pole := w.next(f.OnlyMembersOf)
		w.addRaw(`EXISTS (SELECT 1 FROM memberships m WHERE m.siren = c.siren AND m.pole_id = ` + pole +
			` AND m.since <= current_date AND (m.until IS NULL OR current_date < m.until))`)
	}
	rows, total, err := listPage(ctx, s, `SELECT `+companyCols+`, count(*) OVER () AS total_count FROM companies c`, w, "c.name, c.siren", a,
		func(r *companyRow) int { return r.Total })
	if err != nil {
		return nil, 0, err
	}
	out := make([]*domain.Company, len(rows))
	for i, r := range rows {
		c := r.Company
		out[i] = &c
	}
	return out, total, nil
}

// CompaniesBySiren returns the companies with these SIRENs.
func (s *Store) CompaniesBySiren(ctx context.Context, sirens []string) (map[string]*domain.Company, error) {
	var rows []*domain.Company
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+companyCols+` FROM companies c WHERE c.siren = ANY($1)`, pq.Array(sirens)); err != nil {
		return nil, err
	}
	out := make(map[string]*domain.Company, len(rows))
	for _, c := range rows {
		out[c.Siren] = c
	}
	return out, nil
}

const siteCols = `sp.siret, sp.siren, s.name, sp.territory_level, sp.territory_code, sp.department_code, sp.region_code`

// SitesOfCompanies returns each company's sites by SIRET.
func (s *Store) SitesOfCompanies(ctx context.Context, sirens []string) (map[string][]*domain.Site, error) {
	var rows []*domain.Site
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+siteCols+` FROM site_places sp JOIN sites s USING (siret)
		WHERE sp.siren = ANY($1) ORDER BY sp.siret`, pq.Array(sirens)); err != nil {
		return nil, err
	}
	out := map[string][]*domain.Site{}
	for _, r := range rows {
		out[r.Siren] = append(out[r.Siren], r)
	}
	return out, nil
}

// SitesBySiret returns the sites with these SIRETs.
func (s *Store) SitesBySiret(ctx context.Context, sirets []string) (map[string]*domain.Site, error) {
	var rows []*domain.Site
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+siteCols+` FROM site_places sp JOIN sites s USING (siret)
		WHERE sp.siret = ANY($1)`, pq.Array(sirets)); err != nil {
		return nil, err
	}
	out := make(map[string]*domain.Site, len(rows))
	for _, r := range rows {
		out[r.Siret] = r
	}
	return out, nil
}
