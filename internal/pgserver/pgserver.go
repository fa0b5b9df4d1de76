package pgserver

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// Options say where and how to run a cluster.
type Options struct {
	// Dir holds the cluster and its state (see the package comment). Required.
	Dir string
	// Port to listen on at 127.0.0.1. 0 picks one: the port remembered in
	// Dir when it is free, else any free port (then remembered).
	Port int
	// Fast trades crash safety for speed (fsync, synchronous_commit and
	// full_page_writes off), for test clusters whose data is disposable.
	Fast bool
	// Log receives progress lines and apt-get's output; nil means os.Stderr.
	Log io.Writer
	// Wait bounds how long Start waits for a cluster another process owns
	// to answer (it may be busy or recovering; it is never stopped by us).
	// 0 means two minutes.
	Wait time.Duration
	// Remove makes Stop delete the cluster and Dir when it stops the
	// cluster (the last user out): a throwaway cluster for tests.
	Remove bool
}

// Server is a running cluster. Its superuser is "postgres", without password.
type Server struct {
	dir   string // Options.Dir, absolute
	data  string // PGDATA, symbolic links resolved
	bin   string
	port  int
	run   *runner
	log   io.Writer
	users *os.File // holds the shared lock saying this process uses the cluster
	owner *os.File // holds the ownership lock: nil for a guest (see Stop)
	rm    bool     // Options.Remove

	mu      sync.Mutex
	stopped bool
}

// AppDatabase is the database Start creates for gpec itself.
const AppDatabase = "gpec"

// Start makes sure a cluster runs in o.Dir and returns it: it creates the
// cluster (initdb) when Dir has none, reuses one already running there, or
// starts it, waits until it accepts connections and creates AppDatabase if
// missing. Call Stop when done.
func Start(ctx context.Context, o Options) (*Server, error) {
	log := o.Log
	if log == nil {
		log = os.Stderr
	}
	if o.Dir == "" {
		return nil, errors.New("pgserver: no directory given for the cluster")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	var (
		created []string
		setup   *os.File
	)
	for {
		if created, err = mkdirAllTracked(dir); err != nil {
			return nil, fmt.Errorf("pgserver: %w", err)
		}
		// The setup lock serialises starting and stopping between processes
		// sharing Dir, so that one never stops the cluster another is starting.
		if setup, err = lockFile(ctx, filepath.Join(dir, ".lock"), syscall.LOCK_EX, log); err != nil {
			return nil, fmt.Errorf("pgserver: %w", err)
		}
		// A Stop with Remove may have deleted Dir while we waited for its
		// lock: then start again on a fresh directory.
		if still, err := os.Stat(filepath.Join(dir, ".lock")); err == nil {
			if held, err := setup.Stat(); err == nil && os.SameFile(still, held) {
				break
			}
		}
		setup.Close()
	}
	defer setup.Close()
	s, err := start(ctx, dir, created, o, log)
	if err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	return s, nil
}

func start(ctx context.Context, dir string, created []string, o Options, log io.Writer) (*Server, error) {
	version, _ := os.ReadFile(filepath.Join(dir, "data", "PG_VERSION"))
	bin, err := findBinaries(ctx, log, strings.TrimSpace(string(version)))
	if err != nil {
		return nil, err
	}
	run, err := newRunner(log)
	if err != nil {
		return nil, err
	}
	data, err := run.prepareDataDir(dir, created, log)
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, data: data, bin: bin, run: run, log: log, rm: o.Remove}
	others := othersUse(dir)
	// Nobody holds the users lock exclusively outside the setup lock, which
	// we hold, so this cannot block.
	if s.users, err = lockFile(ctx, filepath.Join(dir, ".users"), syscall.LOCK_SH, log); err != nil {
		return nil, err
	}
	if s.owner, err = tryOwn(dir); err != nil {
		s.users.Close()
		return nil, err
	}
	release := func() {
		s.users.Close()
		if s.owner != nil {
			s.owner.Close()
		}
	}

	startedHere := false
	port, running := s.runningPort(ctx)
	switch {
	case running && s.owner == nil:
		// Another live gpec process owns the cluster: use it, never stop
		// it, however slowly it answers.
		if err := s.waitAnswer(ctx, port, o.Wait); err != nil {
			release()
			return nil, err
		}
		s.port = port
	case running && Available(ctx, urlFor(port, "postgres")):
		// Left running by an owner that ended (for the processes still
		// using it, or in a crash): adopted, with its ownership.
		fmt.Fprintf(log, "pgserver: reusing the PostgreSQL already running in %s on port %d\n", data, port)
		s.port = port
	case running && others:
		// Ours now, but busy for someone else: a slow answer is no reason
		// to pull it from under them.
		if err := s.waitAnswer(ctx, port, o.Wait); err != nil {
			release()
			return nil, err
		}
		s.port = port
	case running:
		fmt.Fprintf(log, "pgserver: the PostgreSQL running in %s does not answer on port %d and nobody uses it; restarting it\n", data, port)
		_ = s.pgctl(ctx, "-D", data, "-m", "immediate", "-w", "-t", "30", "stop")
	case s.owner == nil:
		release()
		return nil, fmt.Errorf("the PostgreSQL in %s is not running, and gpec process %s owns it (only its owner starts it): stop that process, or use another data folder", data, ownerPID(dir))
	}
	if s.port == 0 {
		if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
			if err := s.initdb(ctx, o.Fast); err != nil {
				release()
				return nil, err
			}
		}
		if err := s.startServer(ctx, o); err != nil {
			release()
			return nil, err
		}
		startedHere = true
	}
	fail := func(err error) (*Server, error) {
		if startedHere {
			_ = s.pgctl(context.Background(), "-D", data, "-m", "fast", "-w", "-t", "60", "stop")
		}
		release()
		return nil, err
	}
	if s.owner != nil {
		if err := os.WriteFile(filepath.Join(dir, "port"), []byte(strconv.Itoa(s.port)+"\n"), 0o644); err != nil {
			return fail(err)
		}
	}
	if err := s.ensureDatabase(ctx, AppDatabase); err != nil {
		return fail(err)
	}
	return s, nil
}

