package reference

import (
	"sort"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
)

// The functions below follow DESIGN.md's wording literally, with loops over
// whole tables and no cleverness: they are the yardstick, not the product.

func (d *Dataset) parent(level, code string) string {
	for _, t := range d.Territories {
		if t.Level == level && t.Code == code {
			return t.Parent
		}
	}
	return ""
}

// place gives a site's or a training's territory level, department and region.
func (d *Dataset) place(territoryCode string) (level, department, region string) {
	level, department = analytics.LevelDepartment, territoryCode
	if len(territoryCode) == 5 {
		level = analytics.LevelCommune
		department = d.parent(analytics.LevelCommune, territoryCode)
	}
	return level, department, d.parent(analytics.LevelDepartment, department)
}

// inside tells whether a place named by territoryCode lies in the subtree of
// territory (level, code).
func (d *Dataset) inside(territoryCode, level, code string) bool {
	pl, dep, reg := d.place(territoryCode)
	switch level {
	case analytics.LevelRegion:
		return reg == code
	case analytics.LevelDepartment:
		return dep == code
	case analytics.LevelCommune:
		return pl == analytics.LevelCommune && territoryCode == code
	}
	return false
}

func onOrBefore(a, b time.Time) bool { return !a.After(b) }

// ActiveMember is DESIGN.md's active membership at asOf.
func (d *Dataset) ActiveMember(pole, siren string, asOf time.Time) bool {
	for _, m := range d.Memberships {
		if m.PoleID == pole && m.Siren == siren && onOrBefore(m.Since, asOf) && (m.Until == nil || asOf.Before(*m.Until)) {
			return true
		}
	}
	return false
}

// Members lists the companies with an active membership of pole at asOf.
func (d *Dataset) Members(pole string, asOf time.Time) []string {
	var out []string
	for _, c := range d.Companies {
		if d.ActiveMember(pole, c.Siren, asOf) {
			out = append(out, c.Siren)
		}
	}
	sort.Strings(out)
	return out
}

// ScopeSites lists the sites of a scope.
func (d *Dataset) ScopeSites(s analytics.Scope, asOf time.Time) map[string]bool {
	out := map[string]bool{}
	for _, site := range d.Sites {
		if s.Siren != "" && site.Siren != s.Siren {
			continue
		}
		if s.PoleID != "" && !d.ActiveMember(s.PoleID, site.Siren, asOf) {
			continue
		}
		if s.TerritoryLevel != "" && !d.inside(site.TerritoryCode, s.TerritoryLevel, s.TerritoryCode) {
			continue
		}
		out[site.Siret] = true
	}
	return out
}

func active(e Employee, asOf time.Time) bool {
	return onOrBefore(e.Entry, asOf) && (e.Exit == nil || e.Exit.After(asOf))
}

func stayer(e Employee, p analytics.Params) bool {
	return active(e, p.AsOf) && e.BirthYear+p.RetirementAge > p.Horizon
}

func (d *Dataset) requires(role, skill int, p analytics.Params) (int, bool) {
	for _, rs := range d.RoleSkills {
		if rs.RoleID == role && rs.SkillID == skill && (rs.Essential || p.IncludeOptional) {
			return rs.Level, true
		}
	}
	return 0, false
}

// Level is DESIGN.md's level of a skill of an employee at asOf: the level
// of the latest of its assessments that are undated or dated on or before
// asOf, an undated one being older than any dated one (0 without one),
// raised to the highest level a training teaches the skill among the
// employee's completions dated on or before asOf and strictly after that
// assessment's date (all of them when it is undated or absent).
func (d *Dataset) Level(employee int64, skill int, asOf time.Time) int {
	level, on := d.Assessed(employee, skill, asOf)
	for _, en := range d.Enrolments {
		if en.EmployeeID != employee || en.Status != "completed" || en.CompletedOn.After(asOf) {
			continue
		}
		if on != nil && !en.CompletedOn.After(*on) {
			continue
		}
		level = max(level, d.teaches(en.TrainingID, skill))
	}
	return level
}

