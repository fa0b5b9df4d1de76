package store

import (
	"context"
	"time"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/loader"
	"github.com/gpec-project/gpec/internal/page"
)

// Loaders batch the look-ups of one request. Build a new set per request:
// their caches must not outlive it (imports change the data between requests).
type Loaders struct {
	Pole                 *loader.Loader[string, *domain.Pole]
	Company              *loader.Loader[string, *domain.Company]
	Site                 *loader.Loader[string, *domain.Site]
	SitesOfCompany       *loader.Loader[string, []*domain.Site]
	MembershipsOfCompany *loader.Loader[string, []*domain.Membership]
	ActiveMember         *loader.Loader[MemberKey, bool]
	Members              *loader.Loader[MembersKey, *page.Connection[*domain.Company]]
	Territory            *loader.Loader[domain.TerritoryKey, *domain.Territory]
	Children             *loader.Loader[ChildrenKey, *page.Connection[*domain.Territory]]
	RoleFamily           *loader.Loader[string, *domain.RoleFamily]
	Role                 *loader.Loader[int, *domain.Role]
	RoleByCode           *loader.Loader[string, *domain.Role]
	Skill                *loader.Loader[int, *domain.Skill]
	SkillByCode          *loader.Loader[string, *domain.Skill]
	SkillsOfRole         *loader.Loader[int, []*domain.RoleSkill]
	RolesOfSkill         *loader.Loader[RolesOfSkillKey, *page.Connection[*domain.RoleSkill]]
	Training             *loader.Loader[string, *domain.Training]
	SkillsOfTraining     *loader.Loader[string, []*domain.TrainingSkill]
	TrainingsOfSkill     *loader.Loader[TrainingsOfSkillKey, *page.Connection[*domain.TrainingSkill]]
}

// maxBatch caps the keys of one statement so that = ANY($1) stays cheap to plan.
const maxBatch = 5000

// NewLoaders returns a fresh set of loaders over s; wait <= 0 takes loader.DefaultWait.
func (s *Store) NewLoaders(wait time.Duration) *Loaders {
	return &Loaders{
		Pole:                 loader.New(s.PolesByID, wait, maxBatch),
		Company:              loader.New(s.CompaniesBySiren, wait, maxBatch),
		Site:                 loader.New(s.SitesBySiret, wait, maxBatch),
		SitesOfCompany:       loader.New(s.SitesOfCompanies, wait, maxBatch),
		MembershipsOfCompany: loader.New(s.MembershipsOfCompanies, wait, maxBatch),
		ActiveMember:         loader.New(s.ActiveMembers, wait, maxBatch),
		Members:              loader.New(s.MembersOfPoles, wait, maxBatch),
		Territory:            loader.New(s.TerritoriesByKey, wait, maxBatch),
		Children:             loader.New(s.ChildrenOf, wait, maxBatch),
		RoleFamily:           loader.New(s.RoleFamiliesByCode, wait, maxBatch),
		Role:                 loader.New(s.RolesByID, wait, maxBatch),
		RoleByCode:           loader.New(s.RolesByCode, wait, maxBatch),
		Skill:                loader.New(s.SkillsByID, wait, maxBatch),
		SkillByCode:          loader.New(s.SkillsByCode, wait, maxBatch),
		SkillsOfRole:         loader.New(s.SkillsOfRoles, wait, maxBatch),
		RolesOfSkill:         loader.New(s.RolesOfSkills, wait, maxBatch),
		Training:             loader.New(s.TrainingsByID, wait, maxBatch),
		SkillsOfTraining:     loader.New(s.SkillsOfTrainings, wait, maxBatch),
		TrainingsOfSkill:     loader.New(s.TrainingsOfSkills, wait, maxBatch),
	}
}

type loadersKey struct{}

// WithLoaders returns ctx carrying l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// LoadersFrom returns the request's loaders.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	if l == nil {
		panic("store: no loaders in context (the HTTP middleware adds them)")
	}
	return l
}
