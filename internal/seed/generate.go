package seed

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/ident"
)

// Kinds lists the files Generate writes, in an import order where every
// file only names codes of the files before it or of refdata.
var Kinds = []string{"companies", "sites", "memberships", "campaigns", "employees", "employee_skills", "needs", "trainings", "training_skills",
	"training_sessions", "enrolments", "projects", "project_partners", "project_needs"}

// CampaignYears are the years of each pole's three yearly campaigns (window
// 1 March – 30 April, reference date 30 April, horizons Y+1, Y+3, Y+5).
var CampaignYears = []int{2023, 2024, 2025}

// Horizons are the years at which companies declare needs.
var Horizons = []int{2027, 2029, 2031}

// RefYear is the year of the fixed reference date, 2026-01-01, that the
// generator treats as "now": entries and exits are before it.
const RefYear = 2026

// RetirementAge is the age at which the generator retires people (the
// analytics' default, DESIGN.md).
const RetirementAge = 64

var nowDay = dayOf(RefYear, 1, 1)

// FileStat describes one written file.
type FileStat struct {
	Kind  string
	Path  string
	Rows  int64 // data rows, header excluded
	Bytes int64
}

// Summary describes a generated dataset.
type Summary struct {
	Scale Scale
	Seed  int64
	Files []FileStat // in Kinds order
}

// Generate writes a synthetic dataset of the given scale into dir (created
// if needed), one <kind>.csv per entry of Kinds. progress, when not nil,
// receives a line now and then.
func Generate(ctx context.Context, dir string, scale Scale, seed int64, progress func(string)) (*Summary, error) {
	sz, ok := scaleSizes[scale]
	if !ok {
		return nil, fmt.Errorf("seed: unknown scale %q", scale)
	}
	if progress == nil {
		progress = func(string) {}
	}
	ref, err := loadReference()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	g := &generator{ref: ref, sz: sz, seed: uint64(seed), dir: dir, files: map[string]*csvFile{}}
	defer g.closeAll()
	for _, k := range Kinds {
		if g.files[k], err = createCSV(dir, k, headers[k]...); err != nil {
			return nil, err
		}
	}
	g.featured = make([]bool, len(ref.poles))
	g.featured[ref.poleByID["aerospace-valley"]] = true
	for _, f := range sz.featured {
		g.featured[ref.poleByID[f.id]] = true
	}
	g.planCompanies()
	for _, p := range ref.poles {
		for _, y := range CampaignYears {
			g.files["campaigns"].write(p.id, strconv.Itoa(y), fmt.Sprintf("Enquête besoins %d — %s", y, p.name),
				fmt.Sprintf("%d-03-01", y), fmt.Sprintf("%d-04-30", y), "", "")
		}
	}
	progress(fmt.Sprintf("companies: %d, sites: %d", len(g.companies), g.files["sites"].rows))
	g.roleHeadcount = make([][]int, len(ref.regions))
	for r := range g.roleHeadcount {
		g.roleHeadcount[r] = make([]int, len(ref.roles))
	}
	g.trends = make([]float64, len(ref.roles))
	trend := g.rand(streamTrends)
	for i := range g.trends {
		switch u := trend.Float64(); {
		case u < 0.35: // growing roles
			g.trends[i] = 0.03 + 0.05*trend.Float64()
		case u < 0.6: // declining roles: surpluses, hence mobility paths
			g.trends[i] = -0.03 - 0.07*trend.Float64()
		default:
			g.trends[i] = 0.02*trend.Float64() - 0.01
		}
	}
	for _, m := range mobilityTrends {
		g.trends[ref.roleIndex[m.code]] = m.trend
	}
	step := max(1, len(g.companies)/10)
	for i := range g.companies {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g.employCompany(i)
		if (i+1)%step == 0 {
			progress(fmt.Sprintf("employees: %d companies, %d employees, %d skill assessments",
				i+1, g.files["employees"].rows, g.files["employee_skills"].rows))
		}
	}
	g.writeTrainings()
	progress(fmt.Sprintf("trainings: %d", g.files["trainings"].rows))
	g.writeSessions()
	progress(fmt.Sprintf("sessions: %d, enrolments: %d", g.files["training_sessions"].rows, g.files["enrolments"].rows))
	g.writeProjects()
	progress(fmt.Sprintf("projects: %d", g.files["projects"].rows))

	sum := &Summary{Scale: scale, Seed: seed}
	for _, k := range Kinds {
		st, err := g.files[k].close()
		if err != nil {
			return nil, err
		}
		sum.Files = append(sum.Files, st)
	}
	return sum, nil
}