// PlannedLevel is DESIGN.md's planned level of a skill of an employee: its
// level at asOf, raised by its enrolments in the plan at asOf (enrolled, or
// completed after asOf) whose session ends on or before 31 December of H.
func (d *Dataset) PlannedLevel(employee int64, skill int, asOf time.Time, horizon int) int {
	level := d.Level(employee, skill, asOf)
	end := time.Date(horizon, time.December, 31, 0, 0, 0, 0, time.UTC)
	for _, en := range d.Enrolments {
		inPlan := en.Status == "enrolled" || (en.Status == "completed" && en.CompletedOn.After(asOf))
		if en.EmployeeID != employee || !inPlan {
			continue
		}
		for _, s := range d.Sessions {
			if s.TrainingID == en.TrainingID && s.SessionID == en.SessionID && !s.End.After(end) {
				level = max(level, d.teaches(en.TrainingID, skill))
			}
		}
	}
	return level
}

// teaches is the level at which a training teaches a skill, 0 when it does not.
func (d *Dataset) teaches(training string, skill int) int {
	for _, ts := range d.TrainingSkills {
		if ts.TrainingID == training && ts.SkillID == skill {
			return ts.Level
		}
	}
	return 0
}

// Assessed is the level and date of the assessment that counts at asOf.
// The assessments are indexed once: a scan per call would make the tests
// crawl.
func (d *Dataset) Assessed(employee int64, skill int, asOf time.Time) (int, *time.Time) {
	if d.levels == nil {
		d.levels = map[[2]int64][]EmployeeSkill{}
		for _, es := range d.EmployeeSkills {
			k := [2]int64{es.EmployeeID, int64(es.SkillID)}
			d.levels[k] = append(d.levels[k], es)
		}
	}
	var latest *EmployeeSkill
	for i, es := range d.levels[[2]int64{employee, int64(skill)}] {
		if es.AssessedOn != nil && es.AssessedOn.After(asOf) {
			continue
		}
		if latest == nil || later(es.AssessedOn, latest.AssessedOn) {
			latest = &d.levels[[2]int64{employee, int64(skill)}][i]
		}
	}
	if latest == nil {
		return 0, nil
	}
	return latest.Level, latest.AssessedOn
}

// later tells whether date a is later than b, nil (undated) being the
// oldest.
func later(a, b *time.Time) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	return a.After(*b)
}

// DeclaredNeed is DESIGN.md's declared need of (site, role, H) at asOf: the
// headcount of the latest row of that key that is undated or declared on or
// before asOf; ok is false when there is none.
func (d *Dataset) DeclaredNeed(siret string, role, horizon int, asOf time.Time) (headcount int, ok bool) {
	var latest *Need
	for i, n := range d.Needs {
		if n.Siret != siret || n.RoleID != role || n.Horizon != horizon || (n.DeclaredOn != nil && n.DeclaredOn.After(asOf)) {
			continue
		}
		if latest == nil || later(n.DeclaredOn, latest.DeclaredOn) {
			latest = &d.Needs[i]
		}
	}
	if latest == nil {
		return 0, false
	}
	return latest.Headcount, true
}

// Normalize applies the engine's defaults to p (tests pass explicit values).
func Normalize(p analytics.Params) analytics.Params {
	if p.RetirementAge == 0 {
		p.RetirementAge = analytics.DefaultRetirementAge
	}
	return p
}

