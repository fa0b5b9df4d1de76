package main

import (
	"fmt"
	"strings"
)

// renderFresh writes the section of runner fresh: issue 16's target that
// every query of the mix is served at its rollup speed again within 10 s
// of a one-company import.
func renderFresh(fr *FreshFigures) string {
	if fr == nil || len(fr.Phases) == 0 {
		return ""
	}
	b := &strings.Builder{}
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("### Fresh after a one-company import (issue 16)\n\n")
	p("**`runner fresh`**: `gpec import` (as an administrator: dated rows kept) of company %s's %d employees, %d assessments (levels changed) and %d needs (headcounts + 1) while the server runs (it rebuilds stale rollup parts in the background), then each query of the mix is sent again and again (one client per query) until an answer takes at most %.1f× its p50 before the import + %.0f ms; then the company's original rows are imported back the same way, which restores the dataset. Times are from the import's commit. Load average %s before, %s after.\n\n",
		fr.Siren, fr.Employees, fr.Assessments, fr.Needs, fr.Factor, fr.SlackMs, fr.LoadStart, fr.LoadEnd)
	p("| import | import s | stale parts after it | every part fresh after | every query at speed after | verdict (≤ 10 s) |\n|---|---:|---:|---:|---:|---|\n")
	secs := func(v float64) string {
		if v < 0 {
			return "not within the wait"
		}
		return fmt.Sprintf("%.1f s", v)
	}
	for _, ph := range fr.Phases {
		verdict := "**not met**"
		if ph.AllFreshSeconds >= 0 && ph.AllFreshSeconds <= 10 {
			verdict = "**met**"
		}
		p("| %s | %.1f | %d | %s | %s | %s |\n", ph.Name, ph.ImportSeconds, len(ph.StaleParts), secs(ph.PartsFreshSeconds), secs(ph.AllFreshSeconds), verdict)
	}
	p("\n| query | p50 before | first answer after the import | slowest until at speed | at speed after | back the other way |\n|---|---:|---:|---:|---:|---:|\n")
	first := fr.Phases[0]
	for i, q := range first.Queries {
		back := "-"
		if len(fr.Phases) > 1 && i < len(fr.Phases[1].Queries) {
			back = secs(fr.Phases[1].Queries[i].FreshSeconds)
		}
		p("| %s | %s ms | %s ms | %s ms | %s | %s |\n", q.Name, ms(q.BaselineMs), ms(q.FirstMs), ms(q.SlowestMs), secs(q.FreshSeconds), back)
	}
	if len(first.StaleParts) > 0 {
		p("\nStale parts right after the import (asOf/horizon part): %s.\n", strings.Join(first.StaleParts, ", "))
	}
	p("\n")
	return b.String()
}
