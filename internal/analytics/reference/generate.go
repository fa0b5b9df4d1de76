package reference

import (
	"fmt"
	"github.com/gpec-project/gpec/internal/ident"
	"math/rand"
	"time"
)

// Size says how big a generated dataset is.
type Size struct {
	Companies        int
	MaxSitesPerCo    int
	MaxEmployeesSite int
	Roles, Skills    int
	Trainings        int
}

// Small is the size of the property tests' datasets.
var Small = Size{Companies: 7, MaxSitesPerCo: 3, MaxEmployeesSite: 12, Roles: 6, Skills: 9, Trainings: 10}

// GenAsOf is the reference date the generator draws dates around.
var GenAsOf = time.Date(2026, time.June, 30, 0, 0, 0, 0, time.UTC)

// GenTerritories is the territory tree of generated datasets: three regions,
// two departments each, some communes. Region 11 (Île-de-France) and
// department 11 (Aude, in region 76) share a code on purpose.
var GenTerritories = []Territory{
	{"region", "84", "Auvergne-Rhône-Alpes", ""},
	{"region", "11", "Île-de-France", ""},
	{"region", "76", "Occitanie", ""},
	{"department", "01", "Ain", "84"},
	{"department", "69", "Rhône", "84"},
	{"department", "75", "Paris", "11"},
	{"department", "92", "Hauts-de-Seine", "11"},
	{"department", "11", "Aude", "76"},
	{"department", "34", "Hérault", "76"},
	{"commune", "01053", "Bourg-en-Bresse", "01"},
	{"commune", "69123", "Lyon", "69"},
	{"commune", "69266", "Villeurbanne", "69"},
	{"commune", "75056", "Paris", "75"},
	{"commune", "92050", "Nanterre", "92"},
	{"commune", "11069", "Carcassonne", "11"},
	{"commune", "34172", "Montpellier", "34"},
}

// places where sites and trainings lie: every department and commune.
func places() []string {
	var out []string
	for _, t := range GenTerritories {
		if t.Level != "region" {
			out = append(out, t.Code)
		}
	}
	return out
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.Intn(10))
	}
	return string(b)
}

