package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestTokens(t *testing.T) {
	d, _ := testdb.New(t)
	ctx := context.Background()

	t.Run("CreateAuthenticateEachRole", func(t *testing.T) {
		cases := []struct {
			role  Role
			scope Scope
		}{
			{RoleAdmin, Scope{}},
			{RolePoleManager, Scope{PoleID: "aerospace-valley"}},
			{RoleCompany, Scope{Siren: "356000000"}},
			{RoleObservatory, Scope{Territory: &Territory{Level: "region", Code: "84"}}},
			{RoleObservatory, Scope{}},
		}
		for _, c := range cases {
			plain, tok, err := Create(ctx, d, c.role, c.scope, time.Time{}, "test "+c.role.String())
			if err != nil {
				t.Fatalf("%s: %v", c.role, err)
			}
			if !strings.HasPrefix(plain, TokenPrefix) || len(plain) != tokenLen || !strings.HasPrefix(plain, tok.Prefix) {
				t.Fatalf("plaintext %q / prefix %q", plain, tok.Prefix)
			}
			p, id, err := Authenticate(ctx, d, plain)
			if err != nil {
				t.Fatal(err)
			}
			if id != tok.ID || p.TokenID != tok.ID || p.Role != c.role {
				t.Fatalf("got %+v id %d, want role %s id %d", p, id, c.role, tok.ID)
			}
			if (p.Scope.Territory == nil) != (c.scope.Territory == nil) ||
				(p.Scope.Territory != nil && *p.Scope.Territory != *c.scope.Territory) ||
				p.Scope.PoleID != c.scope.PoleID || p.Scope.Siren != c.scope.Siren {
				t.Fatalf("scope %+v, want %+v", p.Scope, c.scope)
			}
		}
	})

	t.Run("ErrScopeMismatch", func(t *testing.T) {
		bad := []struct {
			role  Role
			scope Scope
		}{
			{RoleAdmin, Scope{PoleID: "x"}},
			{RolePoleManager, Scope{}},
			{RolePoleManager, Scope{PoleID: "Aerospace Valley"}},
			{RoleCompany, Scope{Siren: "123456789"}}, // Luhn-invalid
			{RoleCompany, Scope{Siren: "356000000", PoleID: "p"}},
			{RoleObservatory, Scope{Territory: &Territory{Level: "department", Code: "96"}}},
			{RoleObservatory, Scope{Siren: "356000000"}},
			{"root", Scope{}},
		}
		for _, c := range bad {
			_, _, err := Create(ctx, d, c.role, c.scope, time.Time{}, "")
			if codeOf(err) != domain.CodeInvalid {
				t.Errorf("%s %+v: got %v, want %s", c.role, c.scope, err, domain.CodeInvalid)
			}
		}
		// The table refuses a mismatch even from code that skips validate.
		_, err := d.ExecContext(ctx, `INSERT INTO tokens (prefix, hash, role, siren)
			VALUES ('gpec_aaaaaaaa', decode(repeat('00', 32), 'hex'), 'admin', '356000000')`)
		if err == nil || !strings.Contains(err.Error(), "tokens_scope_matches_role") {
			t.Fatalf("admin token with a SIREN: %v", err)
		}
	})

	t.Run("ErrUnknownAndMalformed", func(t *testing.T) {
		plain, _ := newPlaintext() // well formed, never stored
		for _, s := range []string{"", "gpec_", "nope", plain, plain[:len(plain)-1] + "a", strings.ToUpper(plain)} {
			if _, _, err := Authenticate(ctx, d, s); domain.ErrorCode(err) != domain.CodeUnauthenticated {
				t.Errorf("%q: got %v", s, err)
			}
		}
	})

	t.Run("ListAndRevoke", func(t *testing.T) {
		plain, tok, err := Create(ctx, d, RoleCompany, Scope{Siren: "732829320"}, time.Time{}, "to revoke")
		if err != nil {
			t.Fatal(err)
		}
		if err := Revoke(ctx, d, tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := Revoke(ctx, d, tok.ID); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if err := Revoke(ctx, d, 999999); codeOf(err) != domain.CodeNotFound {
			t.Fatalf("revoking an unknown id: %v", err)
		}
		_, _, err = Authenticate(ctx, d, plain)
		if !errors.Is(err, errRevoked) {
			t.Fatalf("revoked token: %v", err)
		}
		list, err := List(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, l := range list {
			if l.ID == tok.ID {
				found = true
				if l.RevokedAt == nil || l.Label != "to revoke" || l.Prefix != plain[:prefixChars] {
					t.Fatalf("listed %+v", l)
				}
			}
		}
		if !found || len(list) < 2 {
			t.Fatalf("list %d tokens, revoked one found: %v", len(list), found)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		plain, tok, err := Create(ctx, d, RoleAdmin, Scope{}, time.Now().Add(time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Authenticate(ctx, d, plain); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE tokens SET created_at = now() - interval '2 hours',
			expires_at = now() - interval '1 second' WHERE id = $1`, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Authenticate(ctx, d, plain); !errors.Is(err, errExpired) {
			t.Fatalf("expired token: %v", err)
		}
		if _, _, err := Create(ctx, d, RoleAdmin, Scope{}, time.Now().Add(-time.Minute), ""); codeOf(err) != domain.CodeInvalid {
			t.Fatalf("expiry in the past: %v", err)
		}
	})

	t.Run("LastUsedAtAtMostOncePerMinute", func(t *testing.T) {
		plain, tok, err := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() (v *time.Time) {
			if err := d.QueryRowContext(ctx, `SELECT last_used_at FROM tokens WHERE id = $1`, tok.ID).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		if lastUsed() != nil {
			t.Fatal("a new token has a last use")
		}
		Authenticate(ctx, d, plain)
		first := lastUsed()
		if first == nil {
			t.Fatal("last_used_at not set")
		}
		time.Sleep(10 * time.Millisecond)
		Authenticate(ctx, d, plain)
		if second := lastUsed(); !second.Equal(*first) {
			t.Fatalf("last_used_at rewritten within a minute: %v then %v", first, second)
		}
		d.ExecContext(ctx, `UPDATE tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, tok.ID)
		Authenticate(ctx, d, plain)
		if third := lastUsed(); !third.After(*first) {
			t.Fatalf("last_used_at not refreshed after a minute: %v", third)
		}
	})

	t.Run("NoPlaintextStored", func(t *testing.T) {
		plain, _, err := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		secret := plain[len(TokenPrefix):]
		// Every column of every row, as text, and the hash's hex and
		// base32-looking encodings: the secret part must appear nowhere.
		var hits int
		err = d.QueryRowContext(ctx, `SELECT count(*) FROM tokens t
			WHERE strpos(t::text, $1) > 0 OR strpos(t::text, $2) > 0
			   OR strpos(encode(t.hash, 'escape'), $1) > 0`, secret, secret[8:40]).Scan(&hits)
		if err != nil {
			t.Fatal(err)
		}
		if hits != 0 {
			t.Fatalf("the plaintext token is in the tokens table (%d rows)", hits)
		}
	})
}

// codeOf is the code of a user-facing error, "" for none.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return domain.ErrorCode(err)
}
