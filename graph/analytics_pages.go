package graph

import (
	"context"
	"time"

	"github.com/gpec-project/gpec/graph/model"
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/download"
	"github.com/gpec-project/gpec/internal/page"
)

// The connection forms of the analytics lists: the same rows in the same
// order as the list fields, paged by position. The engine ranks a scope's
// rows in one statement whatever the page (a window over every row, ties
// broken by code), so a page after position n asks it for the first n+size
// rows, through the same batch loader as the list fields — sibling fields
// share one statement, and no page adds one — and keeps the last ones.
// Positions are stable for given arguments and data.

// analyticsPage validates first/after with the list fields' default (20).
func analyticsPage(first *int, after *string) (page.Args, error) {
	if first == nil {
		n := 20
		first = &n
	}
	return page.Parse(first, after)
}

// window cuts the rows after a.Offset out of the first a.Offset+a.Limit.
func window[T any](a page.Args, rows []T, total int) *page.Connection[*T] {
	var out []*T
	for i := a.Offset; i < len(rows) && i < a.Offset+a.Limit; i++ {
		out = append(out, &rows[i])
	}
	return page.Build(a, out, total)
}

func roleGapConnection(ctx context.Context, s analytics.Scope, p analytics.Params, order *string, first *int, after *string) (*model.RoleGapConnection, error) {
	a, err := analyticsPage(first, after)
	if err != nil {
		return nil, err
	}
	pg, err := analytics.LoadersFrom(ctx).RoleGaps.Load(ctx, analytics.GapKey{Scope: s, Params: p, Order: str(order), First: a.Offset + a.Limit})
	if err != nil {
		return nil, err
	}
	return window(a, pg.Items, pg.Total), nil
}

func skillGapConnection(ctx context.Context, s analytics.Scope, p analytics.Params, order *string, first *int, after *string) (*model.SkillGapConnection, error) {
	a, err := analyticsPage(first, after)
	if err != nil {
		return nil, err
	}
	pg, err := analytics.LoadersFrom(ctx).SkillGaps.Load(ctx, analytics.GapKey{Scope: s, Params: p, Order: str(order), First: a.Offset + a.Limit})
	if err != nil {
		return nil, err
	}
	rows := make([]model.SkillGap, len(pg.Items))
	for i, g := range pg.Items {
		rows[i] = model.SkillGap{SkillGap: g, Scope: s}
	}
	return window(a, rows, pg.Total), nil
}

func criticalSkillConnection(ctx context.Context, st *model.PoleStrategy, first *int, after *string) (*model.CriticalSkillConnection, error) {
	a, err := analyticsPage(first, after)
	if err != nil {
		return nil, err
	}
	pg, err := analytics.LoadersFrom(ctx).Critical.Load(ctx, analytics.PoleKey{PoleID: st.PoleID, Params: st.Params, First: a.Offset + a.Limit})
	if err != nil {
		return nil, err
	}
	return window(a, pg.Items, pg.Total), nil
}

func mobilityPathConnection(ctx context.Context, st *model.PoleStrategy, first *int, after *string) (*model.MobilityPathConnection, error) {
	a, err := analyticsPage(first, after)
	if err != nil {
		return nil, err
	}
	pg, err := analytics.LoadersFrom(ctx).Mobility.Load(ctx, analytics.PoleKey{PoleID: st.PoleID, Params: st.Params, First: a.Offset + a.Limit})
	if err != nil {
		return nil, err
	}
	return window(a, pg.Items, pg.Total), nil
}

func sharedOpportunityConnection(ctx context.Context, st *model.PoleStrategy, minCompanies *int, first *int, after *string) (*model.SharedTrainingOpportunityConnection, error) {
	a, err := analyticsPage(first, after)
	if err != nil {
		return nil, err
	}
	// As the list field: trainings are asked per opportunity by their own field.
	opt := analytics.SharedOptions{Trainings: -1}
	if minCompanies != nil {
		opt.MinCompanies = *minCompanies
	}
	key := analytics.SharedKey{PoleKey: analytics.PoleKey{PoleID: st.PoleID, Params: st.Params, First: a.Offset + a.Limit}, Options: opt}
	pg, err := analytics.LoadersFrom(ctx).Shared.Load(ctx, key)
	if err != nil {
		return nil, err
	}
	return window(a, pg.Items, pg.Total), nil
}

func trainingsNearConnection(ctx context.Context, req analytics.NearRequest, first *int, after *string) (*model.TrainingNearConnection, error) {
	if first == nil {
		n := 5
		first = &n
	}
	a, err := page.Parse(first, after)
	if err != nil {
		return nil, err
	}
	if req.MinLevel == 0 {
		// No role of the scope requires the skill: nothing to train to.
		return page.Build(a, []*analytics.TrainingMatch{}, 0), nil
	}
	pg, err := analytics.LoadersFrom(ctx).Near.Load(ctx, analytics.NearKey{Request: req, First: a.Offset + a.Limit})
	if err != nil {
		return nil, err
	}
	return window(a, pg.Items, pg.Total), nil
}

// downloadLink signs a link for the caller (see package download).
func downloadLink(ctx context.Context, url string) (*model.DownloadLink, error) {
	s := download.FromContext(ctx)
	if s == nil {
		return nil, domain.Errorf(domain.CodeInternal, "download links are not configured on this server")
	}
	link, exp, err := s.Sign(ctx, url)
	if err != nil {
		return nil, err
	}
	return &model.DownloadLink{URL: link, ExpiresAt: exp.UTC().Format(time.RFC3339)}, nil
}
