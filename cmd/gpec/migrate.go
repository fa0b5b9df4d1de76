package main

import (
	"context"
	"fmt"

	"github.com/gpec-project/gpec/internal/migrate"
)

func init() {
	register("migrate", "apply, roll back or list schema migrations: migrate up|down [-steps N]|status", runMigrate)
}

func runMigrate(ctx context.Context, args []string) error {
	c := newCLI("migrate", "gpec migrate up|down [-steps N]|status", `
Applies (up), rolls back (down) or lists (status) the schema migrations
embedded in the binary, under a PostgreSQL advisory lock.`).withDataDir()
	steps := c.Int("steps", 1, "with down: how many migrations to roll back")
	if len(args) == 0 {
		return usagef("no action given (up, down or status)")
	}
	if isHelp(args[0]) {
		return c.parse([]string{"-h"})
	}
	switch args[0] {
	case "up", "down", "status":
	default:
		return usagef("unknown migrate action %q (up, down or status)", args[0])
	}
	if err := c.parse(args[1:]); err != nil {
		return err
	}
	if c.NArg() > 0 {
		return usagef("unexpected argument %q", c.Arg(0))
	}
	d, _, stop, err := database(ctx, poolOptions())
	if err != nil {
		return err
	}
	defer stop()
	switch args[0] {
	case "up":
		did, err := migrate.Up(ctx, d.DB)
		if err != nil {
			return err
		}
		fmt.Printf("applied %d migration(s) %v\n", len(did), did)
	case "down":
		did, err := migrate.Down(ctx, d.DB, *steps)
		if err != nil {
			return err
		}
		fmt.Printf("rolled back %d migration(s) %v\n", len(did), did)
	case "status":
		st, err := migrate.Status(ctx, d.DB)
		if err != nil {
			return err
		}
		for _, s := range st {
			mark := "pending"
			if s.Applied {
				mark = "applied"
			}
			fmt.Printf("%04d_%-30s %s\n", s.Version, s.Name, mark)
		}
	}
	return nil
}
