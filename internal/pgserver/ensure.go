package pgserver

import (
	"context"
	"database/sql"
	"os"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver
)

// LocalURL is the machine's usual PostgreSQL, which tests use when it lets
// the superuser in without a password. A variable so tests can point it
// at nothing.
var LocalURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Available tells, within 2 seconds, whether a PostgreSQL at url accepts a
// connection (reachable, and the credentials in url are accepted).
func Available(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	db, err := sql.Open("postgres", url)
	if err != nil {
		return false
	}
	// A server that accepts the TCP connection and then says nothing could
	// hold the ping past the deadline: wait for the deadline, not the ping.
	done := make(chan error, 1)
	go func() {
		defer db.Close()
		done <- db.PingContext(ctx)
	}()
	select {
	case err := <-done:
		return err == nil
	case <-ctx.Done():
		return false
	}
}

// EnsureForTests finds a PostgreSQL for the tests and returns the URL of its
// maintenance database "postgres", and a function to call when the tests
// are done. In order: TEST_DATABASE_URL when set (used as is); LocalURL when
// it answers; else a private fast cluster in dir (e.g. DATA/test-pg),
// started now and stopped by the returned function, which also deletes it
// unless keep (the next run then starts in a second instead of creating it).
func EnsureForTests(ctx context.Context, dir string, keep bool) (url string, stop func() error, err error) {
	nothing := func() error { return nil }
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u, nothing, nil
	}
	if Available(ctx, LocalURL) {
		return LocalURL, nothing, nil
	}
	s, err := Start(ctx, Options{Dir: dir, Fast: true, Remove: !keep})
	if err != nil {
		return "", nil, err
	}
	return s.URL("postgres"), s.Stop, nil
}
