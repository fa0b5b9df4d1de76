package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/gpec-project/gpec/internal/pgserver"
)

func init() {
	register("withdb", "run a command with TEST_DATABASE_URL set, starting a private PostgreSQL when none runs: withdb [-keep] -- go test ./...", runWithDB)
}

func runWithDB(ctx context.Context, args []string) error {
	c := newCLI("withdb", "gpec withdb [-keep] [-data-dir DIR] -- COMMAND [ARGS…]", `
Runs COMMAND with TEST_DATABASE_URL set: to TEST_DATABASE_URL when already
set, else to the PostgreSQL on 127.0.0.1:5432 when it lets the postgres user
in, else to a private throwaway cluster in DATA/test-pg (DATA is the data
folder), started now and removed afterwards unless -keep. Passes on
COMMAND's exit status. While COMMAND prints nothing for a while (go test
shows a package's output when the package ends), it says that it still runs.`).withDataDir()
	keep := c.Bool("keep", false, "keep the private test cluster after the run (the next run starts faster)")
	quiet := c.Duration("still-running", 30*time.Second, "after this long without output from COMMAND, say it still runs (0: never)")
	if err := c.parse(args); err != nil {
		return err
	}
	args = c.Args()
	if len(args) == 0 {
		return usagef("no command to run")
	}
	url, stop, err := pgserver.EnsureForTests(ctx, filepath.Join(dataDir(), "test-pg"), *keep)
	if err != nil {
		return err
	}
	defer func() {
		if err := stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the test PostgreSQL:", err)
		}
	}()
	fmt.Fprintf(os.Stderr, "gpec withdb: TEST_DATABASE_URL=%s\n", url)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = os.Stdin
	watch := &silenceWatch{last: time.Now()}
	cmd.Stdout, cmd.Stderr = watch.wrap(os.Stdout), watch.wrap(os.Stderr)
	cmd.Env = append(os.Environ(), "TEST_DATABASE_URL="+url)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	if *quiet > 0 {
		go watch.loop(done, *quiet, time.Now())
	}
	// Signals reach the child through the terminal's process group; wait for
	// it so the database is stopped only after the tests end.
	err = cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return exitCode(ee.ExitCode())
	}
	return err
}

// silenceWatch notes when the child last wrote, and says it still runs
// after a silence, so that a long test package does not look hung.
type silenceWatch struct {
	mu   sync.Mutex
	last time.Time
}

type watchedWriter struct {
	w  *silenceWatch
	to io.Writer
}

func (ww watchedWriter) Write(b []byte) (int, error) {
	ww.w.mu.Lock()
	defer ww.w.mu.Unlock()
	ww.w.last = time.Now()
	return ww.to.Write(b)
}

func (w *silenceWatch) wrap(to io.Writer) io.Writer { return watchedWriter{w, to} }

func (w *silenceWatch) loop(done <-chan struct{}, quiet time.Duration, began time.Time) {
	t := time.NewTicker(quiet / 4)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		w.mu.Lock()
		if time.Since(w.last) >= quiet {
			fmt.Fprintf(os.Stderr, "gpec withdb: still running (%s so far, nothing printed for %s)\n",
				time.Since(began).Round(time.Second), time.Since(w.last).Round(time.Second))
			w.last = time.Now()
		}
		w.mu.Unlock()
	}
}
