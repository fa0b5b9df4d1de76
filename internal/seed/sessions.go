package seed

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Training sessions and enrolments (DESIGN.md, "Training sessions"): every
// training has a session that took place in 2025 and one planned in 2027.
// Employees who lack a skill their role requires are enrolled, now and
// then, in a session of a training teaching it at the level required — in
// their region when one does: most 2025 enrolments are completed (after
// every assessment of the dataset, so they raise levels), some cancelled or
// never completed; the 2027 ones are the plan, which withPlan shows closing
// gaps. Seats are never overbooked.

const (
	streamLearners = 3 << 32 // + company index: who lacks a skill and may train
	streamSessions = 3
)

// learner is an active employee below its role's level of a skill.
type learner struct {
	siren, ref string
	skill      int32
	level      int8
	region     int
}

// taughtBy is a training teaching a skill.
type taughtBy struct {
	training int // index: FOR-%06d is training+1
	level    int8
	region   int
}

// noteLearner keeps, now and then, an employee below its role's level of
// skill l as a future learner; more often in the featured poles, whose
// demo shows the plan.
func (g *generator) noteLearner(rng *rand.Rand, c *company, ref string, region int, l link, level int) {
	p := 0.03
	if g.featured[c.poles[0]] {
		p = 0.12
	}
	if level < int(l.level) && rng.Float64() < p {
		g.learners = append(g.learners, learner{c.siren, ref, l.skill, l.level, region})
	}
}

// session is one written session: its days and its seats left.
type session struct {
	start, end int
	free       int
}

// writeSessions writes two sessions per training and the enrolments of the
// noted learners.
func (g *generator) writeSessions() {
	rng := g.rand(streamSessions)
	fs, fe := g.files["training_sessions"], g.files["enrolments"]
	sessions := make([][2]session, len(g.trainingHours))
	for i, hours := range g.trainingHours {
		days := max(1, hours/7)
		if days > 20 {
			days = 20 + rng.IntN(10) // a long path is spread over weeks
		}
		past := dayOf(2025, 5, 1) + rng.IntN(160)
		next := dayOf(2027, 1, 10) + rng.IntN(280)
		id := fmt.Sprintf("FOR-%06d", i+1)
		for k, start := range []int{past, next} {
			seats := 8 + rng.IntN(9)
			sessions[i][k] = session{start: start, end: start + days - 1, free: seats}
			fs.write(id, fmt.Sprintf("S%d-%s", k+1, formatDay(start)[:4]), formatDay(start), formatDay(start+days-1), "",
				strconv.Itoa(seats))
		}
	}
	seen := map[string]bool{}
	for _, l := range g.learners {
		cands := g.teaching[l.skill]
		if len(cands) == 0 {
			continue
		}
		// A training of the learner's region teaching the level, else any
		// teaching it: a few draws.
		pickT := -1
		for range 6 {
			t := cands[rng.IntN(len(cands))]
			if t.level < l.level {
				continue
			}
			if pickT < 0 || t.region == l.region {
				pickT = t.training
				if t.region == l.region {
					break
				}
			}
		}
		if pickT < 0 {
			continue
		}
		k := 0
		if rng.Float64() < 0.45 {
			k = 1 // the plan
		}
		s := &sessions[pickT][k]
		id := fmt.Sprintf("FOR-%06d", pickT+1)
		sid := fmt.Sprintf("S%d-%s", k+1, formatDay(s.start)[:4])
		key := id + "/" + sid + "/" + l.siren + "/" + l.ref
		if s.free == 0 || seen[key] {
			continue
		}
		seen[key] = true
		status, done := "enrolled", ""
		if k == 0 {
			switch u := rng.Float64(); {
			case u < 0.78:
				status, done = "completed", formatDay(s.end+rng.IntN(10))
			case u < 0.9:
				status = "cancelled"
			}
		}
		if status != "cancelled" {
			s.free--
		}
		fe.write(id, sid, l.siren, l.ref, status, done)
	}
}
