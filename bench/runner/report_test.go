package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// A release.json as bench.sh writes it, the report's Release table and the
// issue 11 verdicts read from it.
func TestReleaseReport(t *testing.T) {
	var rel ReleaseFigures
	if err := json.Unmarshal([]byte(`{"id": 3, "referenceDate": "2026-12-01", "status": "PUBLISHED",
		"horizons": [2027, 2029, 2031], "cellCount": 5000, "hiddenPrimary": 120, "hiddenSecondary": 80,
		"hiddenHeadcount": 250, "totalHeadcount": 10000, "buildSeconds": 41.5, "sizeBytes": 2500000,
		"failure": null, "wallSeconds": 700, "maxRssKB": 524288, "timed": true}`), &rel); err != nil {
		t.Fatal(err)
	}
	res := &Results{Conc: []int{8}, Queries: []*Query{{Name: "09_release_table", Class: "release", Role: "observatory"}},
		Runs: []Run{{Query: "09_release_table", Target: "gpec", Conc: 8, N: 100, P95: 12.5}, {Query: "09_release_table", Target: "floor", Conc: 8, N: 300, P95: 2}}}
	out := render("medium", res, nil, nil, nil, nil, nil, &rel)
	for _, want := range []string{
		"| hidden, primary | 120 |", "| hidden, secondary | 80 |", "| headcount hidden | 2.50 % (250 of 10000) |",
		"| wall time | 700.0 s |", "| peak RSS | 512 MB |", "| size | 2.5 MB |", "| cells (every table, level, dimension, horizon) | 5000 |",
		"| release build < 10 min (wall) | 700 s, PUBLISHED | **not met** |",
		"| release build peak RSS < 1 GB | 512 MB | **met** |",
		"| release table p95 < 50 ms at c=8: 09_release_table | 12.5 ms (floor 2.00 ms) | **met** |",
		"| 8 | gpec | 100 | 0 | - | 12.5 | - | 0.0 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	rel.Reused = true
	if out = render("medium", res, nil, nil, nil, nil, nil, &rel); !strings.Contains(out, "built by an earlier run on this database") ||
		!strings.Contains(out, "| release build peak RSS < 1 GB | 512 MB | **met** |") {
		t.Errorf("a release reused with its kept figures:\n%s", out)
	}
	// A reused release whose figures were not kept: no verdict on them.
	rel.Timed, rel.WallSeconds, rel.MaxRSSKB = false, nil, nil
	out = render("medium", res, nil, nil, nil, nil, nil, &rel)
	for _, want := range []string{"| peak RSS | not measured |", "reused release 3: recorded build 42 s, peak RSS not kept | - |"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if out = render("medium", &Results{}, nil, nil, nil, nil, nil, nil); !strings.Contains(out, "No release in this run") {
		t.Errorf("report without a release:\n%s", out)
	}
}
