package main

// These tests run the built binary, as a newcomer would, each command with
// its own home and data folder in a temporary directory.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/gpec-project/gpec/internal/testdb"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gpec-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "gpec")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building gpec: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	testdb.DropTemplate()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sandbox is a home folder, a working folder and an environment without
// any of gpec's variables: what a newcomer's shell would have.
type sandbox struct {
	t    *testing.T
	home string
	work string
	env  []string
}

func newSandbox(t *testing.T, extra ...string) *sandbox {
	t.Helper()
	root := t.TempDir()
	if os.Geteuid() == 0 {
		// As root the cluster runs as postgres, which must get through
		// TempDir's 0700 directories (else it is relocated out of them).
		for _, p := range []string{root, filepath.Dir(root)} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := &sandbox{t: t, home: filepath.Join(root, "home"), work: filepath.Join(root, "work")}
	for _, d := range []string{s.home, s.work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GPEC_") || strings.HasPrefix(name, "DATABASE_") || name == "HOME" || name == "XDG_DATA_HOME" {
			continue
		}
		s.env = append(s.env, kv)
	}
	s.env = append(s.env, "HOME="+s.home)
	s.env = append(s.env, extra...)
	return s
}

// dataDir is the default data folder under the sandbox's home.
func (s *sandbox) dataDir() string { return filepath.Join(s.home, ".local", "share", "gpec") }

