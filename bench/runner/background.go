package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"
)

// BackgroundFigures is background.json: a read mix measured before, while
// and after the server builds the rollups of a new campaign in the
// background.
type BackgroundFigures struct {
	Started  string   `json:"started"`
	Queries  []string `json:"queries"`
	Conc     int      `json:"concurrency"`
	Campaign string   `json:"campaign"` // pole/id, reference date, horizons
	// Builder is the command that built the rollup, when not the server.
	Builder string `json:"builder,omitempty"`
	// BuildSeconds is the build of the new campaign's rollups, from
	// rollup_runs (the server's own measure).
	BuildSeconds float64 `json:"buildSeconds"`
	// WaitSeconds is how long after opening the campaign the build began
	// (the server polls for new campaigns).
	WaitSeconds float64 `json:"waitSeconds"`
	Phases      []Phase `json:"phases"`
	Ratio       float64 `json:"p95RatioDuringBefore"`
	Error       string  `json:"error,omitempty"`
}

// Phase is the read mix over one period: every request that started in it.
type Phase struct {
	Name    string             `json:"name"` // before, during, after
	Seconds float64            `json:"seconds"`
	N       int                `json:"requests"`
	Errors  int                `json:"errors"`
	P50     float64            `json:"p50ms"`
	P95     float64            `json:"p95ms"`
	RPS     float64            `json:"rps"`
	PerP95  map[string]float64 `json:"p95msPerQuery"`
	Load    string             `json:"loadAfter"`
}

type sample struct {
	at    time.Time
	ms    float64
	query string
	err   bool
}

// rollupLock is internal/rollup's advisory lock ("gpec rol" in ASCII), as
// pg_locks shows a bigint key: classid the high half, objid the low half.
const rollupLockClass, rollupLockObj = 0x67706563, 0x20726f6c