var headers = map[string][]string{
	"companies":         {"siren", "name", "naf", "founded_year"},
	"sites":             {"siret", "siren", "name", "territory_code"},
	"memberships":       {"pole_id", "siren", "since", "until"},
	"employees":         {"siren", "employee_ref", "siret", "role_code", "birth_year", "entry_date", "exit_date"},
	"campaigns":         {"pole_id", "id", "title", "opens_on", "closes_on", "reference_date", "horizons"},
	"employee_skills":   {"siren", "employee_ref", "skill_code", "assessed_on", "level"},
	"needs":             {"siret", "role_code", "horizon_year", "declared_on", "headcount"},
	"trainings":         {"id", "provider", "title", "territory_code", "modality", "duration_hours", "cost_eur"},
	"training_skills":   {"training_id", "skill_code", "level"},
	"projects":          {"id", "pole_id", "title", "funding", "start_year", "end_year"},
	"project_partners":  {"project_id", "siren", "role"},
	"project_needs":     {"project_id", "siret", "role_code", "year", "headcount"},
	"training_sessions": {"training_id", "session_id", "start_date", "end_date", "territory_code", "seats"},
	"enrolments":        {"training_id", "session_id", "siren", "employee_ref", "status", "completed_on"},
}

// Random streams: one for the plan of companies, one per company (so that a
// company's employees do not depend on how many rows the others drew), and
// one each for role trends and trainings.
const (
	streamPlan      = 0
	streamTrends    = 1
	streamTrainings = 2
	streamCompany   = 1 << 32 // + company index
	streamHistory   = 2 << 32 // + company index: its answers to campaigns
	streamProjects  = 3
)

type generator struct {
	ref       *reference
	sz        sizes
	seed      uint64
	dir       string
	files     map[string]*csvFile
	companies []company
	// roleHeadcount[region][role]: active employees, which steers the
	// trainings towards the skills that the employed roles require.
	roleHeadcount [][]int
	trends        []float64 // yearly headcount trend per role
	featured      []bool    // per pole: Aerospace Valley and sz.featured
	sitesByRegion []int
	// Sessions and enrolments (sessions.go): the noted learners, the
	// trainings teaching each skill, each training's hours.
	learners      []learner
	teaching      map[int32][]taughtBy
	trainingHours []int
}

func (g *generator) rand(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, stream))
}

type company struct {
	siren, name, naf string
	founded          int
	poles            []int // the first is the main pole
	size             int
	weight           float64
	sites            []site
	aging            float64 // >1: an older workforce than average
	mainRoles        []int   // the roles of the active employees of its main site, first employed first
}

type site struct {
	siret  string
	dept   int
	weight float64
}

func (g *generator) closeAll() {
	for _, f := range g.files {
		f.close()
	}
}

