package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/db"
	"github.com/gpec-project/gpec/internal/pgserver"
)

// envOr returns the environment variable or a default.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// dataDirFlag is -data-dir of the command being run, when given.
var dataDirFlag string

// dataDir is the data folder, where gpec keeps its private PostgreSQL, its
// demo tokens and generated datasets: -data-dir, else GPEC_DATA_DIR, else
// a per-user folder (see defaultDataDir), made absolute so that what is
// printed is where it is.
func dataDir() string {
	d := dataDirFlag
	if d == "" {
		d = os.Getenv("GPEC_DATA_DIR")
	}
	if d == "" {
		d = defaultDataDir()
	}
	if abs, err := filepath.Abs(d); err == nil {
		d = abs
	}
	return d
}

// defaultDataDir follows the XDG base directories: $XDG_DATA_HOME/gpec, else
// ~/.local/share/gpec. It does not follow the current folder, so every
// command finds the same database wherever it is run from (`go run
// ./cmd/gpec serve` in the repository included). Without a home folder it
// falls back to ./.gpec.
func defaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "gpec")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".local", "share", "gpec")
	}
	return ".gpec"
}

func describeDefaultDataDir() string { return "$XDG_DATA_HOME/gpec or ~/.local/share/gpec" }

// noteOldDataDir points at a ./.gpec folder left by versions that kept
// their data in the current folder, which is no longer read by default.
func noteOldDataDir(w io.Writer) {
	if dataDirFlag != "" || os.Getenv("GPEC_DATA_DIR") != "" {
		return
	}
	old, err := filepath.Abs(".gpec")
	if err != nil || old == dataDir() {
		return
	}
	if _, err := os.Stat(filepath.Join(old, "pg", "data")); err == nil {
		fmt.Fprintf(w, "gpec: note: %s holds a database of an earlier gpec, which kept its data in the current folder; to use it, set GPEC_DATA_DIR=%s\n", old, old)
	}
}

// database opens DATABASE_URL, or starts the private PostgreSQL under the
// data directory when it is unset. The returned stop function closes the
// pool and stops a private server.
func database(ctx context.Context, o db.Options) (*sqlx.DB, bool, func(), error) {
	url := os.Getenv("DATABASE_URL")
	private := url == ""
	var srv *pgserver.Server
	if private {
		var err error
		fmt.Fprintf(os.Stderr, "gpec: data folder %s (-data-dir or GPEC_DATA_DIR to change it)\n", dataDir())
		noteOldDataDir(os.Stderr)
		// GPEC_PG_PORT pins the cluster's port (0: the one of last time
		// when free, else any free one).
		srv, err = pgserver.Start(ctx, pgserver.Options{Dir: filepath.Join(dataDir(), "pg"), Port: envInt("GPEC_PG_PORT", 0)})
		if err != nil {
			return nil, false, nil, fmt.Errorf("starting the private PostgreSQL (set DATABASE_URL to use your own): %w", err)
		}
		url = srv.URL(pgserver.AppDatabase)
	}
	primaryURL = url
	d, err := db.Open(ctx, url, o)
	if err != nil {
		if srv != nil {
			_ = srv.Stop()
		}
		return nil, false, nil, err
	}
	stop := func() {
		d.Close()
		if srv != nil {
			if err := srv.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "stopping the private PostgreSQL:", err)
			}
		}
	}
	return d, private, stop, nil
}

// primaryURL is the URL database opened, for authDatabase.
var primaryURL string

// authDatabase opens a small pool of the primary (GPEC_AUTH_DB_MAX_CONNS,
// default 4) for token look-ups and /readyz only: slow queries filling the
// main pool cannot starve authentication nor readiness.
func authDatabase(ctx context.Context) (*sqlx.DB, error) {
	o := poolOptions()
	o.MaxOpen = envInt("GPEC_AUTH_DB_MAX_CONNS", 4)
	o.StatementTimeout = 5 * time.Second
	o.ApplicationName = "gpec-auth"
	return db.Open(ctx, primaryURL, o)
}

// readDatabase opens DATABASE_READ_URL, the read replica, or returns nil
// (reads then go to the primary) when it is unset.
func readDatabase(ctx context.Context, o db.Options) (*sqlx.DB, func(), error) {
	url := os.Getenv("DATABASE_READ_URL")
	if url == "" {
		return nil, func() {}, nil
	}
	o.ApplicationName = "gpec-read"
	d, err := db.Open(ctx, url, o)
	if err != nil {
		return nil, nil, fmt.Errorf("DATABASE_READ_URL: %w", err)
	}
	return d, func() { d.Close() }, nil
}

// poolOptions reads the pool and session limits from the environment.
func poolOptions() db.Options {
	return db.Options{
		MaxOpen:          envInt("GPEC_DB_MAX_CONNS", 16),
		StatementTimeout: envDuration("GPEC_STATEMENT_TIMEOUT", 30*time.Second),
		LockTimeout:      envDuration("GPEC_LOCK_TIMEOUT", 5*time.Second),
		IdleInTxTimeout:  envDuration("GPEC_IDLE_IN_TX_TIMEOUT", 60*time.Second),
	}
}

// tuneGC sets the server's garbage collector unless GOGC or GOMEMLIMIT say
// otherwise. Its live heap is small (tens of MB) while every request
// allocates its whole answer: at Go's default (GOGC=100) the collector runs
// every few MB of allocation and took about a third of the CPU of a loaded
// server (make bench, navigation and lists at c=32). GOGC=400 collects four
// times less often; the soft memory limit (GPEC_MEMORY_LIMIT, default
// 256 MiB) makes it collect earlier whenever the heap nears that size, so
// the process stays small.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(envInt("GPEC_MEMORY_LIMIT_MB", 256)) << 20)
	}
}
