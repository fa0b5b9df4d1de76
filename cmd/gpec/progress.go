package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gpec-project/gpec/internal/importer"
)

// heartbeat speaks up during an import step that reports nothing for a
// while: a merge of millions of rows is one statement, silent for seconds
// to minutes, and a silent command looks hung.
type heartbeat struct {
	mu     sync.Mutex
	last   importer.Progress
	lastAt time.Time
	began  time.Time
	stop   chan struct{}
	once   sync.Once
}

// newHeartbeat calls say with the last progress note and the time since
// the start whenever nothing was noted for every.
func newHeartbeat(every time.Duration, say func(p importer.Progress, elapsed time.Duration)) *heartbeat {
	h := &heartbeat{began: time.Now(), lastAt: time.Now(), stop: make(chan struct{})}
	go func() {
		t := time.NewTicker(every / 5)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
			h.mu.Lock()
			if time.Since(h.lastAt) >= every {
				say(h.last, time.Since(h.began))
				h.lastAt = time.Now()
			}
			h.mu.Unlock()
		}
	}()
	return h
}

// wrap returns a progress function that notes p and passes it to f (nil:
// only note it).
func (h *heartbeat) wrap(f func(importer.Progress)) func(importer.Progress) {
	return func(p importer.Progress) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.last, h.lastAt = p, time.Now()
		if f != nil {
			f(p)
		}
	}
}

// Stop ends the heartbeat; calling it again does nothing.
func (h *heartbeat) Stop() { h.once.Do(func() { close(h.stop) }) }

// stepLine says which step of an import runs, e.g. "merging employee_skills".
func stepLine(p importer.Progress) string {
	switch {
	case p.Phase == "":
		return "starting"
	case p.Done && p.File != "":
		return "done reading " + p.File
	case p.File != "":
		return fmt.Sprintf("%s %s (%d rows so far)", p.Phase, p.File, p.Rows)
	}
	return p.Phase + " " + p.Kind
}

// quietProgress is the progress of an import that is one step of a
// longer command (the reference data, the demo dataset): a line only
// every few seconds, naming the step.
func quietProgress(w io.Writer, what string, every time.Duration) (func(importer.Progress), func()) {
	h := newHeartbeat(every, func(p importer.Progress, el time.Duration) {
		fmt.Fprintf(w, "gpec: %s: %s (%s)\n", what, stepLine(p), el.Round(time.Second))
	})
	return h.wrap(nil), h.Stop
}
