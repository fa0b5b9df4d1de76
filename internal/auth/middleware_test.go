package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/testdb"
)

type errorBody struct {
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

// serve runs one request through h and returns the status, the error code
// of its body (if any) and the recorder.
func serve(t *testing.T, h http.Handler, authz, remote string) (int, string, *httptest.ResponseRecorder) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	if remote != "" {
		r.RemoteAddr = remote
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var b errorBody
	if w.Code != http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || len(b.Errors) != 1 {
			t.Fatalf("status %d with body %q: not a GraphQL error body", w.Code, w.Body.String())
		}
		return w.Code, b.Errors[0].Extensions.Code, w
	}
	return w.Code, "", w
}

// whoami answers with the role and token id the middleware put in the context.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p := FromContext(r.Context())
	json.NewEncoder(w).Encode(map[string]any{"role": p.Role.String(), "token": p.TokenID})
})

func TestMiddleware(t *testing.T) {
	d, _ := testdb.New(t)
	ctx := context.Background()
	admin, adminTok, err := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	soon, soonTok, err := Create(ctx, d, RoleCompany, Scope{Siren: "356000000"}, time.Now().Add(time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ErrUnauthenticated", func(t *testing.T) {
		h := NewMiddleware(d, Config{Rate: 1000, Burst: 1000}).Handler(whoami)
		revoked, revokedTok, _ := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "")
		Revoke(ctx, d, revokedTok.ID)
		expired, expiredTok, _ := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "")
		d.ExecContext(ctx, `UPDATE tokens SET created_at = now() - interval '1 day', expires_at = now() - interval '1 hour' WHERE id = $1`, expiredTok.ID)
		unknown, _ := newPlaintext()
		for name, authz := range map[string]string{
			"Missing":   "",
			"Basic":     "Basic YWRtaW46YWRtaW4=",
			"Empty":     "Bearer ",
			"Garbage":   "Bearer hello",
			"Unknown":   "Bearer " + unknown,
			"Revoked":   "Bearer " + revoked,
			"Expired":   "Bearer " + expired,
			"Truncated": "Bearer " + admin[:len(admin)-2],
		} {
			status, code, w := serve(t, h, authz, "")
			if status != http.StatusUnauthorized || code != domain.CodeUnauthenticated {
				t.Errorf("%s: %d %s", name, status, code)
			}
			if w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: no WWW-Authenticate", name)
			}
		}
	})

	t.Run("PreflightPasses", func(t *testing.T) {
		h := NewMiddleware(d, Config{Rate: 1000, Burst: 1000}).Handler(whoami)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodOptions, "/graphql", nil))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "anonymous") {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})

	t.Run("Authenticated", func(t *testing.T) {
		h := NewMiddleware(d, Config{Rate: 1000, Burst: 1000}).Handler(whoami)
		status, _, w := serve(t, h, "Bearer "+admin, "")
		if status != http.StatusOK || w.Body.String() == "" {
			t.Fatalf("%d %s", status, w.Body)
		}
		var got struct {
			Role  string
			Token int64
		}
		json.Unmarshal(w.Body.Bytes(), &got)
		if got.Role != "admin" || got.Token != adminTok.ID {
			t.Fatalf("%+v", got)
		}
	})

	t.Run("AllowAnonymous", func(t *testing.T) {
		h := NewMiddleware(d, Config{AllowAnonymous: true, Rate: 1000, Burst: 1000}).Handler(whoami)
		status, _, w := serve(t, h, "", "")
		if status != http.StatusOK || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%d %s", status, w.Body)
		}
		// A bad token is still refused: anonymous is for no token, not a wrong one.
		if status, _, _ := serve(t, h, "Bearer nope", ""); status != http.StatusUnauthorized {
			t.Fatalf("bad token with AllowAnonymous: %d", status)
		}
	})

	t.Run("CacheThenRevoke", func(t *testing.T) {
		m := NewMiddleware(d, Config{Rate: 1000, Burst: 1000, CacheTTL: time.Minute})
		h := m.Handler(whoami)
		plain, tok, _ := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "")
		if s, _, _ := serve(t, h, "Bearer "+plain, ""); s != http.StatusOK {
			t.Fatal(s)
		}
		Revoke(ctx, d, tok.ID)
		// Within the TTL, the revocation applies at the next request.
		if s, _, _ := serve(t, h, "Bearer "+plain, ""); s != http.StatusUnauthorized {
			t.Fatalf("cached past its revocation: %d", s)
		}
		// A cached entry lives no longer than the TTL: the token is looked
		// up again (a token whose row changed without a revision, e.g. by
		// hand with the trigger disabled, is seen then).
		plain3, tok3, _ := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "")
		serve(t, h, "Bearer "+plain3, "")
		d.ExecContext(ctx, `ALTER TABLE tokens DISABLE TRIGGER tokens_changed`)
		Revoke(ctx, d, tok3.ID)
		d.ExecContext(ctx, `ALTER TABLE tokens ENABLE TRIGGER tokens_changed`)
		if s, _, _ := serve(t, h, "Bearer "+plain3, ""); s != http.StatusOK {
			t.Fatalf("cached: %d", s)
		}
		m.now = func() time.Time { return time.Now().Add(61 * time.Second) }
		if s, _, _ := serve(t, h, "Bearer "+plain3, ""); s != http.StatusUnauthorized {
			t.Fatalf("after TTL: %d", s)
		}
		// Forget applies a revocation at once.
		plain2, tok2, _ := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "")
		m.now = time.Now
		serve(t, h, "Bearer "+plain2, "")
		Revoke(ctx, d, tok2.ID)
		m.Forget(tok2.ID)
		if s, _, _ := serve(t, h, "Bearer "+plain2, ""); s != http.StatusUnauthorized {
			t.Fatalf("after Forget: %d", s)
		}
	})

	t.Run("CacheStopsAtExpiry", func(t *testing.T) {
		m := NewMiddleware(d, Config{Rate: 1000, Burst: 1000, CacheTTL: 24 * time.Hour})
		h := m.Handler(whoami)
		if s, _, _ := serve(t, h, "Bearer "+soon, ""); s != http.StatusOK {
			t.Fatal(s)
		}
		d.ExecContext(ctx, `UPDATE tokens SET created_at = now() - interval '1 day', expires_at = now() - interval '1 hour' WHERE id = $1`, soonTok.ID)
		m.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		if s, _, _ := serve(t, h, "Bearer "+soon, ""); s != http.StatusUnauthorized {
			t.Fatalf("cached past its expiry: %d", s)
		}
	})

	t.Run("ErrRateLimited", func(t *testing.T) {
		h := NewMiddleware(d, Config{AllowAnonymous: true, Rate: 1, Burst: 3}).Handler(whoami)
		for i := 0; i < 3; i++ {
			if s, _, _ := serve(t, h, "Bearer "+admin, ""); s != http.StatusOK {
				t.Fatalf("request %d: %d", i, s)
			}
		}
		s, code, w := serve(t, h, "Bearer "+admin, "")
		if s != http.StatusTooManyRequests || code != CodeRateLimited || w.Header().Get("Retry-After") != "1" {
			t.Fatalf("4th request: %d %s Retry-After %q", s, code, w.Header().Get("Retry-After"))
		}
		// Anonymous callers are limited per address, independently of tokens.
		for i := 0; i < 3; i++ {
			if s, _, _ := serve(t, h, "", "192.0.2.1:1234"); s != http.StatusOK {
				t.Fatalf("anonymous request %d: %d", i, s)
			}
		}
		if s, _, _ := serve(t, h, "", "192.0.2.1:999"); s != http.StatusTooManyRequests {
			t.Fatalf("4th anonymous request: %d", s)
		}
		if s, _, _ := serve(t, h, "", "192.0.2.2:1234"); s != http.StatusOK {
			t.Fatalf("another address: %d", s)
		}
		// Failed authentications spend the address's budget, then are
		// refused before reaching the database.
		for i := 0; i < 3; i++ {
			if s, _, _ := serve(t, h, "Bearer gpec_bad", "198.51.100.7:1"); s != http.StatusUnauthorized {
				t.Fatalf("bad token %d: %d", i, s)
			}
		}
		if s, code, _ := serve(t, h, "Bearer gpec_bad", "198.51.100.7:1"); s != http.StatusTooManyRequests {
			t.Fatalf("4th bad token: %d %s", s, code)
		}
	})
}

