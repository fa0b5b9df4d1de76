package graph

import (
	"time"

	"github.com/gpec-project/gpec/graph/model"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/ident"
)

// Argument checks shared by resolvers: they turn a malformed argument into a
// BAD_USER_INPUT error naming it, before any SQL runs.

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func dateOr(p *time.Time, def time.Time) time.Time {
	if p == nil {
		return def
	}
	return *p
}

func checkSiren(field, s string) error {
	if err := ident.Siren(s); err != nil {
		return domain.Invalid(field, "%s: %q: %v", field, s, err)
	}
	return nil
}

func checkSiret(field, s string) error {
	if err := ident.Siret(s); err != nil {
		return domain.Invalid(field, "%s: %q: %v", field, s, err)
	}
	return nil
}

func territoryKey(field string, t *model.TerritoryInput) (*domain.TerritoryKey, error) {
	if t == nil {
		return nil, nil
	}
	if err := ident.TerritoryCode(t.Level, t.Code); err != nil {
		return nil, domain.Invalid(field, "%s: %v", field, err)
	}
	return &domain.TerritoryKey{Level: t.Level, Code: t.Code}, nil
}

func checkLevel(field string, p *int, min, max int) error {
	if p != nil && (*p < min || *p > max) {
		return domain.Invalid(field, "%s must be between %d and %d, got %d", field, min, max, *p)
	}
	return nil
}