// Generate draws a random dataset around GenAsOf: memberships starting and
// ending around it, birth years around the retirement boundary of horizons
// 2026–2031 with ages 62 and 64, entries and exits around it, assessments
// with gaps, needs at several horizons, trainings everywhere.
func Generate(seed int64, size Size) *Dataset {
	r := rand.New(rand.NewSource(seed))
	d := &Dataset{Territories: GenTerritories}
	pl := places()
	day := func(offset int) time.Time { return GenAsOf.AddDate(0, 0, offset) }
	around := func() time.Time {
		// Half exactly on a boundary day (asOf, asOf±1, 31 Dec), half anywhere in ±3 years.
		switch r.Intn(6) {
		case 0:
			return GenAsOf
		case 1:
			return day(1)
		case 2:
			return day(-1)
		case 3:
			return time.Date(2025+r.Intn(2), time.December, 31-r.Intn(2), 0, 0, 0, 0, time.UTC)
		}
		return day(r.Intn(6*365) - 3*365)
	}

	d.Poles = []Pole{
		{ID: "aero-84", Name: "Aéro Rhône-Alpes", Kind: "competitiveness_pole", Region: "84"},
		{ID: "tech-11", Name: "Tech Île-de-France", Kind: "cluster", Region: "11"},
		{ID: "empty-76", Name: "Sans membres", Kind: "cluster", Region: "76"},
	}
	for i := 0; i < size.Companies; i++ {
		siren := ident.CompleteLuhn(fmt.Sprintf("%d", 1+r.Intn(9)) + digits(r, 7))
		if siren == "356000000" {
			siren = ident.CompleteLuhn("12345678")
		}
		d.Companies = append(d.Companies, Company{Siren: siren, Name: fmt.Sprintf("Company %d", i)})
		nSites := 1 + r.Intn(size.MaxSitesPerCo)
		for j := 0; j < nSites; j++ {
			siret := ident.CompleteLuhn(siren + fmt.Sprintf("%04d", j+1))
			d.Sites = append(d.Sites, Site{Siret: siret, Siren: siren, TerritoryCode: pl[r.Intn(len(pl))]})
		}
		for _, p := range d.Poles[:2] {
			if r.Intn(4) == 0 {
				continue
			}
			since := around()
			m := Membership{PoleID: p.ID, Siren: siren, Since: since}
			if r.Intn(2) == 0 {
				until := around()
				if !until.After(since) {
					until = since.AddDate(0, 0, 1+r.Intn(3))
				}
				m.Until = &until
				if r.Intn(2) == 0 {
					// A second membership of the same pole, later or overlapping.
					d.Memberships = append(d.Memberships, Membership{PoleID: p.ID, Siren: siren, Since: until.AddDate(0, 0, -r.Intn(3)-1+r.Intn(5))})
				}
			}
			d.Memberships = append(d.Memberships, m)
		}
	}
	// Memberships' (pole, siren, since) must be unique.
	seenM := map[string]bool{}
	ms := d.Memberships[:0]
	for _, m := range d.Memberships {
		k := m.PoleID + m.Siren + m.Since.Format("2006-01-02")
		if !seenM[k] {
			seenM[k] = true
			ms = append(ms, m)
		}
	}
	d.Memberships = ms

	for i := 1; i <= size.Roles; i++ {
		d.Roles = append(d.Roles, Role{ID: i, Code: fmt.Sprintf("R%02d", 100-i), Title: fmt.Sprintf("Role %d", i)})
	}
	kinds := []string{"know_how", "knowledge", "soft"}
	for i := 1; i <= size.Skills; i++ {
		d.Skills = append(d.Skills, Skill{ID: i, Code: fmt.Sprintf("S%02d", (i*7)%97), Name: fmt.Sprintf("Skill %d", i), Kind: kinds[i%3]})
	}
	for i, role := range d.Roles {
		if i%2 == 1 {
			// Every second role is a near copy of the previous one, so that
			// mobility paths (similarity >= 0.5) exist.
			for _, rs := range d.RoleSkills {
				if rs.RoleID != d.Roles[i-1].ID || r.Intn(5) == 0 {
					continue
				}
				rs.RoleID = role.ID
				rs.Level = min(4, max(1, rs.Level+r.Intn(3)-1))
				rs.Essential = rs.Essential != (r.Intn(5) == 0)
				d.RoleSkills = append(d.RoleSkills, rs)
			}
			continue
		}
		for _, s := range d.Skills {
			if r.Intn(5) < 2 {
				d.RoleSkills = append(d.RoleSkills, RoleSkill{RoleID: role.ID, SkillID: s.ID, Level: 1 + r.Intn(4), Essential: r.Intn(3) > 0})
			}
		}
	}
	roleLinks := map[int]map[int]bool{}
	for _, rs := range d.RoleSkills {
		if roleLinks[rs.RoleID] == nil {
			roleLinks[rs.RoleID] = map[int]bool{}
		}
		roleLinks[rs.RoleID][rs.SkillID] = true
	}

	var id int64
	for _, site := range d.Sites {
		n := r.Intn(size.MaxEmployeesSite + 1)
		for j := 0; j < n; j++ {
			id++
			role := d.Roles[r.Intn(len(d.Roles))].ID
			birth := 1958 + r.Intn(15) // the boundary of 2026–2031 with ages 62 and 64
			if r.Intn(3) == 0 {
				birth = 1970 + r.Intn(33)
			}
			entry := around()
			e := Employee{ID: id, Siren: site.Siren, Ref: fmt.Sprintf("E%d", id), Siret: site.Siret,
				RoleID: role, BirthYear: birth, Entry: entry}
			if r.Intn(5) < 2 {
				exit := around()
				if exit.Before(entry) {
					exit = entry.AddDate(0, 0, r.Intn(2))
				}
				e.Exit = &exit
			}
			d.Employees = append(d.Employees, e)
			for _, s := range d.Skills {
				missing := 4
				if roleLinks[role][s.ID] {
					missing = 1
				}
				if r.Intn(6) < missing {
					continue
				}
				es := EmployeeSkill{EmployeeID: id, SkillID: s.ID, Level: r.Intn(5)}
				if r.Intn(3) == 0 {
					// Dated only: before asOf, on it, or after it (level 0 until then).
					on := around()
					es.AssessedOn = &on
				}
				d.EmployeeSkills = append(d.EmployeeSkills, es)
			}
		}
	}
	// Histories: later assessments of some pairs, higher or lower, some on
	// the boundary days, some after every asOf tried.
	seenA := map[string]bool{}
	for _, es := range d.EmployeeSkills {
		if es.AssessedOn != nil {
			seenA[fmt.Sprint(es.EmployeeID, es.SkillID, es.AssessedOn.Format("2006-01-02"))] = true
		}
	}
	for i, n := 0, len(d.EmployeeSkills); i < n; i++ {
		es := d.EmployeeSkills[i]
		for k := r.Intn(4) - 1; k > 0; k-- {
			on := around()
			h := EmployeeSkill{EmployeeID: es.EmployeeID, SkillID: es.SkillID, Level: r.Intn(5), AssessedOn: &on}
			if key := fmt.Sprint(h.EmployeeID, h.SkillID, on.Format("2006-01-02")); !seenA[key] {
				seenA[key] = true
				d.EmployeeSkills = append(d.EmployeeSkills, h)
			}
		}
	}
	horizons := []int{2026, 2028, 2029, 2031}
	seenN := map[string]bool{}
	for _, site := range d.Sites {
		// Needs below the present headcount, for surpluses.
		present := map[int]bool{}
		for _, e := range d.Employees {
			if e.Siret == site.Siret && !present[e.RoleID] && r.Intn(2) == 0 {
				present[e.RoleID] = true
				n := Need{Siret: site.Siret, RoleID: e.RoleID, Horizon: horizons[r.Intn(len(horizons))], Headcount: r.Intn(2)}
				seenN[fmt.Sprint(n.Siret, n.RoleID, n.Horizon)] = true
				d.Needs = append(d.Needs, n)
			}
		}
		for k := r.Intn(6); k > 0; k-- {
			n := Need{Siret: site.Siret, RoleID: d.Roles[r.Intn(len(d.Roles))].ID, Horizon: horizons[r.Intn(len(horizons))], Headcount: r.Intn(9)}
			key := fmt.Sprint(n.Siret, n.RoleID, n.Horizon)
			if !seenN[key] {
				seenN[key] = true
				d.Needs = append(d.Needs, n)
			}
		}
	}
	// Needs declared again at dates around asOf (lower, 0, or higher), and
	// needs that are dated only; a dated need's horizon is not before the
	// year of its date.
	seenD := map[string]bool{}
	for i, n := 0, len(d.Needs); i < n; i++ {
		base := d.Needs[i]
		if r.Intn(3) == 0 {
			on := around()
			if on.Year() > base.Horizon {
				continue
			}
			key := fmt.Sprint(base.Siret, base.RoleID, base.Horizon, on.Format("2006-01-02"))
			if seenD[key] {
				continue
			}
			seenD[key] = true
			x := Need{Siret: base.Siret, RoleID: base.RoleID, Horizon: base.Horizon, Headcount: r.Intn(7), DeclaredOn: &on}
			if r.Intn(2) == 0 {
				// The only row of its key: the undated one goes.
				d.Needs[i].Headcount = -1
			}
			d.Needs = append(d.Needs, x)
		}
	}
	kept := d.Needs[:0]
	for _, n := range d.Needs {
		if n.Headcount >= 0 {
			kept = append(kept, n)
		}
	}
	d.Needs = kept
	modalities := []string{"onsite", "onsite", "remote", "blended"}
	durations := []float64{14, 21, 35, 35, 70}
	for i := 0; i < size.Trainings; i++ {
		t := Training{ID: fmt.Sprintf("T%03d", (i*37)%1000), Provider: fmt.Sprintf("Provider %d", i%3), Title: fmt.Sprintf("Training %d", i),
			TerritoryCode: pl[r.Intn(len(pl))], Modality: modalities[r.Intn(len(modalities))]}
		if r.Intn(5) > 0 {
			dur := durations[r.Intn(len(durations))]
			t.Duration = &dur
		}
		if r.Intn(2) == 0 {
			cost := float64(100 * (1 + r.Intn(30)))
			t.Cost = &cost
		}
		d.Trainings = append(d.Trainings, t)
		for _, s := range d.Skills {
			if r.Intn(3) == 0 {
				d.TrainingSkills = append(d.TrainingSkills, TrainingSkill{TrainingID: t.ID, SkillID: s.ID, Level: 1 + r.Intn(4)})
			}
		}
	}
	d.generateProjects(r)
	d.genSessions(r, around, pl)
	return d
}