// Owner tells whether this process owns the cluster: started or adopted
// it, and stops it when done unless others still use it.
func (s *Server) Owner() bool { return s.owner != nil }

// tryOwn takes the ownership lock of dir without waiting, and writes this
// process's id into it for the messages of others; nil when another live
// process holds it.
func tryOwn(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, ".owner"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

// ownerPID is the process id the owner wrote, for messages.
func ownerPID(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, ".owner"))
	if p := strings.TrimSpace(string(b)); p != "" {
		return p
	}
	return "(unknown)"
}

// othersUse tells whether a process holds the users lock of dir; call it
// under the setup lock, before taking one's own.
func othersUse(dir string) bool {
	f, err := os.OpenFile(filepath.Join(dir, ".users"), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return true // when in doubt, do not stop
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return true
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// waitAnswer waits, up to wait (0: two minutes), for the cluster on port to
// accept a connection, saying so every ten seconds.
func (s *Server) waitAnswer(ctx context.Context, port int, wait time.Duration) error {
	if wait <= 0 {
		wait = 2 * time.Minute
	}
	began := time.Now()
	said := time.Time{}
	for {
		if Available(ctx, urlFor(port, "postgres")) {
			if !said.IsZero() {
				fmt.Fprintf(s.log, "pgserver: PostgreSQL in %s answers after %s\n", s.data, time.Since(began).Round(time.Second))
			}
			return nil
		}
		if time.Since(began) > wait {
			return fmt.Errorf("the PostgreSQL in %s (port %d, owned by gpec process %s) did not answer within %s; it is left running for its owner",
				s.data, port, ownerPID(s.dir), wait)
		}
		if time.Since(said) > 10*time.Second {
			fmt.Fprintf(s.log, "pgserver: waiting for the PostgreSQL in %s (port %d), busy or starting, to answer (%s so far)\n",
				s.data, port, time.Since(began).Round(time.Second))
			said = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// URL returns the URL of database dbname on the server, as superuser.
func (s *Server) URL(dbname string) string { return urlFor(s.port, dbname) }

// Port is the TCP port the server listens on at 127.0.0.1.
func (s *Server) Port() int { return s.port }

// DataDir is the cluster's directory (PGDATA); server.log is inside.
func (s *Server) DataDir() string { return s.data }

func urlFor(port int, dbname string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, url.PathEscape(dbname))
}

// Stop ends this process's use of the cluster. Only the owner stops
// PostgreSQL (pg_ctl stop -m fast), and only when no other process uses
// it: else it leaves it running and its ownership passes to the next one
// to Start or Stop. A guest whose owner ended meanwhile becomes the owner
// here. With Options.Remove, stopping also deletes the cluster and Dir.
// Calling it again does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	setup, err := lockFile(ctx, filepath.Join(s.dir, ".lock"), syscall.LOCK_EX, s.log)
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	defer setup.Close()
	s.users.Close()
	if s.owner == nil {
		if s.owner, err = tryOwn(s.dir); err != nil || s.owner == nil {
			return err // the owner, alive, stops it
		}
	}
	defer s.owner.Close()
	last, err := os.OpenFile(filepath.Join(s.dir, ".users"), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	defer last.Close()
	if err := syscall.Flock(int(last.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			fmt.Fprintf(s.log, "pgserver: leaving PostgreSQL in %s running: another gpec process uses it\n", s.data)
			return nil
		}
		return fmt.Errorf("pgserver: %w", err)
	}
	if err := s.pgctl(ctx, "-D", s.data, "-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		if _, running := s.runningPort(ctx); running {
			return fmt.Errorf("pgserver: %w", err)
		}
	}
	if s.rm {
		return s.remove()
	}
	return nil
}

// remove deletes the stopped cluster (through the link to a relocated one)
// and Dir.
func (s *Server) remove() error {
	if s.data != filepath.Join(s.dir, "data") {
		if err := os.RemoveAll(s.data); err != nil {
			return fmt.Errorf("pgserver: removing %s: %w", s.data, err)
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("pgserver: removing %s: %w", s.dir, err)
	}
	fmt.Fprintf(s.log, "pgserver: removed the cluster in %s\n", s.dir)
	return nil
}

// runningPort tells whether a postmaster runs in the data directory (a
// postmaster.pid whose process is alive) and on which port.
func (s *Server) runningPort(ctx context.Context) (int, bool) {
	if s.pgctl(ctx, "-D", s.data, "status") != nil {
		return 0, false
	}
	f, err := os.Open(filepath.Join(s.data, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 4 { // pid, data directory, start time, port, …
			port, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
			return port, err == nil && port > 0
		}
	}
	return 0, false
}

func (s *Server) initdb(ctx context.Context, fast bool) error {
	fmt.Fprintf(s.log, "pgserver: creating a PostgreSQL cluster in %s%s\n", s.data, s.asWhom())
	args := []string{"-D", s.data, "-U", "postgres", "-A", "trust", "-E", "UTF8"}
	if fast {
		args = append(args, "--no-sync")
	}
	// C.UTF-8 sorts by code point like C, yet upper() and ILIKE know
	// non-ASCII letters; systems without that locale get plain C.
	out, err := s.run.command(ctx, filepath.Join(s.bin, "initdb"), append(args, "--locale=C.UTF-8")...).CombinedOutput()
	if err != nil && strings.Contains(string(out), "locale") {
		out, err = s.run.command(ctx, filepath.Join(s.bin, "initdb"), append(args, "--no-locale")...).CombinedOutput()
	}
	if err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	return nil
}

func (s *Server) asWhom() string {
	if s.run.drop {
		return " as user " + s.run.name + " (PostgreSQL refuses to run as root)"
	}
	return ""
}

func (s *Server) startServer(ctx context.Context, o Options) error {
	port, auto, err := choosePort(s.dir, o.Port, s.log)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := s.pgctlStart(ctx, port, o.Fast)
		if err == nil {
			s.port = port
			fmt.Fprintf(s.log, "pgserver: PostgreSQL from %s runs on 127.0.0.1:%d, data in %s\n", s.bin, port, s.data)
			return nil
		}
		// pg_ctl may give up waiting on a server that still comes up.
		_ = s.pgctl(context.Background(), "-D", s.data, "-m", "immediate", "-w", "stop")
		if !auto || attempt == 3 || portFree(port) {
			return err
		}
		// Something took the port between our check and the server's bind.
		if port, err = freePort(); err != nil {
			return err
		}
	}
}

func (s *Server) pgctlStart(ctx context.Context, port int, fast bool) error {
	// pg_ctl hands -o to /bin/sh, hence the quoting.
	opts := []string{"-c listen_addresses=127.0.0.1", "-c port=" + strconv.Itoa(port)}
	// The socket lives in the data directory: /var/run/postgresql may be
	// missing or not ours. Its path is limited to 107 bytes; past that, TCP only.
	sockets := s.data
	if len(s.data)+len("/.s.PGSQL.65535") > 107 {
		sockets = ""
	}
	opts = append(opts, "-c "+shellQuote("unix_socket_directories="+sockets))
	if fast {
		opts = append(opts, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
			"-c max_connections=200") // go test ./... runs packages, and their pools, in parallel
	}
	logFile := filepath.Join(s.data, "server.log")
	err := s.pgctl(ctx, "-D", s.data, "-l", logFile, "-w", "-t", "60", "-o", strings.Join(opts, " "), "start")
	if err != nil {
		return fmt.Errorf("%w\nlast lines of %s:\n%s", err, logFile, tail(logFile, 15))
	}
	return nil
}

// pgctl runs pg_ctl as the cluster's user; its output is only in the error.
func (s *Server) pgctl(ctx context.Context, args ...string) error {
	cmd := s.run.command(ctx, filepath.Join(s.bin, "pg_ctl"), args...)
	// The postmaster pg_ctl starts redirects its output to its log; should it
	// keep our pipe anyway, do not wait for it.
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (s *Server) ensureDatabase(ctx context.Context, name string) error {
	db, err := sql.Open("postgres", s.URL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("connecting to %s: %w", s.URL("postgres"), err)
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database: created meanwhile
		return nil
	}
	return err
}

// choosePort returns the port to start on and whether it was picked here
// (and so may be replaced when it turns out to be taken).
func choosePort(dir string, want int, log io.Writer) (int, bool, error) {
	if want != 0 {
		if !portFree(want) {
			return 0, false, fmt.Errorf("port %d of 127.0.0.1 is in use", want)
		}
		return want, false, nil
	}
	if b, err := os.ReadFile(filepath.Join(dir, "port")); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && p > 0 {
			if portFree(p) {
				return p, true, nil
			}
			fmt.Fprintf(log, "pgserver: port %d, used last time, is taken; picking another\n", p)
		}
	}
	p, err := freePort()
	return p, true, err
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockFile takes a flock(2) on path, waiting while ctx allows. The lock
// lasts until the returned file is closed, or the process ends: a crash
// leaves no stale lock behind.
func lockFile(ctx context.Context, path string, how int, log io.Writer) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for said := false; ; {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !said {
			fmt.Fprintf(log, "pgserver: waiting for another gpec process starting or stopping the cluster in %s\n", filepath.Dir(path))
			said = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