func (s *sandbox) cmd(dir string, args ...string) *exec.Cmd {
	c := exec.Command(bin, args...)
	c.Dir, c.Env = dir, s.env
	return c
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs gpec in the working folder and returns its status and output.
func (s *sandbox) run(args ...string) result { return s.runIn(s.work, args...) }

func (s *sandbox) runIn(dir string, args ...string) result {
	s.t.Helper()
	c := s.cmd(dir, args...)
	var o, e bytes.Buffer
	c.Stdout, c.Stderr = &o, &e
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return result{code, o.String(), e.String()}
}

// entries lists what a folder holds, for "did nothing" checks.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if p != dir {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// Case 3: help is on stdout, exits 0 and does nothing else: no cluster,
// no export folder named -h, no data folder at all.
func TestHelpDoesNothingElse(t *testing.T) {
	s := newSandbox(t)
	usage := map[string]string{
		"serve": "usage: gpec serve", "token": "usage: gpec token", "migrate": "usage: gpec migrate",
		"import": "usage: gpec import", "export": "usage: gpec export", "seed": "usage: gpec seed",
		"rollup": "usage: gpec rollup", "withdb": "usage: gpec withdb", "bench": "usage: gpec bench",
	}
	for name, want := range usage {
		for _, args := range [][]string{{name, "-h"}, {name, "--help"}, {"help", name}} {
			r := s.run(args...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, want) || r.stderr != "" {
				t.Errorf("gpec %s: status %d, stdout %.60q, stderr %.200q; want 0 and %q on stdout only",
					strings.Join(args, " "), r.code, r.stdout, r.stderr, want)
			}
		}
	}
	for _, args := range [][]string{
		{"token", "create", "-h"}, {"token", "list", "--help"}, {"token", "revoke", "-h"}, {"token", "help"},
		{"migrate", "up", "-h"}, {"bench", "pg", "-h"}, {"bench", "serve", "-h"},
	} {
		r := s.run(args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: gpec "+args[0]) || r.stderr != "" {
			t.Errorf("gpec %s: status %d, stdout %.60q, stderr %.200q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	if r := s.run("token", "create", "-h"); !strings.Contains(r.stdout, "-role") {
		t.Errorf("token create -h does not list its flags:\n%s", r.stdout)
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		r := s.run(args...)
		if r.code != 0 || !strings.Contains(r.stdout, "commands:") || !strings.Contains(r.stdout, "withdb") || r.stderr != "" {
			t.Errorf("gpec %s: status %d, stdout %.80q, stderr %.80q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	if r := s.run(); r.code != 2 || !strings.Contains(r.stderr, "commands:") {
		t.Errorf("gpec alone: status %d, stderr %.80q; want the list on stderr and status 2", r.code, r.stderr)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"token", "nope"}, `unknown token action "nope"`},
		{[]string{"token"}, "no action given"},
		{[]string{"migrate", "sideways"}, `unknown migrate action "sideways"`},
		{[]string{"serve", "-nope"}, "flag provided but not defined: -nope"},
		{[]string{"export"}, "give one output folder"},
		{[]string{"token", "create", "-pole", "x"}, "-role is required"},
		{[]string{"help", "nope"}, `unknown command "nope"`},
	} {
		r := s.run(c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.says) || r.stdout != "" {
			t.Errorf("gpec %s: status %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.says)
		}
	}
	if got := append(entries(t, s.work), entries(t, s.home)...); len(got) > 0 {
		t.Errorf("help and usage errors left files behind: %v", got)
	}
}

// Case 9: withdb says its command still runs when it prints nothing for a
// while, and passes on its status.
func TestWithDBSaysStillRunning(t *testing.T) {
	s := newSandbox(t, "TEST_DATABASE_URL=postgres://nobody@127.0.0.1:1/postgres")
	r := s.run("withdb", "-still-running", "1s", "--", "sh", "-c", "sleep 2.5; echo done; exit 3")
	if r.code != 3 || r.stdout != "done\n" || !strings.Contains(r.stderr, "gpec withdb: still running") {
		t.Fatalf("status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if got := entries(t, s.home); len(got) > 0 {
		t.Errorf("withdb with TEST_DATABASE_URL left files: %v", got)
	}
}

// serveProc is a `gpec serve` running in the background.
type serveProc struct {
	cmd    *exec.Cmd
	addr   string
	tokens map[string]string // name as printed → token
	banner string
	stderr *syncBuffer
	done   chan error
}

var tokenLine = regexp.MustCompile(`^  (\S.*?)\s+(gpec_[a-z2-7]{50,})$`)

// startServe starts serve and waits for its banner (the tokens).
func (s *sandbox) startServe(addr string) *serveProc {
	s.t.Helper()
	c := s.cmd(s.work, "serve", "-addr", addr)
	out, err := c.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	srv := &serveProc{cmd: c, addr: addr, tokens: map[string]string{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	c.Stderr = srv.stderr
	if err := c.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { srv.stop(s.t) })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		srv.done <- c.Wait()
	}()
	deadline := time.After(3 * time.Minute)
	var banner strings.Builder
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				s.t.Fatalf("serve ended before its banner:\n%s\nstderr:\n%s", banner.String(), srv.stderr)
			}
			banner.WriteString(l + "\n")
			if m := tokenLine.FindStringSubmatch(l); m != nil {
				srv.tokens[m[1]] = m[2]
			}
			if strings.HasPrefix(l, "They are kept in ") {
				srv.banner = banner.String()
				go func() {
					for range lines {
					}
				}()
				return srv
			}
		case <-deadline:
			s.t.Fatalf("no banner after 3 minutes; stderr:\n%s", srv.stderr)
		}
	}
}

// syncBuffer is serve's stderr: written by the process, read by failures.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(b)
}

func (l *syncBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// stop sends SIGINT, as Ctrl-C would, and waits for the end.
func (srv *serveProc) stop(t *testing.T) {
	if srv.cmd.ProcessState != nil || srv.cmd.Process == nil {
		return
	}
	_ = srv.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-srv.done:
	case <-time.After(time.Minute):
		_ = srv.cmd.Process.Kill()
		t.Errorf("serve did not stop within a minute of SIGINT")
	}
}

// query posts a GraphQL query with a token and returns the body.
func (srv *serveProc) query(t *testing.T, token, q string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": q})
	req, _ := http.NewRequest(http.MethodPost, "http://"+srv.addr+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func (srv *serveProc) adminToken(t *testing.T) string {
	t.Helper()
	tok := srv.tokens["admin"]
	if tok == "" {
		t.Fatalf("no admin token in the banner:\n%s", srv.banner)
	}
	return tok
}

func tokenRows(t *testing.T, r result) int {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("token list: status %d\n%s", r.code, r.stderr)
	}
	return strings.Count(r.stdout, "\n") - 1 // the header
}

// Cases 1, 2, 4, 5, 6, 7 through the binary, on the private cluster of a
// newcomer's default data folder: serve twice, the CLI beside it, restarts.
func TestServeLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster and the service")
	}
	// Free ports, not fixed ones: a fixed port taken by anything else on
	// the machine (another cluster, a benchmark) fails the test for nothing.
	addr := "127.0.0.1:" + freePort(t)
	pgPort := freePort(t)
	s := newSandbox(t, "GPEC_PG_PORT="+pgPort)
	t.Log("first serve: creates the cluster, loads the reference and demo data")
	first := s.startServe(addr)
	if !strings.Contains(first.banner, "Data folder: "+s.dataDir()) {
		t.Errorf("banner does not name the default data folder %s:\n%s", s.dataDir(), first.banner)
	}
	if len(first.tokens) != 4 {
		t.Fatalf("%d demo tokens in the banner, want 4:\n%s", len(first.tokens), first.banner)
	}
	fi, err := os.Stat(filepath.Join(s.dataDir(), "demo-tokens.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("demo-tokens.json: %v, mode %v; want 0600", err, fi)
	}
	const poleQ = `{ pole(id: "aerospace-valley") { name } }`
	for name, tok := range first.tokens {
		if name == "observatory (region 76, Occitanie)" {
			continue // sees aggregates only
		}
		if got := first.query(t, tok, poleQ); !strings.Contains(got, "Aerospace Valley") && !strings.Contains(name, "company") {
			t.Errorf("token %s: %s", name, got)
		}
	}
	admin := first.adminToken(t)

	// Case 1: a second serve on the same address fails at once and the
	// first one's tokens keep working.
	began := time.Now()
	r := s.run("serve", "-addr", addr)
	if r.code == 0 || !strings.Contains(r.stderr, "address already in use") || time.Since(began) > 5*time.Second {
		t.Errorf("second serve: status %d after %s, stderr %q", r.code, time.Since(began), r.stderr)
	}
	if strings.Contains(r.stderr, "pgserver") || strings.Contains(r.stdout, "gpec_") {
		t.Errorf("the second serve touched the database or tokens: %s%s", r.stdout, r.stderr)
	}
	if got := first.query(t, admin, poleQ); !strings.Contains(got, "Aerospace Valley") {
		t.Fatalf("the admin token stopped working after a second serve: %s", got)
	}

	// Case 4 and 2: from another folder, the CLI finds the same database,
	// as a guest of serve's cluster, and leaves it running.
	elsewhere := t.TempDir()
	demoRows := tokenRows(t, s.runIn(elsewhere, "token", "list"))
	if demoRows != 4 {
		t.Fatalf("token list from another folder shows %d tokens, want the 4 demo ones", demoRows)
	}

	// Case 7: scopes are checked against the data; revocation by prefix,
	// twice.
	for _, c := range []struct{ args, says string }{
		{"-role pole_manager -pole nope", "no pole nope"},
		{"-role observatory -territory region:99", "no territory region:99"},
		{"-role company -siren 100000009", "no company 100000009"},
		{"-role observatory -territory 76", "-territory is level:code"},
	} {
		r := s.run(append([]string{"token", "create"}, strings.Fields(c.args)...)...)
		if r.code == 0 || !strings.Contains(r.stderr, c.says) || strings.Contains(r.stdout, "gpec_") {
			t.Errorf("token create %s: status %d, stdout %q, stderr %q; want a refusal saying %q", c.args, r.code, r.stdout, r.stderr, c.says)
		}
	}
	r = s.run("token", "create", "-role", "observatory", "-territory", "region:76", "-label", "mine")
	plain := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(plain, "gpec_") {
		t.Fatalf("token create: %d %q %q", r.code, r.stdout, r.stderr)
	}
	prefix := plain[:13]
	if r := s.run("token", "revoke", prefix); r.code != 0 || !strings.Contains(r.stdout, "revoked") || strings.Contains(r.stdout, "already") {
		t.Errorf("revoke %s: %d %q %q", prefix, r.code, r.stdout, r.stderr)
	}
	if r := s.run("token", "revoke", prefix); r.code != 0 || !strings.Contains(r.stdout, "was already revoked") {
		t.Errorf("second revoke %s: %d %q %q", prefix, r.code, r.stdout, r.stderr)
	}
	if r := s.run("token", "revoke", "gpec_"); r.code == 0 {
		t.Errorf("revoke of a bare gpec_ accepted: %q", r.stdout)
	}

	// Case 6: -dry-run exits 1 on a rejected row, 0 on a good file, and
	// writes nothing either way.
	bad := filepath.Join(t.TempDir(), "companies.csv")
	writeFile(t, bad, "siren,name,naf,founded_year\n123,Bad,,\n")
	if r := s.run("import", "-dry-run", bad); r.code != 1 || !strings.Contains(r.stdout, "siren") {
		t.Errorf("import -dry-run of a bad row: status %d, stdout %q", r.code, r.stdout)
	}
	// A member of the demo pole whose name sorts first: the demo company
	// token must not move to it (case 5).
	good := t.TempDir()
	writeFile(t, filepath.Join(good, "companies.csv"), "siren,name,naf,founded_year\n100000009,AAA Aéro (fictive),30.30Z,2001\n")
	writeFile(t, filepath.Join(good, "memberships.csv"), "pole_id,siren,since,until\naerospace-valley,100000009,2020-01-01,\n")
	if r := s.run("import", "-dry-run", good); r.code != 0 {
		t.Errorf("import -dry-run of good files: status %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := s.run("import", good); r.code != 0 {
		t.Fatalf("import: status %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := first.query(t, admin, poleQ); !strings.Contains(got, "Aerospace Valley") {
		t.Fatalf("serve stopped answering after the CLI's commands: %s", got)
	}

	// Cases 1 and 5: a restart reuses the tokens, list does not grow.
	first.stop(t)
	t.Log("second serve: reuses the cluster, the data and the tokens")
	second := s.startServe(addr)
	for name, tok := range first.tokens {
		if second.tokens[name] != tok {
			t.Errorf("demo token %s changed across a restart: %s → %s", name, tok, second.tokens[name])
		}
	}
	if got := second.query(t, admin, poleQ); !strings.Contains(got, "Aerospace Valley") {
		t.Fatalf("the admin token after restart: %s", got)
	}
	if n := tokenRows(t, s.run("token", "list")); n != demoRows+1 {
		t.Errorf("token list has %d rows after a restart, want %d (the demo ones and mine)", n, demoRows+1)
	}
	second.stop(t)

	// The owner stopped its cluster when it ended.
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+pgPort, 2*time.Second); err == nil {
		c.Close()
		t.Errorf("the private PostgreSQL still listens after serve ended")
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a TCP port of 127.0.0.1 that nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}
