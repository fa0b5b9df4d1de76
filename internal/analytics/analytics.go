package analytics

import (
	"context"
	"fmt"
	"golang.org/x/sync/singleflight"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/refcache"
)

// Engine answers the gap analyses of DESIGN.md from PostgreSQL. Every method
// takes a batch of parents (scopes, requests, pole ids) and answers all of
// them with a fixed number of SQL statements, so that a GraphQL list of 50
// companies costs what a list of 5 costs.
type Engine struct {
	DB *sqlx.DB

	// Version, when set, returns the data version (data_version) that
	// ctx's request read, by which Points is kept; nil caches nothing.
	Version func(ctx context.Context) (int64, bool)
	// Points keeps, for the data version, the trends whose points have no
	// fresh rollup for some or all (seriesSplit, deltaSeries):
	// NewPointCache; nil caches nothing.
	Points *refcache.LRU[string, map[Scope][]Figures]
	// Derived keeps, for the data version, the pole answers derived from
	// a part stale through a few companies' writes (derive):
	// NewDerivedCache; nil caches nothing.
	Derived *refcache.LRU[string, any]

	// live shares among concurrent identical requests the computation
	// from the data of a trend's points that have no rollup yet
	// (seriesSplit), and the derivation of pole answers (derive).
	live singleflight.Group
}

// DefaultPointRows bounds NewPointCache's figures: role and skill rows of
// every point and scope kept (about 100 bytes each).
const DefaultPointRows = 100_000

// NewPointCache returns a cache for Engine.Points holding at most rows role
// and skill figures.
func NewPointCache(rows int) *refcache.LRU[string, map[Scope][]Figures] {
	return refcache.NewLRU[string, map[Scope][]Figures](refcache.New(), rows)
}

// Territory levels, as DESIGN.md names them.
const (
	LevelRegion     = "region"
	LevelDepartment = "department"
	LevelCommune    = "commune"
)

// DefaultRetirementAge is DESIGN.md's default retirement age A.
const DefaultRetirementAge = 64

// DefaultMinCompanies is DESIGN.md's default k for shared training
// opportunities.
const DefaultMinCompanies = 3

// Scope is a set of sites: the intersection of the sets its non-empty fields
// name. Siren alone is a company's sites; PoleID alone is the sites of the
// pole's members with an active membership at asOf; TerritoryLevel and
// TerritoryCode alone are the sites in that territory's whole subtree; PoleID
// with a territory is DESIGN.md's intersection of a pole and a territory.
// Other combinations (a company within a territory) follow the same rule.
// Scope is comparable so that it can key the answers of a batch.
type Scope struct {
	Siren          string
	PoleID         string
	TerritoryLevel string
	TerritoryCode  string
}

// Params are DESIGN.md's analytics parameters.
type Params struct {
	// AsOf is the reference date; the zero time means today (UTC).
	AsOf time.Time
	// Horizon is the horizon year H; it must be >= the year of AsOf.
	Horizon int
	// RetirementAge is A; 0 means DefaultRetirementAge.
	RetirementAge int
	// IncludeOptional makes optional role–skill links count as "requires".
	IncludeOptional bool
	// IncludeProjects adds to target(r) the project needs at H of the
	// scope's sites (projects.go): of the scope's pole when it has one, else
	// of any pole. A pole's figures with projects are read from the
	// rollup's run with projects when it is fresh, like those without.
	IncludeProjects bool
	// WithPlan adds DESIGN.md's plan figures (qualifiedWithPlan,
	// gapAfterPlan, plannedLearners) to skill figures, and orders critical
	// skills by them. Rollups hold them too.
	WithPlan bool
}

// invalid reports a bad argument as the domain's BAD_USER_INPUT error,
// naming the argument; its message is safe to show.
func invalid(field, format string, args ...any) error {
	return domain.Invalid(field, "%s: %s", field, fmt.Sprintf(format, args...))
}

// normalize applies the defaults and checks the parameters.
func (p Params) normalize() (Params, error) {
	if p.AsOf.IsZero() {
		p.AsOf = time.Now().UTC()
	}
	y, m, d := p.AsOf.Date()
	p.AsOf = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if p.RetirementAge == 0 {
		p.RetirementAge = DefaultRetirementAge
	}
	if p.RetirementAge < 1 || p.RetirementAge > 120 {
		return p, invalid("retirementAge", "must be between 1 and 120, got %d", p.RetirementAge)
	}
	if p.Horizon < y {
		return p, invalid("horizon", "must be a year >= the year of asOf (%d), got %d", y, p.Horizon)
	}
	if p.Horizon > 2200 {
		return p, invalid("horizon", "must be a year <= 2200, got %d", p.Horizon)
	}
	return p, nil
}

// date is how the reference date travels to SQL: a plain calendar date, so
// that no time zone shifts it.
func (p Params) date() string { return p.AsOf.Format("2006-01-02") }

func (s Scope) validate() error {
	if s.Siren == "" && s.PoleID == "" && s.TerritoryLevel == "" && s.TerritoryCode == "" {
		return invalid("scope", "names no company, pole or territory")
	}
	if (s.TerritoryLevel == "") != (s.TerritoryCode == "") {
		return invalid("scope", "a territory needs both its level and its code")
	}
	switch s.TerritoryLevel {
	case "", LevelRegion, LevelDepartment, LevelCommune:
	default:
		return invalid("scope", "unknown territory level %q", s.TerritoryLevel)
	}
	return nil
}

func validateFirst(first int) error {
	if first < 0 {
		return invalid("first", "must be >= 0, got %d", first)
	}
	return nil
}

// limit turns `first` into the SQL row_number bound: 0 means every row.
func limit(first int) int64 {
	if first == 0 {
		return 1 << 62
	}
	return int64(first)
}

// distinctScopes validates scopes and returns them without duplicates, in
// order, as the parallel arrays the SQL unnests.
func distinctScopes(scopes []Scope) ([]Scope, scopeArrays, error) {
	seen := make(map[Scope]bool, len(scopes))
	var out []Scope
	var a scopeArrays
	for _, s := range scopes {
		if err := s.validate(); err != nil {
			return nil, a, err
		}
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
		a.sirens = append(a.sirens, s.Siren)
		a.poles = append(a.poles, s.PoleID)
		a.levels = append(a.levels, s.TerritoryLevel)
		a.codes = append(a.codes, s.TerritoryCode)
	}
	return out, a, nil
}

type scopeArrays struct{ sirens, poles, levels, codes []string }

func distinctStrings(in []string) []string {
	seen := make(map[string]bool, len(in))
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// queryx runs one statement; every statement of the package goes through it.
// A derived answer's statements run in its snapshot (derive).
func (e *Engine) queryx(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	if dc, ok := derivedFrom(ctx); ok {
		return dc.tx.QueryxContext(ctx, query, args...)
	}
	return e.DB.QueryxContext(ctx, query, args...)
}
