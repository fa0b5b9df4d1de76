package graph

import (
	"context"
	"time"

	"github.com/gpec-project/gpec/graph/model"
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/domain"
)

// gapParams gathers the analytics arguments every gap field takes.
func gapParams(asOf *time.Time, horizon int, retirementAge *int, includeOptional, includeProjects *bool) analytics.Params {
	p := analytics.Params{AsOf: dateOr(asOf, domain.Today()), Horizon: horizon}
	if retirementAge != nil {
		p.RetirementAge = *retirementAge
	}
	if includeOptional != nil {
		p.IncludeOptional = *includeOptional
	}
	if includeProjects != nil {
		p.IncludeProjects = *includeProjects
	}
	return p
}

// limit checks a `first` of a plain list field.
func limit(field string, first *int, def, max int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 1 || *first > max {
		return 0, domain.Invalid(field, "%s must be between 1 and %d, got %d", field, max, *first)
	}
	return *first, nil
}

func roleGaps(ctx context.Context, s analytics.Scope, p analytics.Params, order *string, first *int) ([]*analytics.RoleGap, error) {
	n, err := limit("first", first, 20, 500)
	if err != nil {
		return nil, err
	}
	page, err := analytics.LoadersFrom(ctx).RoleGaps.Load(ctx, analytics.GapKey{Scope: s, Params: p, Order: str(order), First: n})
	if err != nil {
		return nil, err
	}
	out := make([]*analytics.RoleGap, len(page.Items))
	for i := range page.Items {
		out[i] = &page.Items[i]
	}
	return out, nil
}

func skillGaps(ctx context.Context, s analytics.Scope, p analytics.Params, order *string, first *int) ([]*model.SkillGap, error) {
	n, err := limit("first", first, 20, 500)
	if err != nil {
		return nil, err
	}
	page, err := analytics.LoadersFrom(ctx).SkillGaps.Load(ctx, analytics.GapKey{Scope: s, Params: p, Order: str(order), First: n})
	if err != nil {
		return nil, err
	}
	out := make([]*model.SkillGap, len(page.Items))
	for i, g := range page.Items {
		out[i] = &model.SkillGap{SkillGap: g, Scope: s}
	}
	return out, nil
}

func trainingsNear(ctx context.Context, req analytics.NearRequest, first *int) ([]*analytics.TrainingMatch, error) {
	n, err := limit("first", first, 5, 100)
	if err != nil {
		return nil, err
	}
	if req.MinLevel == 0 {
		// No role of the scope requires the skill: nothing to train to.
		return []*analytics.TrainingMatch{}, nil
	}
	page, err := analytics.LoadersFrom(ctx).Near.Load(ctx, analytics.NearKey{Request: req, First: n})
	if err != nil {
		return nil, err
	}
	out := make([]*analytics.TrainingMatch, len(page.Items))
	for i := range page.Items {
		out[i] = &page.Items[i]
	}
	return out, nil
}

// items turns a page's values into the pointers gqlgen lists want.
func items[T any](in []T) []*T {
	out := make([]*T, len(in))
	for i := range in {
		out[i] = &in[i]
	}
	return out
}

// poleScope is a pole's sites, within a territory when one is given.
func poleScope(poleID string, t *domain.TerritoryKey) analytics.Scope {
	s := analytics.Scope{PoleID: poleID}
	if t != nil {
		s.TerritoryLevel, s.TerritoryCode = t.Level, t.Code
	}
	return s
}
