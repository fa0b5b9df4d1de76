package access

import (
	"context"

	"github.com/gpec-project/gpec/internal/auth"
)

// Project fails unless the caller may read a project of pole poleID whose
// partners are partners (SIRENs): an administrator, the pole's manager, or
// a partner company.
func Project(ctx context.Context, poleID string, partners []string) error {
	p := auth.FromContext(ctx)
	if err := p.RequireRowLevel(); err != nil {
		return err
	}
	switch p.Role {
	case auth.RoleAdmin:
		return nil
	case auth.RolePoleManager:
		if p.Scope.PoleID == poleID {
			return nil
		}
	case auth.RoleCompany:
		for _, s := range partners {
			if s == p.Scope.Siren {
				return nil
			}
		}
	}
	return forbidden("this project is for its pole's manager and its partners")
}

// PoleFigures tells whether the caller may read pole poleID's figures (its
// gaps): what Pole allows, without failing.
func PoleFigures(ctx context.Context, poleID string) bool {
	return Pole(ctx, poleID) == nil
}