// generateProjects draws projects in every pole (the memberless one's
// without partners): partners among companies with a membership row in the
// pole whatever its dates (so some are not members at asOf, and some
// companies are partners in both poles), needs at the partners' sites in
// years within the project's, around the tests' horizons.
func (d *Dataset) generateProjects(r *rand.Rand) {
	for pi, pole := range d.Poles {
		var candidates []string
		seen := map[string]bool{}
		for _, m := range d.Memberships {
			if m.PoleID == pole.ID && !seen[m.Siren] {
				seen[m.Siren] = true
				candidates = append(candidates, m.Siren)
			}
		}
		for k := 0; k < 1+r.Intn(3); k++ {
			start := 2024 + r.Intn(6)
			pr := Project{ID: fmt.Sprintf("PRJ-%d-%d", pi, k), PoleID: pole.ID, Title: fmt.Sprintf("Project %d of %s", k, pole.ID),
				StartYear: start, EndYear: start + r.Intn(5)}
			if r.Intn(2) == 0 {
				pr.Funding = "FUI"
			}
			d.Projects = append(d.Projects, pr)
			var partners []string
			for i, c := range candidates {
				if r.Intn(2) == 0 || (i == 0 && k == 0) {
					role := "partner"
					if len(partners) == 0 {
						role = "leader"
					}
					partners = append(partners, c)
					d.Partners = append(d.Partners, ProjectPartner{ProjectID: pr.ID, Siren: c, Role: role})
				}
			}
			seenN := map[string]bool{}
			for _, siren := range partners {
				for _, site := range d.Sites {
					if site.Siren != siren || r.Intn(3) == 0 {
						continue
					}
					for j := r.Intn(4); j > 0; j-- {
						n := ProjectNeed{ProjectID: pr.ID, Siret: site.Siret, RoleID: d.Roles[r.Intn(len(d.Roles))].ID,
							Year: pr.StartYear + r.Intn(pr.EndYear-pr.StartYear+1), Headcount: r.Intn(6)}
						if key := fmt.Sprint(n.Siret, n.RoleID, n.Year); !seenN[key] {
							seenN[key] = true
							d.ProjectNeeds = append(d.ProjectNeeds, n)
						}
					}
				}
			}
		}
	}
}