// planCompanies draws the companies, their sites and memberships, and
// writes them; employees come later, company by company.
func (g *generator) planCompanies() {
	ref, sz := g.ref, g.sz
	rng := g.rand(streamPlan)
	aero := ref.poleByID["aerospace-valley"]

	mainPoles := make([]int, sz.companies)
	others := make([]int, 0, len(ref.poles)-1)
	for p := range ref.poles {
		if p != aero {
			others = append(others, p)
		}
	}
	fixed := make([]int, 0, sz.aeroMembers)
	for range sz.aeroMembers {
		fixed = append(fixed, aero)
	}
	for _, f := range sz.featured {
		for range f.members {
			fixed = append(fixed, ref.poleByID[f.id])
		}
	}
	for i := range mainPoles {
		if i < len(fixed) {
			mainPoles[i] = fixed[i]
		} else {
			mainPoles[i] = others[rng.IntN(len(others))]
		}
	}
	rng.Shuffle(len(mainPoles), func(i, j int) { mainPoles[i], mainPoles[j] = mainPoles[j], mainPoles[i] })

	used := map[string]bool{"356000000": true} // La Poste's SIREN follows other rules
	g.companies = make([]company, sz.companies)
	members := make([]int, len(ref.poles))
	var total float64
	for i := range g.companies {
		c := &g.companies[i]
		p := mainPoles[i]
		c.poles = []int{p}
		// A pole's first members cover its profile, then draws are weighted:
		// the demo pole shows every aerospace activity even at small scale.
		prof := profiles[profileOf(ref.poles[p].id)]
		if k := members[p]; k < len(prof) {
			c.naf = prof[k].code
		} else {
			c.naf = pickNAF(rng, prof)
		}
		members[p]++
		c.founded = foundedYear(rng)
		c.name = companyName(rng, c.naf[:2])
		for {
			c.siren = ident.CompleteLuhn(strconv.Itoa(30000000 + rng.IntN(70000000)))
			if !used[c.siren] {
				used[c.siren] = true
				break
			}
		}
		c.weight = math.Exp(1.1 * rng.NormFloat64())
		total += c.weight
		c.aging = math.Exp(0.3 * rng.NormFloat64())
		if p == aero {
			c.aging *= 1.35 // an ageing workforce: the demo's retirement story
		}
		if rng.Float64() < 0.18 { // a second pole, often one of the same region
			var q int
			if rng.Float64() < 0.5 {
				var same []int
				for o := range ref.poles {
					if o != p && ref.poles[o].region == ref.poles[p].region {
						same = append(same, o)
					}
				}
				if len(same) > 0 {
					q = same[rng.IntN(len(same))]
				} else {
					q = others[rng.IntN(len(others))]
				}
			} else {
				q = rng.IntN(len(ref.poles))
			}
			if q != p {
				c.poles = append(c.poles, q)
			}
		}
	}

	// Sizes: log-normal weights scaled to the exact total, at least 3 each.
	const minSize = 3
	spare := sz.employees - minSize*sz.companies
	assigned := 0
	for i := range g.companies {
		g.companies[i].size = minSize + int(float64(spare)*g.companies[i].weight/total)
		assigned += g.companies[i].size
	}
	for i := 0; assigned < sz.employees; i = (i + 1) % len(g.companies) {
		g.companies[i].size++
		assigned++
	}

	g.sitesByRegion = make([]int, len(ref.regions))
	fc, fs, fm := g.files["companies"], g.files["sites"], g.files["memberships"]
	for i := range g.companies {
		c := &g.companies[i]
		fc.write(c.siren, c.name, c.naf, strconv.Itoa(c.founded))
		g.placeSites(rng, c)
		base := strings.TrimSuffix(c.name, " (fictive)")
		for k, s := range c.sites {
			name := base + " – " + ref.depts[s.dept].name
			if k == 0 {
				name += " (siège)"
			}
			fs.write(s.siret, c.siren, name, ref.depts[s.dept].code)
			g.sitesByRegion[ref.depts[s.dept].region]++
		}
		g.writeMemberships(rng, fm, c)
	}
}

func profileOf(poleID string) string {
	if p, ok := poleProfiles[poleID]; ok {
		return p
	}
	return "generic"
}

func pickNAF(rng *rand.Rand, p []nafWeight) string {
	var total float64
	for _, n := range p {
		total += n.weight
	}
	x := rng.Float64() * total
	for _, n := range p {
		if x -= n.weight; x < 0 {
			return n.code
		}
	}
	return p[len(p)-1].code
}

func foundedYear(rng *rand.Rand) int {
	switch u := rng.Float64(); {
	case u < 0.3:
		return 1950 + rng.IntN(40)
	case u < 0.75:
		return 1990 + rng.IntN(20)
	default:
		return 2010 + rng.IntN(13)
	}
}

func inventedWord(rng *rand.Rand) string {
	return nameHeads[rng.IntN(len(nameHeads))] + nameMids[rng.IntN(len(nameMids))] + nameTails[rng.IntN(len(nameTails))]
}

func companyName(rng *rand.Rand, division string) string {
	words := divisionWords[division]
	if len(words) == 0 {
		words = []string{"Industries", "Services", "Groupe", "Solutions"}
	}
	w, root := words[rng.IntN(len(words))], inventedWord(rng)
	if rng.IntN(3) == 0 {
		return root + " " + w + " (fictive)"
	}
	return w + " " + root + " (fictive)"
}

