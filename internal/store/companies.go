package store

import (
	"context"
	"database/sql"
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
	// company, or the members of one pole with an active membership today
	// (domain.Today).
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

// companyWhere is the WHERE clause of f over companies c, today being
// the date a pole manager's members are active at.
func companyWhere(f CompanyFilter, today time.Time) *where {
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
		// Today as a parameter rather than current_date: the day is part
		// of a cached page's key (companyPageKey), so it must be the one
		// the statement used.
		pole, day := w.next(f.OnlyMembersOf), w.next(today)
		w.addRaw(`EXISTS (SELECT 1 FROM memberships m WHERE m.siren = c.siren AND m.pole_id = ` + pole +
			` AND m.since <= ` + day + ` AND (m.until IS NULL OR ` + day + ` < m.until))`)
	}
	return w
}

// Companies lists companies by name.
func (s *Store) Companies(ctx context.Context, f CompanyFilter, a page.Args) ([]*domain.Company, int, error) {
	rows, total, _, err := s.CompaniesPage(ctx, f, a, false)
	return rows, total, err
}

// CompaniesPage is Companies with each company's sites by SIRET when
// withSites (sites is nil otherwise), in one statement (readCompaniesPage)
// or none: a page read once is kept in memory (companyPages, bounded by
// Store.CompanyCacheRows) for the data version the request read, under a
// key made of everything the answer depends on (companyPageKey: the whole
// filter, the caller's scope included, the page, withSites and the day),
// and any write empties it (every write bumps data_version). A request
// that knows no data version (see dataVersion) reads the database.
//
// The slices and map returned may be shared with other requests: callers
// must not modify them.
func (s *Store) CompaniesPage(ctx context.Context, f CompanyFilter, a page.Args, withSites bool) ([]*domain.Company, int, map[string][]*domain.Site, error) {
	today := domain.Today()
	c := s.caches().companyPages
	version, ok := int64(0), false
	var key companyPageKey
	if c != nil {
		if version, ok = s.dataVersion(ctx); ok {
			key = newCompanyPageKey(f, a, withSites, today)
			if p, hit := c.Get(version, key); hit {
				return p.rows, p.total, p.sites, nil
			}
		}
	}
	rows, total, sites, err := s.readCompaniesPage(ctx, f, a, withSites, today)
	if err != nil {
		return nil, 0, nil, err
	}
	if ok {
		n := len(rows)
		for _, ss := range sites {
			n += len(ss)
		}
		c.Put(version, key, &companyPage{rows: rows, total: total, sites: sites}, n)
	}
	return rows, total, sites, nil
}

// DefaultCompanyCacheRows is the default bound of the companies pages kept
// in memory: their companies and sites, about 200 bytes each, so some 20 MB.
const DefaultCompanyCacheRows = 100_000

// companyPage is a page CompaniesPage keeps.
type companyPage struct {
	rows  []*domain.Company
	total int
	sites map[string][]*domain.Site
}

// companyPageKey is everything a page of CompaniesPage depends on besides
// the data: the whole filter (the caller's scope is in it: OnlySiren,
// OnlyMembersOf), its territory by value, the page, whether sites were
// read, and the day a pole manager's members are active at. Holding the
// filter itself means that a field added to CompanyFilter is part of the
// key without a change here.
type companyPageKey struct {
	f           CompanyFilter // Territory nil: held below, by value
	territory   domain.TerritoryKey
	inTerritory bool
	page        page.Args
	withSites   bool
	today       time.Time
}

func newCompanyPageKey(f CompanyFilter, a page.Args, withSites bool, today time.Time) companyPageKey {
	k := companyPageKey{page: a, withSites: withSites, today: today}
	if f.Territory != nil {
		k.territory, k.inTerritory = *f.Territory, true
		f.Territory = nil
	}
	if f.PoleID == "" {
		f.AsOf = time.Time{} // read only with PoleID
	}
	k.f = f
	return k
}

