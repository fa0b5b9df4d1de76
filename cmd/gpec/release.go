package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/db"
	"github.com/gpec-project/gpec/internal/release"
)

func init() {
	register("release", "observatory releases: create -date D | list | show ID | delete ID | audit ID", runRelease)
}

const releaseUsage = `usage:
  gpec release create -date YYYY-MM-DD [-retirement-age A]
  gpec release list
  gpec release show ID
  gpec release delete ID
  gpec release audit ID

The retirement age defaults to the ` + release.RetirementAgeEnv + ` setting (else 64).`

func runRelease(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" {
		fmt.Fprintln(os.Stderr, releaseUsage)
		if len(args) == 0 {
			return exitCode(2)
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	var run func(context.Context, []string) error
	switch sub {
	case "create":
		run = releaseCreate
	case "list":
		run = releaseList
	case "show":
		run = releaseShow
	case "delete":
		run = releaseDelete
	case "audit":
		run = releaseAudit
	default:
		return fmt.Errorf("unknown subcommand %q\n%s", sub, releaseUsage)
	}
	return run(ctx, rest)
}

func releaseCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("release create", flag.ContinueOnError)
	date := fs.String("date", "", "reference date D (YYYY-MM-DD), required")
	def, err := release.RetirementAgeSetting()
	if err != nil {
		return err
	}
	age := fs.Int("retirement-age", def, "retirement age of the release")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *date == "" {
		return fmt.Errorf("-date is required (YYYY-MM-DD)")
	}
	d, err := time.Parse(time.DateOnly, *date)
	if err != nil {
		return fmt.Errorf("-date: %q is not a date YYYY-MM-DD", *date)
	}
	dbx, _, stop, err := database(ctx, db.Options{MaxOpen: 3})
	if err != nil {
		return err
	}
	defer stop()
	if err := bootstrap(ctx, dbx, false); err != nil {
		return err
	}
	rel, err := release.Create(ctx, dbx, d, *age)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "release %d: building for %s, horizons %v, retirement age %d\n",
		rel.ID, rel.ReferenceDate.Format(time.DateOnly), rel.Horizons(), rel.RetirementAge)
	err = release.Build(ctx, dbx, rel.ID, release.Options{Progress: func(done, total int, step string) {
		fmt.Fprintf(os.Stderr, "release %d: [%d/%d] %s\n", rel.ID, done, total, step)
	}})
	if err != nil {
		return err
	}
	if rel, err = release.Get(ctx, dbx, rel.ID); err != nil {
		return err
	}
	printRelease(os.Stdout, rel)
	if rel.Status != release.Published {
		return fmt.Errorf("release %d failed: %s", rel.ID, rel.Failure.String)
	}
	return nil
}

func releaseList(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("list takes no arguments")
	}
	dbx, stop, err := releaseDB(ctx)
	if err != nil {
		return err
	}
	defer stop()
	rs, total, err := release.List(ctx, dbx, false, 0, 1000)
	if err != nil {
		return err
	}
	fmt.Printf("%-6s %-10s %-9s %-16s %6s %8s %8s %8s %8s\n", "ID", "DATE", "STATUS", "HORIZONS", "AGE", "CELLS", "PRIMARY", "SECOND.", "SECONDS")
	for _, r := range rs {
		fmt.Printf("%-6d %-10s %-9s %-16s %6d %8s %8s %8s %8s\n", r.ID, r.ReferenceDate.Format(time.DateOnly), r.Status,
			fmt.Sprint(r.Horizons()), r.RetirementAge, showInt(r.CellCountRaw.Int64, r.CellCountRaw.Valid),
			showInt(r.HiddenPrimaryN.Int64, r.HiddenPrimaryN.Valid), showInt(r.HiddenSecondN.Int64, r.HiddenSecondN.Valid),
			showFloat(r.BuildSecondsRaw.Float64, r.BuildSecondsRaw.Valid))
	}
	if total > len(rs) {
		fmt.Printf("(%d more)\n", total-len(rs))
	}
	return nil
}

func showInt(v int64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprint(v)
}

func showFloat(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

// releaseDB opens the database of the read-only release commands (list,
// show, delete, audit), migrated and bootstrapped as serve leaves it.
func releaseDB(ctx context.Context) (*sqlx.DB, func(), error) {
	dbx, _, stop, err := database(ctx, db.Options{MaxOpen: 2})
	if err != nil {
		return nil, nil, err
	}
	if err := bootstrap(ctx, dbx, false); err != nil {
		stop()
		return nil, nil, err
	}
	return dbx, stop, nil
}

// releaseID reads the one ID argument.
func releaseID(args []string) (int64, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("expects one release ID\n%s", releaseUsage)
	}
	return release.ParseID(args[0])
}

