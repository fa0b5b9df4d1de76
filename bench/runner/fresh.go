package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// FreshFigures is fresh.json: how long after a one-company import every
// query of the mix is answered at its rollup speed again.
type FreshFigures struct {
	Started     string `json:"started"`
	Siren       string `json:"siren"`
	Employees   int    `json:"employees"`
	Assessments int    `json:"assessments"`
	Needs       int    `json:"needs"`
	// Factor: a query is back at speed when one answer takes at most
	// Factor × its p50 before the import (plus SlackMs for the fastest).
	Factor    float64      `json:"factor"`
	SlackMs   float64      `json:"slackMs"`
	LoadStart string       `json:"loadStart"`
	LoadEnd   string       `json:"loadEnd"`
	Phases    []FreshPhase `json:"phases"`
}

// FreshPhase is one import (the changed rows, then the original ones back).
type FreshPhase struct {
	Name          string  `json:"name"`
	ImportSeconds float64 `json:"importSeconds"`
	// StaleParts are the rollup parts stale right after the import's
	// commit, over every rollup; PartsFreshSeconds the time from that
	// commit until none is (-1: not within the wait).
	StaleParts        []string     `json:"staleParts"`
	PartsFreshSeconds float64      `json:"partsFreshSeconds"`
	Queries           []FreshQuery `json:"queries"`
	// AllFreshSeconds is the largest of the queries' FreshSeconds (-1 when
	// one did not come back).
	AllFreshSeconds float64 `json:"allFreshSeconds"`
}

// FreshQuery is one query's way back to its speed after an import.
type FreshQuery struct {
	Name       string  `json:"name"`
	BaselineMs float64 `json:"baselineMs"`
	// FirstMs is its first answer after the import, SlowestMs its slowest
	// until it came back, FreshSeconds when the first answer at speed
	// started (-1: never within the wait).
	FirstMs      float64 `json:"firstMs"`
	SlowestMs    float64 `json:"slowestMs"`
	FreshSeconds float64 `json:"freshSeconds"`
	Samples      int     `json:"samples"`
}