// genSessions adds sessions to every training (starting around asOf, some
// ending after the horizons tried, some in another place than their
// training's) and enrolments of random employees: enrolled, cancelled, or
// completed before, on or after asOf, some on the day of one of the
// employee's assessments. Seats are never overbooked.
func (d *Dataset) genSessions(r *rand.Rand, around func() time.Time, pl []string) {
	if len(d.Employees) == 0 {
		return
	}
	assessedOn := map[int64][]time.Time{}
	for _, es := range d.EmployeeSkills {
		if es.AssessedOn != nil {
			assessedOn[es.EmployeeID] = append(assessedOn[es.EmployeeID], *es.AssessedOn)
		}
	}
	for _, t := range d.Trainings {
		for k := 1 + r.Intn(3); k > 0; k-- {
			start := around()
			s := TrainingSession{TrainingID: t.ID, SessionID: fmt.Sprintf("S%d", k), Start: start,
				End: start.AddDate(0, 0, r.Intn(3)*r.Intn(400))}
			if r.Intn(3) == 0 {
				s.TerritoryCode = pl[r.Intn(len(pl))]
			}
			held := 0
			seen := map[int64]bool{}
			for n := r.Intn(8); n > 0; n-- {
				e := d.Employees[r.Intn(len(d.Employees))]
				if seen[e.ID] {
					continue
				}
				seen[e.ID] = true
				en := Enrolment{TrainingID: t.ID, SessionID: s.SessionID, EmployeeID: e.ID, Status: "enrolled"}
				switch r.Intn(4) {
				case 0:
					en.Status = "cancelled"
				case 1, 2:
					en.Status = "completed"
					on := s.End.AddDate(0, 0, r.Intn(30))
					if ds := assessedOn[e.ID]; len(ds) > 0 && r.Intn(2) == 0 {
						// The day of one of its assessments: that completion does not count for it.
						on = ds[r.Intn(len(ds))]
						if on.Before(s.Start) {
							s.Start = on
						}
					}
					en.CompletedOn = &on
				}
				if en.Status != "cancelled" {
					held++
				}
				d.Enrolments = append(d.Enrolments, en)
			}
			if r.Intn(2) == 0 {
				seats := max(1, held+r.Intn(2))
				s.Seats = &seats
			}
			d.Sessions = append(d.Sessions, s)
		}
	}
}
