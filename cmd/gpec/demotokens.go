package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/auth"
)

// demoTokensFile, in the data folder, keeps the demo tokens' plaintexts
// (mode 0600), so that a restart reuses them: the tokens printed last time,
// pasted in scripts or in GraphiQL, keep working, and `token list` does not
// grow at each start.
const demoTokensFile = "demo-tokens.json"

// demoLabel starts the label of every demo token.
const demoLabel = "demo "

// demoLifetime is a demo token's lifetime, and demoRenew how close to its
// end it is replaced at a start.
const (
	demoLifetime = 30 * 24 * time.Hour
	demoRenew    = 7 * 24 * time.Hour
)

// demoPole is the pole of the demo's pole_manager and company tokens, the
// pole of the README's and docs/queries.md's examples.
const demoPole = "aerospace-valley"

// demoToken is one demo token as printed and as kept in demoTokensFile.
type demoToken struct {
	Name  string     `json:"name"` // as printed: "admin", "company (882778525)", …
	Role  auth.Role  `json:"role"`
	Scope auth.Scope `json:"scope"`
	Token string     `json:"token"`
}

type demoTokensDoc struct {
	Note   string      `json:"note"`
	Tokens []demoToken `json:"tokens"`
}

// demoTokens returns one token per role, in a fixed order (admin first):
// those kept in path when they still authenticate in d with the same role
// and scope and are not about to expire, new ones otherwise. Replaced demo
// tokens are deleted, with any revoked or expired demo token, rather than
// revoked: nothing piles up. The company is the one of last time while it
// is still a member of the demo pole, so imports do not change it.
func demoTokens(ctx context.Context, d *sqlx.DB, path string) ([]demoToken, error) {
	kept := map[auth.Role]demoToken{}
	if b, err := os.ReadFile(path); err == nil {
		var doc demoTokensDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			fmt.Fprintf(os.Stderr, "gpec: %s is not readable (%v); making new demo tokens\n", path, err)
		}
		for _, t := range doc.Tokens {
			kept[t.Role] = t
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	siren, err := demoCompany(ctx, d, kept[auth.RoleCompany].Scope.Siren)
	if err != nil {
		return nil, err
	}
	want := []demoToken{
		{Name: "admin", Role: auth.RoleAdmin},
		{Name: "pole_manager (" + demoPole + ")", Role: auth.RolePoleManager, Scope: auth.Scope{PoleID: demoPole}},
		{Name: "company (" + siren + ")", Role: auth.RoleCompany, Scope: auth.Scope{Siren: siren}},
		{Name: "observatory (region 76, Occitanie)", Role: auth.RoleObservatory, Scope: auth.Scope{Territory: &auth.Territory{Level: "region", Code: "76"}}},
	}
	var replaced []int64
	changed := false
	for i, w := range want {
		if k, ok := kept[w.Role]; ok && k.Token != "" {
			t, err := auth.Check(ctx, d, k.Token)
			if err == nil && sameScope(t.Scope, w.Scope) && t.Role == w.Role &&
				(t.ExpiresAt == nil || time.Until(*t.ExpiresAt) > demoRenew) {
				want[i].Token = k.Token
				continue
			}
			if err == nil {
				replaced = append(replaced, t.ID)
			}
		}
		plain, _, err := auth.Create(ctx, d, w.Role, w.Scope, time.Now().Add(demoLifetime), demoLabel+w.Name)
		if err != nil {
			return nil, fmt.Errorf("demo token %s: %w", w.Name, err)
		}
		want[i].Token = plain
		changed = true
	}
	if err := auth.DeleteStale(ctx, d, demoLabel, replaced); err != nil {
		return nil, err
	}
	if changed {
		if err := writeDemoTokens(path, want); err != nil {
			return nil, err
		}
	}
	return want, nil
}

// demoCompany is the company of the demo company token: last time's while
// it is an active member of the demo pole, else the pole's first member by
// name (882778525, Aéro Chaadan, in the small demo dataset).
func demoCompany(ctx context.Context, d *sqlx.DB, last string) (string, error) {
	var siren string
	err := d.GetContext(ctx, &siren, `SELECT m.siren FROM memberships m JOIN companies c USING (siren)
		WHERE m.pole_id = $1 AND m.since <= current_date AND (m.until IS NULL OR m.until > current_date)
		ORDER BY m.siren = $2 DESC, c.name, m.siren LIMIT 1`, demoPole, last)
	if err != nil {
		return "", fmt.Errorf("no active member of %s for the demo company token: %w", demoPole, err)
	}
	return siren, nil
}

func sameScope(a, b auth.Scope) bool {
	if (a.Territory == nil) != (b.Territory == nil) || (a.Territory != nil && *a.Territory != *b.Territory) {
		return false
	}
	return a.PoleID == b.PoleID && a.Siren == b.Siren
}

// writeDemoTokens replaces path atomically, readable by its owner only:
// it holds working tokens.
func writeDemoTokens(path string, toks []demoToken) error {
	b, err := json.MarshalIndent(demoTokensDoc{
		Note:   "gpec serve's demo tokens, reused at every start while they work; delete this file to get new ones.",
		Tokens: toks,
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".demo-tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// printBanner says where the service is and, with the demo, its tokens:
// on stdout, apart from the JSON log lines of stderr.
func printBanner(w io.Writer, addr string, private bool, toks []demoToken, inPage bool) {
	var b strings.Builder
	fmt.Fprintf(&b, "\ngpec is serving on http://%s/  (GraphiQL at /, API at /graphql; Ctrl-C stops it)\n", addr)
	if private {
		fmt.Fprintf(&b, "Data folder: %s\n", dataDir())
	}
	if len(toks) > 0 {
		where := "GraphiQL starts with the admin one in its Headers tab"
		if !inPage {
			where = "not in GraphiQL's page: the listener is not on loopback"
		}
		fmt.Fprintf(&b, "\nDemo tokens (send as `Authorization: Bearer …`; %s):\n", where)
		for _, t := range toks {
			fmt.Fprintf(&b, "  %-36s %s\n", t.Name, t.Token)
		}
		fmt.Fprintf(&b, "They are kept in %s and reused at every start.\n", filepath.Join(dataDir(), demoTokensFile))
	}
	fmt.Fprintln(&b)
	_, _ = io.WriteString(w, b.String())
}