func releaseShow(ctx context.Context, args []string) error {
	id, err := releaseID(args)
	if err != nil {
		return err
	}
	dbx, stop, err := releaseDB(ctx)
	if err != nil {
		return err
	}
	defer stop()
	rel, err := release.Get(ctx, dbx, id)
	if err != nil {
		return err
	}
	if rel == nil {
		return fmt.Errorf("no release %d", id)
	}
	printRelease(os.Stdout, rel)
	return nil
}

func printRelease(w io.Writer, r *release.Release) {
	fmt.Fprintf(w, "release         %d\n", r.ID)
	fmt.Fprintf(w, "reference date  %s\n", r.ReferenceDate.Format(time.DateOnly))
	fmt.Fprintf(w, "status          %s", r.Status)
	if r.Status == release.Building {
		fmt.Fprintf(w, " (%.0f %%)", 100*r.ProgressRaw)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "horizons        %v\n", r.Horizons())
	fmt.Fprintf(w, "retirement age  %d\n", r.RetirementAge)
	fmt.Fprintf(w, "created at      %s\n", r.CreatedAt())
	fmt.Fprintf(w, "build seconds   %s\n", showFloat(r.BuildSecondsRaw.Float64, r.BuildSecondsRaw.Valid))
	fmt.Fprintf(w, "cells           %s\n", showInt(r.CellCountRaw.Int64, r.CellCountRaw.Valid))
	fmt.Fprintf(w, "size (bytes)    %s\n", showInt(r.SizeBytes.Int64, r.SizeBytes.Valid))
	fmt.Fprintf(w, "hidden primary  %s\n", showInt(r.HiddenPrimaryN.Int64, r.HiddenPrimaryN.Valid))
	fmt.Fprintf(w, "hidden second.  %s\n", showInt(r.HiddenSecondN.Int64, r.HiddenSecondN.Valid))
	if s := r.HiddenHeadcountShare(); s != nil {
		fmt.Fprintf(w, "hidden headcount %d of %d (%.2f %%)\n", r.HiddenHeadcount.Int64, r.TotalHeadcount.Int64, 100**s)
	}
	if r.Failure.Valid {
		fmt.Fprintf(w, "failure         %s\n", r.Failure.String)
	}
}

func releaseDelete(ctx context.Context, args []string) error {
	id, err := releaseID(args)
	if err != nil {
		return err
	}
	dbx, stop, err := releaseDB(ctx)
	if err != nil {
		return err
	}
	defer stop()
	ok, err := release.Delete(ctx, dbx, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no release %d", id)
	}
	fmt.Fprintf(os.Stderr, "release %d deleted\n", id)
	return nil
}

func releaseAudit(ctx context.Context, args []string) error {
	id, err := releaseID(args)
	if err != nil {
		return err
	}
	dbx, stop, err := releaseDB(ctx)
	if err != nil {
		return err
	}
	defer stop()
	start := time.Now()
	rep, err := release.Audit(ctx, dbx, id, release.DefaultRules())
	if err != nil {
		return err
	}
	fmt.Printf("release %d: %d hidden cells, %d primary; %d components with a primary cell (largest %d cells), %d linear programs, %.1f s\n",
		id, rep.Hidden, rep.Primary, rep.Stats.Components, rep.Stats.LargestSize, rep.Stats.LPs, time.Since(start).Seconds())
	for _, s := range rep.Inconsistent {
		fmt.Printf("differs between horizons: %s\n", s)
	}
	for _, v := range rep.Violations {
		fmt.Printf("violation: %s\n", v)
	}
	if !rep.Passed() {
		return fmt.Errorf("audit failed: %d violations", len(rep.Violations)+len(rep.Inconsistent))
	}
	fmt.Println("audit passed: every primary cell meets the protection requirement")
	return nil
}

// releaseCacheFlag defines serve's -release-cache-cells (env
// GPEC_RELEASE_CACHE_CELLS): the bound of the release tables kept in memory.
// The returned function gives server.Config's value (negative: none).
func releaseCacheFlag(fs *flag.FlagSet) func() (int, error) {
	return offWhenZero(countFlag(fs, "release-cache-cells", "GPEC_RELEASE_CACHE_CELLS", release.DefaultCacheCells,
		"cells of the release tables kept in memory once read, the least recently read dropped first (env GPEC_RELEASE_CACHE_CELLS; 0 disables)"))
}
