package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/importer"
)

// A step silent for longer than the heartbeat's period is named, with the
// time so far, once per period; a step that reports keeps it quiet.
func TestHeartbeatNamesTheSilentStep(t *testing.T) {
	var mu sync.Mutex
	var said []string
	h := newHeartbeat(100*time.Millisecond, func(p importer.Progress, el time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		said = append(said, stepLine(p))
	})
	defer h.Stop()
	note := h.wrap(nil)
	for i := 0; i < 5; i++ { // reporting every 40 ms: nothing to add
		note(importer.Progress{Phase: "reading", Kind: "employees", File: "e.csv", Rows: int64(i)})
		time.Sleep(40 * time.Millisecond)
	}
	mu.Lock()
	if len(said) != 0 {
		t.Errorf("spoke while the import reported: %v", said)
	}
	mu.Unlock()
	note(importer.Progress{Phase: "merging", Kind: "employee_skills"})
	time.Sleep(350 * time.Millisecond)
	h.Stop()
	mu.Lock()
	defer mu.Unlock()
	if len(said) < 2 || len(said) > 4 || said[0] != "merging employee_skills" {
		t.Errorf("during a 350 ms silent merge with a 100 ms period: %v", said)
	}
}

func TestQuietProgressWritesTheStep(t *testing.T) {
	var b bytes.Buffer
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return b.Write(p) })
	note, stop := quietProgress(w, "importing the demo dataset", 50*time.Millisecond)
	note(importer.Progress{Phase: "merging", Kind: "needs"})
	time.Sleep(120 * time.Millisecond)
	stop()
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(b.String(), "gpec: importing the demo dataset: merging needs (") {
		t.Errorf("got %q", b.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
