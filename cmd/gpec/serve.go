package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/gpec-project/gpec/internal/observe"
	"github.com/gpec-project/gpec/internal/release"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/store"
)

func init() {
	register("serve", "run the GraphQL service (GraphiQL at /, API at /graphql)", runServe)
}

const exampleQuery = `# Welcome to gpec. Press the run button (or Ctrl-Enter).
# The skills strategy of a pole at 2029; docs/queries.md has many more.
{
  pole(id: "aerospace-valley") {
    name
    region { name }
    skillGaps(horizon: 2029, first: 5) {
      skill { name } required qualified gap coverage upskillable
      trainingsNear(first: 2) { distance training { title provider territory { name } } }
    }
    members(first: 5) {
      totalCount
      edges { node { name naf
        sites { siret territory { name parent { name } } }
        roleGaps(horizon: 2029, first: 3) { role { title } headcount stayers target roleGap } } }
    }
    strategy(horizon: 2029) {
      criticalSkills(first: 5) { skill { name } gap companiesWithGap }
      sharedTrainingOpportunities(first: 5) { department { name } skill { name } companies learners }
    }
    employment(year: 2025) { companies createdJobsShare maintainedJobsShare }
  }
}
`

func runServe(ctx context.Context, args []string) error {
	fs := newCLI("serve", "gpec serve [flags]", `
Runs the GraphQL service: GraphiQL at /, the API at /graphql. It opens its
port first, so a second serve on a taken address fails at once and touches
nothing. Without DATABASE_URL it starts (or joins) the private PostgreSQL
in the data folder, loads the reference data and the small demo dataset on
first start, and prints the demo tokens, which are kept in
DATA/demo-tokens.json and reused at every restart.`).withDataDir()
	addr := fs.String("addr", envOr("GPEC_ADDR", "127.0.0.1:8080"), "listen address (env GPEC_ADDR)")
	demoDefault := os.Getenv("DATABASE_URL") == ""
	demo := fs.Bool("demo", demoDefault, "load the small demo dataset when the database has no company (default true without DATABASE_URL)")
	graphiqlOn := fs.Bool("graphiql", envOr("GPEC_GRAPHIQL", "true") == "true", "serve GraphiQL at / (env GPEC_GRAPHIQL)")
	allowDir := fs.String("allow-list", os.Getenv("GPEC_PERSISTED_QUERIES"),
		"folder of *.graphql files: non-admin callers may run only these (env GPEC_PERSISTED_QUERIES)")
	production := fs.Bool("production", envOr("GPEC_MODE", "development") == "production",
		"production mode: introspection for admins only, no field suggestions (env GPEC_MODE=production)")
	limitsConfig := limitFlags(fs.FlagSet)
	browser := browserFlags(fs.FlagSet)
	campaignKeys := campaignKeysFlag(fs.FlagSet)
	rollupYield := yieldFlag(fs.FlagSet)
	releaseCache := releaseCacheFlag(fs.FlagSet)
	companyCache := companyCacheFlag(fs.FlagSet)
	if err := fs.parse(args); err != nil {
		return err
	}
	maxCampaignKeys, err := campaignKeys()
	if err != nil {
		return err
	}
	yield, err := rollupYield()
	if err != nil {
		return err
	}
	releaseCacheCells, err := releaseCache()
	if err != nil {
		return err
	}
	companyCacheRows, err := companyCache()
	if err != nil {
		return err
	}
	lim, authCfg, err := limitsConfig()
	if err != nil {
		return err
	}
	tuneGC()
	log := slog.Default()
	// The port first: a second serve on the same address must fail before
	// it touches the database, and above all the demo tokens of the first.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	d, private, stop, err := database(ctx, poolOptions())
	if err != nil {
		return err
	}
	defer stop()
	if private {
		log.Info("using the private PostgreSQL", "dir", dataDir())
	}
	if err := bootstrap(ctx, d, *demo); err != nil {
		return err
	}
	var allowList server.AllowList
	if *allowDir != "" {
		if allowList, err = server.LoadAllowList(*allowDir); err != nil {
			return err
		}
		log.Info("allow-list mode: non-admin callers run only persisted queries", "queries", len(allowList), "dir", *allowDir)
	}
	headers := ""
	var tokens []demoToken
	if *demo {
		if tokens, err = demoTokens(ctx, d, filepath.Join(dataDir(), demoTokensFile)); err != nil {
			return err
		}
		// Only a page served on loopback may carry a token: elsewhere
		// anyone who can load / would get the admin token.
		if server.LoopbackAddr(*addr) {
			headers = fmt.Sprintf(`{"Authorization": "Bearer %s"}`, tokens[0].Token)
		}
	}
	pageTokens := tokens
	if headers == "" {
		pageTokens = nil
	}
	bcfg, err := browser.config(pageTokens)
	if err != nil {
		return err
	}
	read, stopRead, err := readDatabase(ctx, poolOptions())
	if err != nil {
		return err
	}
	defer stopRead()
	authDB, err := authDatabase(ctx)
	if err != nil {
		return err
	}
	defer authDB.Close()
	metricsAddr := os.Getenv("GPEC_METRICS_ADDR")
	metrics := observe.NewMetrics()
	srv := server.New(d, server.Config{
		Metrics:         metrics,
		Production:      *production,
		AllowList:       allowList,
		GraphiQL:        *graphiqlOn,
		GraphiQLQuery:   exampleQuery,
		GraphiQLHeaders: headers,
		Log:             log,
		ReadDB:          read,
		AuthDB:          authDB,
		Limits:          &lim,
		Auth:            &authCfg,
		SeparateMetrics: metricsAddr != "",

		CORSOrigins:           bcfg.corsOrigins,
		DownloadSecret:        bcfg.downloadSecret,
		DownloadTTL:           bcfg.downloadTTL,
		ReleaseCacheCells:     releaseCacheCells,
		CompanyCacheRows:      companyCacheRows,
		GraphiQLExamples:      bcfg.examples,
		GraphiQLHeaderPresets: bcfg.presets,
	})
	// Rollups are built on the primary (d); requests read them wherever
	// they read (a replica follows).
	rf := refresher(d, maxCampaignKeys, yield)
	rf.OnBuild = metrics.RollupBuilt
	go rf.Loop(ctx, rollupPoll)
	// Releases whose background build a previous process left unfinished
	// (the server stopped while building) are built again.
	if ids, err := release.Resume(ctx, d, func(id int64, err error) {
		if err != nil {
			log.Error("resumed release build failed", "id", id, "err", err.Error())
		}
	}); err != nil {
		log.Error("resuming interrupted release builds", "err", err.Error())
	} else if len(ids) > 0 {
		log.Info("resuming interrupted release builds", "ids", fmt.Sprint(ids))
	}
	var shuttingDown atomic.Bool
	srv.SetReady(func() bool { return !shuttingDown.Load() })
	if metricsAddr != "" {
		mln, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("GPEC_METRICS_ADDR: %w", err)
		}
		// Scrapes need no graceful shutdown: the listener dies with the process.
		go func() {
			ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
			if err := ms.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener", "err", err.Error())
			}
		}()
		log.Info("serving metrics", "addr", mln.Addr().String())
	}
	printBanner(os.Stdout, ln.Addr().String(), private, tokens, headers != "")
	return server.Run(ctx, ln, srv.Handler(), server.RunOptions{
		Draining:   func() { shuttingDown.Store(true) },
		DrainDelay: envDuration("GPEC_DRAIN_DELAY", 0),
		Grace:      envDuration("GPEC_SHUTDOWN_GRACE", 20*time.Second),
		Log:        log,
	})
}

// companyCacheFlag defines serve's -company-cache-rows (env
// GPEC_COMPANY_CACHE_ROWS): the bound of the companies list's pages kept in
// memory. The returned function gives server.Config's value (negative:
// none).
func companyCacheFlag(fs *flag.FlagSet) func() (int, error) {
	return offWhenZero(countFlag(fs, "company-cache-rows", "GPEC_COMPANY_CACHE_ROWS", store.DefaultCompanyCacheRows,
		"companies and sites of the companies list's pages kept in memory until the next write, the least recently read dropped first (env GPEC_COMPANY_CACHE_ROWS; 0 disables)"))
}
