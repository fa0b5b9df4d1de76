package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/lib/pq"
)

// Query is one entry of the mix: bench/queries/NAME.graphql for gpec,
// bench/floor/NAME.sql for the floor and, when PostGraphile can express it,
// bench/peer/NAME.graphql.
type Query struct {
	Name  string `json:"name"`
	Class string `json:"class"` // analytics, navigation, aggregate or release (from "# class:")
	// Role whose token sends the query to gpec (from "# token:"; default
	// admin, the -token flag; others come from -role-token ROLE=TOKEN).
	Role  string `json:"role"`
	Title string `json:"title"` // the first comment line
	Peer  bool   `json:"peer"`
	Note  string `json:"peerNote,omitempty"`
	// Twin is the query this one repeats with one option more (from
	// "# twin:"): its target is its ratio to the twin, measured in the same
	// run. Such a query may have no floor.
	Twin string `json:"twin,omitempty"`
	// Floor tells whether the query has a floor statement.
	Floor bool `json:"floor"`
	// What one answer holds, checked once before the load.
	GpecBytes  int `json:"gpecBytes"`
	PeerBytes  int `json:"peerBytes,omitempty"`
	FloorRows  int `json:"floorRows"`
	gpecBody   []byte
	peerBody   []byte
	floorSQL   string
	floorArgs  []any
	floorNames []string
	token      string
}

// Run is one (query, target, concurrency) measurement.
type Run struct {
	Query  string `json:"query"`
	Target string `json:"target"` // gpec, floor, peer
	Conc   int    `json:"concurrency"`
	N      int    `json:"requests"`
	Errors int    `json:"errors"` // HTTP errors and, for gpec, answers with GraphQL errors
	// GraphQLErrors counts gpec's failed requests from its /metrics, answers
	// with GraphQL errors (HTTP 200, e.g. a statement timeout) included; -1
	// when it has no such metric.
	GraphQLErrors int     `json:"graphqlErrors"`
	P50           float64 `json:"p50ms"`
	P95           float64 `json:"p95ms"`
	P99           float64 `json:"p99ms"`
	RPS           float64 `json:"rps"`
	Seconds       float64 `json:"seconds"`
	// CPU in cores (CPU seconds / wall seconds) of the server process (gpec
	// or node) and of PostgreSQL (postmaster and its backends).
	ServerCPU float64 `json:"serverCPU"`
	PGCPU     float64 `json:"pgCPU"`
	// VmHWM of the server process after the run.
	ServerPeakMB float64 `json:"serverPeakRSSMB"`
	Load         string  `json:"loadAfter"`
}

// Results is results.json.
type Results struct {
	Started     string            `json:"started"`
	Finished    string            `json:"finished"`
	LoadBefore  string            `json:"loadBefore"`
	LoadAfter   string            `json:"loadAfter"`
	Duration    string            `json:"durationPerRun"`
	Conc        []int             `json:"concurrencies"`
	Vars        map[string]any    `json:"vars"`
	Meta        map[string]string `json:"meta"`
	Queries     []*Query          `json:"queries"`
	Runs        []Run             `json:"runs"`
	GpecPeakMB  float64           `json:"gpecPeakRSSMB"`
	PeerPeakMB  float64           `json:"peerPeakRSSMB"`
	PGVersion   string            `json:"postgresVersion"`
	Counts      map[string]int64  `json:"counts"`
	GpecMaxConn string            `json:"gpecMaxConns"`
}

