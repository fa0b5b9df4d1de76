package lheo

import (
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Problem is a bad entry: the element at fault, its line, and why.
type Problem struct {
	Element string
	Line    int
	Reason  string
}

// Referential is what a conversion checks codes against: the territories
// (departments and communes) known, the essential skills of each role
// (role code → skill code → level), and the trainings that already have
// training_skills rows (their skills are not derived again).
type Referential struct {
	Departments map[string]bool
	Communes    map[string]bool
	RoleSkills  map[string]map[string]int
	HasSkills   map[string]bool
}

// Writers receive the converted rows, headers first.
type Writers struct {
	Trainings, Sessions, Skills *csv.Writer
}

// Headers of the three files, as DESIGN.md's import formats name them.
var (
	TrainingsHeader = []string{"id", "provider", "title", "territory_code", "modality", "duration_hours", "cost_eur"}
	SessionsHeader  = []string{"training_id", "session_id", "start_date", "end_date", "territory_code", "seats"}
	SkillsHeader    = []string{"training_id", "skill_code", "level"}
)

// Counts are the rows written.
type Counts struct{ Trainings, Sessions, Skills int }

// MaxProblems bounds the problems a conversion lists.
const MaxProblems = 1000

type session struct {
	line         int
	numero       string
	debut, fin   string
	debutL, finL int
	hasPeriode   bool
}

type action struct {
	line            int
	numero          string
	modality        string
	modalityL       int
	commune, dept   string
	communeL, deptL int
	hours, price    string
	hoursL, priceL  int
	hasPlace        bool
	sessions        []session
}

type formation struct {
	line             int
	numero, title    string
	provider, raison string
	romes            []string
	romeLines        []int
	actions          []action
}

type converter struct {
	ref      *Referential
	w        Writers
	problems []Problem
	overflow int
	counts   Counts
	seen     map[string]int // training id → line
}

func (c *converter) problem(element string, line int, format string, args ...any) {
	if len(c.problems) >= MaxProblems {
		c.overflow++
		return
	}
	c.problems = append(c.problems, Problem{Element: "<" + element + ">", Line: line, Reason: fmt.Sprintf(format, args...)})
}

// Convert reads an LHÉO file from r and writes its rows to w. It returns
// the problems found (empty when the file is good), how many more there
// were beyond MaxProblems, and an error only when writing fails.
func Convert(r io.Reader, ref *Referential, w Writers) (Counts, []Problem, int, error) {
	c := &converter{ref: ref, w: w, seen: map[string]int{}}
	for _, x := range []struct {
		w *csv.Writer
		h []string
	}{{w.Trainings, TrainingsHeader}, {w.Sessions, SessionsHeader}, {w.Skills, SkillsHeader}} {
		if err := x.w.Write(x.h); err != nil {
			return c.counts, nil, 0, err
		}
	}
	dec := xml.NewDecoder(r)
	dec.Strict = true
	var stack []string
	var text strings.Builder
	var f *formation
	var a *action
	var s *session
	line := func() int { l, _ := dec.InputPos(); return l }
	parent := func(n int) string {
		if len(stack) > n {
			return stack[len(stack)-1-n]
		}
		return ""
	}
	within := func(name string) bool {
		for _, e := range stack {
			if e == name {
				return true
			}
		}
		return false
	}
	attr := func(se xml.StartElement, name string) string {
		for _, a := range se.Attr {
			if a.Name.Local == name {
				return strings.TrimSpace(a.Value)
			}
		}
		return ""
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				c.problem(parent(0), se.Line, "not well-formed XML: %s", se.Msg)
			} else {
				c.problem(parent(0), line(), "cannot read the file")
			}
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			text.Reset()
			if len(stack) == 0 && name != "lheo" {
				c.problem(name, line(), "the root element is <%s>, not <lheo>: not an LHÉO offers file", name)
				return c.counts, c.problems, c.overflow, nil
			}
			stack = append(stack, name)
			switch {
			case name == "formation" && parent(1) == "offres":
				f = &formation{line: line(), numero: attr(t, "numero")}
			case name == "action" && f != nil && parent(1) == "formation":
				a = &action{line: line(), numero: attr(t, "numero")}
			case name == "session" && a != nil && parent(1) == "action":
				s = &session{line: line(), numero: attr(t, "numero")}
			case name == "periode" && s != nil:
				s.hasPeriode = true
			case name == "lieu-de-formation" && a != nil:
				a.hasPlace = true
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			name := t.Name.Local
			v := strings.TrimSpace(text.String())
			l := line()
			up := parent(1)
			switch {
			case f == nil:
			case name == "intitule-formation" && up == "formation":
				f.title = v
			case name == "code-ROME" && within("domaine-formation"):
				f.romes, f.romeLines = append(f.romes, v), append(f.romeLines, l)
			case name == "nom-organisme" && up == "organisme-formation-responsable":
				f.provider = v
			case name == "raison-sociale" && up == "organisme-formation-responsable":
				f.raison = v
			case a != nil && name == "modalites-enseignement" && up == "action":
				a.modality, a.modalityL = v, l
			case a != nil && name == "code-INSEE-commune" && within("lieu-de-formation"):
				a.commune, a.communeL = v, l
			case a != nil && name == "departement" && within("lieu-de-formation"):
				a.dept, a.deptL = v, l
			case a != nil && name == "nombre-heures-total" && up == "action":
				a.hours, a.hoursL = v, l
			case a != nil && name == "prix-total-TTC" && up == "action":
				a.price, a.priceL = v, l
			case s != nil && name == "debut" && up == "periode":
				s.debut, s.debutL = v, l
			case s != nil && name == "fin" && up == "periode":
				s.fin, s.finL = v, l
			case s != nil && name == "session" && up == "action":
				a.sessions = append(a.sessions, *s)
				s = nil
			case a != nil && name == "action" && up == "formation":
				f.actions = append(f.actions, *a)
				a = nil
			case name == "formation" && up == "offres":
				if err := c.emit(f); err != nil {
					return c.counts, c.problems, c.overflow, err
				}
				f = nil
			}
			stack = stack[:len(stack)-1]
			text.Reset()
		}
	}
	if len(c.problems) == 0 && c.counts.Trainings == 0 {
		c.problem("offres", 1, "no <formation> with an <action>: nothing to import")
	}
	for _, x := range []*csv.Writer{w.Trainings, w.Sessions, w.Skills} {
		x.Flush()
		if err := x.Error(); err != nil {
			return c.counts, c.problems, c.overflow, err
		}
	}
	return c.counts, c.problems, c.overflow, nil
}

