package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/auth"
)

func init() {
	register("token", "API tokens: token create -role R [-pole P|-siren S|-territory level:code] [-expires 720h] [-label L] | list | revoke ID", runToken)
}

func runToken(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gpec token create|list|revoke …")
	}
	d, _, stop, err := database(ctx, poolOptions())
	if err != nil {
		return err
	}
	defer stop()
	if err := bootstrap(ctx, d, false); err != nil {
		return err
	}
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("token create", flag.ContinueOnError)
		role := fs.String("role", "", "admin, pole_manager, company or observatory")
		pole := fs.String("pole", "", "with pole_manager: the pole id")
		siren := fs.String("siren", "", "with company: the SIREN")
		territory := fs.String("territory", "", "with observatory: level:code (e.g. region:76); omit for the whole country")
		expires := fs.Duration("expires", 0, "lifetime (e.g. 720h); 0 = never expires")
		label := fs.String("label", "", "a note shown in lists")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		scope := auth.Scope{PoleID: *pole, Siren: *siren}
		if *territory != "" {
			level, code, ok := strings.Cut(*territory, ":")
			if !ok {
				return errors.New("-territory is level:code, e.g. region:76")
			}
			scope.Territory = &auth.Territory{Level: level, Code: code}
		}
		var exp time.Time
		if *expires > 0 {
			exp = time.Now().Add(*expires)
		}
		plain, tok, err := auth.Create(ctx, d, auth.Role(*role), scope, exp, *label)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "token %d created (%s); it is shown once, keep it:\n", tok.ID, tok.Role)
		fmt.Println(plain)
	case "list":
		toks, err := auth.List(ctx, d)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tPREFIX\tROLE\tSCOPE\tLABEL\tCREATED\tEXPIRES\tREVOKED\tLAST USED")
		for _, t := range toks {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Prefix, t.Role, scopeString(t.Scope), t.Label,
				t.CreatedAt.Format(time.DateTime), timeOrDash(t.ExpiresAt), timeOrDash(t.RevokedAt), timeOrDash(t.LastUsedAt))
		}
		return w.Flush()
	case "revoke":
		if len(args) != 2 {
			return errors.New("usage: gpec token revoke ID")
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return fmt.Errorf("token id %q is not a number", args[1])
		}
		if err := auth.Revoke(ctx, d, id); err != nil {
			return err
		}
		fmt.Printf("token %d revoked\n", id)
	default:
		return fmt.Errorf("unknown token action %q (create, list, revoke)", args[0])
	}
	return nil
}

func scopeString(s auth.Scope) string {
	switch {
	case s.PoleID != "":
		return "pole " + s.PoleID
	case s.Siren != "":
		return "siren " + s.Siren
	case s.Territory != nil:
		return s.Territory.Level + " " + s.Territory.Code
	}
	return "-"
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.DateTime)
}

// demoTokens revokes the previous demo tokens and creates one per role, so
// that whoever runs the demo can try each role at once.
func demoTokens(ctx context.Context, d *sqlx.DB) (map[string]string, error) {
	if _, err := d.ExecContext(ctx, `UPDATE tokens SET revoked_at = now() WHERE label LIKE 'demo %' AND revoked_at IS NULL`); err != nil {
		return nil, err
	}
	var siren string
	if err := d.GetContext(ctx, &siren, `SELECT m.siren FROM memberships m JOIN companies c USING (siren)
		WHERE m.pole_id = 'aerospace-valley' AND (m.until IS NULL OR m.until > current_date) ORDER BY c.name LIMIT 1`); err != nil {
		return nil, fmt.Errorf("no member of aerospace-valley for the demo company token: %w", err)
	}
	specs := []struct {
		name  string
		role  auth.Role
		scope auth.Scope
	}{
		{"admin", auth.RoleAdmin, auth.Scope{}},
		{"pole_manager (aerospace-valley)", auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"}},
		{"company (" + siren + ")", auth.RoleCompany, auth.Scope{Siren: siren}},
		{"observatory (region 76, Occitanie)", auth.RoleObservatory, auth.Scope{Territory: &auth.Territory{Level: "region", Code: "76"}}},
	}
	out := map[string]string{}
	for _, s := range specs {
		plain, _, err := auth.Create(ctx, d, s.role, s.scope, time.Now().Add(30*24*time.Hour), "demo "+s.name)
		if err != nil {
			return nil, err
		}
		out[s.name] = plain
	}
	return out, nil
}