// RoleGaps is the role figures of a scope, by role code, without the roles
// whose figures are all zero.
func (d *Dataset) RoleGaps(s analytics.Scope, p analytics.Params) []analytics.RoleGap {
	p = Normalize(p)
	sites := d.ScopeSites(s, p.AsOf)
	var out []analytics.RoleGap
	for _, r := range d.Roles {
		g := analytics.RoleGap{RoleID: r.ID, RoleCode: r.Code, RoleTitle: r.Title}
		for _, e := range d.Employees {
			if sites[e.Siret] && e.RoleID == r.ID && active(e, p.AsOf) {
				g.Headcount++
				if stayer(e, p) {
					g.Stayers++
				}
			}
		}
		for siret := range sites {
			need, declared := d.DeclaredNeed(siret, r.ID, p.Horizon, p.AsOf)
			g.Target += need
			if !declared {
				for _, e := range d.Employees {
					if e.Siret == siret && e.RoleID == r.ID && active(e, p.AsOf) {
						g.Target++
					}
				}
			}
		}
		if p.IncludeProjects {
			g.Target += d.ProjectHeadcount(sites, s.PoleID, r.ID, p.Horizon)
		}
		g.Departures = g.Headcount - g.Stayers
		g.Gap = g.Target - g.Stayers
		if g.Headcount != 0 || g.Stayers != 0 || g.Departures != 0 || g.Target != 0 || g.Gap != 0 {
			out = append(out, g)
		}
	}
	SortRoles(out, analytics.RoleByCode)
	return out
}

// SkillGaps is the skill figures of a scope, by skill code, without the
// skills whose figures are all zero.
func (d *Dataset) SkillGaps(s analytics.Scope, p analytics.Params) []analytics.SkillGap {
	p = Normalize(p)
	sites := d.ScopeSites(s, p.AsOf)
	roles := map[int]analytics.RoleGap{}
	for _, g := range d.RoleGaps(s, p) {
		roles[g.RoleID] = g
	}
	var out []analytics.SkillGap
	for _, sk := range d.Skills {
		g := analytics.SkillGap{SkillID: sk.ID, SkillCode: sk.Code, SkillName: sk.Name}
		top, anyRole := 0, false
		for _, r := range d.Roles {
			l, ok := d.requires(r.ID, sk.ID, p)
			if !ok {
				continue
			}
			anyRole = true
			top = max(top, l)
			g.Required += roles[r.ID].Target
			if rg, in := roles[r.ID]; in && (rg.Headcount > 0 || rg.Target > 0) {
				g.LevelNeeded = max(g.LevelNeeded, l)
			}
		}
		for _, e := range d.Employees {
			if !sites[e.Siret] || !stayer(e, p) {
				continue
			}
			own := d.Level(e.ID, sk.ID, p.AsOf)
			if l, ok := d.requires(e.RoleID, sk.ID, p); ok {
				if own >= l {
					g.Qualified++
				}
				if p.WithPlan && d.PlannedLevel(e.ID, sk.ID, p.AsOf, p.Horizon) >= l {
					g.QualifiedWithPlan++
				}
				if own == l-1 {
					g.Upskillable++
				}
			} else if anyRole && own >= top {
				g.InternalPool++
			}
		}
		g.Gap = g.Required - g.Qualified
		if g.WithPlan = p.WithPlan; p.WithPlan {
			g.GapAfterPlan = g.Required - g.QualifiedWithPlan
			g.PlannedLearners = g.QualifiedWithPlan - g.Qualified
		}
		if g.Required != 0 {
			c := float64(g.Qualified) / float64(g.Required)
			g.Coverage = &c
		}
		if g.Required != 0 || g.Qualified != 0 || g.Upskillable != 0 || g.InternalPool != 0 || g.Gap != 0 {
			out = append(out, g)
		}
	}
	SortSkills(out, analytics.SkillByCode)
	return out
}

// anchors is T of a scope as territories (level, code).
func (d *Dataset) anchors(s analytics.Scope) [][2]string {
	if s.TerritoryLevel != "" {
		return [][2]string{{s.TerritoryLevel, s.TerritoryCode}}
	}
	if s.Siren == "" {
		for _, p := range d.Poles {
			if p.ID == s.PoleID {
				return [][2]string{{analytics.LevelRegion, p.Region}}
			}
		}
		return nil
	}
	var out [][2]string
	for _, site := range d.Sites {
		if site.Siren == s.Siren {
			_, dep, _ := d.place(site.TerritoryCode)
			out = append(out, [2]string{analytics.LevelDepartment, dep})
		}
	}
	return out
}

