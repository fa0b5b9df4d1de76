package auth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/httpjson"
)

// Config tunes the HTTP middleware.
type Config struct {
	// AllowAnonymous lets requests without an Authorization header through
	// as Anonymous; when false they get 401.
	AllowAnonymous bool
	// CacheTTL is how long a successful authentication is reused without
	// asking the database; it is also how long a revoked token may keep
	// working on a server other than the one that revoked it. Negative
	// disables the cache.
	// Each request first reads the token revision (migration 0010), which
	// every revocation increments: a revoked token is refused at its next
	// request on every instance, and the TTL only bounds an entry's life.
	CacheTTL time.Duration
	// CacheSize bounds the number of cached tokens.
	CacheSize int
	// Rate is the sustained requests per second allowed per token (or per
	// client address for anonymous requests and failed authentications),
	// Burst how many may arrive at once. Rate <= 0 disables rate limiting.
	Rate  float64
	Burst int
	// WithDataVersion, when set, makes the token revision's statement also
	// read data_version.version and hands it to the request's context
	// through this function, so that the request needs no statement of its
	// own to read it (the store's shared cache does): checking revocation
	// then costs no statement per request.
	WithDataVersion func(ctx context.Context, version int64) context.Context
	// ClientIP names the client of a request, for anonymous rate limiting.
	// The default is the connection's peer address; behind a reverse proxy,
	// give a function reading the header that proxy sets (and only that
	// proxy can set).
	ClientIP func(*http.Request) string
}

// DefaultConfig: anonymous refused, 30 s cache of 10,000 tokens, 10
// requests per second with bursts of 40 (a dashboard loading many panels).
func DefaultConfig() Config {
	return Config{CacheTTL: 30 * time.Second, CacheSize: 10000, Rate: 10, Burst: 40}
}

// Middleware authenticates requests and rate-limits them.
type Middleware struct {
	db      DB
	cfg     Config
	limiter *Limiter
	now     func() time.Time

	mu    sync.Mutex
	cache map[[32]byte]cached
	// rev is the token revision the cache holds (migration 0010).
	rev int64
}

type cached struct {
	token Token
	until time.Time
}

// NewMiddleware returns the middleware for db and cfg; zero CacheTTL and
// CacheSize take DefaultConfig's values.
func NewMiddleware(db DB, cfg Config) *Middleware {
	def := DefaultConfig()
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = def.CacheTTL
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = def.CacheSize
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = peerAddress
	}
	return &Middleware{db: db, cfg: cfg, now: time.Now,
		limiter: NewLimiter(cfg.Rate, cfg.Burst, cfg.CacheSize),
		cache:   map[[32]byte]cached{}}
}

// Handler puts the request's Principal in its context (see FromContext)
// and passes it to next, or answers 401 (bad, expired or revoked token;
// missing token unless AllowAnonymous) or 429 (rate limit, with Retry-After).
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := m.cfg.ClientIP(r)
		header := r.Header.Get("Authorization")
		if header == "" {
			// CORS preflights never carry credentials and read nothing.
			if !m.cfg.AllowAnonymous && r.Method != http.MethodOptions {
				unauthorized(w, "authentication required: send Authorization: Bearer <token>")
				return
			}
			if !m.allow(w, "ip:"+ip) {
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), Anonymous)))
			return
		}
		scheme, plaintext, ok := strings.Cut(header, " ")
		plaintext = strings.TrimSpace(plaintext)
		if !ok || !strings.EqualFold(scheme, "Bearer") || plaintext == "" {
			unauthorized(w, "the Authorization header must be: Bearer <token>")
			return
		}
		var (
			t   Token
			hit bool
			rev int64
		)
		// A malformed token costs no statement: authenticate drops it.
		if m.cfg.CacheTTL >= 0 && wellFormed(plaintext) {
			// One primary-key read, on the pool that serves only tokens and
			// readiness: any revocation since the cache was filled empties it.
			if m.cfg.WithDataVersion != nil {
				var version int64
				if err := m.db.QueryRowContext(r.Context(), `SELECT t.revision, d.version FROM token_revision t, data_version d`).Scan(&rev, &version); err != nil {
					unavailable(w, err)
					return
				}
				r = r.WithContext(m.cfg.WithDataVersion(r.Context(), version))
			} else if err := m.db.QueryRowContext(r.Context(), `SELECT revision FROM token_revision`).Scan(&rev); err != nil {
				unavailable(w, err)
				return
			}
			t, hit = m.cached(plaintext, rev)
		}
		if !hit {
			// Failed authentications spend the client address's budget and
			// are refused before the database once it is empty, so that
			// random tokens cannot turn into a flood of look-ups.
			if !m.limiter.Has("ip:" + ip) {
				m.allow(w, "ip:"+ip)
				return
			}
			var err error
			t, err = authenticate(r.Context(), m.db, plaintext)
			if err != nil {
				if domain.ErrorCode(err) != domain.CodeUnauthenticated {
					unavailable(w, err)
					return
				}
				m.limiter.Allow("ip:" + ip)
				unauthorized(w, err.Error())
				return
			}
			m.remember(plaintext, t, rev)
		}
		if !m.allow(w, "token:"+strconv.FormatInt(t.ID, 10)) {
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), t.Principal())))
	})
}

