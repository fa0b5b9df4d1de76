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