func runLoad(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	root := fs.String("bench", "bench", "the bench folder (queries/, floor/, peer/)")
	varsFile := fs.String("vars", "", "vars.json from `gpec bench vars`")
	gpecURL := fs.String("gpec", "http://127.0.0.1:8091/graphql", "gpec endpoint")
	token := fs.String("token", "", "admin token for gpec")
	var roleTokens metaFlags
	fs.Var(&roleTokens, "role-token", "ROLE=TOKEN for the queries marked \"# token: ROLE\" (repeatable); without it they are skipped")
	peerURL := fs.String("peer", "", "PostGraphile endpoint (empty: no peer)")
	dbURL := fs.String("db", "", "database URL for the floor")
	gpecPID := fs.Int("gpec-pid", 0, "gpec server process")
	peerPID := fs.Int("peer-pid", 0, "PostGraphile (node) process")
	pgPID := fs.Int("pg-pid", 0, "postmaster process")
	concs := fs.String("c", "1,8,32", "concurrency levels")
	dur := fs.Duration("d", 10*time.Second, "duration of each run")
	only := fs.String("only", "", "comma-separated query names to run (default all)")
	floorMaxC := fs.Int("floor-max-c", 0, "run the floor only at concurrencies up to this one (0: all); its statements of tens of seconds at c=32 take many minutes")
	out := fs.String("out", "results.json", "output file")
	var meta metaFlags
	fs.Var(&meta, "meta", "key=value to record (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	res := &Results{Started: time.Now().UTC().Format(time.RFC3339), LoadBefore: loadAvg(), Duration: dur.String(),
		Meta: map[string]string(meta), GpecMaxConn: os.Getenv("GPEC_DB_MAX_CONNS")}
	if res.Meta == nil {
		res.Meta = map[string]string{}
	}
	for _, c := range strings.Split(*concs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil {
			return fmt.Errorf("-c: %w", err)
		}
		res.Conc = append(res.Conc, n)
	}
	b, err := os.ReadFile(*varsFile)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &res.Vars); err != nil {
		return err
	}
	tokens := map[string]string{"admin": *token}
	for r, t := range roleTokens {
		tokens[r] = t
	}
	queries, err := loadQueries(*root, res.Vars, *peerURL != "", *only, tokens)
	if err != nil {
		return err
	}
	res.Queries = queries
	pool, err := sql.Open("postgres", *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	_ = pool.QueryRow(`SELECT current_setting('server_version')`).Scan(&res.PGVersion)
	res.Counts = map[string]int64{}
	for _, t := range []string{"companies", "sites", "memberships", "employees", "employee_skills", "needs", "trainings", "training_skills"} {
		var n int64
		_ = pool.QueryRow(`SELECT count(*) FROM ` + t).Scan(&n)
		res.Counts[t] = n
	}

	// Check every answer once: a load test of errors measures nothing.
	for _, q := range queries {
		n, err := checkGraphQL(*gpecURL, q.token, q.gpecBody)
		if err != nil {
			return fmt.Errorf("%s on gpec: %w", q.Name, err)
		}
		q.GpecBytes = n
		if q.Peer {
			if q.PeerBytes, err = checkGraphQL(*peerURL, "", q.peerBody); err != nil {
				return fmt.Errorf("%s on PostGraphile: %w", q.Name, err)
			}
		}
		if q.Floor {
			db := sqlDB(*dbURL, 1)
			rows, _, err := floorOnce(context.Background(), db, q)
			db.Close()
			if err != nil {
				return fmt.Errorf("%s floor: %w", q.Name, err)
			}
			q.FloorRows = rows
		}
		fmt.Fprintf(os.Stderr, "runner: %-22s gpec %6d bytes, floor %4d rows, peer %6d bytes\n", q.Name, q.GpecBytes, q.FloorRows, q.PeerBytes)
	}

	dir, err := os.MkdirTemp("", "gpec-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, q := range queries {
		gpecBodyFile := filepath.Join(dir, q.Name+".gpec.json")
		peerBodyFile := filepath.Join(dir, q.Name+".peer.json")
		_ = os.WriteFile(gpecBodyFile, q.gpecBody, 0o644)
		_ = os.WriteFile(peerBodyFile, q.peerBody, 0o644)
		// Warm each target right before its runs: the previous query's full
		// scans may have pushed this one's pages out of shared_buffers.
		_, _ = checkGraphQL(*gpecURL, *token, q.gpecBody)
		if q.Floor {
			warm := sqlDB(*dbURL, 1)
			_, _, _ = floorOnce(context.Background(), warm, q)
			warm.Close()
		}
		_, _ = checkGraphQL(*gpecURL, q.token, q.gpecBody)
		warm := sqlDB(*dbURL, 1)
		_, _, _ = floorOnce(context.Background(), warm, q)
		warm.Close()
		if q.Peer {
			_, _ = checkGraphQL(*peerURL, "", q.peerBody)
		}
		for _, c := range res.Conc {
			failed0 := gpecFailures(*gpecURL)
			r := measure(*pgPID, *gpecPID, func() (Run, error) {
				return hey(*gpecURL, q.token, gpecBodyFile, c, *dur)
			})
			r.GraphQLErrors = -1
			if failed0 >= 0 {
				if failed1 := gpecFailures(*gpecURL); failed1 >= 0 {
					// gpec counts every failed request there, HTTP
					// failures (which hey saw) included.
					r.GraphQLErrors = failed1 - failed0
					r.Errors = max(r.Errors, r.GraphQLErrors)
				}
			}
			r.Query, r.Target, r.Conc = q.Name, "gpec", c
			res.add(r)
			if q.Floor && (*floorMaxC == 0 || c <= *floorMaxC) {
				r = measure(*pgPID, 0, func() (Run, error) { return floorLoad(*dbURL, q, c, *dur) })
				r.Query, r.Target, r.Conc = q.Name, "floor", c
				res.add(r)
			}
			if q.Peer {
				r = measure(*pgPID, *peerPID, func() (Run, error) {
					return hey(*peerURL, "", peerBodyFile, c, *dur)
				})
				r.Query, r.Target, r.Conc = q.Name, "peer", c
				res.add(r)
			}
		}
	}
	res.GpecPeakMB, res.PeerPeakMB = peakRSSMB(*gpecPID), peakRSSMB(*peerPID)
	res.Finished, res.LoadAfter = time.Now().UTC().Format(time.RFC3339), loadAvg()
	b, _ = json.MarshalIndent(res, "", "  ")
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

func (res *Results) add(r Run) {
	res.Runs = append(res.Runs, r)
	fmt.Fprintf(os.Stderr, "runner: %-22s %-5s c=%-2d n=%-6d p50 %8.1f ms  p95 %8.1f ms  p99 %8.1f ms  %8.1f req/s  err %d  cpu %.2f+pg %.2f  load %s\n",
		r.Query, r.Target, r.Conc, r.N, r.P50, r.P95, r.P99, r.RPS, r.Errors, r.ServerCPU, r.PGCPU, r.Load)
}

// measure wraps a run with the CPU time of the server and of PostgreSQL.
func measure(pgPID, serverPID int, run func() (Run, error)) Run {
	pg0, srv0, t0 := treeSnapshot(pgPID), cpuOf(serverPID), time.Now()
	r, err := run()
	wall := time.Since(t0).Seconds()
	if err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		r.Errors++
	}
	r.PGCPU = treeCPUSince(pgPID, pg0) / wall
	if serverPID > 0 {
		r.ServerCPU = (cpuOf(serverPID) - srv0) / wall
		r.ServerPeakMB = peakRSSMB(serverPID)
	}
	r.Load = loadAvg()
	return r
}

