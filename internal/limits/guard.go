package limits

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gpec-project/gpec/internal/httpjson"
)

// Guard holds the per-token limits: the requests a token has in flight
// (MaxInFlight) and its budget of cost per second (CostPerSecond, spent by
// CostLimits once an operation's cost is known). A token is one key: the
// caller's token id, or its address when anonymous.
type Guard struct {
	cfg Config
	key func(*http.Request) string
	now func() time.Time

	mu     sync.Mutex
	tokens map[string]*tokenState
}

type tokenState struct {
	inFlight int
	budget   float64 // cost units available
	at       time.Time
}

// maxTrackedTokens bounds the guard's memory; idle tokens are forgotten
// first (a fresh state is identical to an idle, refilled one).
const maxTrackedTokens = 10000

// NewGuard returns the guard of cfg; key names the caller of a request
// (after authentication).
func NewGuard(cfg Config, key func(*http.Request) string) *Guard {
	return &Guard{cfg: cfg, key: key, now: time.Now, tokens: map[string]*tokenState{}}
}

type guardKey struct{}

type guarded struct {
	g   *Guard
	key string
}

// Handler refuses a request over its token's in-flight cap (429, with
// Retry-After) and lets CostLimits spend from the token's budget.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := g.key(r)
		if g.cfg.MaxInFlight > 0 {
			if !g.enter(key) {
				Refuse(w, "inFlight", g.cfg.MaxInFlight, time.Second,
					fmt.Sprintf("this token already has %d requests running, the limit; retry when one has answered", g.cfg.MaxInFlight))
				return
			}
			defer g.leave(key)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), guardKey{}, guarded{g, key})))
	})
}

func (g *Guard) enter(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.state(key)
	if t.inFlight >= g.cfg.MaxInFlight {
		return false
	}
	t.inFlight++
	return true
}

func (g *Guard) leave(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.state(key).inFlight--
}

// burst is how much a token may spend at once: one operation of MaxCost
// must pass when its budget is full.
func (g *Guard) burst() float64 { return math.Max(float64(g.cfg.MaxCost), g.cfg.CostPerSecond) }

// state returns key's state, refilled to now; g.mu is held.
func (g *Guard) state(key string) *tokenState {
	now := g.now()
	t := g.tokens[key]
	if t == nil {
		if len(g.tokens) >= maxTrackedTokens {
			for k, s := range g.tokens {
				if s.inFlight == 0 {
					delete(g.tokens, k)
				}
			}
		}
		t = &tokenState{budget: g.burst(), at: now}
		g.tokens[key] = t
		return t
	}
	if g.cfg.CostPerSecond > 0 {
		t.budget = math.Min(g.burst(), t.budget+now.Sub(t.at).Seconds()*g.cfg.CostPerSecond)
	}
	t.at = now
	return t
}

// Spend takes cost from the budget of the caller of ctx's request, for
// work outside GraphQL (a CSV of aggregates); on refusal it answers w (429
// with Retry-After) and returns false.
func Spend(w http.ResponseWriter, ctx context.Context, cost int64) bool {
	err := spend(ctx, Config{}, cost)
	if err == nil {
		return true
	}
	retry, _ := err.Extensions["retryAfter"].(int)
	Refuse(w, "costPerSecond", err.Extensions["value"], time.Duration(retry)*time.Second, err.Message)
	return false
}

// spend takes cost from the budget of the token of ctx (no guard: no
// budget), or returns the refusal saying when the budget allows it.
func spend(ctx context.Context, _ Config, cost int64) *gqlerror.Error {
	gd, ok := ctx.Value(guardKey{}).(guarded)
	if !ok || gd.g.cfg.CostPerSecond <= 0 {
		return nil
	}
	g := gd.g
	g.mu.Lock()
	t := g.state(gd.key)
	c := math.Min(float64(cost), g.burst())
	if t.budget >= c {
		t.budget -= c
		g.mu.Unlock()
		return nil
	}
	wait := time.Duration((c - t.budget) / g.cfg.CostPerSecond * float64(time.Second))
	g.mu.Unlock()
	SetStatus(ctx, http.StatusTooManyRequests, wait)
	err := limitError(CodeRateLimited, "this token may spend %.0f cost units per second and has used them: this operation costs %d; retry in %s",
		g.cfg.CostPerSecond, cost, retrySeconds(wait)+"s")
	withLimit(err, "costPerSecond", g.cfg.CostPerSecond)
	err.Extensions["retryAfter"] = retrySecondsInt(wait)
	err.Extensions["cost"] = cost
	return err
}

func retrySecondsInt(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }
func retrySeconds(d time.Duration) string { return strconv.Itoa(retrySecondsInt(d)) }

// Refuse answers 429 with Retry-After and a GraphQL error naming the limit,
// its value and when to retry: the answer of every per-token limit.
func Refuse(w http.ResponseWriter, limit string, value any, retry time.Duration, msg string) {
	w.Header().Set("Retry-After", retrySeconds(retry))
	httpjson.ErrorWith(w, http.StatusTooManyRequests, CodeRateLimited, msg, map[string]any{
		"limit": limit, "value": value, "retryAfter": retrySecondsInt(retry),
	})
}

// status is where the GraphQL layer asks for an HTTP status other than
// the transport's: 429 for a budget refusal, 503 during a database
// outage, 405 for a mutation over GET.
type status struct {
	mu    sync.Mutex
	code  int
	retry time.Duration
}

type statusKey struct{}

// SetStatus asks for the HTTP status of the response of ctx's request,
// with Retry-After (Allow: POST instead with 405); it applies
// when HTTPMiddleware serves the request and the answer has not started.
func SetStatus(ctx context.Context, code int, retry time.Duration) {
	if s, ok := ctx.Value(statusKey{}).(*status); ok {
		s.mu.Lock()
		s.code, s.retry = code, retry
		s.mu.Unlock()
	}
}

// statusWriter applies the status asked with SetStatus when the header is
// written: the transport writes 200 (or 400) itself.
type statusWriter struct {
	http.ResponseWriter
	s       *status
	written bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.written {
		return
	}
	w.written = true
	w.s.mu.Lock()
	asked, retry := w.s.code, w.s.retry
	w.s.mu.Unlock()
	if asked != 0 {
		code = asked
		if asked == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", "POST")
		} else {
			w.Header().Set("Retry-After", retrySeconds(retry))
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
