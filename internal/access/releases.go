package access

import (
	"context"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/domain"
)

// ErrReleasesOnly is the answer to an observatory asking for live
// aggregates: it reads releases only (DESIGN.md, "Statistical secrecy").
// Callers name the release to use instead (release.Explain).
var ErrReleasesOnly = domain.Errorf(domain.CodeForbidden, "observatory tokens read releases only, not live aggregates")

// Releases tells what releases the caller may read: publishedOnly for
// everyone but administrators (a release being built or failed is theirs
// alone). Companies read none: releases cross other companies' data.
func Releases(ctx context.Context) (publishedOnly bool, err error) {
	p := auth.FromContext(ctx)
	if err := p.RequireAuthenticated(); err != nil {
		return false, err
	}
	switch p.Role {
	case auth.RoleAdmin:
		return false, nil
	case auth.RolePoleManager, auth.RoleObservatory:
		return true, nil
	}
	return false, forbidden("your token may not read releases")
}

// ReleaseTable fits a release table's parent to the caller: an observatory
// with a territory reads inside it (its territory is the default parent).
func ReleaseTable(ctx context.Context, parent **domain.TerritoryKey) error {
	if _, err := Releases(ctx); err != nil {
		return err
	}
	p := auth.FromContext(ctx)
	if p.Role != auth.RoleObservatory || p.Scope.Territory == nil {
		return nil
	}
	own := domain.TerritoryKey{Level: p.Scope.Territory.Level, Code: p.Scope.Territory.Code}
	if *parent == nil {
		*parent = &own
		return nil
	}
	within, err := Within(ctx, **parent, own)
	if err != nil {
		return err
	}
	if !within {
		return forbidden("your token reads releases of %s %s only", own.Level, own.Code)
	}
	return nil
}
