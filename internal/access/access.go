package access

import (
	"context"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/store"
)

func forbidden(format string, args ...any) error {
	return domain.Errorf(domain.CodeForbidden, format, args...)
}

// RowLevel fails unless the caller may read row-level data at all.
func RowLevel(ctx context.Context) error {
	return auth.FromContext(ctx).RequireRowLevel()
}

// Company fails unless the caller may read the rows of company siren: its
// sites, memberships, employees' figures and gaps.
func Company(ctx context.Context, siren string) error {
	p := auth.FromContext(ctx)
	if err := p.RequireRowLevel(); err != nil {
		return err
	}
	switch p.Role {
	case auth.RoleAdmin:
		return nil
	case auth.RoleCompany:
		if p.Scope.Siren == siren {
			return nil
		}
	case auth.RolePoleManager:
		ok, err := store.LoadersFrom(ctx).ActiveMember.Load(ctx, store.MemberKey{PoleID: p.Scope.PoleID, Siren: siren})
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return forbidden("company %s is outside what your token may read", siren)
}

// Pole fails unless the caller may read pole-wide row-level data: the list
// of its members, its gap analyses and strategy.
func Pole(ctx context.Context, poleID string) error {
	p := auth.FromContext(ctx)
	if err := p.RequireRowLevel(); err != nil {
		return err
	}
	if p.IsAdmin() || (p.Role == auth.RolePoleManager && p.Scope.PoleID == poleID) {
		return nil
	}
	return forbidden("pole %s's members are outside what your token may read", poleID)
}

// Admin fails unless the caller is an administrator.
func Admin(ctx context.Context) error {
	return auth.FromContext(ctx).RequireAdmin()
}

// CompanyScope narrows a company list to what the caller may read.
func CompanyScope(ctx context.Context, f *store.CompanyFilter) error {
	p := auth.FromContext(ctx)
	if err := p.RequireRowLevel(); err != nil {
		return err
	}
	switch p.Role {
	case auth.RoleAdmin:
	case auth.RoleCompany:
		f.OnlySiren = p.Scope.Siren
	case auth.RolePoleManager:
		f.OnlyMembersOf = p.Scope.PoleID
	default:
		return forbidden("your token may not list companies")
	}
	return nil
}

// Aggregates fits a live territorial aggregate request to the caller: a
// pole manager its pole's members, unsuppressed; an admin everything; an
// observatory ErrReleasesOnly (it reads releases); a company nothing, since
// aggregates over other companies are not its to read. enforce is never set
// any more: no caller of live aggregates is under secrecy.
func Aggregates(ctx context.Context, parent **domain.TerritoryKey, scopePole *string, enforce *bool) error {
	p := auth.FromContext(ctx)
	if err := p.RequireAuthenticated(); err != nil {
		return err
	}
	switch p.Role {
	case auth.RoleAdmin:
		return nil
	case auth.RolePoleManager:
		*scopePole = p.Scope.PoleID
		return nil
	case auth.RoleObservatory:
		// Free queries over live data let tables be combined (levels,
		// dimensions, horizons, dates) to recover hidden cells: observatories
		// read releases, protected as a whole (ReleaseTable).
		return ErrReleasesOnly
	}
	return forbidden("your token may not read territorial aggregates")
}

// Within tells whether territory t lies in ancestor's subtree (or is it).
func Within(ctx context.Context, t, ancestor domain.TerritoryKey) (bool, error) {
	l := store.LoadersFrom(ctx).Territory
	for i := 0; i < 3; i++ {
		if t == ancestor {
			return true, nil
		}
		node, err := l.Load(ctx, t)
		if err != nil || node == nil || node.ParentCode == nil || node.ParentLevel == nil {
			return false, err
		}
		t = domain.TerritoryKey{Level: *node.ParentLevel, Code: *node.ParentCode}
	}
	return t == ancestor, nil
}

// GapScope narrows a territory's row-level gap analysis to what the caller
// may read: a pole manager its members' sites there, a company its own.
func GapScope(ctx context.Context, siren, poleID *string) error {
	p := auth.FromContext(ctx)
	if err := p.RequireRowLevel(); err != nil {
		return err
	}
	switch p.Role {
	case auth.RoleAdmin:
	case auth.RolePoleManager:
		*poleID = p.Scope.PoleID
	case auth.RoleCompany:
		*siren = p.Scope.Siren
	default:
		return forbidden("your token may not read gap analyses")
	}
	return nil
}

// Import returns the SIREN an import is restricted to ("" for everything):
// an admin imports anything, a company its own rows, others nothing.
func Import(ctx context.Context) (string, error) {
	p := auth.FromContext(ctx)
	if err := p.RequireAuthenticated(); err != nil {
		return "", err
	}
	switch p.Role {
	case auth.RoleAdmin:
		return "", nil
	case auth.RoleCompany:
		return p.Scope.Siren, nil
	}
	return "", forbidden("your token may not import data")
}
