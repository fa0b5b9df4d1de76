package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/db"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/migrate"
	"github.com/gpec-project/gpec/internal/pgserver"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

var quiet = slog.New(slog.DiscardHandler)

// slowPoles makes every read of poles take seconds in PostgreSQL: the table
// moves aside and a view that sleeps takes its name, so that a real
// resolver (Query.poles) runs a slow statement.
func slowPoles(t *testing.T, d *sqlx.DB, seconds float64) {
	t.Helper()
	// DDL takes no parameters: the constant is formatted in.
	if _, err := d.Exec(fmt.Sprintf(`ALTER TABLE poles RENAME TO poles_base;
		CREATE VIEW poles AS SELECT p.* FROM poles_base p CROSS JOIN LATERAL (SELECT pg_sleep(%g)) s`, seconds)); err != nil {
		t.Fatal(err)
	}
}

// sleeping counts the statements of d's database running pg_sleep now.
func sleeping(t *testing.T, d *sqlx.DB) int {
	t.Helper()
	var n int
	if err := d.Get(&n, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' AND query LIKE '%poles%'`); err != nil {
		t.Fatal(err)
	}
	return n
}

// eventually polls cond every 20 ms for up to d.
func eventually(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// A statement running past the request's time limit is cancelled in
// PostgreSQL (not only abandoned by the client), and the client gets TIMEOUT.
func TestSlowQueryCancelledAtTimeout(t *testing.T) {
	d, dsn := testdb.New(t)
	fixture(t, d, 1)
	slowPoles(t, d, 30)
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})

	t.Run("RequestTimeout", func(t *testing.T) {
		lim := limits.Defaults()
		lim.Timeout = 500 * time.Millisecond
		ts := httptest.NewServer(server.New(d, server.Config{Limits: &lim, Log: quiet}).Handler())
		defer ts.Close()
		start := time.Now()
		r := send(t, ts.URL, http.MethodPost, "/graphql", "application/json", admin, query(`{ poles { totalCount } }`))
		took := time.Since(start)
		if r.code() != "TIMEOUT" || took > 5*time.Second {
			t.Fatalf("after %v: %d %s", took, r.status, r.body)
		}
		if bytes.Contains(r.body, []byte("pg_sleep")) || bytes.Contains(r.body, []byte("canceling")) {
			t.Fatalf("the response shows SQL: %s", r.body)
		}
		if !eventually(2*time.Second, func() bool { return sleeping(t, d) == 0 }) {
			t.Fatalf("the statement still runs in PostgreSQL %v after the timeout", 2*time.Second)
		}
		t.Logf("TIMEOUT after %v; nothing left in pg_stat_activity", took.Round(time.Millisecond))
	})
	t.Run("StatementTimeout", func(t *testing.T) {
		// PostgreSQL's own statement_timeout, under a longer request limit.
		short, err := db.Open(context.Background(), dsn, db.Options{MaxOpen: 2, StatementTimeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer short.Close()
		ts := httptest.NewServer(server.New(short, server.Config{Log: quiet}).Handler())
		defer ts.Close()
		r := send(t, ts.URL, http.MethodPost, "/graphql", "application/json", admin, query(`{ poles { totalCount } }`))
		if r.code() != "TIMEOUT" {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if !eventually(2*time.Second, func() bool { return sleeping(t, d) == 0 }) {
			t.Fatal("the statement still runs in PostgreSQL")
		}
	})
}

// result is one request of the traffic of TestPostgresRestart.
type result struct {
	start, end time.Time
	ok         bool
	detail     string
	retryable  bool
}

// PostgreSQL restarts under traffic: requests fail only while it is down,
// then the same server (same pool) serves again, and /readyz follows.
func TestPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		// As root the cluster runs as postgres, which must get through
		// TempDir's 0700 directories.
		for _, p := range []string{dir, filepath.Dir(dir)} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	pgDir := filepath.Join(dir, "pg")
	ctx := context.Background()
	start := func() *pgserver.Server {
		t.Helper()
		pg, err := pgserver.Start(ctx, pgserver.Options{Dir: pgDir, Fast: true, Log: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		return pg
	}
	pg := start()
	t.Cleanup(func() { _ = pg.Stop() })
	d, err := db.Open(ctx, pg.URL(pgserver.AppDatabase), db.Options{MaxOpen: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := migrate.Up(ctx, d.DB); err != nil {
		t.Fatal(err)
	}
	fixture(t, d, 2)
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	// The traffic outruns the per-token rate limit, which is not under test.
	noRate := auth.Config{CacheTTL: time.Minute, CacheSize: 100}
	noBudget := limits.Defaults()
	noBudget.CostPerSecond = 0
	ts := httptest.NewServer(server.New(d, server.Config{Auth: &noRate, Limits: &noBudget, Log: quiet}).Handler())
	defer ts.Close()

	var mu sync.Mutex
	var results []result
	var readyCodes []struct {
		at   time.Time
		code int
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := result{start: time.Now()}
				req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", bytes.NewReader(query(`{ poles { totalCount } companies { totalCount } }`)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+admin)
				res, err := client.Do(req)
				if err == nil {
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					r.ok = res.StatusCode == 200 && string(body) == `{"data":{"poles":{"totalCount":1},"companies":{"totalCount":2}}}`
					r.detail = string(body)
					// A failure tells the client to retry: 503, UNAVAILABLE, Retry-After.
					r.retryable = res.StatusCode == 503 && strings.Contains(r.detail, `"UNAVAILABLE"`) && res.Header.Get("Retry-After") != ""
					if !r.ok && !r.retryable {
						r.detail = fmt.Sprintf("%d %s", res.StatusCode, body)
					}
				} else {
					r.detail = err.Error()
				}
				r.end = time.Now()
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			res, err := client.Get(ts.URL + "/readyz")
			code := 0
			if err == nil {
				code = res.StatusCode
				res.Body.Close()
			}
			mu.Lock()
			readyCodes = append(readyCodes, struct {
				at   time.Time
				code int
			}{time.Now(), code})
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	})

	time.Sleep(time.Second)
	down := time.Now()
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	pg = start()
	up := time.Now()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	var before, during, failed, after int
	for _, r := range results {
		overlapsOutage := r.start.Before(up) && r.end.After(down)
		switch {
		case !r.ok && !overlapsOutage:
			t.Errorf("a request outside the outage failed (started %v after the restart): %s",
				r.start.Sub(up).Round(time.Millisecond), r.detail)
		case r.end.Before(down):
			before++
		case overlapsOutage:
			during++
			if !r.ok {
				failed++
				if !r.retryable && !strings.Contains(r.detail, "connection") {
					t.Errorf("a request failed during the outage without UNAVAILABLE, 503 and Retry-After: %s", r.detail)
				}
			}
		default:
			after++
		}
	}
	t.Logf("requests: %d before the stop, %d during the outage (%d failed), %d after the restart; down %v",
		before, during, failed, after, up.Sub(down).Round(time.Millisecond))
	if before == 0 || failed == 0 || after == 0 {
		t.Fatalf("traffic did not cover the three phases: %d before, %d failed during, %d after", before, failed, after)
	}
	var notReady, readyAgain bool
	for _, rc := range readyCodes {
		switch {
		case rc.at.After(down) && rc.at.Before(up) && rc.code == 503:
			notReady = true
		case rc.at.After(up.Add(time.Second)) && rc.code == 200:
			readyAgain = true
		case rc.at.After(up.Add(time.Second)):
			t.Errorf("/readyz %d a second after the restart", rc.code)
		}
	}
	if !notReady || !readyAgain {
		t.Fatalf("/readyz: 503 while down %v, 200 after %v", notReady, readyAgain)
	}
}

// SIGTERM with a request in flight: readiness turns false first, the
// request finishes, new connections are refused, Run returns nil.
func TestGracefulShutdown(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 1)
	slowPoles(t, d, 1.5)
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})

	run := func(t *testing.T, grace time.Duration) (base string, inFlight chan reply, runErr chan error, term func()) {
		s := server.New(d, server.Config{Log: quiet})
		var draining atomic.Bool
		s.SetReady(func() bool { return !draining.Load() })
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		// What `gpec serve` does: SIGTERM cancels the context Run watches.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		t.Cleanup(stop)
		runErr = make(chan error, 1)
		go func() {
			runErr <- server.Run(ctx, ln, s.Handler(), server.RunOptions{
				Draining: func() { draining.Store(true) }, DrainDelay: 500 * time.Millisecond, Grace: grace, Log: quiet})
		}()
		base = "http://" + ln.Addr().String()
		if r := send(t, base, http.MethodGet, "/readyz", "", "", nil); r.status != 200 {
			t.Fatalf("/readyz before: %d %s", r.status, r.body)
		}
		inFlight = make(chan reply, 1)
		go func() {
			// Not send: its t.Fatal must not run outside the test goroutine.
			req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(query(`{ poles { totalCount } }`)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+admin)
			var r reply
			if res, err := http.DefaultClient.Do(req); err == nil {
				r.status = res.StatusCode
				r.body, _ = io.ReadAll(res.Body)
				res.Body.Close()
				_ = json.Unmarshal(r.body, &r.gqlResponse)
			}
			inFlight <- r
		}()
		if !eventually(2*time.Second, func() bool { return sleeping(t, d) == 1 }) {
			t.Fatal("the slow request did not start")
		}
		term = func() {
			if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		}
		return base, inFlight, runErr, term
	}

	t.Run("InFlightFinishes", func(t *testing.T) {
		base, inFlight, runErr, term := run(t, 10*time.Second)
		term()
		// During the drain delay the listener still answers, not ready.
		if !eventually(400*time.Millisecond, func() bool {
			return send(t, base, http.MethodGet, "/readyz", "", "", nil).status == 503
		}) {
			t.Fatal("/readyz did not turn 503 first")
		}
		// Then new connections are refused while the request still runs.
		refused := eventually(time.Second, func() bool {
			c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 200*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return err != nil
		})
		if !refused {
			t.Fatal("new connections are still accepted after the drain delay")
		}
		select {
		case r := <-inFlight:
			if r.status != 200 || string(r.Data) != `{"poles":{"totalCount":1}}` {
				t.Fatalf("the in-flight request: %d %s", r.status, r.body)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the in-flight request did not finish")
		}
		if err := <-runErr; err != nil {
			t.Fatalf("Run: %v", err)
		}
	})

	t.Run("GraceExpires", func(t *testing.T) {
		// A request outlasting the grace period is cancelled, in PostgreSQL
		// too; a transaction it had open (an import) is rolled back.
		_, inFlight, runErr, term := run(t, 300*time.Millisecond)
		term()
		select {
		case err := <-runErr:
			if !errors.Is(err, server.ErrGraceExpired) {
				t.Fatalf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after the grace period")
		}
		select {
		case r := <-inFlight: // cut, or answered with an error
			if r.status == 200 && len(r.Errors) == 0 {
				t.Fatalf("the request outlasting the grace period succeeded: %s", r.body)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the cancelled request did not end")
		}
		if !eventually(2*time.Second, func() bool { return sleeping(t, d) == 0 }) {
			t.Fatal("the cancelled statement still runs in PostgreSQL")
		}
	})
}

// Reads go to the read pool, imports (and tokens) to the primary.
func TestReadReplicaRouting(t *testing.T) {
	primary, _ := testdb.New(t)
	replica, _ := testdb.New(t)
	fixture(t, primary, 1)
	fixture(t, replica, 1)
	// A row only the "replica" has, as if the primary had since lost it.
	if _, err := replica.Exec(`INSERT INTO poles (id, name, kind, region_code) VALUES ('replica-only','R','cluster','76')`); err != nil {
		t.Fatal(err)
	}
	admin := token(t, primary, auth.RoleAdmin, auth.Scope{})
	ts := httptest.NewServer(server.New(primary, server.Config{ReadDB: replica, Log: quiet}).Handler())
	defer ts.Close()

	if r := send(t, ts.URL, http.MethodPost, "/graphql", "application/json", admin, query(`{ poles { totalCount } }`)); string(r.Data) != `{"poles":{"totalCount":2}}` {
		t.Fatalf("reads: %d %s", r.status, r.body)
	}
	if r := send(t, ts.URL, http.MethodGet, "/readyz", "", "", nil); r.status != 200 {
		t.Fatalf("/readyz: %d %s", r.status, r.body)
	}

	// An import through GraphQL (multipart upload) writes to the primary.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("operations", `{"query":"mutation($f: [Upload!]!) { importFiles(files: $f) { committed errorCount } }","variables":{"f":[null]}}`)
	_ = mw.WriteField("map", `{"0":["variables.f.0"]}`)
	fw, _ := mw.CreateFormFile("0", "poles.csv")
	_, _ = io.WriteString(fw, "id,name,kind,region_code,themes\nnew-pole,New,cluster,76,\n")
	mw.Close()
	r := send(t, ts.URL, http.MethodPost, "/graphql", mw.FormDataContentType(), admin, body.Bytes())
	if string(r.Data) != `{"importFiles":{"committed":true,"errorCount":0}}` {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	var n int
	if err := primary.Get(&n, `SELECT count(*) FROM poles WHERE id = 'new-pole'`); err != nil || n != 1 {
		t.Fatalf("the primary has %d new-pole (%v)", n, err)
	}
	// Until replication catches up, a read does not see it.
	if r := send(t, ts.URL, http.MethodPost, "/graphql", "application/json", admin, query(`{ pole(id: "new-pole") { name } }`)); string(r.Data) != `{"pole":null}` {
		t.Fatalf("read after import: %s", r.body)
	}
}
