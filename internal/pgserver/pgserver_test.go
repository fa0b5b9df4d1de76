package pgserver

import (
	"context"
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testDir returns a directory for a cluster. As root, the cluster runs as
// postgres, which must get through t.TempDir's 0700 directories; opening
// them (they are the test's own) keeps the cluster there, so that the
// TempDir cleanup removes it.
func testDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	if os.Geteuid() == 0 {
		for _, p := range []string{d, filepath.Dir(d)} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(d, "pg")
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(time.Now().Format("15:04:05.000"), strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// start starts a cluster in dir and stops it when the test ends, should the
// test not have done so itself.
func startT(t *testing.T, dir string, fast bool) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Dir: dir, Fast: fast, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func setting(t *testing.T, s *Server, name string) string {
	t.Helper()
	var v string
	if err := open(t, s.URL("postgres")).QueryRow(`SELECT current_setting($1)`, name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func stop(t *testing.T, s *Server) {
	t.Helper()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if Available(context.Background(), s.URL("postgres")) {
		t.Fatalf("PostgreSQL still answers on port %d after Stop", s.Port())
	}
}

func TestRestartKeepsDataAndPort(t *testing.T) {
	t.Parallel()
	dir := testDir(t)

	s := startT(t, dir, true)
	if got := setting(t, s, "fsync"); got != "off" {
		t.Errorf("fsync = %s with Fast, want off", got)
	}
	if _, err := open(t, s.URL(AppDatabase)).Exec(`CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	port := s.Port()
	stop(t, s)

	s = startT(t, dir, false)
	if s.Port() != port {
		t.Errorf("restarted on port %d, want the remembered %d", s.Port(), port)
	}
	if got := setting(t, s, "fsync"); got != "on" {
		t.Errorf("fsync = %s without Fast, want on", got)
	}
	wantKept(t, s)
	stop(t, s)

	// Something else takes the remembered port: another one is picked, and
	// remembered instead.
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s = startT(t, dir, true)
	if s.Port() == port {
		t.Fatalf("started on the taken port %d", port)
	}
	wantKept(t, s)
	if b, _ := os.ReadFile(filepath.Join(dir, "port")); strings.TrimSpace(string(b)) != strconv.Itoa(s.Port()) {
		t.Errorf("port file says %q, server runs on %d", b, s.Port())
	}
	stop(t, s)
}

func wantKept(t *testing.T, s *Server) {
	t.Helper()
	var n int
	if err := open(t, s.URL(AppDatabase)).QueryRow(`SELECT n FROM kept`).Scan(&n); err != nil || n != 42 {
		t.Fatalf("data after restart: n=%d, %v", n, err)
	}
}

func TestRunningClusterIsShared(t *testing.T) {
	t.Parallel()
	dir := testDir(t)

	first := startT(t, dir, true)
	second := startT(t, dir, true) // as another gpec process would
	if second.Port() != first.Port() {
		t.Fatalf("second Start runs on %d, the cluster on %d", second.Port(), first.Port())
	}
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	if !Available(context.Background(), second.URL("postgres")) {
		t.Fatal("first Stop stopped the cluster the second still uses")
	}
	stop(t, second)

	// A process that crashed leaves PostgreSQL running and its lock released:
	// the next Start adopts the cluster and its Stop stops it.
	crashed := startT(t, dir, true)
	crashed.users.Close()
	crashed.stopped = true
	next := startT(t, dir, true)
	if next.Port() != crashed.Port() {
		t.Fatalf("Start after a crash runs on %d, the leftover on %d", next.Port(), crashed.Port())
	}
	stop(t, next)
}

func TestAvailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	free, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	if Available(ctx, urlFor(free, "postgres")) {
		t.Error("Available on a port nobody listens on")
	}
	if Available(ctx, "not a url") {
		t.Error("Available with a malformed URL")
	}
	// Something that accepts connections and never answers: no hanging.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	began := time.Now()
	if Available(ctx, urlFor(l.Addr().(*net.TCPAddr).Port, "postgres")) {
		t.Error("Available on a silent listener")
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("Available took %v on a silent listener", d)
	}
	// true is checked wherever a test starts a server.
}

func TestEnsureForTests(t *testing.T) {
	ctx := context.Background()
	t.Setenv("TEST_DATABASE_URL", "postgres://someone@db.example:5432/postgres")
	url, stopFn, err := EnsureForTests(ctx, t.TempDir())
	if err != nil || url != "postgres://someone@db.example:5432/postgres" {
		t.Fatalf("with TEST_DATABASE_URL: %q, %v", url, err)
	}
	if err := stopFn(); err != nil {
		t.Fatal(err)
	}

	// No TEST_DATABASE_URL and nothing on the usual port: a private cluster.
	t.Setenv("TEST_DATABASE_URL", "")
	free, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	saved := LocalURL
	LocalURL = urlFor(free, "postgres")
	defer func() { LocalURL = saved }()
	dir := testDir(t)
	url, stopFn, err = EnsureForTests(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(url, "/postgres?sslmode=disable") || !Available(ctx, url) {
		t.Fatalf("private cluster at %s does not answer", url)
	}
	if err := stopFn(); err != nil {
		t.Fatal(err)
	}
	if Available(ctx, url) {
		t.Fatal("private cluster still answers after stop")
	}
}

// As root with Dir under a private directory, the cluster moves to
// relocateBase and Dir/data links to it.
func TestPrivateParentRelocates(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the cluster as another user")
	}
	base := filepath.Dir(testDir(t)) // reachable
	saved := relocateBase
	relocateBase = filepath.Join(base, "relocated")
	defer func() { relocateBase = saved }()
	private := filepath.Join(base, "private")
	if err := os.MkdirAll(private, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(private, "pg")
	s := startT(t, dir, true)
	if !strings.HasPrefix(s.DataDir(), relocateBase+"/") {
		t.Errorf("cluster in %s, want it under %s", s.DataDir(), relocateBase)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "data")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s/data is not a link: %v", dir, err)
	}
	if fi, _ := os.Stat(private); fi.Mode().Perm() != 0o700 {
		t.Errorf("%s opened up to %v", private, fi.Mode().Perm())
	}
	stop(t, s)
	// And the next Start finds it through the link.
	s = startT(t, dir, true)
	stop(t, s)
}

func TestBinariesMissing(t *testing.T) {
	savedGlob, savedInstall := debianBinGlob, mayInstall
	defer func() { debianBinGlob, mayInstall = savedGlob, savedInstall }()
	debianBinGlob = filepath.Join(t.TempDir(), "*", "bin")
	mayInstall = func() bool { return false }
	t.Setenv("PATH", "")
	_, err := findBinaries(context.Background(), testLog{t}, "")
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Fatalf("want advice on what to install, got %v", err)
	}
}

func TestNewestDebianVersionFirst(t *testing.T) {
	saved := debianBinGlob
	defer func() { debianBinGlob = saved }()
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "10"} {
		if err := os.MkdirAll(filepath.Join(root, v, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	debianBinGlob = filepath.Join(root, "*", "bin")
	var got []string
	for _, d := range debianBinDirs() {
		got = append(got, binDirVersion(d))
	}
	if strings.Join(got, " ") != "15 10 9.6" {
		t.Errorf("order %v, want 15 10 9.6", got)
	}
}