// Forget drops token id from this server's cache, so that a revocation made
// through this process applies at once here; other servers notice within
// CacheTTL.
func (m *Middleware) Forget(id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, c := range m.cache {
		if c.token.ID == id {
			delete(m.cache, k)
		}
	}
}

func (m *Middleware) allow(w http.ResponseWriter, key string) bool {
	ok, wait := m.limiter.Allow(key)
	if !ok {
		retry := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		httpjson.ErrorWith(w, http.StatusTooManyRequests, CodeRateLimited,
			fmt.Sprintf("rate limit of %g requests per second (bursts of %d) exceeded; retry in %d s", m.cfg.Rate, m.cfg.Burst, retry),
			map[string]any{"limit": "requestsPerSecond", "value": m.cfg.Rate, "retryAfter": retry})
	}
	return ok
}

// The cache is keyed by the token's hash, so that no plaintext token stays
// in memory longer than a request.
func (m *Middleware) cached(plaintext string, rev int64) (Token, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if rev > m.rev {
		m.cache = map[[32]byte]cached{}
		m.rev = rev
	}
	if rev != m.rev {
		return Token{}, false
	}
	k := sha256.Sum256([]byte(plaintext))
	c, ok := m.cache[k]
	if !ok {
		return Token{}, false
	}
	if !m.now().Before(c.until) {
		delete(m.cache, k)
		return Token{}, false
	}
	return c.token, true
}

// remember caches t for revision rev, read before t was looked up, so that
// t is at least as recent as rev; a newer revision empties the cache.
func (m *Middleware) remember(plaintext string, t Token, rev int64) {
	if m.cfg.CacheTTL < 0 {
		return
	}
	now := m.now()
	until := now.Add(m.cfg.CacheTTL)
	// A token that expires within the TTL stops at its expiry, not later.
	if t.ExpiresAt != nil && t.ExpiresAt.Before(until) {
		until = *t.ExpiresAt
	}
	k := sha256.Sum256([]byte(plaintext))
	m.mu.Lock()
	defer m.mu.Unlock()
	if rev != m.rev {
		return
	}
	if len(m.cache) >= m.cfg.CacheSize {
		for k, c := range m.cache {
			if !now.Before(c.until) {
				delete(m.cache, k)
			}
		}
		// Still full: start over rather than grow; the cost is one database
		// look-up per active token.
		if len(m.cache) >= m.cfg.CacheSize {
			m.cache = map[[32]byte]cached{}
		}
	}
	m.cache[k] = cached{token: t, until: until}
}

// unavailable answers a look-up that failed for another reason than the
// token: the database is down or unreachable, and the client should retry.
func unavailable(w http.ResponseWriter, err error) {
	// The operator needs the cause (an outage, or e.g. a migration not
	// applied); the client only that it may retry.
	slog.Warn("token look-up failed", "err", err.Error())
	w.Header().Set("Retry-After", strconv.Itoa(unavailableRetry))
	httpjson.ErrorWith(w, http.StatusServiceUnavailable, CodeUnavailable,
		"the database is unavailable, retry in a few seconds", map[string]any{"retryAfter": unavailableRetry})
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="gpec", error="invalid_token"`)
	WriteError(w, http.StatusUnauthorized, domain.CodeUnauthenticated, msg)
}

func peerAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
