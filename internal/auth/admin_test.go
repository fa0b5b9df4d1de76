package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestCheckScope(t *testing.T) {
	d, _ := testdb.New(t)
	ctx := context.Background()
	if _, err := d.Exec(`
		INSERT INTO territories (level, code, name) VALUES ('region', '76', 'Occitanie');
		INSERT INTO poles (id, name, kind, region_code) VALUES ('aerospace-valley', 'Aerospace Valley', 'competitiveness_pole', '76');
		INSERT INTO companies (siren, name) VALUES ('356000000', 'La Poste')`); err != nil {
		t.Fatal(err)
	}
	ok := []Scope{{}, {PoleID: "aerospace-valley"}, {Siren: "356000000"}, {Territory: &Territory{Level: "region", Code: "76"}}}
	for _, s := range ok {
		if err := CheckScope(ctx, d, s); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	bad := []struct {
		scope Scope
		says  string
	}{
		{Scope{PoleID: "nope"}, "no pole nope"},
		{Scope{Siren: "732829320"}, "no company 732829320"},
		{Scope{Territory: &Territory{Level: "region", Code: "99"}}, "no territory region:99"},
		{Scope{Territory: &Territory{Level: "department", Code: "76"}}, "no territory department:76"},
	}
	for _, c := range bad {
		err := CheckScope(ctx, d, c.scope)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeNotFound || !strings.Contains(de.Message, c.says) {
			t.Errorf("%+v: %v, want NOT_FOUND %q", c.scope, err, c.says)
		}
	}
}

func TestFindAndRevokeRef(t *testing.T) {
	d, _ := testdb.New(t)
	ctx := context.Background()
	var toks []Token
	var plains []string
	for i := 0; i < 3; i++ {
		p, tok, err := Create(ctx, d, RoleAdmin, Scope{}, time.Time{}, "t"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		toks, plains = append(toks, tok), append(plains, p)
	}
	// Two tokens sharing the first characters of their prefix, as list shows
	// it, to check ambiguity: rewrite their stored prefixes.
	if _, err := d.Exec(`UPDATE tokens SET prefix = CASE id WHEN $1 THEN 'gpec_abcdaaaa' ELSE 'gpec_abcdbbbb' END WHERE id IN ($1, $2)`,
		toks[1].ID, toks[2].ID); err != nil {
		t.Fatal(err)
	}

	got, err := Find(ctx, d, strconv.FormatInt(toks[0].ID, 10))
	if err != nil || got.ID != toks[0].ID {
		t.Fatalf("by id: %+v, %v", got, err)
	}
	if got, err = Find(ctx, d, toks[0].Prefix); err != nil || got.ID != toks[0].ID {
		t.Fatalf("by the listed prefix %s: %+v, %v", toks[0].Prefix, got, err)
	}
	if got, err = Find(ctx, d, plains[0]); err != nil || got.ID != toks[0].ID {
		t.Fatalf("by the whole token: %+v, %v", got, err)
	}
	if got, err = Find(ctx, d, "gpec_abcdbbbb"); err != nil || got.ID != toks[2].ID {
		t.Fatalf("by an unambiguous prefix: %+v, %v", got, err)
	}
	_, err = Find(ctx, d, "gpec_abcd")
	if err == nil || !strings.Contains(err.Error(), "several tokens") ||
		!strings.Contains(err.Error(), strconv.FormatInt(toks[1].ID, 10)) {
		t.Fatalf("ambiguous prefix: %v", err)
	}
	for _, ref := range []string{"999999", "gpec_zzzzzzzz"} {
		var de *domain.Error
		if _, err := Find(ctx, d, ref); !errors.As(err, &de) || de.Code != domain.CodeNotFound {
			t.Errorf("%s: %v, want NOT_FOUND", ref, err)
		}
	}
	for _, ref := range []string{"gpec_", "abc", "gpec_ab!d"} {
		var de *domain.Error
		if _, err := Find(ctx, d, ref); !errors.As(err, &de) || de.Code != domain.CodeInvalid {
			t.Errorf("%q: %v, want BAD_USER_INPUT", ref, err)
		}
	}

	rt, err := RevokeRef(ctx, d, toks[0].Prefix)
	if err != nil || rt.RevokedAt == nil {
		t.Fatalf("first revoke: %+v, %v", rt, err)
	}
	first := *rt.RevokedAt
	rt, err = RevokeRef(ctx, d, strconv.FormatInt(toks[0].ID, 10))
	if !errors.Is(err, ErrAlreadyRevoked) || rt.RevokedAt == nil || !rt.RevokedAt.Equal(first) {
		t.Fatalf("second revoke: %+v, %v; want ErrAlreadyRevoked keeping %v", rt, err, first)
	}
	if _, _, err := Authenticate(ctx, d, plains[0]); err == nil {
		t.Fatal("a revoked token still authenticates")
	}
}

func TestDeleteStale(t *testing.T) {
	d, _ := testdb.New(t)
	ctx := context.Background()
	mk := func(label string) Token {
		_, tok, err := Create(ctx, d, RoleAdmin, Scope{}, time.Now().Add(time.Hour), label)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	revoked, live, other, replaced := mk("demo admin"), mk("demo company"), mk("ops"), mk("demo observatory")
	for _, id := range []int64{revoked.ID, other.ID} {
		if err := Revoke(ctx, d, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := DeleteStale(ctx, d, "demo ", []int64{replaced.ID}); err != nil {
		t.Fatal(err)
	}
	left, err := List(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, tok := range left {
		ids = append(ids, tok.ID)
	}
	if len(ids) != 2 || ids[0] != live.ID || ids[1] != other.ID {
		t.Fatalf("left %v, want the live demo token %d and the other label's revoked %d", ids, live.ID, other.ID)
	}
}