// gpecFailures sums gpec_graphql_requests_total of every outcome but ok
// from gpec's /metrics (hey only sees HTTP statuses, and a GraphQL error
// comes with 200), or -1 when the server has no such metric.
func gpecFailures(graphqlURL string) int {
	resp, err := http.Get(strings.TrimSuffix(graphqlURL, "/graphql") + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return -1
	}
	n, found := 0, false
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "gpec_graphql_requests_total{") {
			continue
		}
		found = true
		if strings.Contains(line, `outcome="ok"`) {
			continue
		}
		f := strings.Fields(line)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		n += int(v)
	}
	if !found {
		return -1
	}
	return n
}

func cpuOf(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	return cpuSeconds(pid)
}

type metaFlags map[string]string

func (m *metaFlags) String() string { return fmt.Sprint(map[string]string(*m)) }
func (m *metaFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("-meta wants key=value, got %q", s)
	}
	if *m == nil {
		*m = metaFlags{}
	}
	(*m)[k] = v
	return nil
}

var (
	declRE   = regexp.MustCompile(`\$(\w+)\s*:`)
	paramsRE = regexp.MustCompile(`(?m)^--\s*params:(.*)$`)
	classRE  = regexp.MustCompile(`(?m)^#\s*class:\s*(\w+)`)
	tokenRE  = regexp.MustCompile(`(?m)^#\s*token:\s*(\w+)`)
	noteRE   = regexp.MustCompile(`(?m)^#\s*peer:\s*(.+)$`)
	twinRE   = regexp.MustCompile(`(?m)^#\s*twin:\s*(\S+)`)
)

