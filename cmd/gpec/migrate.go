package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/gpec-project/gpec/internal/migrate"
)

func init() {
	register("migrate", "apply, roll back or list schema migrations: migrate up|down [-steps N]|status", runMigrate)
}

func runMigrate(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gpec migrate up|down [-steps N]|status")
	}
	fs := flag.NewFlagSet("migrate "+args[0], flag.ContinueOnError)
	steps := fs.Int("steps", 1, "with down: how many migrations to roll back")
	if err := fs.Parse(args[1:]); err != nil {
		return err
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
	default:
		return fmt.Errorf("unknown migrate action %q (up, down, status)", args[0])
	}
	return nil
}
