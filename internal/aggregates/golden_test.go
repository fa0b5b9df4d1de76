package aggregates_test

import (
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
)

var asOf = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// goldenFixture is small enough to check by hand. asOf 2026-11-25, H = 2029,
// A = 64: a stayer is born after 1965 (birth + 64 > 2029).
//
// Families H12 (under grand domain H) and M18 (under M); roles R1 (H12), R2
// (M18), R3 (no family). Skills S1, S2 (category "cao"), S3 ("soft"), S4 (no
// category). R1 requires S1 at 3 and S2 at 2 (essential), S3 at 2 (optional);
// R2 requires S3 at 2 and S4 at 1 (essential).
//
// Companies A (NAF 25.62B, section C), B (62.01Z, J), C (no NAF):
//
//	A1 (A, Toulouse, dept 31): R1 born 1960 (departs), 1970, 1980, 1990;
//	    one R1 who left in 2025, one R1 entering in 2027 (neither active);
//	    need R1 at 2029 = 6 (and R2 at 2030 = 9, another horizon).
//	A2 (A, dept 34): R2 born 1965 (departs: 1965 + 64 = 2029), 1985.
//	B1 (B, dept 31): R1 born 1975; R2 born 1990, 1991, 1992; need R2 = 5.
//	C1 (C, Montpellier, dept 34): R3 born 1962 (departs), 1988; need R1 = 2
//	    with no R1 employee (C contributes headcount 0 to R1's cells).
//
// Per (site, role) units (headcount, stayers, target):
//
//	A1 R1 (4, 3, 6)  A2 R2 (2, 1, 2)  B1 R1 (1, 1, 1)  B1 R2 (3, 3, 5)
//	C1 R3 (2, 1, 2)  C1 R1 (0, 0, 2)
//
// Poles: aero (A since 2020; B from 2020 to 2026-01-01, ended) and meca (A
// and C since 2021).
func goldenFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.family("H", "Industrie", "")
	f.family("H12", "Conception industrielle", "H")
	f.family("M", "Support à l'entreprise", "")
	f.family("M18", "Systèmes d'information", "M")
	r1, r2, r3 := f.role("R1", "H12"), f.role("R2", "M18"), f.role("R3", "")
	s1, s2, s3, s4 := f.skill("S1", "cao"), f.skill("S2", "cao"), f.skill("S3", "soft"), f.skill("S4", "")
	f.requires(r1, s1, 3, true)
	f.requires(r1, s2, 2, true)
	f.requires(r1, s3, 2, false)
	f.requires(r2, s3, 2, true)
	f.requires(r2, s4, 1, true)

	a, b, c := f.company("A", "25.62B"), f.company("B", "62.01Z"), f.company("C", "")
	a1, a2, b1, c1 := f.site(a, "31555"), f.site(a, "34"), f.site(b, "31"), f.site(c, "34172")

	e60 := f.employee(a1, r1, 1960, "2000-01-01", "")
	e70 := f.employee(a1, r1, 1970, "2000-01-01", "")
	e80 := f.employee(a1, r1, 1980, "2010-01-01", "")
	e90 := f.employee(a1, r1, 1990, "2015-01-01", "2027-06-30") // leaves after asOf: active
	f.employee(a1, r1, 1985, "2015-01-01", "2025-06-30")
	f.employee(a1, r1, 1999, "2027-01-01", "")
	f.need(a1, r1, 2029, 6)
	f.need(a1, r2, 2030, 9)
	// Qualified: S1 >= 3 → e70, e90 (e60 departs); S2 >= 2 → e70.
	f.assess(e60, s1, 4)
	f.assess(e70, s1, 3)
	f.assess(e70, s2, 2)
	f.assess(e80, s1, 2)
	f.assess(e90, s1, 4)
	f.assess(e90, s2, 1)

	f.employee(a2, r2, 1965, "2000-01-01", "")
	e85 := f.employee(a2, r2, 1985, "2010-01-01", "")
	f.assess(e85, s3, 2) // S3 qualified; S4 unassessed: level 0 < 1
	f.assess(e85, s4, 0)

	e75 := f.employee(b1, r1, 1975, "2005-01-01", "")
	f.assess(e75, s1, 3)
	f.assess(e75, s2, 2)
	b90 := f.employee(b1, r2, 1990, "2016-01-01", "")
	b91 := f.employee(b1, r2, 1991, "2016-01-01", "")
	f.employee(b1, r2, 1992, "2016-01-01", "")
	f.assess(b90, s3, 3)
	f.assess(b90, s4, 1)
	f.assess(b91, s3, 1)
	f.need(b1, r2, 2029, 5)

	f.employee(c1, r3, 1962, "2000-01-01", "")
	f.employee(c1, r3, 1988, "2012-01-01", "")
	f.need(c1, r1, 2029, 2)

	f.pole("aero", "Aerospace Valley", "76")
	f.pole("meca", "Mécanique Sud", "76")
	f.member("aero", a, "2020-01-01", "")
	f.member("aero", b, "2020-01-01", "2026-01-01")
	f.member("meca", a, "2021-01-01", "")
	f.member("meca", c, "2021-01-01", "")
	return f
}

