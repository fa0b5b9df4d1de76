package store

import (
	"context"
	"sync"
	"time"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/loader"
	"github.com/gpec-project/gpec/internal/page"
	"github.com/gpec-project/gpec/internal/refcache"
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

	// version is the request's data version, for the store's caches that
	// are not loaders (CompaniesPage).
	version *requestVersion
}

// maxBatch caps the keys of one statement so that = ANY($1) stays cheap to plan.
const maxBatch = 5000

// NewLoaders returns a fresh set of loaders over s; wait <= 0 takes loader.DefaultWait.
// The loaders of the referential, territories and trainings first consult
// the store's shared cache (refcache), which answers without a wait or a
// statement while the data version the request read is unchanged.
func (s *Store) NewLoaders(wait time.Duration) *Loaders {
	c := s.caches()
	v := &requestVersion{store: s}
	return &Loaders{
		Pole:                 loader.New(s.PolesByID, wait, maxBatch),
		Company:              loader.New(s.CompaniesBySiren, wait, maxBatch),
		Site:                 loader.New(s.SitesBySiret, wait, maxBatch),
		SitesOfCompany:       loader.New(s.SitesOfCompanies, wait, maxBatch),
		MembershipsOfCompany: loader.New(s.MembershipsOfCompanies, wait, maxBatch),
		ActiveMember:         loader.New(s.ActiveMembers, wait, maxBatch),
		Members:              loader.New(s.MembersOfPoles, wait, maxBatch),
		Territory:            cached(v, c.territory, s.TerritoriesByKey, wait),
		Children:             cached(v, c.children, s.ChildrenOf, wait),
		RoleFamily:           cached(v, c.roleFamily, s.RoleFamiliesByCode, wait),
		Role:                 cached(v, c.role, s.RolesByID, wait),
		RoleByCode:           cached(v, c.roleByCode, s.RolesByCode, wait),
		Skill:                cached(v, c.skill, s.SkillsByID, wait),
		SkillByCode:          cached(v, c.skillByCode, s.SkillsByCode, wait),
		SkillsOfRole:         cached(v, c.skillsOfRole, s.SkillsOfRoles, wait),
		RolesOfSkill:         cached(v, c.rolesOfSkill, s.RolesOfSkills, wait),
		Training:             cached(v, c.training, s.TrainingsByID, wait),
		SkillsOfTraining:     cached(v, c.skillsOfTraining, s.SkillsOfTrainings, wait),
		TrainingsOfSkill:     cached(v, c.trainingsOfSkill, s.TrainingsOfSkills, wait),
		version:              v,
	}
}

// caches returns the store's shared caches, made at its first use.
func (s *Store) caches() *sharedCaches {
	s.once.Do(func() {
		rows := s.CompanyCacheRows
		if rows == 0 {
			rows = DefaultCompanyCacheRows
		}
		s.shared = newSharedCaches(rows)
	})
	return s.shared
}

// sharedCaches are the store's caches shared by every request: one map per
// cached loader, one data version for all.
type sharedCaches struct {
	territory        *refcache.Map[domain.TerritoryKey, *domain.Territory]
	children         *refcache.Map[ChildrenKey, *page.Connection[*domain.Territory]]
	roleFamily       *refcache.Map[string, *domain.RoleFamily]
	role             *refcache.Map[int, *domain.Role]
	roleByCode       *refcache.Map[string, *domain.Role]
	skill            *refcache.Map[int, *domain.Skill]
	skillByCode      *refcache.Map[string, *domain.Skill]
	skillsOfRole     *refcache.Map[int, []*domain.RoleSkill]
	rolesOfSkill     *refcache.Map[RolesOfSkillKey, *page.Connection[*domain.RoleSkill]]
	training         *refcache.Map[string, *domain.Training]
	skillsOfTraining *refcache.Map[string, []*domain.TrainingSkill]
	trainingsOfSkill *refcache.Map[TrainingsOfSkillKey, *page.Connection[*domain.TrainingSkill]]
	// companyPages holds whole pages of the companies list (nil: none).
	companyPages *refcache.LRU[companyPageKey, *companyPage]
}