// loadQueries reads the mix. A query whose role has no entry in tokens is
// left out (bench.sh gives no observatory token when it built no release).
func loadQueries(root string, vars map[string]any, withPeer bool, only string, tokens map[string]string) ([]*Query, error) {
	paths, _ := filepath.Glob(filepath.Join(root, "queries", "*.graphql"))
	sort.Strings(paths)
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	var out []*Query
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".graphql")
		if len(want) > 0 && !want[name] {
			continue
		}
		text, _ := os.ReadFile(p)
		q := &Query{Name: name}
		if m := classRE.FindSubmatch(text); m != nil {
			q.Class = string(m[1])
		}
		q.Role = "admin"
		if m := tokenRE.FindSubmatch(text); m != nil {
			q.Role = string(m[1])
		}
		tok, ok := tokens[q.Role]
		if !ok || (tok == "" && q.Role != "admin") {
			fmt.Fprintf(os.Stderr, "runner: %s left out: no %s token\n", name, q.Role)
			continue
		}
		q.token = tok
		if line, _, _ := strings.Cut(string(text), "\n"); strings.HasPrefix(line, "#") {
			q.Title = strings.TrimSpace(strings.TrimPrefix(line, "#"))
		}
		var err error
		if q.gpecBody, err = graphQLBody(string(text), vars); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if m := twinRE.FindSubmatch(text); m != nil {
			q.Twin = string(m[1])
		}
		sqlText, err := os.ReadFile(filepath.Join(root, "floor", name+".sql"))
		switch {
		case err == nil:
			q.Floor = true
		case q.Twin != "" && os.IsNotExist(err):
			// Measured against its twin only.
		default:
			return nil, fmt.Errorf("%s has no floor: %w", name, err)
		}
		q.floorSQL = string(sqlText)
		if m := paramsRE.FindStringSubmatch(q.floorSQL); m != nil {
			for _, v := range strings.Fields(m[1]) {
				val, ok := vars[v]
				if !ok {
					return nil, fmt.Errorf("floor %s: no variable %q", name, v)
				}
				q.floorArgs = append(q.floorArgs, val)
				q.floorNames = append(q.floorNames, v)
			}
		}
		if peer, err := os.ReadFile(filepath.Join(root, "peer", name+".graphql")); err == nil && withPeer {
			q.Peer = true
			if m := noteRE.FindSubmatch(peer); m != nil {
				q.Note = strings.TrimSpace(string(m[1]))
			}
			if q.peerBody, err = graphQLBody(string(peer), vars); err != nil {
				return nil, fmt.Errorf("peer %s: %w", name, err)
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// graphQLBody is the POST body of a query file, with the variables it declares.
func graphQLBody(text string, vars map[string]any) ([]byte, error) {
	v := map[string]any{}
	for _, m := range declRE.FindAllStringSubmatch(text, -1) {
		val, ok := vars[m[1]]
		if !ok {
			return nil, fmt.Errorf("no value for $%s in vars.json", m[1])
		}
		v[m[1]] = val
	}
	return json.Marshal(map[string]any{"query": text, "variables": v})
}

func checkGraphQL(url, token string, body []byte) (int, error) {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.Unmarshal(b, &r); err != nil || resp.StatusCode != 200 || len(r.Errors) > 0 || string(r.Data) == "null" {
		return 0, fmt.Errorf("status %d: %.600s", resp.StatusCode, b)
	}
	return len(b), nil
}

var (
	heyRPS   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	heyTotal = regexp.MustCompile(`Total:\s+([0-9.]+) secs`)
	heyPct   = regexp.MustCompile(`(\d+)% in ([0-9.]+) secs`)
	heySlow  = regexp.MustCompile(`Slowest:\s+([0-9.]+) secs`)
	heyCode  = regexp.MustCompile(`\[(\d+)\]\s+(\d+) responses`)
	heyErr   = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+\S`)
)

// hey runs the load generator for d at concurrency c and reads its summary.
func hey(url, token, bodyFile string, c int, d time.Duration) (Run, error) {
	args := []string{"-z", d.String(), "-c", strconv.Itoa(c), "-t", "120", "-m", "POST", "-T", "application/json", "-D", bodyFile}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	out, err := exec.Command("hey", append(args, url)...).CombinedOutput()
	if err != nil {
		return Run{}, fmt.Errorf("hey: %w\n%s", err, out)
	}
	s := string(out)
	var r Run
	if m := heyRPS.FindStringSubmatch(s); m != nil {
		r.RPS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := heyTotal.FindStringSubmatch(s); m != nil {
		r.Seconds, _ = strconv.ParseFloat(m[1], 64)
	}
	// With few requests hey skips some percentiles: take the next one it
	// gives, else the slowest request (an upper bound).
	pcts := map[int]float64{}
	if m := heySlow.FindStringSubmatch(s); m != nil {
		v, _ := strconv.ParseFloat(m[1], 64)
		pcts[100] = v * 1000
	}
	for _, m := range heyPct.FindAllStringSubmatch(s, -1) {
		p, _ := strconv.Atoi(m[1])
		v, _ := strconv.ParseFloat(m[2], 64)
		if v > 0 {
			pcts[p] = v * 1000
		}
	}
	at := func(want int) float64 {
		for _, p := range []int{10, 25, 50, 75, 90, 95, 99, 100} {
			if v, ok := pcts[p]; ok && p >= want {
				return v
			}
		}
		return 0
	}
	r.P50, r.P95, r.P99 = at(50), at(95), at(99)
	for _, m := range heyCode.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[2])
		r.N += n
		if m[1] != "200" {
			r.Errors += n
		}
	}
	if i := strings.Index(s, "Error distribution:"); i >= 0 {
		for _, m := range heyErr.FindAllStringSubmatch(s[i:], -1) {
			n, _ := strconv.Atoi(m[1])
			r.Errors += n
			r.N += n
		}
	}
	return r, nil
}

func sqlDB(url string, c int) *sql.DB {
	db, _ := sql.Open("postgres", url)
	db.SetMaxOpenConns(c)
	db.SetMaxIdleConns(c)
	return db
}

// floorOnce runs the floor statement and reads every row, as a server would.
func floorOnce(ctx context.Context, db *sql.DB, q *Query) (int, time.Duration, error) {
	t0 := time.Now()
	rows, err := db.QueryContext(ctx, q.floorSQL, q.floorArgs...)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	dest := make([]any, len(cols))
	for i := range dest {
		dest[i] = new(sql.RawBytes)
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, 0, err
		}
		n++
	}
	return n, time.Since(t0), rows.Err()
}

// floorLoad runs the floor statement from c goroutines over c connections
// for d, after one warm-up statement per connection.
func floorLoad(url string, q *Query, c int, d time.Duration) (Run, error) {
	db := sqlDB(url, c)
	defer db.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _, _, _ = floorOnce(ctx, db, q) }()
	}
	wg.Wait()
	lat := make([][]time.Duration, c)
	errs := make([]int, c)
	start := time.Now()
	deadline := start.Add(d)
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				_, el, err := floorOnce(ctx, db, q)
				if err != nil {
					errs[i]++
					continue
				}
				lat[i] = append(lat[i], el)
			}
		}(i)
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	var all []time.Duration
	r := Run{Seconds: wall}
	for i := range lat {
		all = append(all, lat[i]...)
		r.Errors += errs[i]
	}
	r.N = len(all) + r.Errors
	r.RPS = float64(len(all)) / wall
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		i := int(p / 100 * float64(len(all)))
		if i >= len(all) {
			i = len(all) - 1
		}
		return float64(all[i].Microseconds()) / 1000
	}
	r.P50, r.P95, r.P99 = pct(50), pct(95), pct(99)
	return r, nil
}
