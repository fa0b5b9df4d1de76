package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/db"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// open opens a pool of n connections on a fresh test database.
func open(t *testing.T, o db.Options) (*sqlx.DB, *sqlx.DB) {
	t.Helper()
	admin, dsn := testdb.New(t)
	d, err := db.Open(context.Background(), dsn, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, admin
}

// hold takes n distinct connections of the pool at once and runs f on each.
func hold(t *testing.T, d *sqlx.DB, n int, f func(c *sqlx.Conn)) {
	t.Helper()
	ctx := context.Background()
	var conns []*sqlx.Conn
	for range n {
		c, err := d.Connx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		f(c)
		c.Close()
	}
}

// Every connection of the pool, not only the first, runs under the session
// limits: they ride in the startup packet, so a connection opened later (or
// after a PostgreSQL restart) has them too.
func TestSessionSettings(t *testing.T) {
	o := db.Options{MaxOpen: 3, StatementTimeout: 1234 * time.Millisecond, LockTimeout: 2 * time.Second,
		IdleInTxTimeout: 3 * time.Minute, ApplicationName: "gpec-test"}
	d, _ := open(t, o)
	want := map[string]string{
		"statement_timeout":                   "1234ms",
		"lock_timeout":                        "2s",
		"idle_in_transaction_session_timeout": "3min",
		"application_name":                    "gpec-test",
	}
	pids := map[int]bool{}
	hold(t, d, o.MaxOpen, func(c *sqlx.Conn) {
		var pid int
		if err := c.QueryRowContext(context.Background(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		pids[pid] = true
		for name, v := range want {
			var got string
			if err := c.QueryRowContext(context.Background(), `SHOW `+name).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != v {
				t.Errorf("backend %d: %s = %q, want %q", pid, name, got, v)
			}
		}
	})
	if len(pids) != o.MaxOpen {
		t.Fatalf("%d distinct backends, want %d", len(pids), o.MaxOpen)
	}
	if got := d.Stats().MaxOpenConnections; got != o.MaxOpen {
		t.Fatalf("MaxOpenConnections %d, want %d", got, o.MaxOpen)
	}

	t.Run("StatementTimeout", func(t *testing.T) {
		_, err := d.Exec(`SELECT pg_sleep(5)`)
		if err == nil || !containsCode(err, "57014") {
			t.Fatalf("a 5 s statement under a 1.2 s statement_timeout: %v", err)
		}
	})
}

// When the server ends idle connections (what a PostgreSQL restart or an
// administrator's pg_terminate_backend does), the pool notices before use
// and reconnects: no query fails.
func TestDeadIdleConnectionsAreReplaced(t *testing.T) {
	const n = 4
	d, admin := open(t, db.Options{MaxOpen: n})
	var pids []int
	hold(t, d, n, func(c *sqlx.Conn) {
		var pid int
		if err := c.QueryRowContext(context.Background(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	})
	if got := d.Stats().Idle; got != n {
		t.Fatalf("%d idle connections, want %d", got, n)
	}
	for _, pid := range pids {
		if _, err := admin.Exec(`SELECT pg_terminate_backend($1, 5000)`, pid); err != nil {
			t.Fatal(err)
		}
	}
	// Every pooled connection is now dead; each of these takes one.
	for i := range 2 * n {
		var one int
		if err := d.QueryRow(`SELECT 1`).Scan(&one); err != nil {
			t.Fatalf("query %d after the backends were terminated: %v", i, err)
		}
	}
	hold(t, d, n, func(c *sqlx.Conn) {
		if err := c.PingContext(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func containsCode(err error, code string) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && string(pqErr.Code) == code
}
