package pgserver

import (
	"context"
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	crashed.owner.Close()
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
	url, stopFn, err := EnsureForTests(ctx, t.TempDir(), false)
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
	url, stopFn, err = EnsureForTests(ctx, dir, false)
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
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the test cluster in %s is still there after stop (%v)", dir, err)
	}

	// With keep, it stays for the next run.
	url, stopFn, err = EnsureForTests(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := stopFn(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err != nil {
		t.Errorf("kept cluster gone: %v", err)
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

// The owner of a cluster is the only one to stop it: a guest leaves it
// running, even when it does not answer, and the owner's Stop leaves it to
// a guest still using it, which then stops it as the last one out.
func TestOnlyTheOwnerStops(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	owner := startT(t, dir, true)
	if !owner.Owner() {
		t.Fatal("the process that started the cluster does not own it")
	}
	guest := startT(t, dir, true)
	if guest.Owner() {
		t.Fatal("a second process owns the running cluster too")
	}
	if err := guest.Stop(); err != nil {
		t.Fatal(err)
	}
	if !Available(context.Background(), owner.URL("postgres")) {
		t.Fatal("a guest's Stop stopped the owner's cluster")
	}

	// The postmaster stops answering (SIGSTOP: as a server swamped by a
	// long import would): a guest waits, gives up, and leaves it alone.
	pid := postmasterPID(t, owner)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	defer resume()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := Start(ctx, Options{Dir: dir, Fast: true, Wait: 3 * time.Second, Log: testLog{t}})
	if err == nil || !strings.Contains(err.Error(), "did not answer") || !strings.Contains(err.Error(), "left running") {
		t.Fatalf("guest Start on a silent cluster: %v, want a refusal that leaves it running", err)
	}
	resume()
	if !Available(context.Background(), owner.URL("postgres")) {
		t.Fatal("the cluster does not answer after SIGCONT: a guest stopped it")
	}
	if postmasterPID(t, owner) != pid {
		t.Fatal("the postmaster was restarted by a guest")
	}

	// A guest uses it when the owner ends: the owner leaves it running, the
	// guest stops it.
	guest = startT(t, dir, true)
	if err := owner.Stop(); err != nil {
		t.Fatal(err)
	}
	if !Available(context.Background(), guest.URL("postgres")) {
		t.Fatal("the owner stopped the cluster a guest still uses")
	}
	stop(t, guest)
	if Available(context.Background(), guest.URL("postgres")) {
		t.Fatal("the last one out did not stop the cluster")
	}
}

// A guest of a process whose cluster is not running gets a clear error
// naming the owner, and starts nothing.
func TestGuestDoesNotStartOwnersCluster(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	owner := startT(t, dir, true)
	if err := owner.pgctl(context.Background(), "-D", owner.DataDir(), "-m", "fast", "-w", "stop"); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{Dir: dir, Fast: true, Log: testLog{t}})
	if err == nil || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("guest Start of a stopped, owned cluster: %v, want an error naming the owner", err)
	}
}

func TestRemove(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Dir: dir, Fast: true, Remove: true, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	data := s.DataDir()
	stop(t, s)
	for _, p := range []string{dir, data} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still there after Stop with Remove (%v)", p, err)
		}
	}
}

func postmasterPID(t *testing.T, s *Server) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.DataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}