// homeRegions: the regions of a company's poles, Aerospace Valley's two.
func (g *generator) homeRegions(c *company) []int {
	var out []int
	for _, p := range c.poles {
		out = append(out, g.ref.poles[p].region)
		for _, code := range extraHomeRegions[g.ref.poles[p].id] {
			out = append(out, g.ref.regionByID[code])
		}
	}
	return out
}

// placeSites puts the head office in a home region of the main pole and
// further sites mostly in home regions, then in neighbouring regions, then
// anywhere.
func (g *generator) placeSites(rng *rand.Rand, c *company) {
	ref := g.ref
	n := 1 + int(math.Log2(1+float64(c.size)/40))
	if rng.Float64() < 0.25 {
		n++
	}
	n = max(1, min(n, c.size/5, 15))
	homes := g.homeRegions(c)
	mainHomes := 1 + len(extraHomeRegions[ref.poles[c.poles[0]].id])
	hq := homes[0]
	if mainHomes > 1 && rng.Float64() < 0.35 {
		hq = homes[1+rng.IntN(mainHomes-1)]
	}
	nic := 1 + rng.IntN(3)
	for k := range n {
		r := hq
		if k > 0 {
			switch u := rng.Float64(); {
			case u < 0.6:
				r = homes[rng.IntN(len(homes))]
			case u < 0.85 && len(neighbours[ref.regions[hq].code]) > 0:
				nb := neighbours[ref.regions[hq].code]
				r = ref.regionByID[nb[rng.IntN(len(nb))]]
			default:
				r = g.weightedRegion(rng)
			}
		}
		w := 0.5 + rng.Float64()
		if k == 0 {
			w = 2.5
		}
		c.sites = append(c.sites, site{
			siret:  ident.CompleteLuhn(fmt.Sprintf("%s%04d", c.siren, nic)),
			dept:   g.weightedDept(rng, r),
			weight: w,
		})
		nic += 1 + rng.IntN(3)
	}
}

func (g *generator) weightedRegion(rng *rand.Rand) int {
	var total float64
	for _, r := range g.ref.regions {
		total += r.weight
	}
	x := rng.Float64() * total
	for i, r := range g.ref.regions {
		if x -= r.weight; x < 0 {
			return i
		}
	}
	return len(g.ref.regions) - 1
}

func (g *generator) weightedDept(rng *rand.Rand, region int) int {
	r := g.ref.regions[region]
	x := rng.Float64() * r.weight
	for _, d := range r.depts {
		if x -= g.ref.depts[d].weight; x < 0 {
			return d
		}
	}
	return r.depts[len(r.depts)-1]
}

// writeMemberships: the main membership is active; a few companies left
// their main pole once and came back; a second pole is often left.
func (g *generator) writeMemberships(rng *rand.Rand, f *csvFile, c *company) {
	first := max(2006, c.founded+1) // the poles were labelled from 2005
	for k, p := range c.poles {
		since := dayOf(first+rng.IntN(max(1, RefYear-first)), 1, 1) + rng.IntN(365)
		since = min(since, nowDay-1)
		until := -1
		if k == 0 && rng.Float64() < 0.05 && since-dayOf(first, 1, 1) > 3*365 {
			// An earlier, ended membership of the same pole.
			s0 := dayOf(first, 1, 1) + rng.IntN(since-dayOf(first, 1, 1)-2*365)
			u0 := s0 + 365 + rng.IntN(since-s0-365)
			f.write(g.ref.poles[p].id, c.siren, formatDay(s0), formatDay(u0))
		}
		if k > 0 && rng.Float64() < 0.35 && nowDay-since > 400 {
			until = since + 365 + rng.IntN(nowDay-since-365)
		}
		u := ""
		if until > 0 {
			u = formatDay(until)
		}
		f.write(g.ref.poles[p].id, c.siren, formatDay(since), u)
	}
}

// ageBuckets: the age pyramid of an industrial workforce at the reference
// date; the weights of the older buckets are multiplied by a company's
// ageing factor.
var ageBuckets = []struct {
	lo, hi int
	weight float64
	aging  bool
}{
	{18, 24, 7, false}, {25, 29, 10, false}, {30, 34, 12, false}, {35, 39, 13, false}, {40, 44, 13, false},
	{45, 49, 12, false}, {50, 54, 11, false}, {55, 59, 11, true}, {60, 63, 7, true}, {64, 66, 2, true},
}