func TestLimiterBounded(t *testing.T) {
	l := NewLimiter(1, 2, 100)
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	for i := 0; i < 10000; i++ {
		l.Allow(string(rune(i)))
	}
	if len(l.buckets) > 100 {
		t.Fatalf("%d buckets", len(l.buckets))
	}
	l.Allow("a")
	l.Allow("a")
	if ok, wait := l.Allow("a"); ok || wait != time.Second {
		t.Fatalf("empty bucket: %v %v", ok, wait)
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("bucket did not refill")
	}
}

func TestPrincipal(t *testing.T) {
	if FromContext(context.Background()).Authenticated() {
		t.Fatal("no principal must be anonymous")
	}
	obs := Principal{Role: RoleObservatory}
	pm := Principal{Role: RolePoleManager, Scope: Scope{PoleID: "a"}, TokenID: 1}
	for name, c := range map[string]struct {
		err  error
		want string
	}{
		"AnonymousAdmin":     {Anonymous.RequireAdmin(), domain.CodeUnauthenticated},
		"AnonymousRows":      {Anonymous.RequireRowLevel(), domain.CodeUnauthenticated},
		"ObservatoryRows":    {obs.RequireRowLevel(), domain.CodeForbidden},
		"ObservatoryAdmin":   {obs.RequireAdmin(), domain.CodeForbidden},
		"PoleManagerRows":    {pm.RequireRowLevel(), ""},
		"PoleManagerOwnPole": {pm.RequirePole("a"), ""},
		"PoleManagerOther":   {pm.RequirePole("b"), domain.CodeForbidden},
		"AdminPole":          {Principal{Role: RoleAdmin}.RequirePole("b"), ""},
		"CompanyPole":        {Principal{Role: RoleCompany}.RequirePole("b"), domain.CodeForbidden},
	} {
		if codeOf(c.err) != c.want {
			t.Errorf("%s: %v, want %q", name, c.err, c.want)
		}
	}
	if !obs.UnderSecrecy() || pm.UnderSecrecy() || !obs.AggregatesOnly() {
		t.Fatal("secrecy applies to observatories only")
	}
}
