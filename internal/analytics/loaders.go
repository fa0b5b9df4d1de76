package analytics

import (
	"context"
	"time"

	"github.com/gpec-project/gpec/internal/loader"
)

// The keys of the request-scoped loaders: a parent plus the arguments of the
// field asking. A batch groups keys by arguments and asks the engine once
// per group — in practice once, since sibling fields share arguments.

// GapKey asks the role or skill gaps of one scope.
type GapKey struct {
	Scope  Scope
	Params Params
	Order  string
	First  int
}

// NearKey asks the trainings near one scope for one skill.
type NearKey struct {
	Request NearRequest
	First   int
}

// PoleKey asks a pole-wide figure.
type PoleKey struct {
	PoleID string
	Params Params
	First  int
}

// SharedKey asks a pole's shared training opportunities.
type SharedKey struct {
	PoleKey
	Options SharedOptions
}

// SessionsKey asks the upcoming sessions of one opportunity.
type SessionsKey struct {
	Request SessionRequest
	First   int
}

// EmploymentKey asks a pole's employment indicators for a year.
type EmploymentKey struct {
	PoleID string
	Year   int
}

// Loaders batch the analytics of one request.
type Loaders struct {
	RoleGaps   *loader.Loader[GapKey, RolePage]
	SkillGaps  *loader.Loader[GapKey, SkillPage]
	Near       *loader.Loader[NearKey, TrainingPage]
	Critical   *loader.Loader[PoleKey, CriticalSkillPage]
	Shared     *loader.Loader[SharedKey, SharedOpportunityPage]
	Mobility   *loader.Loader[PoleKey, MobilityPage]
	Employment *loader.Loader[EmploymentKey, Employment]
	Sessions   *loader.Loader[SessionsKey, SessionPage]
}

// grouped turns a batch call over parents into a loader fetch over keys:
// keys are grouped by group(key) and each group is one call. A group that
// fails (e.g. its horizon is before its asOf) fails its own keys only.
func grouped[K comparable, G comparable, P comparable, V any](
	group func(K) (G, P),
	call func(ctx context.Context, g G, parents []P) (map[P]V, error),
) loader.Fetch[K, V] {
	return func(ctx context.Context, keys []K) (map[K]V, error) {
		byGroup := map[G][]P{}
		for _, k := range keys {
			g, p := group(k)
			byGroup[g] = append(byGroup[g], p)
		}
		out := make(map[K]V, len(keys))
		failed := map[K]error{}
		for g, parents := range byGroup {
			res, err := call(ctx, g, parents)
			for _, k := range keys {
				if kg, p := group(k); kg == g {
					if err != nil {
						failed[k] = err
					} else {
						out[k] = res[p]
					}
				}
			}
		}
		if len(failed) > 0 {
			return out, &loader.PartialError[K]{Errs: failed}
		}
		return out, nil
	}
}

type gapGroup struct {
	Params Params
	Order  string
	First  int
}

// NewLoaders returns a fresh set of loaders over e.
func (e *Engine) NewLoaders(wait time.Duration) *Loaders {
	gapOf := func(k GapKey) (gapGroup, Scope) { return gapGroup{k.Params, k.Order, k.First}, k.Scope }
	poleOf := func(k PoleKey) (PoleKey, string) { return PoleKey{Params: k.Params, First: k.First}, k.PoleID }
	const max = 1000
	return &Loaders{
		RoleGaps: loader.New(grouped(gapOf, func(ctx context.Context, g gapGroup, s []Scope) (map[Scope]RolePage, error) {
			return e.RoleGaps(ctx, s, g.Params, RoleOrder(g.Order), g.First)
		}), wait, max),
		SkillGaps: loader.New(grouped(gapOf, func(ctx context.Context, g gapGroup, s []Scope) (map[Scope]SkillPage, error) {
			return e.SkillGaps(ctx, s, g.Params, SkillOrder(g.Order), g.First)
		}), wait, max),
		Near: loader.New(grouped(func(k NearKey) (int, NearRequest) { return k.First, k.Request },
			func(ctx context.Context, first int, reqs []NearRequest) (map[NearRequest]TrainingPage, error) {
				return e.TrainingsNear(ctx, reqs, first)
			}), wait, max),
		Critical: loader.New(grouped(poleOf, func(ctx context.Context, g PoleKey, ids []string) (map[string]CriticalSkillPage, error) {
			return e.CriticalSkills(ctx, ids, g.Params, g.First)
		}), wait, max),
		Shared: loader.New(grouped(func(k SharedKey) (SharedKey, string) {
			return SharedKey{PoleKey{Params: k.Params, First: k.First}, k.Options}, k.PoleID
		}, func(ctx context.Context, g SharedKey, ids []string) (map[string]SharedOpportunityPage, error) {
			return e.SharedTrainingOpportunities(ctx, ids, g.Params, g.Options, g.First)
		}), wait, max),
		Mobility: loader.New(grouped(poleOf, func(ctx context.Context, g PoleKey, ids []string) (map[string]MobilityPage, error) {
			return e.MobilityPaths(ctx, ids, g.Params, g.First)
		}), wait, max),
		Employment: loader.New(grouped(func(k EmploymentKey) (int, string) { return k.Year, k.PoleID },
			func(ctx context.Context, year int, ids []string) (map[string]Employment, error) {
				return e.Employment(ctx, ids, year)
			}), wait, max),
		Sessions: loader.New(grouped(func(k SessionsKey) (int, SessionRequest) { return k.First, k.Request },
			func(ctx context.Context, first int, reqs []SessionRequest) (map[SessionRequest]SessionPage, error) {
				return e.UpcomingSessions(ctx, reqs, first)
			}), wait, max),
	}
}

type loadersKey struct{}

// WithLoaders returns ctx carrying l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// LoadersFrom returns the request's analytics loaders.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	if l == nil {
		panic("analytics: no loaders in context (the HTTP middleware adds them)")
	}
	return l
}
