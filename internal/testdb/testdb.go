package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/db"
	"github.com/gpec-project/gpec/internal/migrate"
)

// DefaultURL is where tests look for PostgreSQL when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	once     sync.Once
	template string
	onceErr  error
	admin    *sqlx.DB
)

// ServerURL is the URL of the test server's maintenance database.
func ServerURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// URLFor returns the server URL pointing at database name.
func URLFor(name string) string {
	u, err := url.Parse(ServerURL())
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

var unsafe = regexp.MustCompile(`[^a-z0-9_]+`)

func pkgName() string {
	wd, _ := os.Getwd()
	return unsafe.ReplaceAllString(strings.ToLower(filepath.Base(wd)), "_")
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func setup() {
	ctx := context.Background()
	admin, onceErr = db.Open(ctx, ServerURL(), db.Options{MaxOpen: 4})
	if onceErr != nil {
		onceErr = fmt.Errorf("tests need PostgreSQL (set TEST_DATABASE_URL, or run them with `go run ./cmd/gpec withdb -- go test ./...`): %w", onceErr)
		return
	}
	template = fmt.Sprintf("gpec_test_%s_%s_tpl", pkgName(), randomSuffix())
	if _, onceErr = admin.ExecContext(ctx, `CREATE DATABASE `+template); onceErr != nil {
		return
	}
	tpl, err := db.Open(ctx, URLFor(template), db.Options{MaxOpen: 2})
	if err != nil {
		onceErr = err
		return
	}
	defer tpl.Close()
	_, onceErr = migrate.Up(ctx, tpl.DB)
}

// Main runs a test package and drops its template database afterwards.
// Call it from TestMain: func TestMain(m *testing.M) { testdb.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	DropTemplate()
	os.Exit(code)
}

// DropTemplate drops the package's template database, when New made one:
// for a TestMain that has more to do than Main does.
func DropTemplate() {
	if admin != nil && template != "" {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + template + ` WITH (FORCE)`)
		admin.Close()
	}
}

// New returns a fresh, migrated, empty database for one test, dropped when
// the test ends, and its URL.
func New(tb testing.TB) (*sqlx.DB, string) {
	tb.Helper()
	once.Do(setup)
	if onceErr != nil {
		tb.Fatal(onceErr)
	}
	name := fmt.Sprintf("gpec_test_%s_%s", pkgName(), randomSuffix())
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + template); err != nil {
		tb.Fatalf("creating test database: %v", err)
	}
	dsn := URLFor(name)
	d, err := db.Open(context.Background(), dsn, db.Options{MaxOpen: 8})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		d.Close()
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			tb.Logf("dropping %s: %v", name, err)
		}
	})
	return d, dsn
}

// National opens the database named by GPEC_BENCH_DATABASE_URL, which holds
// the national dataset (`gpec seed -scale national -import`), for the
// national benchmarks; it skips the benchmark when the variable is unset.
func National(b *testing.B) *sqlx.DB {
	b.Helper()
	url := os.Getenv("GPEC_BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("GPEC_BENCH_DATABASE_URL names no national database")
	}
	d, err := db.Open(context.Background(), url, db.Options{StatementTimeout: 5 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}
