package graph

import (
	"context"
	"time"

	"github.com/gpec-project/gpec/graph/model"
	"github.com/gpec-project/gpec/internal/access"
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/project"
)

// Resolver helpers of the project fields: access first, then one loader.

// mayReadProject checks access.Project with the project's partners.
func mayReadProject(ctx context.Context, p *project.Project) error {
	partners, err := project.LoadersFrom(ctx).Partners.Load(ctx, project.PartnerKey{ProjectID: p.ID, AsOf: domain.Today()})
	if err != nil {
		return err
	}
	sirens := make([]string, len(partners))
	for i, x := range partners {
		sirens[i] = x.Siren
	}
	return access.Project(ctx, p.PoleID, sirens)
}

// readable keeps the projects the caller may read.
func readable(ctx context.Context, ps []*project.Project) ([]*project.Project, error) {
	out := []*project.Project{}
	for _, p := range ps {
		err := mayReadProject(ctx, p)
		if err != nil && domain.ErrorCode(err) == domain.CodeForbidden {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func projectByID(ctx context.Context, id string) (*project.Project, error) {
	if err := access.RowLevel(ctx); err != nil {
		return nil, err
	}
	p, err := project.LoadersFrom(ctx).ByID.Load(ctx, id)
	if err != nil || p == nil {
		return nil, err
	}
	if err := mayReadProject(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

func poleProjects(ctx context.Context, poleID string) ([]*project.Project, error) {
	if err := access.Pole(ctx, poleID); err != nil && auth.FromContext(ctx).Role != auth.RoleCompany {
		return nil, err
	}
	ps, err := project.LoadersFrom(ctx).ByPole.Load(ctx, poleID)
	if err != nil {
		return nil, err
	}
	return readable(ctx, ps)
}

func companyProjects(ctx context.Context, siren string) ([]*project.Project, error) {
	if err := access.Company(ctx, siren); err != nil {
		return nil, err
	}
	ps, err := project.LoadersFrom(ctx).ByCompany.Load(ctx, siren)
	if err != nil {
		return nil, err
	}
	return readable(ctx, ps)
}

func poleProjectSkillNeeds(ctx context.Context, poleID string, p analytics.Params, first *int) ([]*project.SkillNeed, error) {
	if err := access.Pole(ctx, poleID); err != nil {
		return nil, err
	}
	n, err := limit("first", first, 20, 500)
	if err != nil {
		return nil, err
	}
	list, err := project.LoadersFrom(ctx).PoleSkills.Load(ctx, project.PoleSkillsKey{PoleID: poleID, Params: p, First: n})
	return pointers(list), err
}

func projectPartners(ctx context.Context, p *project.Project, asOf time.Time) ([]*project.Partner, error) {
	list, err := project.LoadersFrom(ctx).Partners.Load(ctx, project.PartnerKey{ProjectID: p.ID, AsOf: asOf})
	return pointers(list), err
}

func projectNeeds(ctx context.Context, p *project.Project) ([]*project.Need, error) {
	list, err := project.LoadersFrom(ctx).Needs.Load(ctx, p.ID)
	return pointers(list), err
}

func projectRoleYears(ctx context.Context, p *project.Project) ([]*project.RoleYears, error) {
	needs, err := project.LoadersFrom(ctx).Needs.Load(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return pointers(project.SumByRole(p, needs)), nil
}

func projectSkills(ctx context.Context, p *project.Project, params analytics.Params) ([]*project.SkillNeed, error) {
	list, err := project.LoadersFrom(ctx).Skills.Load(ctx, project.SkillsKey{ProjectID: p.ID, Params: params})
	return pointers(list), err
}

// strategyProjects lists the pole's projects within its strategy (whose
// resolver checked access.Pole), with the strategy's parameters.
func strategyProjects(ctx context.Context, s *model.PoleStrategy) ([]*model.StrategyProject, error) {
	ps, err := project.LoadersFrom(ctx).ByPole.Load(ctx, s.PoleID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.StrategyProject, len(ps))
	for i, p := range ps {
		out[i] = &model.StrategyProject{Project: p, Params: s.Params}
	}
	return out, nil
}

func strategyProjectSkills(ctx context.Context, s *model.StrategyProject) ([]*project.SkillNeed, error) {
	p := s.Params
	p.IncludeProjects = false // the pole's gap beside a project is without projects
	return projectSkills(ctx, s.Project, p)
}

// poleFigure shows a figure of the pole's only to who may read its figures.
func poleFigure(ctx context.Context, poleID string, v int) *int {
	if !access.PoleFigures(ctx, poleID) {
		return nil
	}
	return &v
}

func pointers[T any](list []T) []*T {
	out := make([]*T, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out
}
