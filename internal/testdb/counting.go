package testdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/db"
)

// Statements counts the SQL statements sent through a counting pool.
type Statements struct {
	n   atomic.Int64
	mu  sync.Mutex
	log []string
}

func (s *Statements) add(q string) {
	s.n.Add(1)
	s.mu.Lock()
	if len(q) > 80 {
		q = q[:80]
	}
	s.log = append(s.log, q)
	s.mu.Unlock()
}

// Log returns the start of each statement sent since the last Reset.
func (s *Statements) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// Count returns the statements sent so far.
func (s *Statements) Count() int64 { return s.n.Load() }

// Reset sets the count back to zero.
func (s *Statements) Reset() {
	s.n.Store(0)
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

var (
	registerOnce sync.Once
	counters     sync.Map // dsn → *Statements
)

// OpenCounting opens a pool on dsn whose statements are counted: the N+1
// tests assert that a nested query's statement count does not grow with rows.
func OpenCounting(tb testing.TB, dsn string) (*sqlx.DB, *Statements) {
	tb.Helper()
	registerOnce.Do(func() { sql.Register("postgres-counting", countingDriver{}) })
	full, err := db.WithSessionSettings(dsn, db.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	st := &Statements{}
	counters.Store(full, st)
	d, err := sqlx.Open("postgres-counting", full)
	if err != nil {
		tb.Fatal(err)
	}
	d = sqlx.NewDb(d.DB, "postgres")
	tb.Cleanup(func() { d.Close() })
	return d, st
}

type countingDriver struct{}

func (countingDriver) Open(name string) (driver.Conn, error) {
	c, err := pq.Driver{}.Open(name)
	if err != nil {
		return nil, err
	}
	st, _ := counters.Load(name)
	return &countingConn{Conn: c, st: st.(*Statements)}, nil
}

type countingConn struct {
	driver.Conn
	st *Statements
}

func (c *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.st.add(q)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.st.add(q)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.st.add(q)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *countingConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, o)
}

func (c *countingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}
