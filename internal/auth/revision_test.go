package auth

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/testdb"
)

// Two instances cache a token; it is revoked in the database (as `gpec
// token revoke` does, from a third process): the next request on each
// instance is refused, with no wait.
func TestRevocationOnEveryInstance(t *testing.T) {
	d, _ := testdb.New(t)
	ctx := context.Background()
	instances := make([]*Middleware, 2)
	for i := range instances {
		instances[i] = NewMiddleware(d, Config{Rate: 1000, Burst: 1000, CacheTTL: time.Hour})
	}
	for round := range 20 {
		plain, tok, err := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range instances {
			if s, _, _ := serve(t, m.Handler(whoami), "Bearer "+plain, ""); s != http.StatusOK {
				t.Fatalf("round %d: %d", round, s)
			}
		}
		// Cached now: a second request needs no look-up.
		for _, m := range instances {
			if _, ok := m.cached(plain, m.rev); !ok {
				t.Fatalf("round %d: not cached", round)
			}
		}
		if err := Revoke(ctx, d, tok.ID); err != nil {
			t.Fatal(err)
		}
		for i, m := range instances {
			if s, _, _ := serve(t, m.Handler(whoami), "Bearer "+plain, ""); s != http.StatusUnauthorized {
				t.Fatalf("round %d: instance %d answered %d to the next request after the revocation", round, i, s)
			}
		}
	}
}

// Touching last_used_at (each authentication, once a minute) is no
// revocation: it leaves the cache alone.
func TestTouchKeepsCache(t *testing.T) {
	d, _ := testdb.New(t)
	var before, after int64
	d.QueryRow(`SELECT revision FROM token_revision`).Scan(&before)
	_, tok, _ := Create(context.Background(), d, RoleAdmin, Scope{}, time.Time{}, "")
	d.Exec(`UPDATE tokens SET last_used_at = now() WHERE id = $1`, tok.ID)
	d.QueryRow(`SELECT revision FROM token_revision`).Scan(&after)
	if after != before {
		t.Fatalf("revision %d -> %d", before, after)
	}
	d.Exec(`DELETE FROM tokens WHERE id = $1`, tok.ID)
	d.QueryRow(`SELECT revision FROM token_revision`).Scan(&after)
	if after != before+1 {
		t.Fatalf("a deletion: revision %d -> %d", before, after)
	}
}

// A database outage is UNAVAILABLE, 503, with Retry-After: not a bad token.
func TestLookupDuringOutage(t *testing.T) {
	d, _ := testdb.New(t)
	plain, _, _ := Create(context.Background(), d, RoleAdmin, Scope{}, time.Time{}, "")
	d.Close()
	h := NewMiddleware(d, Config{Rate: 1000, Burst: 1000}).Handler(whoami)
	s, code, w := serve(t, h, "Bearer "+plain, "")
	if s != http.StatusServiceUnavailable || code != CodeUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("%d %s Retry-After %q", s, code, w.Header().Get("Retry-After"))
	}
}
