package importer

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/csvio"
)

// RowError is one bad row (or file): file, physical line (header = 1),
// column, value and reason.
type RowError = csvio.Error

// FileReport describes one input file as read.
type FileReport struct {
	Name      string `json:"name"`
	Kind      string `json:"kind,omitempty"`
	Encoding  string `json:"encoding,omitempty"`
	Delimiter string `json:"delimiter,omitempty"`
	Rows      int64  `json:"rows"`
}

// KindReport counts one kind's rows. Inserted, Updated and Unchanged are
// what the import did (or, rejected or dry-run, would have done to the
// rows checked so far).
type KindReport struct {
	Kind      string `json:"kind"`
	Rows      int64  `json:"rows"`
	Inserted  int64  `json:"inserted"`
	Updated   int64  `json:"updated"`
	Unchanged int64  `json:"unchanged"`
	Rejected  int64  `json:"rejected"`
	// FirstLoad tells that the kind's table was empty and was loaded as
	// pg_restore does: rows first, keys and indexes built after them.
	FirstLoad bool `json:"firstLoad,omitempty"`
}

// Report is the outcome of an import. Committed tells whether anything was
// written: an import with any error writes nothing.
type Report struct {
	Committed bool         `json:"committed"`
	DryRun    bool         `json:"dryRun,omitempty"`
	Files     []FileReport `json:"files"`
	Kinds     []KindReport `json:"kinds"`
	// ErrorCount counts every error; Errors holds the first MaxErrors.
	ErrorCount      int        `json:"errorCount"`
	Errors          []RowError `json:"errors"`
	ErrorsTruncated bool       `json:"errorsTruncated,omitempty"`
	Seconds         float64    `json:"seconds"`

	maxErrors int
}

func (r *Report) addError(e RowError) {
	r.ErrorCount++
	if len(r.Errors) < r.maxErrors {
		r.Errors = append(r.Errors, e)
	} else {
		r.ErrorsTruncated = true
	}
}

func (r *Report) kind(k string) *KindReport {
	for i := range r.Kinds {
		if r.Kinds[i].Kind == k {
			return &r.Kinds[i]
		}
	}
	r.Kinds = append(r.Kinds, KindReport{Kind: k})
	return &r.Kinds[len(r.Kinds)-1]
}

// OK tells whether the import had no error.
func (r *Report) OK() bool { return r.ErrorCount == 0 }

// String renders the report for a terminal or a log.
func (r *Report) String() string {
	var b strings.Builder
	switch {
	case r.Committed:
		fmt.Fprintf(&b, "Import done in %.1fs.\n", r.Seconds)
	case r.DryRun && r.ErrorCount == 0:
		fmt.Fprintf(&b, "Dry run: the files are valid; nothing was written (%.1fs).\n", r.Seconds)
	default:
		fmt.Fprintf(&b, "Import rejected: %d error(s); nothing was written (%.1fs).\n", r.ErrorCount, r.Seconds)
	}
	for _, f := range r.Files {
		fmt.Fprintf(&b, "  %-40s %-16s %9d rows  %s %s\n", f.Name, f.Kind, f.Rows, f.Encoding, f.Delimiter)
	}
	if len(r.Kinds) > 0 {
		fmt.Fprintf(&b, "  %-16s %10s %10s %10s %10s %10s\n", "kind", "rows", "inserted", "updated", "unchanged", "rejected")
		for _, k := range r.Kinds {
			fmt.Fprintf(&b, "  %-16s %10d %10d %10d %10d %10d\n", k.Kind, k.Rows, k.Inserted, k.Updated, k.Unchanged, k.Rejected)
		}
		var first []string
		for _, k := range r.Kinds {
			if k.FirstLoad {
				first = append(first, k.Kind)
			}
		}
		if len(first) > 0 {
			fmt.Fprintf(&b, "  first load into empty tables (rows first, keys and indexes built after): %s\n", strings.Join(first, ", "))
		}
	}
	for _, e := range r.Errors {
		b.WriteString("  ")
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	if r.ErrorsTruncated {
		fmt.Fprintf(&b, "  … and %d more error(s)\n", r.ErrorCount-len(r.Errors))
	}
	return b.String()
}

// Progress is a periodic note of an import's advance.
type Progress struct {
	Phase string `json:"phase"` // "reading", "checking", "merging", "indexing" (a first load's keys and indexes)
	Kind  string `json:"kind"`
	File  string `json:"file,omitempty"`
	Rows  int64  `json:"rows"`  // rows read so far from File
	Bytes int64  `json:"bytes"` // bytes read so far from File
	Size  int64  `json:"size"`  // File's size when known, else 0
	Done  bool   `json:"done"`  // the last note of this file or phase
}

// LogProgress writes one line per progress note to w, for logs and for
// terminals without a progress bar.
func LogProgress(w io.Writer) func(Progress) {
	start := time.Now()
	return func(p Progress) {
		el := time.Since(start).Round(100 * time.Millisecond)
		switch {
		case p.File != "" && p.Size > 0:
			fmt.Fprintf(w, "%8s %-9s %-16s %s: %d rows (%.0f%%)\n", el, p.Phase, p.Kind, p.File, p.Rows, 100*float64(p.Bytes)/float64(p.Size))
		case p.File != "":
			fmt.Fprintf(w, "%8s %-9s %-16s %s: %d rows\n", el, p.Phase, p.Kind, p.File, p.Rows)
		default:
			fmt.Fprintf(w, "%8s %-9s %-16s\n", el, p.Phase, p.Kind)
		}
	}
}
