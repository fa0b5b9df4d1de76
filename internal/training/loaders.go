package training

import (
	"context"
	"time"

	"github.com/gpec-project/gpec/internal/loader"
)

// SessionsKey asks one training's sessions.
type SessionsKey struct {
	TrainingID string
	AsOf       time.Time
	Upcoming   bool
}

// EnrolmentsKey asks one session's enrolment rows that a reader may see.
type EnrolmentsKey struct {
	Session SessionKey
	Reader  Reader
	First   int
}

// Loaders batch the session reads of one request: the sessions of a list
// of trainings, and the enrolments of a list of sessions, are one
// statement each.
type Loaders struct {
	Sessions   *loader.Loader[SessionsKey, []*Session]
	Enrolments *loader.Loader[EnrolmentsKey, EnrolmentPage]
}

// NewLoaders returns a fresh set of loaders over s.
func NewLoaders(s *Service, wait time.Duration) *Loaders {
	const max = 1000
	return &Loaders{
		Sessions: loader.New(func(ctx context.Context, keys []SessionsKey) (map[SessionsKey][]*Session, error) {
			groups := map[SessionFilter][]string{}
			for _, k := range keys {
				f := SessionFilter{AsOf: k.AsOf, Upcoming: k.Upcoming}
				groups[f] = append(groups[f], k.TrainingID)
			}
			out := make(map[SessionsKey][]*Session, len(keys))
			for f, ids := range groups {
				res, err := s.Sessions(ctx, ids, f)
				if err != nil {
					return nil, err
				}
				for _, id := range ids {
					out[SessionsKey{TrainingID: id, AsOf: f.AsOf, Upcoming: f.Upcoming}] = res[id]
				}
			}
			return out, nil
		}, wait, max),
		Enrolments: loader.New(func(ctx context.Context, keys []EnrolmentsKey) (map[EnrolmentsKey]EnrolmentPage, error) {
			type group struct {
				Reader Reader
				First  int
			}
			groups := map[group][]SessionKey{}
			for _, k := range keys {
				g := group{k.Reader, k.First}
				groups[g] = append(groups[g], k.Session)
			}
			out := make(map[EnrolmentsKey]EnrolmentPage, len(keys))
			for g, sessions := range groups {
				res, err := s.Enrolments(ctx, g.Reader, EnrolmentFilter{Sessions: sessions}, g.First)
				if err != nil {
					return nil, err
				}
				for _, k := range sessions {
					out[EnrolmentsKey{Session: k, Reader: g.Reader, First: g.First}] = res[k]
				}
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

// LoadersFrom returns the request's session loaders.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	if l == nil {
		panic("training: no loaders in context (the HTTP middleware adds them)")
	}
	return l
}