// readCompaniesPage is CompaniesPage's statement. The page is materialised
// first and its sites found by their SIREN's index, as SitesOfCompanies
// does (joined to the page otherwise, PostgreSQL hashed every site). The
// sites' departments and regions are joined here as site_places defines
// them rather than through that view: planning the view's nested joins
// cost PostgreSQL more than running the statement (2 ms against 0.8 ms of
// planning at national, per request).
func (s *Store) readCompaniesPage(ctx context.Context, f CompanyFilter, a page.Args, withSites bool, today time.Time) ([]*domain.Company, int, map[string][]*domain.Site, error) {
	w := companyWhere(f, today)
	cond := w.sql()
	limit, offset := w.next(a.Limit), w.next(a.Offset)
	q := `WITH page AS MATERIALIZED (SELECT ` + companyCols + `, count(*) OVER () AS total_count FROM companies c` + cond +
		` ORDER BY c.name, c.siren LIMIT ` + limit + ` OFFSET ` + offset + `)
	SELECT p.total_count, p.siren, p.name, p.naf, p.founded_year`
	if withSites {
		q += `, x.siret, x.site_name, x.territory_level, x.territory_code, x.department_code, x.region_code
	FROM page p LEFT JOIN (SELECT s.siren, s.siret, s.name AS site_name, s.territory_level, s.territory_code,
			d.code AS department_code, d.parent_code AS region_code
		FROM sites s
		JOIN territories t ON t.level = s.territory_level AND t.code = s.territory_code AND t.level IN ('department', 'commune')
		JOIN territories d ON d.level = 'department' AND d.code = CASE t.level WHEN 'commune' THEN t.parent_code ELSE t.code END
		WHERE s.siren = ANY(ARRAY(SELECT siren FROM page))) x ON x.siren = p.siren
	ORDER BY p.name, p.siren, x.siret`
	} else {
		q += `
	FROM page p ORDER BY p.name, p.siren`
	}
	// Scanned by hand: sqlx's reflection took a tenth of a list request's CPU.
	rows, err := s.DB.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, 0, nil, err
	}
	defer rows.Close()
	total := 0
	var out []*domain.Company
	var sites map[string][]*domain.Site
	if withSites {
		sites = map[string][]*domain.Site{}
	}
	var (
		siren, name, siret, level, code, dept, region sql.NullString
		naf, siteName                                 sql.NullString
		founded                                       sql.NullInt64
	)
	dest := []any{&total, &siren, &name, &naf, &founded}
	if withSites {
		dest = append(dest, &siret, &siteName, &level, &code, &dept, &region)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, nil, err
		}
		if !siren.Valid {
			continue
		}
		if n := len(out); n == 0 || out[n-1].Siren != siren.String {
			c := &domain.Company{Siren: siren.String, Name: name.String, Naf: nullString(naf)}
			if founded.Valid {
				y := int(founded.Int64)
				c.FoundedYear = &y
			}
			out = append(out, c)
			if withSites {
				// A company without sites has an empty list, not an unknown one.
				sites[c.Siren] = []*domain.Site{}
			}
		}
		if withSites && siret.Valid {
			sites[siren.String] = append(sites[siren.String], &domain.Site{Siret: siret.String, Siren: siren.String,
				Name: nullString(siteName), TerritoryLevel: level.String, TerritoryCode: code.String,
				DepartmentCode: dept.String, RegionCode: region.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, nil, err
	}
	if len(out) == 0 && a.Offset > 0 {
		// Past the end: count apart so that totalCount stays right.
		if err := s.DB.GetContext(ctx, &total, `SELECT count(*) FROM companies c`+cond, w.args[:len(w.args)-2]...); err != nil {
			return nil, 0, nil, err
		}
	}
	return out, total, sites, nil
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

// nullString is s's string, or nil when s is NULL.
func nullString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}
