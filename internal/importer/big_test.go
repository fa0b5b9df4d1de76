package importer

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/testdb"
)

// employeeRows generates an employees file of about size bytes on the fly,
// so the test never holds the file in memory.
type employeeRows struct {
	size, written int64
	n             int
	pending       []byte
	header        bool
}

func (g *employeeRows) Read(p []byte) (int, error) {
	if !g.header {
		g.header = true
		g.pending = append(g.pending, "siren,employee_ref,siret,role_code,birth_year,entry_date,exit_date\n"...)
	}
	for len(g.pending) < len(p) && g.written+int64(len(g.pending)) < g.size {
		g.n++
		g.pending = fmt.Appendf(g.pending, "552032534,E%09d,%s,%s,%d,20%02d-%02d-%02d,\n",
			g.n, [2]string{"55203253400109", "55203253400117"}[g.n%2], [2]string{"H2913", "M1805"}[g.n%3/2],
			1955+g.n%50, g.n%24, 1+g.n%12, 1+g.n%28)
	}
	if len(g.pending) == 0 {
		return 0, io.EOF
	}
	k := copy(p, g.pending)
	g.pending = g.pending[:copy(g.pending, g.pending[k:])]
	g.written += int64(k)
	return k, nil
}

// TestLargeImport streams a generated employees file (200 MB by default;
// GPEC_BIG_IMPORT_MB changes it) and checks that the heap stays bounded.
func TestLargeImport(t *testing.T) {
	if testing.Short() {
		t.Skip("large import skipped in -short mode")
	}
	mb := int64(200)
	if v := os.Getenv("GPEC_BIG_IMPORT_MB"); v != "" {
		mb, _ = strconv.ParseInt(v, 10, 64)
	}
	d, _ := testdb.New(t)
	mustImport(t, d, sources(base), Options{})

	var gen *employeeRows
	src := Source{Name: "employees.csv", Size: mb << 20, Open: func() (io.ReadCloser, error) {
		gen = &employeeRows{size: mb << 20}
		return io.NopCloser(gen), nil
	}}

	runtime.GC()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	phases := map[string]time.Time{}
	start := time.Now()
	rep, err := Import(context.Background(), d, []Source{src}, Options{Progress: func(p Progress) {
		if _, ok := phases[p.Phase]; !ok {
			phases[p.Phase] = time.Now()
		}
	}})
	el := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Committed {
		t.Fatalf("rejected:\n%.3000s", rep.String())
	}
	rows := rep.Kinds[0].Rows
	t.Logf("%d MB, %d rows in %v: %.0f rows/s; reading %v, checking %v, merging %v; peak heap in use %.1f MB",
		mb, rows, el.Round(time.Millisecond), float64(rows)/el.Seconds(),
		phases["checking"].Sub(start).Round(time.Millisecond), phases["merging"].Sub(phases["checking"]).Round(time.Millisecond),
		time.Since(phases["merging"]).Round(time.Millisecond)-0, float64(peak)/(1<<20))
	if rep.Kinds[0].Inserted != int64(gen.n) {
		t.Errorf("inserted %d of %d", rep.Kinds[0].Inserted, gen.n)
	}
	if peak > 100<<20 {
		t.Errorf("peak heap in use %d MB, want under 100 MB", peak>>20)
	}
}