func (d *Dataset) regionOf(level, code string) string {
	switch level {
	case analytics.LevelRegion:
		return code
	case analytics.LevelDepartment:
		return d.parent(level, code)
	}
	return d.parent(analytics.LevelDepartment, d.parent(analytics.LevelCommune, code))
}

// TrainingsNear is every training teaching the skill at the level or above,
// ranked.
func (d *Dataset) TrainingsNear(r analytics.NearRequest) []analytics.TrainingMatch {
	anchors := d.anchors(r.Scope)
	var out []analytics.TrainingMatch
	for _, ts := range d.TrainingSkills {
		if ts.SkillID != r.SkillID || ts.Level < r.MinLevel {
			continue
		}
		for _, t := range d.Trainings {
			if t.ID != ts.TrainingID {
				continue
			}
			level, _, region := d.place(t.TerritoryCode)
			m := analytics.TrainingMatch{TrainingID: t.ID, Provider: t.Provider, Title: t.Title,
				TerritoryLevel: level, TerritoryCode: t.TerritoryCode, Modality: t.Modality,
				DurationHours: t.Duration, CostEUR: t.Cost, Level: ts.Level, Distance: analytics.DistanceElsewhere}
			if t.Modality == "remote" {
				m.Distance = analytics.DistanceInside
			}
			for _, a := range anchors {
				dist := analytics.DistanceElsewhere
				if d.inside(t.TerritoryCode, a[0], a[1]) {
					dist = analytics.DistanceInside
				} else if region == d.regionOf(a[0], a[1]) {
					dist = analytics.DistanceSameRegion
				}
				m.Distance = min(m.Distance, dist)
			}
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Distance != b.Distance {
			return a.Distance < b.Distance
		}
		if (a.DurationHours == nil) != (b.DurationHours == nil) {
			return b.DurationHours == nil
		}
		if a.DurationHours != nil && *a.DurationHours != *b.DurationHours {
			return *a.DurationHours < *b.DurationHours
		}
		return a.TrainingID < b.TrainingID
	})
	return out
}

// CriticalSkills is the pole scope's skill figures, in the critical order,
// each with the number of active members whose company-scope gap is positive.
func (d *Dataset) CriticalSkills(pole string, p analytics.Params) []analytics.CriticalSkill {
	p = Normalize(p)
	var out []analytics.CriticalSkill
	var companies [][]analytics.SkillGap
	for _, siren := range d.Members(pole, p.AsOf) {
		// Within the pole's strategy a member's figures count the pole's
		// projects only: the company within its pole (the same sites, as it
		// is an active member).
		companies = append(companies, d.SkillGaps(analytics.Scope{Siren: siren, PoleID: pole}, p))
	}
	for _, g := range d.SkillGaps(analytics.Scope{PoleID: pole}, p) {
		c := analytics.CriticalSkill{SkillGap: g}
		for _, gaps := range companies {
			for _, cg := range gaps {
				gap := cg.Gap
				if p.WithPlan {
					gap = cg.GapAfterPlan
				}
				if cg.SkillID == g.SkillID && gap > 0 {
					c.CompaniesWithGap++
				}
			}
		}
		out = append(out, c)
	}
	order := analytics.SkillByGap
	if p.WithPlan {
		order = analytics.SkillByGapAfterPlan
	}
	sort.SliceStable(out, func(i, j int) bool { return skillLess(out[i].SkillGap, out[j].SkillGap, order) })
	return out
}

