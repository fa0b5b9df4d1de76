package access

import (
	"context"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/store"
)

// CampaignInfo fails unless the caller may read a pole's campaigns (their
// titles, windows and horizons): the pole's manager, an administrator, or a
// company with an active membership of the pole today (which answers them).
// Follow-ups and figures need Pole.
func CampaignInfo(ctx context.Context, poleID string) error {
	p := auth.FromContext(ctx)
	if p.Role == auth.RoleCompany {
		if err := p.RequireRowLevel(); err != nil {
			return err
		}
		ok, err := store.LoadersFrom(ctx).ActiveMember.Load(ctx, store.MemberKey{PoleID: poleID, Siren: p.Scope.Siren})
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		return forbidden("pole %s's campaigns are for its members", poleID)
	}
	return Pole(ctx, poleID)
}

// AnsweringCompany returns the SIREN of the company answering campaigns:
// only a company token answers, for itself.
func AnsweringCompany(ctx context.Context) (string, error) {
	p := auth.FromContext(ctx)
	if err := p.RequireRowLevel(); err != nil {
		return "", err
	}
	if p.Role != auth.RoleCompany {
		return "", forbidden("only a member company's token answers campaigns (administrators import files)")
	}
	return p.Scope.Siren, nil
}

// TerritoryTrend fits a territory's trend to the caller: an administrator
// reads the whole territory, a pole manager its pole's members within it
// (poleID); others may not.
func TerritoryTrend(ctx context.Context) (poleID string, err error) {
	p := auth.FromContext(ctx)
	if err := p.RequireRowLevel(); err != nil {
		return "", err
	}
	switch p.Role {
	case auth.RoleAdmin:
		return "", nil
	case auth.RolePoleManager:
		return p.Scope.PoleID, nil
	}
	return "", domain.Errorf(domain.CodeForbidden, "territory trends are for administrators and pole managers")
}