// cacheBound bounds each map: the national referential has ~34,000 skills;
// paged look-ups (children, roles of a skill, trainings of a skill) are keyed
// by their arguments too.
const cacheBound = 100_000

func newSharedCaches(companyRows int) *sharedCaches {
	c := refcache.New()
	return &sharedCaches{
		territory:        refcache.NewMap[domain.TerritoryKey, *domain.Territory](c, cacheBound),
		children:         refcache.NewMap[ChildrenKey, *page.Connection[*domain.Territory]](c, cacheBound),
		roleFamily:       refcache.NewMap[string, *domain.RoleFamily](c, cacheBound),
		role:             refcache.NewMap[int, *domain.Role](c, cacheBound),
		roleByCode:       refcache.NewMap[string, *domain.Role](c, cacheBound),
		skill:            refcache.NewMap[int, *domain.Skill](c, cacheBound),
		skillByCode:      refcache.NewMap[string, *domain.Skill](c, cacheBound),
		skillsOfRole:     refcache.NewMap[int, []*domain.RoleSkill](c, cacheBound),
		rolesOfSkill:     refcache.NewMap[RolesOfSkillKey, *page.Connection[*domain.RoleSkill]](c, cacheBound),
		training:         refcache.NewMap[string, *domain.Training](c, cacheBound),
		skillsOfTraining: refcache.NewMap[string, []*domain.TrainingSkill](c, cacheBound),
		trainingsOfSkill: refcache.NewMap[TrainingsOfSkillKey, *page.Connection[*domain.TrainingSkill]](c, cacheBound),
		companyPages:     refcache.NewLRU[companyPageKey, *companyPage](c, companyRows),
	}
}

// requestVersion reads the data version once per request, when a cached
// loader first needs it. A failed read disables the cache for the request.
type requestVersion struct {
	store   *Store
	once    sync.Once
	version int64
	ok      bool
}

func (r *requestVersion) get(ctx context.Context) (int64, bool) {
	r.once.Do(func() {
		if v, ok := ctx.Value(dataVersionKey{}).(int64); ok {
			r.version, r.ok = v, true
			return
		}
		r.ok = r.store.DB.GetContext(ctx, &r.version, `SELECT version FROM data_version`) == nil
	})
	return r.version, r.ok
}

type dataVersionKey struct{}

// dataVersion returns the data version of ctx's request for s's caches:
// the one its loaders read (once per request) when they are s's, else the
// one WithDataVersion gave ctx; false when neither is known (the caller
// then reads the database without its caches).
func (s *Store) dataVersion(ctx context.Context) (int64, bool) {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok && l.version != nil && l.version.store == s {
		return l.version.get(ctx)
	}
	v, ok := ctx.Value(dataVersionKey{}).(int64)
	return v, ok
}

// DataVersion is the data version of ctx's request, as the store's caches
// use it (dataVersion): for other caches of answers read from the same
// database (the analytics engine's).
func (s *Store) DataVersion(ctx context.Context) (int64, bool) { return s.dataVersion(ctx) }

// WithDataVersion returns ctx carrying the data version its request read
// from the store's database in another statement (the token check reads
// it with the token revision): the loaders then use it instead of reading
// it again. Only for a version read from the database the store reads.
func WithDataVersion(ctx context.Context, version int64) context.Context {
	return context.WithValue(ctx, dataVersionKey{}, version)
}

// cached is a loader of fetch that answers from m what the request's data
// version has cached, and caches what it fetches.
func cached[K comparable, V any](rv *requestVersion, m *refcache.Map[K, V], fetch loader.Fetch[K, V], wait time.Duration) *loader.Loader[K, V] {
	return loader.New(func(ctx context.Context, keys []K) (map[K]V, error) {
		vals, err := fetch(ctx, keys)
		if err == nil {
			if v, ok := rv.get(ctx); ok {
				m.Put(v, keys, vals)
			}
		}
		return vals, err
	}, wait, maxBatch).WithPeek(func(ctx context.Context, k K) (V, bool) {
		if v, ok := rv.get(ctx); ok {
			return m.Get(v, k)
		}
		var zero V
		return zero, false
	})
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
