package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"

	"github.com/gpec-project/gpec/migrations"
)

// lockKey is the advisory lock every gpec instance takes while migrating;
// an arbitrary constant ("gpec" in ASCII).
const lockKey = 0x67706563

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	Up      string
	Down    string
}

// State tells whether a migration is applied.
type State struct {
	Migration
	Applied bool
}

var fileName = regexp.MustCompile(`^(\d+)_([a-z0-9_]+)\.(up|down)\.sql$`)

// All returns the embedded migrations in version order.
func All() ([]Migration, error) { return load(migrations.FS) }

func load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		v, _ := strconv.Atoi(m[1])
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		mg := byVersion[v]
		if mg == nil {
			mg = &Migration{Version: v, Name: m[2]}
			byVersion[v] = mg
		} else if mg.Name != m[2] {
			return nil, fmt.Errorf("migration %d has two names: %s and %s", v, mg.Name, m[2])
		}
		if m[3] == "up" {
			mg.Up = string(body)
		} else {
			mg.Down = string(body)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.Up == "" || m.Down == "" {
			return nil, fmt.Errorf("migration %d_%s needs both an up and a down file", m.Version, m.Name)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// withLock runs fn on one connection holding the migration advisory lock.
func withLock(ctx context.Context, db *sql.DB, fn func(*sql.Conn) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, lockKey) //nolint:errcheck
	// Only create the table when it is missing: PostgreSQL checks the CREATE
	// privilege even for IF NOT EXISTS, and an application role that is not
	// the schema's owner must still be able to read the migration status.
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			name text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
	}
	return fn(conn)
}

func applied(ctx context.Context, conn *sql.Conn) (map[int]bool, error) {
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

// Up applies every pending migration and returns the versions it applied.
func Up(ctx context.Context, db *sql.DB) ([]int, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	var did []int
	err = withLock(ctx, db, func(conn *sql.Conn) error {
		done, err := applied(ctx, conn)
		if err != nil {
			return err
		}
		for _, m := range all {
			if done[m.Version] {
				continue
			}
			if err := inTx(ctx, conn, m.Up, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return fmt.Errorf("migration %d_%s up: %w", m.Version, m.Name, err)
			}
			did = append(did, m.Version)
		}
		return nil
	})
	return did, err
}

// Down rolls back the latest `steps` applied migrations.
func Down(ctx context.Context, db *sql.DB, steps int) ([]int, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	var did []int
	err = withLock(ctx, db, func(conn *sql.Conn) error {
		done, err := applied(ctx, conn)
		if err != nil {
			return err
		}
		for i := len(all) - 1; i >= 0 && len(did) < steps; i-- {
			m := all[i]
			if !done[m.Version] {
				continue
			}
			if err := inTx(ctx, conn, m.Down, `DELETE FROM schema_migrations WHERE version = $1`, m.Version); err != nil {
				return fmt.Errorf("migration %d_%s down: %w", m.Version, m.Name, err)
			}
			did = append(did, m.Version)
		}
		return nil
	})
	return did, err
}

// Status lists every known migration and whether it is applied.
func Status(ctx context.Context, db *sql.DB) ([]State, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	var out []State
	err = withLock(ctx, db, func(conn *sql.Conn) error {
		done, err := applied(ctx, conn)
		if err != nil {
			return err
		}
		for _, m := range all {
			out = append(out, State{Migration: m, Applied: done[m.Version]})
		}
		return nil
	})
	return out, err
}

// Pending reports how many migrations are not applied; readiness uses it.
// It takes no lock: it only reads.
func Pending(ctx context.Context, db *sql.DB) (int, error) {
	all, err := All()
	if err != nil {
		return 0, err
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n)
	if err != nil {
		return len(all), err
	}
	return len(all) - n, nil
}

func inTx(ctx context.Context, conn *sql.Conn, body, record string, args ...any) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, record, args...); err != nil {
		return err
	}
	return tx.Commit()
}