// runFresh imports a company's employees, assessments (levels changed) and
// needs (headcounts + 1) with `gpec import` while the server runs, and
// polls every query of the mix until it answers at speed again; then it
// imports the company's original rows and measures the same, which also
// restores the dataset.
func runFresh(args []string) error {
	fs := flag.NewFlagSet("fresh", flag.ContinueOnError)
	root := fs.String("bench", "bench", "the bench folder")
	varsFile := fs.String("vars", "", "vars.json")
	gpecURL := fs.String("gpec", "http://127.0.0.1:8091/graphql", "gpec endpoint (a server that refreshes rollups)")
	token := fs.String("token", "", "admin token")
	var roleTokens metaFlags = map[string]string{}
	fs.Var(&roleTokens, "role-token", "ROLE=TOKEN for the queries sent with another role's token (repeatable)")
	dbURL := fs.String("db", "", "database URL")
	gpecBin := fs.String("gpec-bin", "gpec", "the gpec binary (its import)")
	siren := fs.String("siren", "", "the company imported")
	only := fs.String("only", "", "the queries (names, comma-separated; default all)")
	factor := fs.Float64("factor", 1.5, "back at speed: an answer within factor × its p50 before the import")
	slack := fs.Duration("slack", 5*time.Millisecond, "added to factor × p50 (timer noise of the fastest queries)")
	maxWait := fs.Duration("max-wait", 10*time.Minute, "give up on a query not back at speed by then")
	work := fs.String("work", os.TempDir(), "folder for the company's CSV files")
	out := fs.String("out", "fresh.json", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var vars map[string]any
	if err := readJSON(*varsFile, &vars); err != nil {
		return err
	}
	tokens := map[string]string{"admin": *token}
	for r, t := range roleTokens {
		tokens[r] = t
	}
	queries, err := loadQueries(*root, vars, false, *only, tokens)
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := sql.Open("postgres", *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	res := &FreshFigures{Started: time.Now().UTC().Format(time.RFC3339), Siren: *siren, Factor: *factor,
		SlackMs: float64(*slack) / float64(time.Millisecond), LoadStart: loadAvg()}

	// The company's rows as they are, and changed.
	dir, err := os.MkdirTemp(*work, "fresh-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	original, changed := filepath.Join(dir, "original"), filepath.Join(dir, "changed")
	for _, d := range []string{original, changed} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	files := []struct {
		name string
		sql  string
		// change is the changed row (nil: the same rows)
		change func([]string) []string
		count  *int
	}{
		{"employees.csv", `SELECT e.siren, e.employee_ref, e.siret, r.code, e.birth_year::text, e.entry_date::text, coalesce(e.exit_date::text, '')
FROM employees e JOIN roles r ON r.id = e.role_id WHERE e.siren = $1 ORDER BY e.employee_ref`, nil, &res.Employees},
		{"employee_skills.csv", `SELECT e.siren, e.employee_ref, s.code, coalesce(es.assessed_on::text, ''), es.level::text
FROM employee_skills es JOIN employees e ON e.id = es.employee_id JOIN skills s ON s.id = es.skill_id
WHERE e.siren = $1 ORDER BY e.employee_ref, s.code, es.assessed_on`, func(r []string) []string {
			// 0..4: a level other than its own (2 becomes 3).
			l := map[string]string{"0": "4", "1": "3", "2": "3", "3": "1", "4": "0"}[r[4]]
			return append(r[:4:4], l)
		}, &res.Assessments},
		{"needs.csv", `SELECT n.siret, r.code, n.horizon_year::text, coalesce(n.declared_on::text, ''), n.headcount::text
FROM needs n JOIN sites s ON s.siret = n.siret JOIN roles r ON r.id = n.role_id
WHERE s.siren = $1 ORDER BY n.siret, r.code, n.horizon_year, n.declared_on`, func(r []string) []string {
			var h int
			fmt.Sscan(r[4], &h)
			return append(r[:4:4], fmt.Sprint(h+1))
		}, &res.Needs},
	}
	headers := map[string][]string{
		"employees.csv":       {"siren", "employee_ref", "siret", "role_code", "birth_year", "entry_date", "exit_date"},
		"employee_skills.csv": {"siren", "employee_ref", "skill_code", "assessed_on", "level"},
		"needs.csv":           {"siret", "role_code", "horizon_year", "declared_on", "headcount"},
	}
	for _, f := range files {
		rows, err := queryStrings(ctx, db, f.sql, *siren)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		*f.count = len(rows)
		var alt [][]string
		for _, r := range rows {
			if f.change != nil {
				alt = append(alt, f.change(append([]string(nil), r...)))
			} else {
				alt = append(alt, r)
			}
		}
		if err := writeCSV(filepath.Join(original, f.name), headers[f.name], rows); err != nil {
			return err
		}
		if err := writeCSV(filepath.Join(changed, f.name), headers[f.name], alt); err != nil {
			return err
		}
	}
	if res.Employees == 0 {
		return fmt.Errorf("company %s has no employee", *siren)
	}

	// Each query's p50 before the import, rollups fresh.
	if err := waitPartsFresh(ctx, db, *maxWait); err != nil {
		return fmt.Errorf("before the import: %w", err)
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	base := map[string]float64{}
	for _, q := range queries {
		if _, err := checkGraphQL(*gpecURL, q.token, q.gpecBody); err != nil {
			return fmt.Errorf("%s: %w", q.Name, err)
		}
		var v []float64
		for i := 0; i < 7; i++ {
			t0 := time.Now()
			if !postOK(client, *gpecURL, q.token, q.gpecBody) {
				return fmt.Errorf("%s failed before the import", q.Name)
			}
			v = append(v, millis(time.Since(t0)))
		}
		base[q.Name] = percentile(v, 50)
	}

	for _, ph := range []struct{ name, dir string }{{"import of changed rows", changed}, {"import of the original rows back", original}} {
		fmt.Fprintf(os.Stderr, "runner fresh: %s of company %s (%d employees, %d assessments, %d needs)\n",
			ph.name, *siren, res.Employees, res.Assessments, res.Needs)
		p := FreshPhase{Name: ph.name}
		t0 := time.Now()
		cmd := exec.Command(*gpecBin, "import", ph.dir)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+*dbURL)
		if outb, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("gpec import: %v\n%s", err, outb)
		}
		committed := time.Now()
		p.ImportSeconds = committed.Sub(t0).Seconds()
		p.StaleParts, err = staleParts(ctx, db)
		if err != nil {
			return err
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, q := range queries {
			wg.Add(1)
			go func(q *Query) {
				defer wg.Done()
				fq := FreshQuery{Name: q.Name, BaselineMs: base[q.Name], FreshSeconds: -1}
				limit := base[q.Name]**factor + res.SlackMs
				for time.Since(committed) < *maxWait {
					s := time.Now()
					ok := postOK(client, *gpecURL, q.token, q.gpecBody)
					el := millis(time.Since(s))
					fq.Samples++
					if fq.Samples == 1 {
						fq.FirstMs = el
					}
					if ok && el <= limit {
						fq.FreshSeconds = s.Sub(committed).Seconds()
						break
					}
					fq.SlowestMs = max(fq.SlowestMs, el)
					time.Sleep(50 * time.Millisecond)
				}
				mu.Lock()
				p.Queries = append(p.Queries, fq)
				mu.Unlock()
			}(q)
		}
		p.PartsFreshSeconds = -1
		if err := waitPartsFresh(ctx, db, *maxWait); err == nil {
			p.PartsFreshSeconds = time.Since(committed).Seconds()
		}
		wg.Wait()
		sort.Slice(p.Queries, func(i, j int) bool { return p.Queries[i].Name < p.Queries[j].Name })
		for _, q := range p.Queries {
			if q.FreshSeconds < 0 {
				p.AllFreshSeconds = -1
				break
			}
			p.AllFreshSeconds = max(p.AllFreshSeconds, q.FreshSeconds)
		}
		fmt.Fprintf(os.Stderr, "runner fresh: %s: import %.1f s, %d parts stale, every part fresh after %.1f s, every query at speed after %.1f s\n",
			ph.name, p.ImportSeconds, len(p.StaleParts), p.PartsFreshSeconds, p.AllFreshSeconds)
		res.Phases = append(res.Phases, p)
	}
	res.LoadEnd = loadAvg()
	b, _ := json.MarshalIndent(res, "", "  ")
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

// staleParts lists the stale parts of every rollup ("asOf/horizon part").
func staleParts(ctx context.Context, db *sql.DB) ([]string, error) {
	return queryColumn(ctx, db, `
SELECT r.as_of || '/' || r.horizon || ' ' || p.part FROM rollup_parts p JOIN rollup_runs r ON r.id = p.run_id
WHERE NOT r.projects AND NOT rollup_part_fresh(p.run_id, p.part) ORDER BY 1`)
}

// waitPartsFresh polls until no rollup part is stale.
func waitPartsFresh(ctx context.Context, db *sql.DB, wait time.Duration) error {
	for t0 := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		stale, err := staleParts(ctx, db)
		if err != nil {
			return err
		}
		if len(stale) == 0 {
			return nil
		}
		if time.Since(t0) > wait {
			return fmt.Errorf("%d rollup parts still stale after %s: %s", len(stale), wait, strings.Join(stale[:min(5, len(stale))], ", "))
		}
	}
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func queryColumn(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := queryStrings(ctx, db, q, args...)
	var out []string
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out, err
}

// queryStrings reads every row of q as strings.
func queryStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([][]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		r := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func writeCSV(path string, header []string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(header)
	_ = w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
