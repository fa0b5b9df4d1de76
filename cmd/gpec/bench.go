package main

// gpec bench holds the parts of `make bench` (bench/bench.sh) that need
// gpec's own packages: the private cluster, a server without the per-token
// rate limit, and picking the query variables from the data. The
// measurements themselves are in bench/runner.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with bench serve -pprof
	"os"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/db"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/pgserver"
	"github.com/gpec-project/gpec/internal/server"
)

func init() {
	register("bench", "benchmark harness behind `make bench`: bench pg|prepare|serve|vars|lheo (see bench/README.md)", runBench)
}

func runBench(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("no action given (pg, prepare, serve, vars or lheo)")
	}
	if isHelp(args[0]) {
		newCLI("bench", "gpec bench pg|prepare|serve|vars|lheo [flags]", `
The parts of make bench (bench/bench.sh) that need gpec's own packages; see
bench/README.md. gpec bench ACTION -h for an action's flags.`).printUsage(os.Stdout)
		return errHelpShown
	}
	switch args[0] {
	case "pg":
		return benchPG(ctx, args[1:])
	case "prepare":
		c := newCLI("bench prepare", "gpec bench prepare", "Migrates the database, loads the reference data and prints how many employees it holds.").withDataDir()
		if err := c.parse(args[1:]); err != nil {
			return err
		}
		return benchPrepare(ctx)
	case "serve":
		return benchServe(ctx, args[1:])
	case "vars":
		return benchVars(ctx, args[1:])
	case "lheo":
		return benchLHEO(args[1:])
	}
	return usagef("unknown bench action %q (pg, prepare, serve, vars or lheo)", args[0])
}

// benchPG starts (or reuses) the private cluster under GPEC_DATA_DIR/pg,
// creates database -db in it and prints its URL; the cluster keeps running
// after this process exits. With -stop it stops the cluster instead.
func benchPG(ctx context.Context, args []string) error {
	fs := newCLI("bench pg", "gpec bench pg [-db NAME] [-stop] [-pid]", "Starts (or joins) the private cluster of the data folder, creates database -db in it and prints its URL; the cluster keeps running after this process exits.").withDataDir()
	name := fs.String("db", "gpec_bench", "database to create")
	stop := fs.Bool("stop", false, "stop the cluster")
	pidOnly := fs.Bool("pid", false, "print the postmaster's process id")
	if err := fs.parse(args); err != nil {
		return err
	}
	srv, err := pgserver.Start(ctx, pgserver.Options{Dir: dataDir() + "/pg", Log: os.Stderr})
	if err != nil {
		return err
	}
	if *stop {
		return srv.Stop()
	}
	if *pidOnly {
		b, err := os.ReadFile(srv.DataDir() + "/postmaster.pid")
		if err != nil {
			return err
		}
		var pid int
		fmt.Sscan(string(b), &pid)
		fmt.Println(pid)
		return nil
	}
	c, err := sql.Open("postgres", srv.URL("postgres"))
	if err != nil {
		return err
	}
	defer c.Close()
	var exists bool
	if err := c.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, *name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := c.ExecContext(ctx, `CREATE DATABASE "`+*name+`"`); err != nil {
			return err
		}
	}
	fmt.Println(srv.URL(*name))
	return nil
}

// benchPrepare migrates DATABASE_URL, loads the reference data and prints
// how many employees it holds (0: the dataset is still to import).
func benchPrepare(ctx context.Context) error {
	d, _, stop, err := database(ctx, poolOptions())
	if err != nil {
		return err
	}
	defer stop()
	if err := bootstrap(ctx, d, false); err != nil {
		return err
	}
	n, err := count(ctx, d, "employees")
	if err != nil {
		return err
	}
	fmt.Println(n)
	return nil
}

