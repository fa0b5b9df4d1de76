package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Options tune a pool. Zero values take the defaults.
type Options struct {
	MaxOpen          int
	MaxIdle          int
	StatementTimeout time.Duration
	LockTimeout      time.Duration
	IdleInTxTimeout  time.Duration
	ApplicationName  string
}

func (o Options) withDefaults() Options {
	if o.MaxOpen == 0 {
		o.MaxOpen = 16
	}
	if o.MaxIdle == 0 {
		o.MaxIdle = o.MaxOpen
	}
	if o.StatementTimeout == 0 {
		o.StatementTimeout = 30 * time.Second
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.IdleInTxTimeout == 0 {
		o.IdleInTxTimeout = 60 * time.Second
	}
	if o.ApplicationName == "" {
		o.ApplicationName = "gpec"
	}
	return o
}

// Open connects to the database at dsn (a postgres:// URL) and checks it answers.
// The session settings ride in the connection's startup options so that
// every pooled connection, including one re-opened after a PostgreSQL
// restart, has them.
func Open(ctx context.Context, dsn string, o Options) (*sqlx.DB, error) {
	o = o.withDefaults()
	full, err := WithSessionSettings(dsn, o)
	if err != nil {
		return nil, err
	}
	connector, err := newLiveConnector(full)
	if err != nil {
		return nil, fmt.Errorf("database URL %s: %w", Redact(dsn), err)
	}
	db := sqlx.NewDb(sql.OpenDB(connector), "postgres")
	db.SetMaxOpenConns(o.MaxOpen)
	db.SetMaxIdleConns(o.MaxIdle)
	// Idle connections are closed after a while so that a quiet service
	// does not hold backends (and a dead connection is found by liveness
	// anyway); a lifetime bound lets a failover or a changed DNS name
	// reach every connection eventually.
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", Redact(dsn), err)
	}
	return db, nil
}

// WithSessionSettings adds the session limits to a postgres:// URL as the
// "options" startup parameter, and sslmode=disable when none is given.
func WithSessionSettings(dsn string, o Options) (string, error) {
	o = o.withDefaults()
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("database URL must look like postgres://user@host:port/db")
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	opts := []string{q.Get("options"),
		fmt.Sprintf("-c statement_timeout=%d", o.StatementTimeout.Milliseconds()),
		fmt.Sprintf("-c lock_timeout=%d", o.LockTimeout.Milliseconds()),
		fmt.Sprintf("-c idle_in_transaction_session_timeout=%d", o.IdleInTxTimeout.Milliseconds()),
	}
	q.Set("options", strings.TrimSpace(strings.Join(opts, " ")))
	if q.Get("application_name") == "" {
		q.Set("application_name", o.ApplicationName)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Redact hides a URL's password for logs and errors.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable database URL)"
	}
	return u.Redacted()
}
