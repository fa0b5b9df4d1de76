package main

import (
	"fmt"
	"sort"
	"strings"
)

// campaignVerdicts checks the targets of issue 19 (campaigns and trends)
// against the run: the pole's trend under load, a company's answer, and
// reads while a new campaign's rollups are built.
func campaignVerdicts(res *Results, runs map[key]Run, ans *AnswerFigures, bg *BackgroundFigures) [][3]string {
	var out [][3]string
	yes := func(ok bool) string {
		if ok {
			return "**met**"
		}
		return "**not met**"
	}
	for _, q := range res.Queries {
		if strings.HasSuffix(q.Name, "_pole_trend") {
			r := runs[key{q.Name, "gpec", 8}]
			out = append(out, [3]string{"a pole's trend of its 20 critical skills over three campaigns p95 < 200 ms at c=8",
				fmt.Sprintf("%s ms%s (floor %s ms)", ms(r.P95), errNote(r.Errors), ms(runs[key{q.Name, "floor", 8}].P95)),
				yes(r.N > 0 && r.P95 < 200 && r.Errors == 0)})
		}
	}
	if ans != nil {
		label := fmt.Sprintf("a company's answer of %d needs and %d assessments accepted in < 1 s", ans.Needs, ans.Assessments)
		if ans.Error != "" {
			out = append(out, [3]string{label, "refused: " + strings.ReplaceAll(ans.Error, "|", "/"), "**not met**"})
		} else {
			out = append(out, [3]string{label, fmt.Sprintf("p50 %s ms, max %s ms over %d answers", ms(ans.P50), ms(ans.Max), len(ans.Ms)),
				yes(len(ans.Ms) > 0 && ans.Max < 1000)})
		}
	}
	if bg != nil {
		label := "a new campaign's rollups built in the background slow reads by ≤ 20 % (p95 during / before)"
		if bg.Error != "" || len(bg.Phases) < 2 {
			out = append(out, [3]string{label, "not measured: " + bg.Error, "-"})
		} else {
			b, d := bg.Phases[0], bg.Phases[1]
			out = append(out, [3]string{label, fmt.Sprintf("%.2f× (%s ms during a %.0f s build, %s ms before)%s", bg.Ratio, ms(d.P95), bg.BuildSeconds,
				ms(b.P95), errNote(d.Errors+b.Errors)), yes(bg.Ratio <= 1.2 && d.Errors+b.Errors == 0)})
		}
	}
	return out
}

// renderCampaigns writes the details of the answer and background runs.
func renderCampaigns(p func(string, ...any), ans *AnswerFigures, bg *BackgroundFigures) {
	if ans != nil {
		p("**A company's answer** (`runner answer`): the `answerCampaign` mutation of member %s with %d needs (dated today) and %d assessments in its variables (%d bytes), sent by a company token to `gpec bench serve -refresh=false`, timed end to end (HTTP round trip: limits, checks, all-or-nothing import), %d times; after each the runner deletes the rows written and sets `data_version` back in one transaction, so the dataset and its rollups stay as they were. Load average %s before, %s after.\n\n",
			ans.Siren, ans.Needs, ans.Assessments, ans.BodyBytes, len(ans.Ms), ans.Load, ans.LoadAfter)
		if ans.Error != "" {
			p("Refused: %s\n\n", ans.Error)
		} else {
			var parts []string
			for _, v := range ans.Ms {
				parts = append(parts, ms(v))
			}
			p("| answers | p50 | max | each (ms) |\n|---:|---:|---:|---|\n| %d | %s ms | %s ms | %s |\n\n", len(ans.Ms), ms(ans.P50), ms(ans.Max), strings.Join(parts, ", "))
		}
	}
	if bg != nil {
		builder := "the server's refresher builds its rollup"
		wait := "the server polls every 15 s"
		if bg.Builder != "" {
			builder = "`" + bg.Builder + "` builds its rollup (the refresher's Build, from another process on the same database; the server runs without its own refresher)"
			wait = "the command's start"
		}
		p("**Reads during a background rollup build** (`runner background`): %d clients send the mix %s in turn to `gpec bench serve`; after a first phase, an administrator opens a new campaign (%s) and %s; *during* covers the requests started between the moment the build takes the rollup lock and the moment the rollup is fresh; *after* follows. The build began %.1f s after the campaign was opened (%s) and took %.1f s. The campaign and its rollups are deleted afterwards.\n\n",
			bg.Conc, strings.Join(bg.Queries, ", "), bg.Campaign, builder, bg.WaitSeconds, wait, bg.BuildSeconds)
		p("| phase | seconds | requests | errors | p50 | p95 | req/s | p95 per query | load after |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n")
		for _, ph := range bg.Phases {
			var names []string
			for q := range ph.PerP95 {
				names = append(names, q)
			}
			sort.Strings(names)
			var per []string
			for _, q := range names {
				per = append(per, fmt.Sprintf("%s %s", q, ms(ph.PerP95[q])))
			}
			p("| %s | %.1f | %d | %d | %s | %s | %.1f | %s | %s |\n", ph.Name, ph.Seconds, ph.N, ph.Errors, ms(ph.P50), ms(ph.P95), ph.RPS, strings.Join(per, ", "), ph.Load)
		}
		p("\n")
	}
}