// runBackground measures a read mix (-only, default the pole's skill gaps,
// its trend and a company's gaps) at concurrency -c: for -phase before,
// then opens a new campaign of the pole (reference date yesterday, one
// horizon) as an administrator and keeps reading while the server builds
// its rollups (from the moment the build takes the rollup lock until the
// rollup is fresh), then for -phase after. It then deletes the campaign and
// its rollups, which no figure reads (the dataset does not change).
func runBackground(args []string) error {
	fs := flag.NewFlagSet("background", flag.ContinueOnError)
	root := fs.String("bench", "bench", "the bench folder")
	varsFile := fs.String("vars", "", "vars.json")
	gpecURL := fs.String("gpec", "http://127.0.0.1:8091/graphql", "gpec endpoint (a server that refreshes rollups)")
	token := fs.String("token", "", "admin token")
	dbURL := fs.String("db", "", "database URL")
	only := fs.String("only", "01_pole_skill_gaps,05_company_gaps,08_pole_trend", "the read mix (query names)")
	conc := fs.Int("c", 8, "clients")
	phase := fs.Duration("phase", 30*time.Second, "length of the phases before and after the build")
	maxWait := fs.Duration("max-wait", 20*time.Minute, "give up when the build has not ended by then")
	buildCmd := fs.String("build-cmd", "", "build the rollup with this shell command instead of waiting for the server's refresher ({asOf} and {horizon} replaced), e.g. for a server run with -refresh=false")
	out := fs.String("out", "background.json", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var vars map[string]any
	if err := readJSON(*varsFile, &vars); err != nil {
		return err
	}
	queries, err := loadQueries(*root, vars, false, *only, map[string]string{"admin": *token})
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := sql.Open("postgres", *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	pole, _ := vars["pole"].(string)
	ref := time.Now().UTC().AddDate(0, 0, -1)
	refDay := ref.Format(time.DateOnly)
	horizon := ref.Year() + 3
	id := "bench-" + time.Now().UTC().Format("20060102150405")
	res := &BackgroundFigures{Started: time.Now().UTC().Format(time.RFC3339), Conc: *conc,
		Campaign: fmt.Sprintf("%s/%s, reference date %s, horizon %d", pole, id, refDay, horizon)}
	for _, q := range queries {
		res.Queries = append(res.Queries, q.Name)
		if _, err := checkGraphQL(*gpecURL, *token, q.gpecBody); err != nil {
			return fmt.Errorf("%s: %w", q.Name, err)
		}
	}
	// No rollup of the reference date yet: the build must be the new campaign's.
	if _, err := db.ExecContext(ctx, `DELETE FROM rollup_runs WHERE as_of = $1::date`, refDay); err != nil {
		return err
	}

	var mu sync.Mutex
	var samples []sample
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for k := i; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				q := queries[k%len(queries)]
				t0 := time.Now()
				ok := postOK(client, *gpecURL, *token, q.gpecBody)
				s := sample{at: t0, ms: float64(time.Since(t0).Microseconds()) / 1000, query: q.Name, err: !ok}
				mu.Lock()
				samples = append(samples, s)
				mu.Unlock()
			}
		}(i)
	}
	began := time.Now()
	time.Sleep(*phase)
	beforeEnd := time.Now()
	loadBefore := loadAvg()

	opened := time.Now()
	open := fmt.Sprintf(`mutation { openCampaign(input: {poleId: %q, id: %q, title: "Benchmark campaign", opensOn: %q,
  closesOn: %q, referenceDate: %q, horizons: [%d]}) { id } }`, pole, id, ref.AddDate(0, -1, 0).Format(time.DateOnly), refDay, refDay, horizon)
	body, _ := json.Marshal(map[string]any{"query": open})
	cleanup := func() {
		_, _ = db.ExecContext(ctx, `DELETE FROM campaigns WHERE pole_id = $1 AND id = $2`, pole, id)
		_, _ = db.ExecContext(ctx, `DELETE FROM rollup_runs WHERE as_of = $1::date`, refDay)
	}
	if _, err := checkGraphQL(*gpecURL, *token, body); err != nil {
		close(stop)
		wg.Wait()
		return fmt.Errorf("opening the campaign: %w", err)
	}
	defer cleanup()
	buildDone := make(chan error, 1)
	if *buildCmd != "" {
		cmdText := strings.NewReplacer("{asOf}", refDay, "{horizon}", fmt.Sprint(horizon)).Replace(*buildCmd)
		res.Builder = cmdText
		go func() {
			out, err := exec.Command("sh", "-c", cmdText).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("%s: %w\n%s", cmdText, err, out)
			}
			buildDone <- err
		}()
	}
	var buildStart, buildEnd time.Time
	for time.Since(opened) < *maxWait {
		var locked, fresh bool
		if err := db.QueryRowContext(ctx, `SELECT
  EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted),
  EXISTS (SELECT 1 FROM rollup_runs r
          WHERE r.as_of = $3::date AND r.horizon = $4 AND NOT r.projects AND EXISTS (SELECT 1 FROM rollup_parts p WHERE p.run_id = r.id)
            AND NOT EXISTS (SELECT 1 FROM rollup_parts p WHERE p.run_id = r.id AND NOT rollup_part_fresh(r.id, p.part)))`, int64(rollupLockClass), int64(rollupLockObj), refDay, horizon).Scan(&locked, &fresh); err != nil {
			close(stop)
			wg.Wait()
			return err
		}
		if locked && buildStart.IsZero() {
			buildStart = time.Now()
		}
		if fresh {
			buildEnd = time.Now()
			break
		}
		select {
		case err := <-buildDone:
			if err != nil {
				res.Error = err.Error()
			}
		default:
		}
		if res.Error != "" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	loadDuring := loadAvg()
	if buildEnd.IsZero() {
		if res.Error == "" {
			res.Error = fmt.Sprintf("the new campaign's rollup was not built within %s", *maxWait)
		}
		buildEnd = time.Now()
	}
	if buildStart.IsZero() {
		// Built between two polls: the whole wait counts.
		buildStart = opened
	}
	res.WaitSeconds = buildStart.Sub(opened).Seconds()
	afterStart := time.Now()
	time.Sleep(*phase)
	close(stop)
	wg.Wait()
	afterEnd := time.Now()
	var ms int64
	_ = db.QueryRowContext(ctx, `SELECT coalesce(max(build_ms), 0) FROM rollup_runs WHERE as_of = $1::date AND horizon = $2`, refDay, horizon).Scan(&ms)
	res.BuildSeconds = float64(ms) / 1000
	res.Phases = []Phase{
		phaseOf("before", samples, began, beforeEnd, loadBefore),
		phaseOf("during", samples, buildStart, buildEnd, loadDuring),
		phaseOf("after", samples, afterStart, afterEnd, loadAvg()),
	}
	if b := res.Phases[0].P95; b > 0 {
		res.Ratio = res.Phases[1].P95 / b
	}
	for _, p := range res.Phases {
		fmt.Fprintf(os.Stderr, "runner: reads %-6s %5.1f s n=%-5d err %d p50 %7.1f ms p95 %7.1f ms %6.1f req/s load %s\n",
			p.Name, p.Seconds, p.N, p.Errors, p.P50, p.P95, p.RPS, p.Load)
	}
	fmt.Fprintf(os.Stderr, "runner: new campaign's rollup built in %.1f s (began %.1f s after opening); p95 during/before %.2f\n",
		res.BuildSeconds, res.WaitSeconds, res.Ratio)
	b, _ := json.MarshalIndent(res, "", "  ")
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

// phaseOf summarises the requests that started in [from, to).
func phaseOf(name string, all []sample, from, to time.Time, load string) Phase {
	p := Phase{Name: name, Seconds: to.Sub(from).Seconds(), PerP95: map[string]float64{}, Load: load}
	var lat []float64
	per := map[string][]float64{}
	for _, s := range all {
		if s.at.Before(from) || !s.at.Before(to) {
			continue
		}
		p.N++
		if s.err {
			p.Errors++
			continue
		}
		lat = append(lat, s.ms)
		per[s.query] = append(per[s.query], s.ms)
	}
	p.P50, p.P95 = percentile(lat, 50), percentile(lat, 95)
	for q, l := range per {
		p.PerP95[q] = percentile(l, 95)
	}
	if p.Seconds > 0 {
		p.RPS = float64(len(lat)) / p.Seconds
	}
	return p
}

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := int(p / 100 * float64(len(s)))
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

// postOK sends one GraphQL request and tells whether it was answered
// without errors.
func postOK(client *http.Client, url, token string, body []byte) bool {
	req, _ := http.NewRequest("POST", url, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var r struct {
		Errors []any `json:"errors"`
	}
	return json.NewDecoder(resp.Body).Decode(&r) == nil && resp.StatusCode == 200 && len(r.Errors) == 0
}
