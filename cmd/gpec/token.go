package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/auth"
)

func init() {
	register("token", "API tokens: token create -role R [-pole P|-siren S|-territory level:code] [-expires 720h] [-label L] | list | revoke ID|PREFIX", runToken)
}

const tokenAbout = `
Manages API tokens. A token is shown once, at creation; only its hash is
stored. Actions:

  create -role R [scope] [-expires D] [-label L]   issue a token (gpec token create -h)
  list                                              every token: id, prefix, role, scope, dates
  revoke ID|PREFIX                                  revoke by id or by the prefix list shows

Run on the machine of the database (same data folder or DATABASE_URL as
the service, which may run meanwhile).`

func runToken(ctx context.Context, args []string) error {
	top := newCLI("token", "gpec token create|list|revoke …", tokenAbout)
	if len(args) == 0 || isHelp(args[0]) {
		if len(args) == 0 {
			return usagef("no action given (create, list, revoke)")
		}
		top.printUsage(os.Stdout)
		return errHelpShown
	}
	switch args[0] {
	case "create":
		return tokenCreate(ctx, args[1:])
	case "list":
		return tokenList(ctx, args[1:])
	case "revoke":
		return tokenRevoke(ctx, args[1:])
	}
	return usagef("unknown token action %q (create, list or revoke)", args[0])
}

func tokenCreate(ctx context.Context, args []string) error {
	c := newCLI("token create", "gpec token create -role R [-pole P|-siren S|-territory level:code] [-expires D] [-label L]", `
Issues a token and prints it on stdout (once: only its hash is kept). The
scope must name a pole, company or territory the database holds.`).withDataDir()
	role := c.String("role", "", "admin, pole_manager, company or observatory")
	pole := c.String("pole", "", "with pole_manager: the pole id (e.g. aerospace-valley)")
	siren := c.String("siren", "", "with company: the SIREN")
	territory := c.String("territory", "", "with observatory: level:code (e.g. region:76); omit for the whole country")
	expires := c.Duration("expires", 0, "lifetime (e.g. 720h); 0 = never expires")
	label := c.String("label", "", "a note shown in lists")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.NArg() > 0 {
		return usagef("unexpected argument %q", c.Arg(0))
	}
	if *role == "" {
		return usagef("-role is required (admin, pole_manager, company or observatory)")
	}
	scope := auth.Scope{PoleID: *pole, Siren: *siren}
	if *territory != "" {
		level, code, ok := strings.Cut(*territory, ":")
		if !ok {
			return usagef("-territory is level:code, e.g. region:76")
		}
		scope.Territory = &auth.Territory{Level: level, Code: code}
	}
	if *expires < 0 {
		return usagef("-expires must be positive")
	}
	// The shape first, before any database is started, then whether the
	// scope exists.
	if err := auth.Validate(auth.Role(*role), scope); err != nil {
		return err
	}
	d, stop, err := tokenDB(ctx)
	if err != nil {
		return err
	}
	defer stop()
	var exp time.Time
	if *expires > 0 {
		exp = time.Now().Add(*expires)
	}
	if err := auth.CheckScope(ctx, d, scope); err != nil {
		return err
	}
	plain, tok, err := auth.Create(ctx, d, auth.Role(*role), scope, exp, *label)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "token %d (%s) created; it is shown once, keep it:\n", tok.ID, tok.Prefix)
	fmt.Println(plain)
	return nil
}

func tokenList(ctx context.Context, args []string) error {
	c := newCLI("token list", "gpec token list", "Lists every token, revoked and expired ones included, oldest first.").withDataDir()
	if err := c.parse(args); err != nil {
		return err
	}
	if c.NArg() > 0 {
		return usagef("unexpected argument %q", c.Arg(0))
	}
	d, stop, err := tokenDB(ctx)
	if err != nil {
		return err
	}
	defer stop()
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
}

func tokenRevoke(ctx context.Context, args []string) error {
	c := newCLI("token revoke", "gpec token revoke ID|PREFIX", `
Revokes a token, named by its id or by its prefix as token list shows it
(gpec_ and 8 characters; a shorter start is accepted when only one token
has it). A running server stops accepting it within 30 s.`).withDataDir()
	if err := c.parse(args); err != nil {
		return err
	}
	if c.NArg() != 1 {
		return usagef("give one token id or prefix")
	}
	d, stop, err := tokenDB(ctx)
	if err != nil {
		return err
	}
	defer stop()
	t, err := auth.RevokeRef(ctx, d, c.Arg(0))
	if errors.Is(err, auth.ErrAlreadyRevoked) {
		fmt.Printf("token %d (%s) was already revoked on %s\n", t.ID, t.Prefix, t.RevokedAt.Format(time.DateTime))
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Printf("token %d (%s) revoked\n", t.ID, t.Prefix)
	return nil
}

// tokenDB opens the database of the token actions, migrated and with the
// reference data (for scope checks).
func tokenDB(ctx context.Context) (*sqlx.DB, func(), error) {
	d, _, stop, err := database(ctx, poolOptions())
	if err != nil {
		return nil, nil, err
	}
	if err := bootstrap(ctx, d, false); err != nil {
		stop()
		return nil, nil, err
	}
	return d, stop, nil
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
