package lheo

import (
	"encoding/csv"
	"io"
	"runtime"
	"testing"
	"time"
)

// TestBoundedMemory converts a 100 MB feed streamed from the generator:
// the live heap stays small whatever the file's size, since one
// <formation> is held at a time.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB of XML")
	}
	const size = 100 << 20
	pr, pw := io.Pipe()
	go func() {
		_, err := Synthetic(pw, size, []string{"69123", "31555"}, []string{"H2913", "M1805"})
		pw.CloseWithError(err)
	}()
	ref := &Referential{Communes: map[string]bool{"69123": true, "31555": true}, Departments: map[string]bool{},
		RoleSkills: map[string]map[string]int{"H2913": {"S-WELD": 3}, "M1805": {"S-CODE": 3}}, HasSkills: map[string]bool{}}
	var peak uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	start := time.Now()
	w := func() *csv.Writer { return csv.NewWriter(io.Discard) }
	counts, problems, _, err := Convert(pr, ref, Writers{Trainings: w(), Sessions: w(), Skills: w()})
	close(done)
	if err != nil || len(problems) > 0 {
		t.Fatalf("%v %v", err, problems)
	}
	took := time.Since(start)
	t.Logf("100 MB: %d trainings, %d sessions, %d skills in %v (%.0f trainings/s); peak heap in use %.1f MB",
		counts.Trainings, counts.Sessions, counts.Skills, took, float64(counts.Trainings)/took.Seconds(), float64(peak)/(1<<20))
	if counts.Trainings < 50_000 || counts.Sessions != 2*counts.Trainings {
		t.Errorf("counts %+v", counts)
	}
	if peak > 64<<20 {
		t.Errorf("peak heap %d MB: the conversion is not streaming", peak>>20)
	}
}