func region76() *domain.TerritoryKey { return &domain.TerritoryKey{Level: "region", Code: "76"} }

func assertGolden(t *testing.T, r *aggregates.Result, render func(aggregates.Figures) string, want map[string]string) {
	t.Helper()
	got := all(r)
	for k, w := range want {
		c, ok := got[k]
		if !ok {
			t.Errorf("%s: missing", k)
			continue
		}
		if g := render(c.Figures); g != w {
			t.Errorf("%s: got %s, want %s", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected cell %s", k, render(got[k].Figures))
		}
	}
}

func TestGolden(t *testing.T) {
	f := goldenFixture(t)
	base := aggregates.Query{Level: "department", Parent: region76(), AsOf: asOf, Horizon: 2029}

	t.Run("RoleFamily", func(t *testing.T) {
		q := base
		q.Dimension = aggregates.DimensionRoleFamily
		r := compute(t, f.db, q)
		assertGolden(t, r, brief, map[string]string{
			// A1 R1 (4,3,6) + B1 R1 (1,1,1): h 5, departures 5−4, target 7, gap 7−4.
			"31/H12": "c=2 h=5 d=1 t=7 g=3",
			"31/M18": "c=1 h=3 d=0 t=5 g=2", // B1 R2 (3,3,5)
			"34/":    "c=1 h=2 d=1 t=2 g=1", // C1 R3 (2,1,2), no family
			"34/H12": "c=1 h=0 d=0 t=2 g=2", // C1 R1: a need only
			"34/M18": "c=1 h=2 d=1 t=2 g=1", // A2 R2 (2,1,2)
			"31/Σ":   "c=2 h=8 d=1 t=12 g=5",
			"34/Σ":   "c=2 h=4 d=2 t=6 g=4",
			"Σ/":     "c=1 h=2 d=1 t=2 g=1",
			"Σ/H12":  "c=3 h=5 d=1 t=9 g=5",
			"Σ/M18":  "c=2 h=5 d=1 t=7 g=3",
			"Σ/Σ":    "c=3 h=12 d=3 t=18 g=9",
		})
		if c := r.Cells[0]; c.TerritoryName != "Haute-Garonne" || *c.DimensionLabel != "Conception industrielle" {
			t.Errorf("first cell %+v: want Haute-Garonne × Conception industrielle", c)
		}
		if l := *r.ColumnTotals[0].DimensionLabel; l != "Famille de métiers non renseignée" {
			t.Errorf("label of the '' family: %q", l)
		}
		if r.Total.TerritoryName != "Occitanie" || r.Total.TerritoryLevel != "region" {
			t.Errorf("total territory %+v", r.Total)
		}
	})

	t.Run("GrandDomain", func(t *testing.T) {
		q := base
		q.Dimension = aggregates.DimensionGrandDomain
		assertGolden(t, compute(t, f.db, q), brief, map[string]string{
			"31/H": "c=2 h=5 d=1 t=7 g=3", "31/M": "c=1 h=3 d=0 t=5 g=2",
			"34/": "c=1 h=2 d=1 t=2 g=1", "34/H": "c=1 h=0 d=0 t=2 g=2", "34/M": "c=1 h=2 d=1 t=2 g=1",
			"31/Σ": "c=2 h=8 d=1 t=12 g=5", "34/Σ": "c=2 h=4 d=2 t=6 g=4",
			"Σ/": "c=1 h=2 d=1 t=2 g=1", "Σ/H": "c=3 h=5 d=1 t=9 g=5", "Σ/M": "c=2 h=5 d=1 t=7 g=3",
			"Σ/Σ": "c=3 h=12 d=3 t=18 g=9",
		})
	})

	t.Run("SkillCategory", func(t *testing.T) {
		q := base
		q.Dimension = aggregates.DimensionSkillCategory
		r := compute(t, f.db, q)
		// required = Σ over the category's skills of target; R1 requires two
		// cao skills, so its target counts twice. qualified counts stayers.
		assertGolden(t, r, skillBrief, map[string]string{
			// A1 R1: 2 × 6 = 12, qualified S1 2 + S2 1 = 3; B1 R1: 2 × 1, 1 + 1.
			"31/cao": "req=14 q=5 gap=9 cov=0.3571",
			// B1 R2: S3 5, qualified b90 (3 >= 2); b91 (1) and the unassessed are not.
			"31/soft": "req=5 q=1 gap=4 cov=0.2000",
			"31/":     "req=5 q=1 gap=4 cov=0.2000", // S4 at 1: b90 only
			"34/cao":  "req=4 q=0 gap=4 cov=0.0000", // C1 R1 need 2 × 2 skills
			"34/soft": "req=2 q=1 gap=1 cov=0.5000", // A2 R2: e85 S3 = 2
			"34/":     "req=2 q=0 gap=2 cov=0.0000", // e85 S4 = 0
			"31/Σ":    "req=24 q=7 gap=17 cov=0.2917",
			"34/Σ":    "req=8 q=1 gap=7 cov=0.1250",
			"Σ/":      "req=7 q=1 gap=6 cov=0.1429",
			"Σ/cao":   "req=18 q=5 gap=13 cov=0.2778",
			"Σ/soft":  "req=7 q=2 gap=5 cov=0.2857",
			"Σ/Σ":     "req=32 q=8 gap=24 cov=0.2500",
		})
		// Role figures of the employees whose role requires a cao skill: R1's.
		// C3's R3 requires nothing, so it is in no cell.
		assertGolden(t, r, brief, map[string]string{
			"31/cao": "c=2 h=5 d=1 t=7 g=3", "31/soft": "c=1 h=3 d=0 t=5 g=2", "31/": "c=1 h=3 d=0 t=5 g=2",
			"34/cao": "c=1 h=0 d=0 t=2 g=2", "34/soft": "c=1 h=2 d=1 t=2 g=1", "34/": "c=1 h=2 d=1 t=2 g=1",
			// Margins sum their cells: B1 R2 counts in soft and in ''.
			"31/Σ": "c=2 h=11 d=1 t=17 g=7", "34/Σ": "c=2 h=4 d=2 t=6 g=4",
			"Σ/": "c=2 h=5 d=1 t=7 g=3", "Σ/cao": "c=3 h=5 d=1 t=9 g=5", "Σ/soft": "c=2 h=5 d=1 t=7 g=3",
			"Σ/Σ": "c=3 h=15 d=3 t=23 g=11",
		})

		// With optional links R1 also requires S3 (soft): A1 R1 adds 6, B1
		// R1 1 to 31/soft, nobody assessed in S3 among them.
		q.IncludeOptional = true
		r = compute(t, f.db, q)
		if got := skillBrief(all(r)["31/soft"].Figures); got != "req=12 q=1 gap=11 cov=0.0833" {
			t.Errorf("31/soft with optional links: %s", got)
		}
		if got := brief(all(r)["34/soft"].Figures); got != "c=2 h=2 d=1 t=4 g=3" {
			t.Errorf("34/soft with optional links: %s (C1's need for R1 now counts)", got)
		}
	})

	t.Run("Pole", func(t *testing.T) {
		q := base
		q.Dimension = aggregates.DimensionPole
		r := compute(t, f.db, q)
		// B's membership ended on 2026-01-01: B has no active pole.
		assertGolden(t, r, brief, map[string]string{
			"31/":     "c=1 h=4 d=0 t=6 g=2", // B1: R1 (1,1,1) + R2 (3,3,5)
			"31/aero": "c=1 h=4 d=1 t=6 g=3", // A1 R1 (4,3,6)
			"31/meca": "c=1 h=4 d=1 t=6 g=3",
			"34/aero": "c=1 h=2 d=1 t=2 g=1", // A2 R2
			"34/meca": "c=2 h=4 d=2 t=6 g=4", // A2 R2 + C1 R3 (2,1,2) + C1 R1 (0,0,2)
			"31/Σ":    "c=2 h=12 d=2 t=18 g=8",
			"34/Σ":    "c=2 h=6 d=3 t=8 g=5",
			"Σ/":      "c=1 h=4 d=0 t=6 g=2",
			"Σ/aero":  "c=1 h=6 d=2 t=8 g=4",
			"Σ/meca":  "c=2 h=8 d=3 t=12 g=7",
			"Σ/Σ":     "c=3 h=18 d=5 t=26 g=13", // A counts in both poles
		})
		if l := *r.ColumnTotals[2].DimensionLabel; l != "Mécanique Sud" {
			t.Errorf("meca label %q", l)
		}
	})

	t.Run("NafSection", func(t *testing.T) {
		q := base
		q.Dimension = aggregates.DimensionNafSection
		r := compute(t, f.db, q)
		assertGolden(t, r, brief, map[string]string{
			"31/C": "c=1 h=4 d=1 t=6 g=3", "31/J": "c=1 h=4 d=0 t=6 g=2",
			"34/": "c=1 h=2 d=1 t=4 g=3", "34/C": "c=1 h=2 d=1 t=2 g=1",
			"31/Σ": "c=2 h=8 d=1 t=12 g=5", "34/Σ": "c=2 h=4 d=2 t=6 g=4",
			"Σ/": "c=1 h=2 d=1 t=4 g=3", "Σ/C": "c=1 h=6 d=2 t=8 g=4", "Σ/J": "c=1 h=4 d=0 t=6 g=2",
			"Σ/Σ": "c=3 h=12 d=3 t=18 g=9",
		})
		if l := *r.ColumnTotals[1].DimensionLabel; l != "Industrie manufacturière" {
			t.Errorf("section C label %q", l)
		}
	})

	t.Run("RegionsOfFrance", func(t *testing.T) {
		r := compute(t, f.db, aggregates.Query{Level: "region", AsOf: asOf, Horizon: 2029})
		assertGolden(t, r, brief, map[string]string{
			"76/Σ": "c=3 h=12 d=3 t=18 g=9", "Σ/Σ": "c=3 h=12 d=3 t=18 g=9",
		})
		if r.Total.TerritoryCode != "FR" || len(r.Cells) != 0 || len(r.ColumnTotals) != 0 {
			t.Errorf("no dimension: want only row totals and the France total, got %+v", r)
		}
	})

	t.Run("PoleScope", func(t *testing.T) {
		// A pole manager of meca sees A and C only, unsuppressed.
		q := base
		q.Scope = aggregates.Scope{PoleID: "meca"}
		assertGolden(t, compute(t, f.db, q), brief, map[string]string{
			"31/Σ": "c=1 h=4 d=1 t=6 g=3", "34/Σ": "c=2 h=4 d=2 t=6 g=4", "Σ/Σ": "c=2 h=8 d=3 t=12 g=7",
		})
	})

	t.Run("Frequency", func(t *testing.T) {
		// Both departments have 2 companies; the region has 3, A holding
		// 6 of 12 (50 %): the total is published, the rows are not.
		q := base
		q.Enforce = true
		assertGolden(t, compute(t, f.db, q), brief, map[string]string{
			"31/Σ": "suppressed FREQUENCY", "34/Σ": "suppressed FREQUENCY", "Σ/Σ": "c=3 h=12 d=3 t=18 g=9",
		})
	})
}
