package campaign

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/loader"
)

// Loaders batch the campaign reads of one request: the campaigns of a list
// of poles, and the follow-ups of a list of campaigns, are one statement
// each; the trends of a list of scopes over the same points (a list of
// companies, each with its trend) are the two statements of one Series.
type Loaders struct {
	Service  *Service
	ByPole   *loader.Loader[string, []*Campaign]
	FollowUp *loader.Loader[Key, FollowUp]
	trends   *loader.Loader[trendKey, *Trend]

	mu     sync.Mutex
	points map[string][]TrendPoint // by pointsKey
}

// trendKey is a TrendRequest made comparable: its points, roles and skills
// encoded as strings.
type trendKey struct {
	Scope                 analytics.Scope
	Points, Roles, Skills string
	First                 int
}

func pointsKey(ps []TrendPoint) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.AsOf.Format(time.DateOnly))
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(p.Horizon))
		if p.Campaign != nil {
			b.WriteString("/" + p.Campaign.PoleID + "/" + p.Campaign.ID)
		}
		b.WriteByte('\x1f')
	}
	return b.String()
}

// Trend loads a scope's trend, batched with the other scopes' trends over
// the same points, roles and skills in the same request.
func (l *Loaders) Trend(ctx context.Context, r TrendRequest) (*Trend, error) {
	k := trendKey{Scope: r.Scope, Points: pointsKey(r.Points),
		Roles: strings.Join(r.RoleCodes, "\x1f"), Skills: strings.Join(r.SkillCodes, "\x1f"), First: r.First}
	l.mu.Lock()
	l.points[k.Points] = r.Points
	l.mu.Unlock()
	return l.trends.Load(ctx, k)
}

func splitCodes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x1f")
}

// fetchTrends answers a batch of trend keys with one Series per group of
// keys sharing points, roles and skills.
func (l *Loaders) fetchTrends(ctx context.Context, keys []trendKey) (map[trendKey]*Trend, error) {
	type group struct {
		points, roles, skills string
		first                 int
	}
	byGroup := map[group][]analytics.Scope{}
	for _, k := range keys {
		g := group{k.Points, k.Roles, k.Skills, k.First}
		byGroup[g] = append(byGroup[g], k.Scope)
	}
	out := make(map[trendKey]*Trend, len(keys))
	for g, scopes := range byGroup {
		l.mu.Lock()
		pts := l.points[g.points]
		l.mu.Unlock()
		ts, err := l.Service.Trends(ctx, scopes, pts, splitCodes(g.roles), splitCodes(g.skills), g.first)
		if err != nil {
			return nil, err
		}
		for s, t := range ts {
			out[trendKey{Scope: s, Points: g.points, Roles: g.roles, Skills: g.skills, First: g.first}] = t
		}
	}
	return out, nil
}

// NewLoaders returns a fresh set of loaders over s.
func NewLoaders(s *Service, wait time.Duration) *Loaders {
	const max = 1000
	l := &Loaders{
		Service: s,
		points:  map[string][]TrendPoint{},
		ByPole: loader.New(func(ctx context.Context, ids []string) (map[string][]*Campaign, error) {
			return s.ByPoles(ctx, ids)
		}, wait, max),
		FollowUp: loader.New(func(ctx context.Context, keys []Key) (map[Key]FollowUp, error) {
			return s.FollowUps(ctx, keys)
		}, wait, max),
	}
	l.trends = loader.New(l.fetchTrends, wait, max)
	return l
}

type loadersKey struct{}

// WithLoaders returns ctx carrying l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// LoadersFrom returns the request's campaign loaders.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	if l == nil {
		panic("campaign: no loaders in context (the HTTP middleware adds them)")
	}
	return l
}