// SharedTrainingOpportunities is the pole's (department, skill) pairs where
// at least k members with sites in the department have a positive gap over
// those sites, ranked, with all their trainings.
func (d *Dataset) SharedTrainingOpportunities(pole string, p analytics.Params, k int) []analytics.SharedTrainingOpportunity {
	p = Normalize(p)
	members := d.Members(pole, p.AsOf)
	departments := map[string]bool{}
	for _, site := range d.Sites {
		for _, m := range members {
			if site.Siren == m {
				_, dep, _ := d.place(site.TerritoryCode)
				departments[dep] = true
			}
		}
	}
	var out []analytics.SharedTrainingOpportunity
	for dep := range departments {
		var companies [][]analytics.SkillGap
		for _, m := range members {
			scope := analytics.Scope{Siren: m, PoleID: pole, TerritoryLevel: analytics.LevelDepartment, TerritoryCode: dep}
			if len(d.ScopeSites(scope, p.AsOf)) > 0 {
				companies = append(companies, d.SkillGaps(scope, p))
			}
		}
		for _, sk := range d.Skills {
			o := analytics.SharedTrainingOpportunity{DepartmentCode: dep, SkillID: sk.ID, SkillCode: sk.Code, SkillName: sk.Name, AsOf: p.AsOf}
			for _, gaps := range companies {
				for _, g := range gaps {
					if g.SkillID == sk.ID && g.Gap > 0 {
						o.Companies++
						o.Learners += g.Gap
						o.LevelNeeded = max(o.LevelNeeded, g.LevelNeeded)
					}
				}
			}
			if o.Companies >= k {
				items := d.TrainingsNear(o.Near())
				if items == nil {
					items = []analytics.TrainingMatch{} // as the engine answers
				}
				o.Trainings = analytics.TrainingPage{Total: len(items), Items: items}
				out = append(out, o)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Learners != b.Learners {
			return a.Learners > b.Learners
		}
		if a.Companies != b.Companies {
			return a.Companies > b.Companies
		}
		if a.DepartmentCode != b.DepartmentCode {
			return a.DepartmentCode < b.DepartmentCode
		}
		return a.SkillCode < b.SkillCode
	})
	return out
}

// Similarity returns Σ min and Σ max of the two roles' levels over the union
// of their required skills.
func (d *Dataset) Similarity(r1, r2 int, p analytics.Params) (sumMin, sumMax int) {
	for _, s := range d.Skills {
		l1, _ := d.requires(r1, s.ID, p)
		l2, _ := d.requires(r2, s.ID, p)
		sumMin += min(l1, l2)
		sumMax += max(l1, l2)
	}
	return sumMin, sumMax
}

// MobilityPaths is the pole's mobility paths, ranked.
func (d *Dataset) MobilityPaths(pole string, p analytics.Params) []analytics.MobilityPath {
	p = Normalize(p)
	type ratio struct{ num, den int }
	var out []analytics.MobilityPath
	var sims []ratio // sims[i] is out[i]'s similarity as an exact fraction
	members := d.Members(pole, p.AsOf)
	gaps := map[string][]analytics.RoleGap{}
	for _, m := range members {
		gaps[m] = d.RoleGaps(analytics.Scope{Siren: m, PoleID: pole}, p)
	}
	for _, a := range members {
		for _, ga := range gaps[a] {
			if ga.Gap >= 0 {
				continue
			}
			for _, b := range members {
				for _, gb := range gaps[b] {
					if gb.Gap <= 0 || gb.RoleID == ga.RoleID {
						continue
					}
					num, den := d.Similarity(ga.RoleID, gb.RoleID, p)
					if den == 0 || 2*num < den {
						continue
					}
					sims = append(sims, ratio{num, den})
					out = append(out, analytics.MobilityPath{FromSiren: a, FromRoleID: ga.RoleID, FromRoleCode: ga.RoleCode,
						ToSiren: b, ToRoleID: gb.RoleID, ToRoleCode: gb.RoleCode,
						Similarity: float64(num) / float64(den), Surplus: -ga.Gap, Need: gb.Gap, People: min(-ga.Gap, gb.Gap)})
				}
			}
		}
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(x, y int) bool {
		a, b := out[idx[x]], out[idx[y]]
		ra, rb := sims[idx[x]], sims[idx[y]]
		if ra.num*rb.den != rb.num*ra.den {
			return ra.num*rb.den > rb.num*ra.den
		}
		if a.People != b.People {
			return a.People > b.People
		}
		for _, c := range [][2]string{{a.FromSiren, b.FromSiren}, {a.FromRoleCode, b.FromRoleCode}, {a.ToSiren, b.ToSiren}, {a.ToRoleCode, b.ToRoleCode}} {
			if c[0] != c[1] {
				return c[0] < c[1]
			}
		}
		return false
	})
	sorted := make([]analytics.MobilityPath, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted
}

// Employment is the pole's employment indicators for year.
func (d *Dataset) Employment(pole string, year int) analytics.Employment {
	end := time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC)
	prev := time.Date(year-1, time.December, 31, 0, 0, 0, 0, time.UTC)
	em := analytics.Employment{Year: year}
	for _, siren := range d.Members(pole, end) {
		now, before := 0, 0
		for _, e := range d.Employees {
			if e.Siren != siren {
				continue
			}
			if active(e, end) {
				now++
			}
			if active(e, prev) {
				before++
			}
		}
		em.Companies++
		if now > before {
			em.Created++
		}
		if now >= before {
			em.Maintained++
		}
	}
	if em.Companies > 0 {
		c := float64(em.Created) / float64(em.Companies)
		m := float64(em.Maintained) / float64(em.Companies)
		em.CreatedShare, em.MaintainedShare = &c, &m
	}
	return em
}

// SortRoles sorts role figures in an order of the engine.
func SortRoles(gs []analytics.RoleGap, o analytics.RoleOrder) {
	sort.SliceStable(gs, func(i, j int) bool {
		a, b := gs[i], gs[j]
		var ka, kb int
		switch o {
		case analytics.RoleByGap, "":
			ka, kb = a.Gap, b.Gap
		case analytics.RoleByHeadcount:
			ka, kb = a.Headcount, b.Headcount
		case analytics.RoleByDepartures:
			ka, kb = a.Departures, b.Departures
		}
		if ka != kb {
			return ka > kb
		}
		return a.RoleCode < b.RoleCode
	})
}

// coverageCmp compares coverages exactly (cross products), null last.
func coverageCmp(a, b analytics.SkillGap) int {
	switch {
	case a.Required == 0 && b.Required == 0:
		return 0
	case a.Required == 0:
		return 1
	case b.Required == 0:
		return -1
	}
	x, y := a.Qualified*b.Required, b.Qualified*a.Required
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func skillLess(a, b analytics.SkillGap, o analytics.SkillOrder) bool {
	switch o {
	case analytics.SkillByGap, "":
		if a.Gap != b.Gap {
			return a.Gap > b.Gap
		}
		if c := coverageCmp(a, b); c != 0 {
			return c < 0
		}
	case analytics.SkillByCoverage:
		if c := coverageCmp(a, b); c != 0 {
			return c < 0
		}
		if a.Gap != b.Gap {
			return a.Gap > b.Gap
		}
	case analytics.SkillByRequired:
		if a.Required != b.Required {
			return a.Required > b.Required
		}
	case analytics.SkillByGapAfterPlan:
		if a.GapAfterPlan != b.GapAfterPlan {
			return a.GapAfterPlan > b.GapAfterPlan
		}
		pa, pb := a, b
		pa.Qualified, pb.Qualified = a.QualifiedWithPlan, b.QualifiedWithPlan
		if c := coverageCmp(pa, pb); c != 0 {
			return c < 0
		}
	}
	return strings.Compare(a.SkillCode, b.SkillCode) < 0
}

// SortSkills sorts skill figures in an order of the engine.
func SortSkills(gs []analytics.SkillGap, o analytics.SkillOrder) {
	sort.SliceStable(gs, func(i, j int) bool { return skillLess(gs[i], gs[j], o) })
}

// ProjectHeadcount is the sum of the headcounts of the project needs of
// role at year at the given sites, of pole's projects ("" : any pole's).
func (d *Dataset) ProjectHeadcount(sites map[string]bool, pole string, role, year int) int {
	n := 0
	for _, pn := range d.ProjectNeeds {
		if !sites[pn.Siret] || pn.RoleID != role || pn.Year != year {
			continue
		}
		for _, pr := range d.Projects {
			if pr.ID == pn.ProjectID && (pole == "" || pr.PoleID == pole) {
				n += pn.Headcount
			}
		}
	}
	return n
}