// modalities maps dict-modalites-enseignement to gpec's modalities.
var modalities = map[string]string{"0": "onsite", "1": "blended", "2": "remote"}

// date reads an LHÉO date AAAAMMJJ as YYYY-MM-DD; unknown or partial
// dates (00000000, 99999999, AAAAMM00, AAAA0000) are refused.
func date(v string) (string, bool) {
	if len(v) != 8 {
		return "", false
	}
	t, err := time.Parse("20060102", v)
	if err != nil {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// number reads a decimal number (a decimal comma allowed), > 0 when positive.
func number(v string, positive bool) (string, bool) {
	v = strings.ReplaceAll(v, ",", ".")
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 || (positive && x == 0) || x > 1e9 {
		return "", false
	}
	return strconv.FormatFloat(x, 'f', -1, 64), true
}

// emit checks one formation and writes its rows.
func (c *converter) emit(f *formation) error {
	before := len(c.problems) + c.overflow
	if f.title == "" {
		c.problem("intitule-formation", f.line, "the formation has no <intitule-formation>")
	}
	provider := f.provider
	if provider == "" {
		provider = f.raison
	}
	if provider == "" {
		c.problem("organisme-formation-responsable", f.line, "the formation has no <nom-organisme> (nor <raison-sociale>) of its responsible organisation")
	}
	skills := map[string]int{}
	for i, code := range f.romes {
		rs, ok := c.ref.RoleSkills[code]
		if !ok {
			c.problem("code-ROME", f.romeLines[i], "unknown ROME code %q", clip(code))
			continue
		}
		for s, l := range rs {
			skills[s] = max(skills[s], l)
		}
	}
	codes := make([]string, 0, len(skills))
	for s := range skills {
		codes = append(codes, s)
	}
	sort.Strings(codes) // rows in a stable order
	if len(f.actions) == 0 {
		c.problem("action", f.line, "the formation has no <action>")
	}
	type row []string
	var trainings, sessions, taught []row
	for i, a := range f.actions {
		id := a.numero
		if id == "" && f.numero != "" {
			id = f.numero + "-" + strconv.Itoa(i+1)
		}
		if id == "" || len(id) > 64 {
			c.problem("action", a.line, "an action needs a numero attribute of 1–64 characters (or its formation one)")
			continue
		}
		if l, dup := c.seen[id]; dup {
			c.problem("action", a.line, "training id %q is given twice (first at line %d)", clip(id), l)
			continue
		}
		c.seen[id] = a.line
		mod, ok := modalities[a.modality]
		if !ok {
			if a.modalityL == 0 {
				c.problem("modalites-enseignement", a.line, "the action has no <modalites-enseignement>")
			} else {
				c.problem("modalites-enseignement", a.modalityL, "%q is not 0 (onsite), 1 (blended) or 2 (remote)", clip(a.modality))
			}
		}
		place := ""
		switch {
		case c.ref.Communes[a.commune]:
			place = a.commune
		case c.ref.Departments[a.dept]:
			place = a.dept
		case !a.hasPlace:
			c.problem("lieu-de-formation", a.line, "the action has no <lieu-de-formation>")
		case a.commune != "":
			c.problem("code-INSEE-commune", a.communeL, "unknown commune %q (and no known <departement>)", clip(a.commune))
		case a.dept != "":
			c.problem("departement", a.deptL, "unknown department %q", clip(a.dept))
		default:
			c.problem("lieu-de-formation", a.line, "the place has no <code-INSEE-commune> nor <departement>")
		}
		hours, cost := "", ""
		if a.hours != "" {
			if hours, ok = number(a.hours, true); !ok {
				c.problem("nombre-heures-total", a.hoursL, "%q is not a number of hours > 0", clip(a.hours))
			}
		}
		if a.price != "" {
			if cost, ok = number(a.price, false); !ok {
				c.problem("prix-total-TTC", a.priceL, "%q is not a price in euros", clip(a.price))
			}
		}
		trainings = append(trainings, row{id, provider, f.title, place, mod, hours, cost})
		if len(a.sessions) == 0 {
			c.problem("session", a.line, "the action has no <session>")
		}
		seenS := map[string]bool{}
		for _, s := range a.sessions {
			start, okS := date(s.debut)
			end, okE := date(s.fin)
			switch {
			case !s.hasPeriode:
				c.problem("periode", s.line, "the session has no <periode>")
				continue
			case s.debutL == 0:
				c.problem("debut", s.line, "the session's <periode> has no <debut>")
			case !okS:
				c.problem("debut", s.debutL, "%q is not a date AAAAMMJJ (unknown or partial dates cannot be imported)", clip(s.debut))
			}
			switch {
			case s.finL == 0:
				c.problem("fin", s.line, "the session's <periode> has no <fin>")
			case !okE:
				c.problem("fin", s.finL, "%q is not a date AAAAMMJJ (unknown or partial dates cannot be imported)", clip(s.fin))
			case okS && end < start:
				c.problem("fin", s.finL, "the session ends (%s) before it starts (%s)", end, start)
			}
			sid := s.numero
			if sid == "" {
				sid = s.debut
			}
			if sid == "" || len(sid) > 64 || seenS[sid] {
				c.problem("session", s.line, "a session needs a numero attribute of 1–64 characters unique in its action (or a start date of its own)")
				continue
			}
			seenS[sid] = true
			sessions = append(sessions, row{id, sid, start, end, "", ""})
		}
		if !c.ref.HasSkills[id] {
			for _, s := range codes {
				taught = append(taught, row{id, s, strconv.Itoa(skills[s])})
			}
		}
	}
	if len(c.problems)+c.overflow > before || len(c.problems) > 0 {
		return nil // a refused file writes nothing: skip the rows
	}
	for _, r := range trainings {
		if err := c.w.Trainings.Write(r); err != nil {
			return err
		}
	}
	for _, r := range sessions {
		if err := c.w.Sessions.Write(r); err != nil {
			return err
		}
	}
	for _, r := range taught {
		if err := c.w.Skills.Write(r); err != nil {
			return err
		}
	}
	c.counts.Trainings += len(trainings)
	c.counts.Sessions += len(sessions)
	c.counts.Skills += len(taught)
	return nil
}

// clip keeps a value short in a message: reports never echo big input.
func clip(v string) string {
	if len(v) > 40 {
		return v[:40] + "…"
	}
	return v
}