// employCompany draws a company's employees, their skills and the needs
// the company declares, and writes them.
func (g *generator) employCompany(ci int) {
	ref, c := g.ref, &g.companies[ci]
	rng := g.rand(streamCompany + uint64(ci))
	fe, fs := g.files["employees"], g.files["employee_skills"]

	roles := g.pickRoles(rng, c)
	roleCum := make([]float64, len(roles))
	for k := range roles {
		roleCum[k] = 1 / math.Pow(float64(k+1), 0.9)
		if k > 0 {
			roleCum[k] += roleCum[k-1]
		}
	}
	siteCum := make([]float64, len(c.sites))
	for k, s := range c.sites {
		siteCum[k] = s.weight
		if k > 0 {
			siteCum[k] += siteCum[k-1]
		}
	}
	ageCum := make([]float64, len(ageBuckets))
	for k, b := range ageBuckets {
		ageCum[k] = b.weight
		if b.aging {
			ageCum[k] *= c.aging
		}
		if k > 0 {
			ageCum[k] += ageCum[k-1]
		}
	}
	active := make([][]int, len(c.sites)) // [site][role slot]
	for k := range active {
		active[k] = make([]int, len(roles))
	}
	foundedDay := dayOf(c.founded, 1, 1)
	rec := make([]string, 5)
	var extras []int32
	// The company's answers to its poles' campaigns, from a stream of its
	// own so that the draws of the present dataset do not depend on them.
	hist := g.rand(streamHistory + uint64(ci))
	learn := g.rand(streamLearners + uint64(ci))
	answers := make([]bool, len(CampaignYears))
	for k := range answers {
		answers[k] = hist.Float64() < 0.5+0.3*b2f(g.featured[c.poles[0]])
	}
	// inWindow draws a day of campaign k's window.
	inWindow := func(k int) string {
		return formatDay(dayOf(CampaignYears[k], 3, 1) + hist.IntN(61))
	}
	// improved writes the history of an assessment whose level rose after a
	// training: the old level, undated (what was known from the start), and
	// the present one dated on the day it was assessed again — within the
	// window of a campaign the company answered when there is one.
	improved := func(level int) bool {
		if level == 0 || hist.Float64() >= 0.22 {
			return false
		}
		rec[3], rec[4] = "", levels[level-1]
		fs.writeRecord(rec)
		day := ""
		for k := len(CampaignYears) - 1; k >= 1 && day == ""; k-- {
			if answers[k] && hist.Float64() < 0.7 {
				day = inWindow(k)
			}
		}
		if day == "" {
			// Between the windows of the last two campaigns: not an answer.
			day = formatDay(dayOf(CampaignYears[1], 5, 15) + hist.IntN(280))
		}
		rec[3], rec[4] = day, levels[level]
		fs.writeRecord(rec)
		return true
	}

	for j := range c.size {
		ref0 := employeeRef(j + 1)
		slot := pick(rng, roleCum)
		st := pick(rng, siteCum)
		b := ageBuckets[pick(rng, ageCum)]
		age := b.lo + rng.IntN(b.hi-b.lo+1)
		birth := RefYear - age

		// Tenure: longer for older people, bounded by working age and the
		// company's age.
		maxT := min(float64(age-18)+rng.Float64(), float64(nowDay-foundedDay)/365.25)
		maxT = max(maxT, 0.05)
		tenure := rng.ExpFloat64() * (3 + 0.3*float64(age-18))
		if tenure > maxT {
			tenure = rng.Float64() * maxT
		}
		entry := nowDay - 1 - int(tenure*365.25)
		entry = max(entry, foundedDay)

		exit := -1
		if birth+RetirementAge < RefYear && rng.Float64() < 0.85 {
			exit = dayOf(birth+RetirementAge, 1, 1) + rng.IntN(365) // retired
		} else if rng.Float64() < 0.06 && nowDay-entry > 60 {
			exit = entry + 30 + rng.IntN(nowDay-entry-31) // left
		}
		if exit <= entry || exit >= nowDay {
			exit = -1
		}
		exitS := ""
		if exit >= 0 {
			exitS = formatDay(exit)
		}
		r := &ref.roles[roles[slot]]
		fe.write(c.siren, ref0, c.sites[st].siret, r.code, strconv.Itoa(birth), formatDay(entry), exitS)
		if exit >= 0 {
			continue // no assessments are kept for people who left
		}
		if st == 0 && active[st][slot] == 0 {
			c.mainRoles = append(c.mainRoles, roles[slot])
		}
		active[st][slot]++
		g.roleHeadcount[ref.depts[c.sites[st].dept].region][roles[slot]]++

		rec[0], rec[1] = c.siren, ref0
		longStanding := entry < dayOf(CampaignYears[0], 1, 1)
		for _, l := range r.essential {
			lv := drawLevel(rng, l.level, tenure)
			g.noteLearner(learn, c, ref0, ref.depts[c.sites[st].dept].region, l, lv)
			if lv > 0 {
				rec[2] = ref.skills[l.skill].code
				if !longStanding || !improved(lv) {
					rec[3], rec[4] = "", levels[lv]
					fs.writeRecord(rec)
				}
			}
		}
		// A few skills of other roles: the internal pool of the analytics.
		extras = extras[:0]
		n := pick(rng, extraCountCum)
		for range n {
			other := roles[rng.IntN(len(roles))]
			if len(roles) == 1 || other == roles[slot] {
				div := ref.divisions[c.naf[:2]]
				other = div[rng.IntN(len(div))]
			}
			ol := ref.roles[other].essential
			s := ol[rng.IntN(len(ol))].skill
			if slices.ContainsFunc(r.essential, func(l link) bool { return l.skill == s }) || slices.Contains(extras, s) {
				continue
			}
			extras = append(extras, s)
			rec[2], rec[3], rec[4] = ref.skills[s].code, "", levels[2+pick(rng, extraLevelCum)]
			fs.writeRecord(rec)
		}
	}

	// Needs: most companies declare, for most of their (site, role) pairs,
	// a target that follows the role's trend with some noise; a few plan a
	// role they do not employ yet.
	declares := 0.65
	if g.featured[c.poles[0]] {
		declares = 0.9
	}
	if rng.Float64() >= declares {
		return
	}
	for st := range c.sites {
		for slot, h := range active[st] {
			if h == 0 || rng.Float64() < 0.15 {
				continue
			}
			t := g.trends[roles[slot]] + 0.03*rng.NormFloat64()
			for _, y := range Horizons {
				v := int(math.Round(float64(h) * math.Pow(1+t, float64(y-RefYear))))
				g.declare(hist, answers, c.sites[st].siret, ref.roles[roles[slot]].code, y, max(v, 0))
			}
		}
	}
	if rng.Float64() < 0.25 {
		div := ref.divisions[c.naf[:2]]
		newRole := div[rng.IntN(len(div))]
		if !slices.Contains(roles, newRole) {
			code := ref.roles[newRole].code
			g.declare(hist, answers, c.sites[0].siret, code, Horizons[0], rng.IntN(2))
			g.declare(hist, answers, c.sites[0].siret, code, Horizons[1], 1+rng.IntN(3))
			g.declare(hist, answers, c.sites[0].siret, code, Horizons[2], 2+rng.IntN(4))
		}
	}
}

