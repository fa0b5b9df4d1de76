package auth

import (
	"math"
	"sync"
	"time"
)

// Limiter is a set of token buckets, one per key (a token id, or a client
// address for anonymous callers): each key may spend Burst requests at once
// and regains Rate per second.
type Limiter struct {
	rate    float64
	burst   float64
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter returns a limiter of rate requests per second with burst
// capacity, tracking at most maxKeys keys. A rate <= 0 disables it.
func NewLimiter(rate float64, burst, maxKeys int) *Limiter {
	if burst < 1 {
		burst = 1
	}
	if maxKeys < 1 {
		maxKeys = 10000
	}
	return &Limiter{rate: rate, burst: float64(burst), maxKeys: maxKeys, now: time.Now,
		buckets: map[string]*bucket{}}
}

// Allow spends one request of key; when none is left it returns false and
// how long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.refill(key, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// Has tells whether key could spend a request now, without spending it.
func (l *Limiter) Has(key string) bool {
	if l == nil || l.rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refill(key, l.now()).tokens >= 1
}

func (l *Limiter) refill(key string, now time.Time) *bucket {
	b := l.buckets[key]
	if b == nil {
		l.makeRoom(now)
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
		return b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	return b
}

// makeRoom keeps the map bounded. Buckets that have refilled completely
// are dropped first: a fresh bucket would be identical. If the map is still
// full (many addresses at once), it is reset, which briefly forgives
// everyone rather than letting memory grow; the sweep runs only when the
// map is full, so its cost is spread over maxKeys insertions.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.maxKeys {
		return
	}
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.maxKeys*3/4 {
		l.buckets = map[string]*bucket{}
	}
}