// benchServe is `gpec serve` without demo data, GraphiQL or the per-token
// rate limit: the benchmark sends everything with one token, and 10
// requests per second would measure the limiter, not the service.
func benchServe(ctx context.Context, args []string) error {
	fs := newCLI("bench serve", "gpec bench serve [-addr A] [-pprof A]", "gpec serve without demo data, GraphiQL or the per-token rate limit.").withDataDir()
	addr := fs.String("addr", "127.0.0.1:8091", "listen address")
	pprofAddr := fs.String("pprof", "", "also serve net/http/pprof on this address (e.g. 127.0.0.1:6061), to see where the time goes")
	refresh := fs.Bool("refresh", true, "keep the rollups fresh in the background, as serve does; false for the timed answers, which the harness reverts (see bench/README.md)")
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
	tuneGC()
	if *pprofAddr != "" {
		go func() { fmt.Fprintln(os.Stderr, http.ListenAndServe(*pprofAddr, nil)) }()
	}
	d, _, stop, err := database(ctx, poolOptions())
	if err != nil {
		return err
	}
	defer stop()
	if err := bootstrap(ctx, d, false); err != nil {
		return err
	}
	if *refresh {
		go refresher(d, maxCampaignKeys, yield).Loop(ctx, rollupPoll)
	}
	a := auth.DefaultConfig()
	a.Rate = 0
	// Nor the per-token cost budget and in-flight cap, for the same reason.
	lim := limits.Defaults()
	lim.CostPerSecond, lim.MaxInFlight = 0, 0
	srv := server.New(d, server.Config{Auth: &a, Limits: &lim, ReleaseCacheCells: releaseCacheCells, CompanyCacheRows: companyCacheRows})
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gpec bench serve: listening on http://%s/graphql (no rate limit)\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// benchVars picks the variables of the query mix from the data: the pole
// with most active members, its member with most employees, the role with
// most essential skills, the commonest NAF division; with -release, the
// table of that release the mix reads (its middle horizon and the region
// with the largest headcount there).
func benchVars(ctx context.Context, args []string) error {
	fs := newCLI("bench vars", "gpec bench vars [-out FILE] [-release ID]", "Picks the variables of the benchmark's query mix from the data and prints them as JSON.").withDataDir()
	out := fs.String("out", "", "write the JSON here (default stdout)")
	releaseID := fs.Int64("release", 0, "a published release: add releaseId, releaseHorizon and releaseRegion for its table query")
	if err := fs.parse(args); err != nil {
		return err
	}
	d, _, stop, err := database(ctx, db.Options{MaxOpen: 2})
	if err != nil {
		return err
	}
	defer stop()
	today := time.Now().UTC()
	v := map[string]any{
		"asOf": today.Format("2006-01-02"),
		// a past date no rollup is built for: the same day last year
		"pastAsOf": today.AddDate(-1, 0, 0).Format("2006-01-02"),
		"horizon":  today.Year() + 3,
		// born this year or before: retired by the horizon at 64 (the peer's departures)
		"leaversBornBy": today.Year() + 3 - 64,
	}
	var pole, siren, role, naf string
	var members int
	if err := d.QueryRowContext(ctx, `SELECT pole_id, count(DISTINCT siren) FROM memberships
		WHERE since <= current_date AND (until IS NULL OR until > current_date)
		GROUP BY pole_id ORDER BY 2 DESC, 1 LIMIT 1`).Scan(&pole, &members); err != nil {
		return fmt.Errorf("no pole with members (is the dataset imported?): %w", err)
	}
	if err := d.QueryRowContext(ctx, `SELECT e.siren FROM employees e
		JOIN memberships m ON m.siren = e.siren AND m.pole_id = $1
		GROUP BY e.siren ORDER BY count(*) DESC, e.siren LIMIT 1`, pole).Scan(&siren); err != nil {
		return err
	}
	if err := d.QueryRowContext(ctx, `SELECT r.code FROM roles r JOIN role_skills rs ON rs.role_id = r.id AND rs.essential
		JOIN training_skills ts ON ts.skill_id = rs.skill_id
		GROUP BY r.code ORDER BY count(DISTINCT rs.skill_id) DESC, count(*) DESC, r.code LIMIT 1`).Scan(&role); err != nil {
		return err
	}
	if err := d.QueryRowContext(ctx, `SELECT left(naf, 2) FROM companies WHERE naf IS NOT NULL
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&naf); err != nil {
		return err
	}
	v["pole"], v["poleMembers"], v["siren"], v["role"], v["naf"] = pole, members, siren, role, naf
	if *releaseID > 0 {
		// The middle horizon (year(D)+3), and the region whose departments
		// make the largest table: the most headcount at that horizon.
		var horizon int
		var region string
		if err := d.QueryRowContext(ctx, `SELECT r.horizons[2], c.code FROM releases r
			JOIN release_cells c ON c.release_id = r.id AND c.horizon = r.horizons[2]
			  AND c.dimension = 'none' AND c.level = 'region'
			WHERE r.id = $1 AND r.status = 'PUBLISHED'
			ORDER BY c.headcount DESC, c.code LIMIT 1`, *releaseID).Scan(&horizon, &region); err != nil {
			return fmt.Errorf("release %d: no published release with regions: %w", *releaseID, err)
		}
		// A string: an ID in GraphQL, cast to bigint by the floor.
		v["releaseId"], v["releaseHorizon"], v["releaseRegion"] = fmt.Sprint(*releaseID), horizon, region
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	if *out == "" {
		fmt.Println(string(b))
		return nil
	}
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}
