package graph

import (
	"context"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/page"
	"github.com/gpec-project/gpec/internal/store"
)

// companiesPage reads a page of companies and, when the query shows their
// sites, the sites with it in the same statement (or from the store's
// cache of pages, valid for the request's data version), handing them to
// the request's loaders: Company.sites then answers without a statement of
// its own or the loaders' batch window. Company.sites still checks access.
// f carries the caller's scope (access.CompanyScope), which keys the
// cached pages with the filter.
func companiesPage(ctx context.Context, s *store.Store, f store.CompanyFilter, a page.Args) (*page.Connection[*domain.Company], error) {
	withSites := selects(ctx, "edges", "node", "sites")
	rows, total, sites, err := s.CompaniesPage(ctx, f, a, withSites)
	if err != nil {
		return nil, err
	}
	if withSites {
		l := store.LoadersFrom(ctx)
		p := auth.FromContext(ctx)
		for _, c := range rows {
			l.SitesOfCompany.Prime(c.Siren, sites[c.Siren])
			if f.OnlyMembersOf != "" && p.Role == auth.RolePoleManager && p.Scope.PoleID == f.OnlyMembersOf {
				// The list kept the pole's active members today, as the
				// access check of each company's sites asks.
				l.ActiveMember.Prime(store.MemberKey{PoleID: f.OnlyMembersOf, Siren: c.Siren}, true)
			}
		}
	}
	return page.Build(a, rows, total), nil
}
