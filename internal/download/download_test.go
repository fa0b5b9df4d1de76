package download

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
)

func allowed(p string) bool { return strings.HasPrefix(p, "/export/") }

func signed(t *testing.T, s *Signer, target string) string {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Role: auth.RoleAdmin, TokenID: 42})
	link, exp, err := s.Sign(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if d := exp.Sub(s.now()); d > s.TTL() || d < s.TTL()-2*time.Second {
		t.Fatalf("expiry in %v, ttl %v", d, s.TTL())
	}
	return link
}

func check(s *Signer, link string, spend bool) (int64, error) {
	return s.check(httptest.NewRequest(http.MethodGet, link, nil), spend)
}

func TestLinks(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s := NewSigner(nil, time.Minute, allowed)
	s.now = func() time.Time { return now }

	link := signed(t, s, "/export/sites.csv?format=excel-fr&b=2")
	if !strings.Contains(link, "dl=") || strings.Count(link, "format=excel-fr") != 1 {
		t.Fatalf("link %s", link)
	}
	// Parameter order does not matter; any other change does.
	u, _ := url.Parse(link)
	q := u.Query()
	if id, err := check(s, "/export/sites.csv?b=2&dl="+url.QueryEscape(q.Get("dl"))+"&format=excel-fr", false); err != nil || id != 42 {
		t.Fatalf("reordered: %d %v", id, err)
	}
	for _, forged := range []string{
		strings.Replace(link, "sites", "employees", 1),
		strings.Replace(link, "b=2", "b=3", 1),
		link + "&extra=1",
		strings.Replace(link, "excel-fr", "csv", 1),
	} {
		if _, err := check(s, forged, true); err == nil {
			t.Errorf("forged link accepted: %s", forged)
		}
	}
	// Another key (another server without the shared secret) refuses it.
	other := NewSigner([]byte("another key, long enough for hmac"), time.Minute, allowed)
	if _, err := check(other, link, true); err == nil {
		t.Error("a link of another key accepted")
	}
	// Once only; a probe does not spend it.
	if _, err := check(s, link, false); err != nil {
		t.Fatal(err)
	}
	if _, err := check(s, link, true); err != nil {
		t.Fatal(err)
	}
	if _, err := check(s, link, true); err == nil {
		t.Error("second use accepted")
	}
	// Not after its expiry.
	link = signed(t, s, "/export/sites.csv")
	now = now.Add(time.Minute)
	if _, err := check(s, link, true); err == nil {
		t.Error("expired link accepted")
	}
	// Spent nonces are forgotten once expired.
	signed(t, s, "/export/x.csv")
	if _, err := check(s, signed(t, s, "/export/y.csv"), true); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := check(s, signed(t, s, "/export/z.csv"), true); err != nil {
		t.Fatal(err)
	}
	if len(s.spent) != 1 {
		t.Errorf("%d spent nonces kept, want 1", len(s.spent))
	}
}

func TestSignRefuses(t *testing.T) {
	s := NewSigner(nil, 0, allowed)
	if _, _, err := s.Sign(context.Background(), "/export/sites.csv"); err == nil {
		t.Error("signed for an anonymous caller")
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Role: auth.RoleAdmin, TokenID: 1})
	for _, bad := range []string{"/graphql", "https://evil.example/export/a.csv", "//evil.example/export/a.csv", "export/a.csv", "/export/a.csv#x", ":"} {
		if _, _, err := s.Sign(ctx, bad); err == nil {
			t.Errorf("signed %q", bad)
		}
	}
	for _, bad := range []string{"", "x", "a.b.c", "AAAA.AAAA"} {
		if _, err := check(s, "/export/a.csv?dl="+bad, true); err == nil {
			t.Errorf("dl=%q accepted", bad)
		}
	}
}
