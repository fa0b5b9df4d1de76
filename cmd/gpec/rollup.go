package main

import (
	"context"
	"flag"
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

// refresher is the rollup builder of every package that has rollups,
// keeping at most campaignKeys keys of campaigns' reference dates fresh
// (0: none), building them paced by yield (0: not paced).
func refresher(d *sqlx.DB, campaignKeys, yield int) *rollup.Refresher {
	max := campaignKeys
	if max <= 0 {
		max = -1 // the Refresher's "none"; its 0 means the default
	}
	return &rollup.Refresher{DB: d, Builders: []rollup.Builder{analytics.BuildRollup, aggregates.BuildRollup}, Steps: &analytics.BuildSteps,
		MaxCampaignKeys: max, Yield: yield}
}

// yieldFlag defines -rollup-yield (env GPEC_ROLLUP_YIELD): how much a
// server's builds of other dates than today's (campaigns' keys) pause
// after each statement, in multiples of its duration.
func yieldFlag(fs *flag.FlagSet) func() (int, error) {
	return countFlag(fs, "rollup-yield", "GPEC_ROLLUP_YIELD", rollup.DefaultYield,
		"builds of campaigns' rollups pause this many times each statement's duration after it, leaving the cores to requests (env GPEC_ROLLUP_YIELD; 0: full speed)")
}

// campaignKeysFlag defines -rollup-campaign-keys, whose default the
// environment variable GPEC_ROLLUP_CAMPAIGN_KEYS sets (README's
// configuration table). The returned function, called after parsing, gives
// the value or says which setting is wrong.
func campaignKeysFlag(fs *flag.FlagSet) func() (int, error) {
	return countFlag(fs, "rollup-campaign-keys", "GPEC_ROLLUP_CAMPAIGN_KEYS", rollup.DefaultMaxCampaignKeys,
		"rollups of campaigns' reference dates kept fresh besides today's, the latest campaigns first; each costs a build after every write (env GPEC_ROLLUP_CAMPAIGN_KEYS; 0 disables)")
}

// rollupPoll is how often serve checks whether its rollups went stale: one
// read of data_version and of the campaigns' signature. A write's parts
// are rebuilt within a poll of its commit.
const rollupPoll = time.Second

func runRollup(ctx context.Context, args []string) error {
	fs := newCLI("rollup", "gpec rollup [-horizons Y,… [-as-of DATE] [-retirement-age A]]", `
Builds the analytics rollups that are missing or stale now (serve keeps them
fresh by itself; this is for instances that do not serve), or with -horizons
the rollups of those horizon years for today (or -as-of, e.g. a campaign's
reference date). A build drops the rollups of earlier dates except
campaigns' reference dates.`).withDataDir()
	horizons := fs.String("horizons", "", "comma-separated horizon years to (re)build for today; default: the keys the server keeps fresh, when stale")
	age := fs.Int("retirement-age", rollup.DefaultRetirementAge, "retirement age of -horizons")
	asOf := fs.String("as-of", "", "with -horizons: the date of the rollups, YYYY-MM-DD (default today)")
	campaignKeys := campaignKeysFlag(fs.FlagSet)
	if err := fs.parse(args); err != nil {
		return err
	}
	maxCampaignKeys, err := campaignKeys()
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	day := domain.Today()
	if *asOf != "" {
		if *horizons == "" {
			return usagef("-as-of goes with -horizons")
		}
		t, err := time.Parse(time.DateOnly, *asOf)
		if err != nil {
			return usagef("-as-of: %q is not a date such as 2026-04-30", *asOf)
		}
		day = t
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
	r := refresher(d, maxCampaignKeys, 0) // nobody to yield to
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
		run, err := r.Build(ctx, rollup.Key{AsOf: day, Horizon: year, RetirementAge: *age})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "rollup: built %s in %.1f s\n", run.Key, run.BuildTime.Seconds())
	}
	return nil
}