// declare writes a need of the present (headcount v at horizon y) and its
// history: the last campaign the company answered declared it (dated in
// that campaign's window); each earlier campaign it answered carries an
// earlier estimate of the same need — often lower for a growing role (a
// need re-declared as the pole's gaps open), sometimes higher. A company
// that never answered has it undated, as files without dates import. At
// any date after the last answer, the need is v.
func (g *generator) declare(hist *rand.Rand, answers []bool, siret, role string, y, v int) {
	fn := g.files["needs"]
	last := -1
	for k, a := range answers {
		if a && CampaignYears[k] <= y {
			last = k
		}
	}
	if last < 0 {
		fn.write(siret, role, strconv.Itoa(y), "", strconv.Itoa(v))
		return
	}
	inWindow := func(k int) string { return formatDay(dayOf(CampaignYears[k], 3, 1) + hist.IntN(61)) }
	for k := range last {
		if answers[k] && CampaignYears[k] <= y {
			old := max(0, v-1+hist.IntN(3)-hist.IntN(2))
			fn.write(siret, role, strconv.Itoa(y), inWindow(k), strconv.Itoa(old))
		}
	}
	fn.write(siret, role, strconv.Itoa(y), inWindow(last), strconv.Itoa(v))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

var levels = [5]string{"0", "1", "2", "3", "4"}

// extraCountCum: how many skills of other roles an employee has (0–3);
// extraLevelCum: their level, 2 to 4.
var (
	extraCountCum = []float64{0.45, 0.75, 0.92, 1}
	extraLevelCum = []float64{0.3, 0.75, 1}
)

// pickRoles chooses the roles a company employs, most frequent first: the
// lead roles of its NAF code, its core roles, then other roles of its NAF
// division.
func (g *generator) pickRoles(rng *rand.Rand, c *company) []int {
	div := g.ref.divisions[c.naf[:2]]
	k := min(len(div), max(2, 2+int(math.Sqrt(float64(c.size))/1.3)))
	roles := make([]int, 0, k)
	for _, code := range leadRoles[c.naf] {
		if len(roles) < k {
			roles = append(roles, g.ref.roleIndex[code])
		}
	}
	var core []int
	for _, code := range coreRoles[c.naf] {
		core = append(core, g.ref.roleIndex[code])
	}
	rng.Shuffle(len(core), func(i, j int) { core[i], core[j] = core[j], core[i] })
	rest := slices.Clone(div)
	rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	for _, r := range slices.Concat(core, rest) {
		if len(roles) >= k {
			break
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles
}

// drawLevel draws an employee's level of a skill that its role requires at
// level required: many at the level, some above, some one below (the
// upskillable), a few far below; newcomers lower, seniors higher. A level-2
// essential link is an emerging skill in ROME, where more people lag.
func drawLevel(rng *rand.Rand, required int8, tenure float64) int {
	above, at, below := 0.16, 0.58, 0.19
	switch {
	case required <= 2:
		above, at, below = 0.15, 0.40, 0.30
	case tenure >= 8:
		above, below = 0.24, 0.14
	case tenure < 2:
		above, at, below = 0.06, 0.55, 0.28
	}
	L := int(required)
	switch x := rng.Float64(); {
	case x < above:
		return min(4, L+1)
	case x < above+at:
		return L
	case x < above+at+below:
		return L - 1
	default:
		return max(0, L-2)
	}
}

func pick(rng *rand.Rand, cum []float64) int {
	x := rng.Float64() * cum[len(cum)-1]
	// The first index whose cumulative weight exceeds x: never a zero weight.
	i := sort.Search(len(cum), func(i int) bool { return cum[i] > x })
	return min(i, len(cum)-1)
}

func employeeRef(n int) string {
	s := strconv.Itoa(n)
	if len(s) < 6 {
		s = strings.Repeat("0", 6-len(s)) + s
	}
	return "E" + s
}

// writeTrainings: providers in every region; trainings placed like the
// sites (every region has some), each teaching one to four skills that an
// employed role of its region requires, at levels 2–4.
func (g *generator) writeTrainings() {
	ref := g.ref
	rng := g.rand(streamTrainings)
	ft, fk := g.files["trainings"], g.files["training_skills"]
	g.teaching = map[int32][]taughtBy{}
	providers := make([][]string, len(ref.regions))
	forms := []string{"Institut %s (fictif)", "%s Formation (fictif)", "Campus %s (fictif)", "Centre de compétences %s (fictif)"}
	for r := range providers {
		for range g.sz.providersPerRegion {
			providers[r] = append(providers[r], fmt.Sprintf(forms[rng.IntN(len(forms))], inventedWord(rng)))
		}
	}
	regionCum := make([]float64, len(ref.regions))
	for r := range regionCum {
		regionCum[r] = float64(g.sitesByRegion[r]) + 2
		if r > 0 {
			regionCum[r] += regionCum[r-1]
		}
	}
	roleCums := make([][]float64, len(ref.regions))
	roleCum := func(r int) []float64 {
		if roleCums[r] == nil {
			counts := g.roleHeadcount[r]
			if !slices.ContainsFunc(counts, func(n int) bool { return n > 0 }) {
				counts = make([]int, len(ref.roles))
				for _, row := range g.roleHeadcount {
					for i, n := range row {
						counts[i] += n
					}
				}
			}
			cum := make([]float64, len(counts))
			for i, n := range counts {
				cum[i] = float64(n)
				if i > 0 {
					cum[i] += cum[i-1]
				}
			}
			roleCums[r] = cum
		}
		return roleCums[r]
	}
	modalities := []string{"onsite", "blended", "remote"}
	modalityCum := []float64{0.55, 0.8, 1}
	words := [5]string{"", "", "Initiation", "Perfectionnement", "Expertise"}
	var idx []int
	for i := range g.sz.trainings {
		r := i
		if i >= len(ref.regions) {
			r = pick(rng, regionCum)
		}
		role := &ref.roles[pick(rng, roleCum(r))]
		id := fmt.Sprintf("FOR-%06d", i+1)
		n := 1 + rng.IntN(min(4, len(role.essential)))
		idx = idx[:0]
		for k := range role.essential {
			idx = append(idx, k)
		}
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		top := 2
		type taught struct {
			code  string
			level int
		}
		var ts []taught
		for _, k := range idx[:n] {
			l := role.essential[k]
			lv := int(l.level)
			switch x := rng.Float64(); {
			case x < 0.25:
				lv++
			case x < 0.4:
				lv--
			}
			lv = max(2, min(4, lv))
			top = max(top, lv)
			ts = append(ts, taught{ref.skills[l.skill].code, lv})
		}
		var title string
		var hours int
		if n == 1 {
			title = words[top] + " : " + ref.skills[role.essential[idx[0]].skill].name
			hours = []int{7, 14, 21, 35}[rng.IntN(4)]
		} else {
			title = fmt.Sprintf("Parcours %s – %s", strings.ToLower(words[top]), role.title)
			hours = []int{35, 70, 105, 140, 210, 400}[rng.IntN(6)]
		}
		mod := pick(rng, modalityCum)
		rate := []float64{40 + 35*rng.Float64(), 35 + 25*rng.Float64(), 18 + 17*rng.Float64()}[mod]
		cost := math.Round(float64(hours)*rate/10) * 10
		dept := ref.depts[g.weightedDept(rng, r)].code
		ft.write(id, providers[r][rng.IntN(len(providers[r]))], title, dept, modalities[mod],
			strconv.Itoa(hours), strconv.FormatFloat(cost, 'f', 2, 64))
		for _, t := range ts {
			fk.write(id, t.code, strconv.Itoa(t.level))
		}
		for _, k := range idx[:n] {
			l := role.essential[k]
			for _, t := range ts {
				if t.code == ref.skills[l.skill].code {
					g.teaching[l.skill] = append(g.teaching[l.skill], taughtBy{i, int8(t.level), r})
				}
			}
		}
		g.trainingHours = append(g.trainingHours, hours)
	}
}

// Dates are handled as days since 1970-01-01, formatted only when written.
func dayOf(y, m, d int) int {
	return int(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func formatDay(d int) string {
	return time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly)
}

// csvFile streams one output file through a large buffer.
type csvFile struct {
	kind, path string
	f          *os.File
	bw         *bufio.Writer
	w          *csv.Writer
	rows       int64
	err        error
	closed     bool
}

func createCSV(dir, kind string, header ...string) (*csvFile, error) {
	path := filepath.Join(dir, kind+".csv")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	c := &csvFile{kind: kind, path: path, f: f, bw: bw, w: csv.NewWriter(bw)}
	c.writeRecord(header)
	c.rows = 0
	return c, nil
}

func (c *csvFile) write(fields ...string) { c.writeRecord(fields) }

func (c *csvFile) writeRecord(rec []string) {
	if c.err == nil {
		c.err = c.w.Write(rec)
	}
	c.rows++
}

func (c *csvFile) close() (FileStat, error) {
	if c.closed {
		return FileStat{}, nil
	}
	c.closed = true
	c.w.Flush()
	if c.err == nil {
		c.err = c.w.Error()
	}
	if err := c.bw.Flush(); c.err == nil {
		c.err = err
	}
	if err := c.f.Close(); c.err == nil {
		c.err = err
	}
	st := FileStat{Kind: c.kind, Path: c.path, Rows: c.rows}
	if fi, err := os.Stat(c.path); err == nil {
		st.Bytes = fi.Size()
	}
	return st, c.err
}
