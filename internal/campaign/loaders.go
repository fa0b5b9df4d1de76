package campaign

import (
	"context"
	"time"

	"github.com/gpec-project/gpec/internal/loader"
)

// Loaders batch the campaign reads of one request: the campaigns of a list
// of poles, and the follow-ups of a list of campaigns, are one statement
// each.
type Loaders struct {
	Service  *Service
	ByPole   *loader.Loader[string, []*Campaign]
	FollowUp *loader.Loader[Key, FollowUp]
}

// NewLoaders returns a fresh set of loaders over s.
func NewLoaders(s *Service, wait time.Duration) *Loaders {
	const max = 1000
	return &Loaders{
		Service: s,
		ByPole: loader.New(func(ctx context.Context, ids []string) (map[string][]*Campaign, error) {
			return s.ByPoles(ctx, ids)
		}, wait, max),
		FollowUp: loader.New(func(ctx context.Context, keys []Key) (map[Key]FollowUp, error) {
			return s.FollowUps(ctx, keys)
		}, wait, max),
	}
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
