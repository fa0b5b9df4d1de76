package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/db"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/rollup"
)

func init() {
	register("rollup", "build the analytics rollups now (the server keeps them fresh by itself)", runRollup)
}

// refresher is the rollup builder of every package that has rollups.
func refresher(d *sqlx.DB) *rollup.Refresher {
	return &rollup.Refresher{DB: d, Builders: []rollup.Builder{analytics.BuildRollup, aggregates.BuildRollup}}
}

// rollupPoll is how often serve checks whether its rollups went stale.
const rollupPoll = 15 * time.Second

func runRollup(ctx context.Context, args []string) error {
	fs := newCLI("rollup", "gpec rollup [-horizons Y,…] [-retirement-age A]", `
Builds the analytics rollups that are missing or stale now (serve keeps them
fresh by itself; this is for instances that do not serve), or with -horizons
the rollups of those horizon years for today.`).withDataDir()
	horizons := fs.String("horizons", "", "comma-separated horizon years to (re)build for today; default: the keys the server keeps fresh, when stale")
	age := fs.Int("retirement-age", rollup.DefaultRetirementAge, "retirement age of -horizons")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	var years []int
	if *horizons != "" {
		for _, h := range strings.Split(*horizons, ",") {
			year, err := strconv.Atoi(strings.TrimSpace(h))
			if err != nil {
				return usagef("-horizons: %q is not a year", h)
			}
			years = append(years, year)
		}
	}
	d, _, stop, err := database(ctx, db.Options{MaxOpen: 2})
	if err != nil {
		return err
	}
	defer stop()
	if err := bootstrap(ctx, d, false); err != nil {
		return err
	}
	r := refresher(d)
	if *horizons == "" {
		built, complete, err := r.Refresh(ctx)
		for _, run := range built {
			fmt.Fprintf(os.Stderr, "rollup: built %s in %.1f s\n", run.Key, run.BuildTime.Seconds())
		}
		if err != nil {
			return err
		}
		if !complete {
			return rollup.ErrBusy
		}
		if len(built) == 0 {
			fmt.Fprintln(os.Stderr, "rollup: every rollup is fresh")
		}
		return nil
	}
	for _, year := range years {
		run, err := r.Build(ctx, rollup.Key{AsOf: domain.Today(), Horizon: year, RetirementAge: *age})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "rollup: built %s in %.1f s\n", run.Key, run.BuildTime.Seconds())
	}
	return nil
}
