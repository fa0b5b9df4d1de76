package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gpec-project/gpec/internal/pgserver"
)

func init() {
	register("withdb", "run a command with TEST_DATABASE_URL set, starting a private PostgreSQL when none runs: withdb -- go test ./...", runWithDB)
}

func runWithDB(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("usage: gpec withdb -- COMMAND [ARGS…]")
	}
	url, stop, err := pgserver.EnsureForTests(ctx, filepath.Join(dataDir(), "test-pg"))
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
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "TEST_DATABASE_URL="+url)
	if err := cmd.Start(); err != nil {
		return err
	}
	// Signals reach the child through the terminal's process group; wait for
	// it so the database is stopped only after the tests end.
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return exitCode(ee.ExitCode())
	}
	return err
}
