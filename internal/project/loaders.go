package project

import (
	"context"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/loader"
)

// Loaders batch the project reads of one request: a list of poles with
// their projects, each with its partners, needs and skills, is one
// statement per field (the skills' pole gaps one more).
type Loaders struct {
	ByID       *loader.Loader[string, *Project]
	ByPole     *loader.Loader[string, []*Project]
	ByCompany  *loader.Loader[string, []*Project]
	Partners   *loader.Loader[PartnerKey, []Partner]
	Needs      *loader.Loader[string, []Need]
	Skills     *loader.Loader[SkillsKey, []SkillNeed]
	PoleSkills *loader.Loader[PoleSkillsKey, []SkillNeed]
}

// SkillsKey asks for a project's skills with parameters.
type SkillsKey struct {
	ProjectID string
	Params    analytics.Params
}

// PoleSkillsKey asks for a pole's most needed skills with parameters.
type PoleSkillsKey struct {
	PoleID string
	Params analytics.Params
	First  int
}

// NewLoaders returns a fresh set of loaders over s.
func NewLoaders(s *Service, wait time.Duration) *Loaders {
	const max = 1000
	return &Loaders{
		ByID:      loader.New(s.ByIDs, wait, max),
		ByPole:    loader.New(s.ByPoles, wait, max),
		ByCompany: loader.New(s.ByCompanies, wait, max),
		Partners:  loader.New(s.Partners, wait, max),
		Needs:     loader.New(s.Needs, wait, max),
		Skills: loader.New(func(ctx context.Context, keys []SkillsKey) (map[SkillsKey][]SkillNeed, error) {
			byParams := map[analytics.Params][]string{}
			for _, k := range keys {
				byParams[k.Params] = append(byParams[k.Params], k.ProjectID)
			}
			out := make(map[SkillsKey][]SkillNeed, len(keys))
			errs := map[SkillsKey]error{}
			for p, ids := range byParams {
				m, err := s.Skills(ctx, ids, p)
				if err != nil {
					// One field's bad horizon fails its keys only.
					for _, id := range ids {
						errs[SkillsKey{ProjectID: id, Params: p}] = err
					}
					continue
				}
				for id, v := range m {
					out[SkillsKey{ProjectID: id, Params: p}] = v
				}
			}
			if len(errs) > 0 {
				return out, &loader.PartialError[SkillsKey]{Errs: errs}
			}
			return out, nil
		}, wait, max),
		PoleSkills: loader.New(func(ctx context.Context, keys []PoleSkillsKey) (map[PoleSkillsKey][]SkillNeed, error) {
			type group struct {
				p     analytics.Params
				first int
			}
			byGroup := map[group][]string{}
			for _, k := range keys {
				g := group{k.Params, k.First}
				byGroup[g] = append(byGroup[g], k.PoleID)
			}
			out := make(map[PoleSkillsKey][]SkillNeed, len(keys))
			errs := map[PoleSkillsKey]error{}
			for g, ids := range byGroup {
				m, err := s.PoleSkillNeeds(ctx, ids, g.p, g.first)
				if err != nil {
					for _, id := range ids {
						errs[PoleSkillsKey{PoleID: id, Params: g.p, First: g.first}] = err
					}
					continue
				}
				for id, v := range m {
					out[PoleSkillsKey{PoleID: id, Params: g.p, First: g.first}] = v
				}
			}
			if len(errs) > 0 {
				return out, &loader.PartialError[PoleSkillsKey]{Errs: errs}
			}
			return out, nil
		}, wait, max),
	}
}

type loadersKey struct{}

// WithLoaders returns ctx carrying l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// LoadersFrom returns the request's project loaders.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	if l == nil {
		panic("project: no loaders in context (the HTTP middleware adds them)")
	}
	return l
}
