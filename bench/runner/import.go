package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ImportFigures is import.json.
type ImportFigures struct {
	Dir   string       `json:"dir"`
	Rows  int          `json:"rows"`
	Bytes int64        `json:"bytes"`
	Files []importFile `json:"files"`
	Gpec  struct {
		Seconds   float64 `json:"seconds"`
		RowsPerS  float64 `json:"rowsPerSecond"`
		PeakRSSMB float64 `json:"peakRSSMB"`
		Output    string  `json:"output"`
	} `json:"gpec"`
	Copy struct {
		Seconds  float64 `json:"seconds"`
		RowsPerS float64 `json:"rowsPerSecond"`
	} `json:"copy"`
	Load  string `json:"loadBefore"`
	Taken string `json:"taken"`
}

type importFile struct {
	Name    string   `json:"name"`
	Rows    int      `json:"rows"`
	Bytes   int64    `json:"bytes"`
	Columns []string `json:"-"`
}

// runImport times `gpec import DIR` into -db (which must hold no dataset
// yet) and psql \copy of the same files into bare tables of a scratch schema
// of the same database (no key, no constraint, no index), then drops them.
func runImport(args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dir := fs.String("dir", "", "folder of CSV files (gpec seed output)")
	bin := fs.String("gpec", "", "gpec binary")
	dbURL := fs.String("db", "", "database URL")
	out := fs.String("out", "import.json", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var fig ImportFigures
	fig.Dir, fig.Taken, fig.Load = *dir, time.Now().UTC().Format(time.RFC3339), loadAvg()
	paths, _ := filepath.Glob(filepath.Join(*dir, "*.csv"))
	sort.Strings(paths)
	for _, p := range paths {
		f, err := countCSV(p)
		if err != nil {
			return err
		}
		fig.Files = append(fig.Files, f)
		fig.Rows += f.Rows
		fig.Bytes += f.Bytes
	}
	if fig.Rows == 0 {
		return fmt.Errorf("no CSV rows in %s", *dir)
	}

	// Raw COPY first; both then read the files from the page cache.
	script := &strings.Builder{}
	script.WriteString("\\set ON_ERROR_STOP on\nDROP SCHEMA IF EXISTS bench_copy CASCADE;\nCREATE SCHEMA bench_copy;\n")
	for _, f := range fig.Files {
		table := "bench_copy." + strings.TrimSuffix(f.Name, ".csv")
		cols := make([]string, len(f.Columns))
		for i, c := range f.Columns {
			cols[i] = c + " " + columnType(c)
		}
		fmt.Fprintf(script, "CREATE TABLE %s (%s);\n", table, strings.Join(cols, ", "))
	}
	if err := psql(*dbURL, script.String()); err != nil {
		return err
	}
	script.Reset()
	script.WriteString("\\set ON_ERROR_STOP on\n")
	for _, f := range fig.Files {
		abs, _ := filepath.Abs(filepath.Join(*dir, f.Name))
		fmt.Fprintf(script, "\\copy bench_copy.%s FROM '%s' WITH (FORMAT csv, HEADER true)\n", strings.TrimSuffix(f.Name, ".csv"), abs)
	}
	start := time.Now()
	if err := psql(*dbURL, script.String()); err != nil {
		return err
	}
	fig.Copy.Seconds = time.Since(start).Seconds()
	fig.Copy.RowsPerS = float64(fig.Rows) / fig.Copy.Seconds
	if err := psql(*dbURL, "DROP SCHEMA bench_copy CASCADE;"); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "runner import: COPY %d rows in %.1f s\n", fig.Rows, fig.Copy.Seconds)

	cmd := exec.Command("/usr/bin/time", "-v", *bin, "import", *dir)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+*dbURL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, io.MultiWriter(&stderr, os.Stderr)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gpec import: %w\n%s", err, stdout.String())
	}
	fig.Gpec.Output = stdout.String()
	wall, rss := parseTimeV(stderr.String())
	fig.Gpec.Seconds, fig.Gpec.PeakRSSMB = wall, rss/1024
	fig.Gpec.RowsPerS = float64(fig.Rows) / wall
	fmt.Fprintf(os.Stderr, "runner import: gpec import %d rows in %.1f s, peak RSS %.0f MB\n", fig.Rows, wall, rss/1024)
	b, _ := json.MarshalIndent(fig, "", "  ")
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

func countCSV(path string) (importFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return importFile{}, err
	}
	defer f.Close()
	st, _ := f.Stat()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return importFile{}, fmt.Errorf("%s: %w", path, err)
	}
	out := importFile{Name: filepath.Base(path), Bytes: st.Size(), Columns: append([]string(nil), head...)}
	for {
		if _, err := r.Read(); err == io.EOF {
			break
		} else if err != nil {
			return out, fmt.Errorf("%s: %w", path, err)
		}
		out.Rows++
	}
	return out, nil
}

// columnType gives a bare table the type the importer gives the column.
func columnType(col string) string {
	switch col {
	case "level", "birth_year", "founded_year", "horizon_year", "headcount":
		return "integer"
	case "since", "until", "entry_date", "exit_date":
		return "date"
	case "duration_hours", "cost_eur":
		return "numeric"
	}
	return "text"
}

func psql(url, script string) error {
	cmd := exec.Command("psql", "-X", "-q", "-d", url)
	cmd.Stdin = strings.NewReader(script)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

var (
	wallRE = regexp.MustCompile(`Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)`)
	rssRE  = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)
)

// parseTimeV reads wall seconds and peak RSS (kB) from /usr/bin/time -v.
func parseTimeV(s string) (float64, float64) {
	var wall, rss float64
	if m := wallRE.FindStringSubmatch(s); m != nil {
		for _, part := range strings.Split(m[1], ":") {
			v, _ := strconv.ParseFloat(part, 64)
			wall = wall*60 + v
		}
	}
	if m := rssRE.FindStringSubmatch(s); m != nil {
		rss, _ = strconv.ParseFloat(m[1], 64)
	}
	return wall, rss
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
