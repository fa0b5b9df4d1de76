package analytics_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/testdb"
)

// The golden fixture, worked out by hand below. asOf = 2026-06-30, H = 2030,
// A = 64: a stayer is born after 2030 − 64 = 1966.
//
// Territories: region 84 > departments 69 (commune 69123 Lyon), 38 (commune
// 38185 Grenoble); region 11 > department 75; region 76 > department 31.
// Companies and sites: A 111111118 (A1 = …800019 in Lyon 69123, A2 =
// …800027 in department 38), B 222222226 (B1 = …600011 in department 69),
// C 333333334 (C1 = …400014 in department 75).
// Pole "aero" (home region 84): A since 2020-01-01, B since 2021-01-01, C
// 2022-01-01 until 2026-06-30 (so C is not a member at asOf: asOf < until
// fails). Pole "empty" has no members.
//
// Roles and their skills (essential unless said):
//
//	WELD    WELDING 3, SAFETY 2, BLUEPRINT 2 (optional)
//	FITTER  WELDING 2, SAFETY 2, BLUEPRINT 2
//	QUALITY ISO 3, SAFETY 1
//
// Employees (birth, entry, exit; assessed levels):
//
//	A1 e1  WELD    1960 2010-01-01        WELDING 3 SAFETY 2          leaver
//	A1 e2  WELD    1980 2015-03-01        WELDING 3 SAFETY 1          stayer
//	A1 e3  WELD    1985 2025-03-01        WELDING 2 SAFETY 2 ISO 3    stayer
//	A1 e4  FITTER  1990 2019-09-01        WELDING 2 SAFETY 2 BLUEPRINT 1 stayer
//	A1 e5  WELD    1975 2012-01-01 exit 2026-06-30                    not active (exit = asOf)
//	A2 e6  QUALITY 1966 2000-01-01        ISO 3 SAFETY 1              leaver (1966 + 64 = 2030)
//	A2 e7  QUALITY 1967 2024-12-31        ISO 2 SAFETY 1              stayer
//	A2 e8  FITTER  1995 2026-07-01                                    not active (enters after asOf)
//	B1 e9  FITTER  1970 2018-01-01        WELDING 2 SAFETY 2 BLUEPRINT 2 stayer
//	B1 e10 FITTER  1988 2023-05-01        WELDING 1 SAFETY 1          stayer
//	B1 e11 WELD    1992 2026-06-30        WELDING 4 SAFETY 2 BLUEPRINT 2 stayer (enters on asOf)
//	B1 e13 FITTER  1975 2015-01-01 exit 2025-06-30                    not active
//	C1 e12 QUALITY 1980 2020-01-01                                    stayer
//
// Needs: A1 WELD 2030 = 4; A2 FITTER 2030 = 1; B1 WELD 2030 = 2;
// B1 WELD 2031 = 5 (other horizon); B1 FITTER 2030 = 0; B1 QUALITY 2030 = 1.
//
// Trainings (skill level taught):
//
//	T1 Lyon 69123 onsite  14 h SAFETY 2
//	T2 dept 38    onsite   7 h SAFETY 3
//	T3 dept 75    remote  21 h SAFETY 2
//	T4 dept 69    onsite 3.5 h SAFETY 1
//	T5 dept 31    onsite  35 h WELDING 3
//	T6 dept 75    blended 28 h ISO 3
const goldenFixture = `
INSERT INTO territories (level, code, name, parent_code) VALUES
 ('region', '84', 'Auvergne-Rhône-Alpes', NULL), ('region', '11', 'Île-de-France', NULL), ('region', '76', 'Occitanie', NULL);
INSERT INTO territories (level, code, name, parent_code) VALUES
 ('department', '69', 'Rhône', '84'), ('department', '38', 'Isère', '84'), ('department', '75', 'Paris', '11'),
 ('department', '31', 'Haute-Garonne', '76');
INSERT INTO territories (level, code, name, parent_code) VALUES
 ('commune', '69123', 'Lyon', '69'), ('commune', '38185', 'Grenoble', '38');
INSERT INTO poles (id, name, kind, region_code) VALUES
 ('aero', 'Aéro', 'competitiveness_pole', '84'), ('empty', 'Vide', 'cluster', '76');
INSERT INTO companies (siren, name) VALUES ('111111118', 'A'), ('222222226', 'B'), ('333333334', 'C');
INSERT INTO sites (siret, siren, territory_code) VALUES
 ('11111111800019', '111111118', '69123'), ('11111111800027', '111111118', '38'),
 ('22222222600011', '222222226', '69'), ('33333333400014', '333333334', '75');
INSERT INTO memberships (pole_id, siren, since, until) VALUES
 ('aero', '111111118', '2020-01-01', NULL), ('aero', '222222226', '2021-01-01', NULL),
 ('aero', '333333334', '2022-01-01', '2026-06-30');
INSERT INTO roles (code, title) VALUES ('WELD', 'Welder'), ('FITTER', 'Fitter'), ('QUALITY', 'Quality technician');
INSERT INTO skills (code, name, kind) VALUES ('WELDING', 'Welding', 'know_how'), ('SAFETY', 'Safety', 'knowledge'),
 ('BLUEPRINT', 'Blueprint reading', 'know_how'), ('ISO', 'ISO 9001', 'knowledge');
INSERT INTO role_skills (role_id, skill_id, level, essential)
SELECT r.id, s.id, v.level, v.essential
FROM (VALUES ('WELD', 'WELDING', 3, true), ('WELD', 'SAFETY', 2, true), ('WELD', 'BLUEPRINT', 2, false),
             ('FITTER', 'WELDING', 2, true), ('FITTER', 'SAFETY', 2, true), ('FITTER', 'BLUEPRINT', 2, true),
             ('QUALITY', 'ISO', 3, true), ('QUALITY', 'SAFETY', 1, true)) AS v(role, skill, level, essential)
JOIN roles r ON r.code = v.role JOIN skills s ON s.code = v.skill;
INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date, exit_date)
SELECT left(v.siret, 9), v.ref, v.siret, r.id, v.birth, v.entry::date, v.exit::date
FROM (VALUES ('11111111800019', 'e1', 'WELD', 1960, '2010-01-01', NULL),
             ('11111111800019', 'e2', 'WELD', 1980, '2015-03-01', NULL),
             ('11111111800019', 'e3', 'WELD', 1985, '2025-03-01', NULL),
             ('11111111800019', 'e4', 'FITTER', 1990, '2019-09-01', NULL),
             ('11111111800019', 'e5', 'WELD', 1975, '2012-01-01', '2026-06-30'),
             ('11111111800027', 'e6', 'QUALITY', 1966, '2000-01-01', NULL),
             ('11111111800027', 'e7', 'QUALITY', 1967, '2024-12-31', NULL),
             ('11111111800027', 'e8', 'FITTER', 1995, '2026-07-01', NULL),
             ('22222222600011', 'e9', 'FITTER', 1970, '2018-01-01', NULL),
             ('22222222600011', 'e10', 'FITTER', 1988, '2023-05-01', NULL),
             ('22222222600011', 'e11', 'WELD', 1992, '2026-06-30', NULL),
             ('22222222600011', 'e13', 'FITTER', 1975, '2015-01-01', '2025-06-30'),
             ('33333333400014', 'e12', 'QUALITY', 1980, '2020-01-01', NULL)) AS v(siret, ref, role, birth, entry, exit)
JOIN roles r ON r.code = v.role;
INSERT INTO employee_skills (employee_id, skill_id, level)
SELECT e.id, s.id, v.level
FROM (VALUES ('e1', 'WELDING', 3), ('e1', 'SAFETY', 2),
             ('e2', 'WELDING', 3), ('e2', 'SAFETY', 1),
             ('e3', 'WELDING', 2), ('e3', 'SAFETY', 2), ('e3', 'ISO', 3),
             ('e4', 'WELDING', 2), ('e4', 'SAFETY', 2), ('e4', 'BLUEPRINT', 1),
             ('e6', 'ISO', 3), ('e6', 'SAFETY', 1),
             ('e7', 'ISO', 2), ('e7', 'SAFETY', 1),
             ('e9', 'WELDING', 2), ('e9', 'SAFETY', 2), ('e9', 'BLUEPRINT', 2),
             ('e10', 'WELDING', 1), ('e10', 'SAFETY', 1),
             ('e11', 'WELDING', 4), ('e11', 'SAFETY', 2), ('e11', 'BLUEPRINT', 2)) AS v(ref, skill, level)
JOIN employees e ON e.employee_ref = v.ref JOIN skills s ON s.code = v.skill;
INSERT INTO needs (siret, role_id, horizon_year, headcount)
SELECT v.siret, r.id, v.h, v.n
FROM (VALUES ('11111111800019', 'WELD', 2030, 4), ('11111111800027', 'FITTER', 2030, 1),
             ('22222222600011', 'WELD', 2030, 2), ('22222222600011', 'WELD', 2031, 5),
             ('22222222600011', 'FITTER', 2030, 0), ('22222222600011', 'QUALITY', 2030, 1)) AS v(siret, role, h, n)
JOIN roles r ON r.code = v.role;
INSERT INTO trainings (id, provider, title, territory_code, modality, duration_hours) VALUES
 ('T1', 'AFPA', 'Safety Lyon', '69123', 'onsite', 14), ('T2', 'GRETA', 'Safety Grenoble', '38', 'onsite', 7),
 ('T3', 'CNAM', 'Safety online', '75', 'remote', 21), ('T4', 'AFPA', 'Safety basics', '69', 'onsite', 3.5),
 ('T5', 'AFPA', 'Welding Toulouse', '31', 'onsite', 35), ('T6', 'AFNOR', 'ISO 9001', '75', 'blended', 28);
INSERT INTO training_skills (training_id, skill_id, level)
SELECT v.t, s.id, v.level
FROM (VALUES ('T1', 'SAFETY', 2), ('T2', 'SAFETY', 3), ('T3', 'SAFETY', 2), ('T4', 'SAFETY', 1),
             ('T5', 'WELDING', 3), ('T6', 'ISO', 3)) AS v(t, skill, level)
JOIN skills s ON s.code = v.skill;
`

const (
	sirenA = "111111118"
	sirenB = "222222226"
)

var goldenParams = analytics.Params{AsOf: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), Horizon: 2030}

func golden(t *testing.T) *analytics.Engine {
	t.Helper()
	db, _ := testdb.New(t)
	if _, err := db.Exec(goldenFixture); err != nil {
		t.Fatal(err)
	}
	return &analytics.Engine{DB: db}
}

// roleRow is a role's figures without its ids and title: what the
// hand-worked arithmetic gives.
type roleRow struct {
	code                                        string
	headcount, stayers, departures, target, gap int
}

func rolesOf(p analytics.RolePage) []roleRow {
	var out []roleRow
	for _, g := range p.Items {
		out = append(out, roleRow{g.RoleCode, g.Headcount, g.Stayers, g.Departures, g.Target, g.Gap})
	}
	return out
}

func sameRows[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d rows %+v, want %d %+v", what, len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s row %d:\n got %+v\nwant %+v", what, i, got[i], want[i])
		}
	}
}

func TestGoldenRoleGaps(t *testing.T) {
	e := golden(t)
	pole := analytics.Scope{PoleID: "aero"}
	region := analytics.Scope{TerritoryLevel: "region", TerritoryCode: "84"}
	dept := analytics.Scope{TerritoryLevel: "department", TerritoryCode: "69"}
	lyon := analytics.Scope{TerritoryLevel: "commune", TerritoryCode: "69123"}
	poleParis := analytics.Scope{PoleID: "aero", TerritoryLevel: "region", TerritoryCode: "11"}
	a, b := analytics.Scope{Siren: sirenA}, analytics.Scope{Siren: sirenB}
	got, err := e.RoleGaps(context.Background(), []analytics.Scope{a, b, pole, region, dept, lyon, poleParis}, goldenParams, analytics.RoleByGap, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Company A, sites A1 + A2; active: e1 e2 e3 e4 (A1), e6 e7 (A2).
	//   WELD:    headcount e1 e2 e3 = 3, stayers e2 e3 = 2, departures 1,
	//            target A1 need 4 + A2 no need, headcount 0 = 4, gap 4 − 2 = 2.
	//   FITTER:  headcount e4 = 1, stayers 1, target A1 headcount 1 + A2 need 1
	//            (a need at a site without FITTER employees counts) = 2, gap 1.
	//   QUALITY: headcount e6 e7 = 2, stayers e7 = 1, target A2 headcount 2, gap 1.
	// Order: gap desc, then code: WELD 2, FITTER 1, QUALITY 1.
	sameRows(t, "A", rolesOf(got[a]), []roleRow{
		{"WELD", 3, 2, 1, 4, 2}, {"FITTER", 1, 1, 0, 2, 1}, {"QUALITY", 2, 1, 1, 2, 1}})
	// Company B, site B1; active e9 e10 e11 (e13 left in 2025).
	//   WELD:    headcount e11 = 1, stayers 1, target need 2 (the 2031 need is
	//            another horizon), gap 1.
	//   QUALITY: no employees, target need 1, gap 1.
	//   FITTER:  headcount e9 e10 = 2, stayers 2, target need 0, gap −2.
	sameRows(t, "B", rolesOf(got[b]), []roleRow{
		{"QUALITY", 0, 0, 0, 1, 1}, {"WELD", 1, 1, 0, 2, 1}, {"FITTER", 2, 2, 0, 0, -2}})
	// Pole aero = A + B (C's membership ended on asOf): WELD 3+1, 2+1, 4+2 → gap 3;
	// QUALITY 2+0, 1+0, 2+1 → gap 2; FITTER 1+2, 1+2, 2+0 → gap −1.
	wantPole := []roleRow{{"WELD", 4, 3, 1, 6, 3}, {"QUALITY", 2, 1, 1, 3, 2}, {"FITTER", 3, 3, 0, 2, -1}}
	sameRows(t, "pole", rolesOf(got[pole]), wantPole)
	// Region 84 holds A1 (Lyon, in 69), A2 (38) and B1 (69): the pole's sites.
	sameRows(t, "region 84", rolesOf(got[region]), wantPole)
	// Department 69 = A1 + B1: WELD 3+1, 2+1, 4+2 → 3; QUALITY target B1 1 → 1;
	// FITTER 1+2, 1+2, target A1 1 + B1 0 = 1 → gap 1 − 3 = −2.
	sameRows(t, "department 69", rolesOf(got[dept]), []roleRow{
		{"WELD", 4, 3, 1, 6, 3}, {"QUALITY", 0, 0, 0, 1, 1}, {"FITTER", 3, 3, 0, 1, -2}})
	// Commune Lyon = A1: WELD 3, 2, 1, 4, 2; FITTER 1, 1, 0, 1, 0.
	sameRows(t, "Lyon", rolesOf(got[lyon]), []roleRow{{"WELD", 3, 2, 1, 4, 2}, {"FITTER", 1, 1, 0, 1, 0}})
	// The pole has no active member in region 11 (C left): empty.
	if p := got[poleParis]; p.Total != 0 || len(p.Items) != 0 {
		t.Errorf("pole ∩ region 11: %+v", p)
	}

	// Retirement at 62: stayers born after 1968; e7 (1967) leaves too.
	p62 := goldenParams
	p62.RetirementAge = 62
	got, err = e.RoleGaps(context.Background(), []analytics.Scope{a}, p62, analytics.RoleByCode, 2)
	if err != nil {
		t.Fatal(err)
	}
	// By code, first 2 of 3: FITTER (1, 1, 0, 2, 1), QUALITY (2, 0, 2, 2, 2).
	if got[a].Total != 3 {
		t.Errorf("A at 62: total %d, want 3", got[a].Total)
	}
	sameRows(t, "A at 62", rolesOf(got[a]), []roleRow{{"FITTER", 1, 1, 0, 2, 1}, {"QUALITY", 2, 0, 2, 2, 2}})
}

type skillRow struct {
	code                                   string
	required, qualified, gap               int
	coverage                               float64 // -1 for null
	upskillable, internalPool, levelNeeded int
}

func skillsOf(items []analytics.SkillGap) []skillRow {
	var out []skillRow
	for _, g := range items {
		c := -1.0
		if g.Coverage != nil {
			c = math.Round(*g.Coverage*1e6) / 1e6
		}
		out = append(out, skillRow{g.SkillCode, g.Required, g.Qualified, g.Gap, c, g.Upskillable, g.InternalPool, g.LevelNeeded})
	}
	return out
}

func ratio(a, b float64) float64 { return math.Round(a/b*1e6) / 1e6 }

func TestGoldenSkillGaps(t *testing.T) {
	e := golden(t)
	ctx := context.Background()
	a, b, pole := analytics.Scope{Siren: sirenA}, analytics.Scope{Siren: sirenB}, analytics.Scope{PoleID: "aero"}
	got, err := e.SkillGaps(ctx, []analytics.Scope{a, b, pole}, goldenParams, analytics.SkillByGap, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Company A: targets WELD 4, FITTER 2, QUALITY 2; stayers e2 e3 (WELD),
	// e4 (FITTER), e7 (QUALITY). Highest levels in the referential (essential):
	// WELDING 3, SAFETY 2, BLUEPRINT 2, ISO 3.
	//   SAFETY:    required 4 + 2 + 2 = 8; qualified e3 (2>=2) e4 (2>=2) e7 (1>=1) = 3;
	//              upskillable e2 (1 = 2−1) = 1; gap 5; coverage 3/8; level needed max(2,2,1) = 2.
	//   WELDING:   required 4 + 2 = 6; qualified e2 (3>=3) e4 (2>=2) = 2; upskillable
	//              e3 (2 = 3−1) = 1; gap 4; coverage 2/6; pool 0 (e7 has no WELDING); level 3.
	//   BLUEPRINT: required FITTER 2 (WELD's link is optional); qualified 0; upskillable
	//              e4 (1 = 2−1); gap 2; coverage 0; level 2.
	//   ISO:       required QUALITY 2; qualified 0; upskillable e7 (2 = 3−1); gap 2;
	//              coverage 0; pool e3 (WELD does not require ISO, holds 3 >= 3) = 1; level 3.
	// Order: gap desc (5, 4, 2, 2), coverage asc (0 = 0), code: BLUEPRINT < ISO.
	sameRows(t, "A", skillsOf(got[a].Items), []skillRow{
		{"SAFETY", 8, 3, 5, ratio(3, 8), 1, 0, 2},
		{"WELDING", 6, 2, 4, ratio(2, 6), 1, 0, 3},
		{"BLUEPRINT", 2, 0, 2, 0, 1, 0, 2},
		{"ISO", 2, 0, 2, 0, 1, 1, 3}})
	// Company B: targets WELD 2, FITTER 0, QUALITY 1; stayers e9 e10 (FITTER), e11 (WELD).
	//   ISO:       required 1; nobody qualified; gap 1; coverage 0; level 3.
	//   SAFETY:    required 2 + 0 + 1 = 3; qualified e9 e11 = 2; upskillable e10 (1 = 2−1);
	//              gap 1; coverage 2/3; level 2.
	//   WELDING:   required 2 + 0 = 2; qualified e9 (2>=2) e11 (4>=3) = 2; upskillable
	//              e10 (1 = 2−1); gap 0; coverage 1; level 3.
	//   BLUEPRINT: required FITTER 0 = 0; qualified e9 = 1 (e10 has none: level 0,
	//              not 1 below 2); gap −1; coverage null; pool e11 (WELD's link is
	//              optional, holds 2 >= 2) = 1; level 2 (FITTER is in the scope).
	sameRows(t, "B", skillsOf(got[b].Items), []skillRow{
		{"ISO", 1, 0, 1, 0, 0, 0, 3},
		{"SAFETY", 3, 2, 1, ratio(2, 3), 1, 0, 2},
		{"WELDING", 2, 2, 0, 1, 1, 0, 3},
		{"BLUEPRINT", 0, 1, -1, -1, 0, 1, 2}})
	// Pole aero = A + B.
	wantPole := []skillRow{
		{"SAFETY", 11, 5, 6, ratio(5, 11), 2, 0, 2},
		{"WELDING", 8, 4, 4, ratio(4, 8), 2, 0, 3},
		{"ISO", 3, 0, 3, 0, 1, 1, 3},
		{"BLUEPRINT", 2, 1, 1, ratio(1, 2), 1, 1, 2}}
	sameRows(t, "pole", skillsOf(got[pole].Items), wantPole)

	// Critical skills: the pole's figures in the same order, with the members
	// whose own gap is positive: SAFETY A 5, B 1 → 2; WELDING A 4, B 0 → 1;
	// ISO A 2, B 1 → 2; BLUEPRINT A 2, B −1 → 1.
	crit, err := e.CriticalSkills(ctx, []string{"aero", "empty"}, goldenParams, 3)
	if err != nil {
		t.Fatal(err)
	}
	var critSkills []analytics.SkillGap
	var companies []int
	for _, c := range crit["aero"].Items {
		critSkills = append(critSkills, c.SkillGap)
		companies = append(companies, c.CompaniesWithGap)
	}
	if crit["aero"].Total != 4 {
		t.Errorf("critical total %d, want 4", crit["aero"].Total)
	}
	sameRows(t, "critical", skillsOf(critSkills), wantPole[:3])
	sameRows(t, "critical companies", companies, []int{2, 1, 2})
	if p := crit["empty"]; p.Total != 0 || len(p.Items) != 0 {
		t.Errorf("empty pole: %+v", p)
	}

	// includeOptional: WELD now requires BLUEPRINT at 2. For A: required
	// 4 + 2 = 6; qualified 0 (e2, e3 have none); upskillable e4 only (e2, e3
	// are at 0, two below); gap 6; pool 0; level 2.
	opt := goldenParams
	opt.IncludeOptional = true
	got, err = e.SkillGaps(ctx, []analytics.Scope{a}, opt, analytics.SkillByCode, 1)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "A with optional", skillsOf(got[a].Items), []skillRow{{"BLUEPRINT", 6, 0, 6, 0, 1, 0, 2}})
}

func TestGoldenTrainings(t *testing.T) {
	e := golden(t)
	ctx := context.Background()
	skill := func(code string) int {
		var id int
		if err := e.DB.Get(&id, `SELECT id FROM skills WHERE code = $1`, code); err != nil {
			t.Fatal(err)
		}
		return id
	}
	safety, welding, iso := skill("SAFETY"), skill("WELDING"), skill("ISO")
	dept69 := analytics.NearRequest{Scope: analytics.Scope{TerritoryLevel: "department", TerritoryCode: "69"}, SkillID: safety, MinLevel: 2}
	grenoble := analytics.NearRequest{Scope: analytics.Scope{TerritoryLevel: "commune", TerritoryCode: "38185"}, SkillID: safety, MinLevel: 2}
	weldA := analytics.NearRequest{Scope: analytics.Scope{Siren: sirenA}, SkillID: welding, MinLevel: 3}
	isoPole := analytics.NearRequest{Scope: analytics.Scope{PoleID: "aero"}, SkillID: iso, MinLevel: 3}
	isoIDF := analytics.NearRequest{Scope: analytics.Scope{TerritoryLevel: "region", TerritoryCode: "11"}, SkillID: iso, MinLevel: 3}
	got, err := e.TrainingsNear(ctx, []analytics.NearRequest{dept69, grenoble, weldA, isoPole, isoIDF}, 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id       string
		distance int
	}
	rowsOf := func(p analytics.TrainingPage) []row {
		var out []row
		for _, m := range p.Items {
			out = append(out, row{m.TrainingID, m.Distance})
		}
		return out
	}
	// SAFETY >= 2 near department 69: T4 teaches level 1, out. T1 (Lyon, in 69)
	// 0 and 14 h, T3 remote 0 and 21 h, T2 (38, region 84) 1.
	sameRows(t, "SAFETY near 69", rowsOf(got[dept69]), []row{{"T1", 0}, {"T3", 0}, {"T2", 1}})
	// Near the commune of Grenoble: T3 remote 0; T2 lies in department 38, not
	// inside the commune: same region, 1 (7 h); T1 Lyon same region, 1 (14 h).
	sameRows(t, "SAFETY near Grenoble", rowsOf(got[grenoble]), []row{{"T3", 0}, {"T2", 1}, {"T1", 1}})
	// Company A's sites are in 69 and 38 (region 84); T5 is in 31 (region 76): 2.
	sameRows(t, "WELDING near A", rowsOf(got[weldA]), []row{{"T5", 2}})
	// ISO near the pole's home region 84: T6 blended in Paris, 2; near region 11: 0.
	sameRows(t, "ISO near pole", rowsOf(got[isoPole]), []row{{"T6", 2}})
	sameRows(t, "ISO near IDF", rowsOf(got[isoIDF]), []row{{"T6", 0}})
	if m := got[dept69].Items[0]; m.Level != 2 || m.DurationHours == nil || *m.DurationHours != 14 || m.Modality != "onsite" || m.TerritoryLevel != "commune" {
		t.Errorf("T1: %+v", m)
	}
	// first = 1 cuts each list, the totals stay.
	got, err = e.TrainingsNear(ctx, []analytics.NearRequest{dept69, weldA}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got[dept69].Total != 3 || len(got[dept69].Items) != 1 || got[dept69].Items[0].TrainingID != "T1" || got[weldA].Total != 1 {
		t.Errorf("first 1: %+v", got)
	}
}

func TestGoldenStrategy(t *testing.T) {
	e := golden(t)
	ctx := context.Background()
	// Shared opportunities, units = (member, department):
	//   A in 69 (A1): targets WELD 4, FITTER 1; stayers e2 e3 e4.
	//     WELDING required 5, qualified e2 e4 → gap 3; SAFETY required 5,
	//     qualified e3 e4 → gap 3; BLUEPRINT required 1 → gap 1.
	//   A in 38 (A2): targets FITTER 1 (need), QUALITY 2; stayer e7.
	//     WELDING 1 − 0 = 1; SAFETY 3 − 1 = 2; BLUEPRINT 1; ISO 2.
	//   B in 69: as company B: ISO 1, SAFETY 1, WELDING 0, BLUEPRINT −1.
	// With k = 2 only (69, SAFETY) has two companies with a positive gap:
	// learners 3 + 1 = 4, level needed max(2, 2) = 2, trainings as near 69.
	got, err := e.SharedTrainingOpportunities(ctx, []string{"aero", "empty"}, goldenParams, analytics.SharedOptions{MinCompanies: 2}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p := got["aero"]; p.Total != 1 || len(p.Items) != 1 {
		t.Fatalf("shared k=2: %+v", p)
	}
	o := got["aero"].Items[0]
	if o.DepartmentCode != "69" || o.SkillCode != "SAFETY" || o.Companies != 2 || o.Learners != 4 || o.LevelNeeded != 2 {
		t.Errorf("shared: %+v", o)
	}
	var ids []string
	for _, m := range o.Trainings.Items {
		ids = append(ids, m.TrainingID)
	}
	sameRows(t, "shared trainings", ids, []string{"T1", "T3", "T2"})
	// With the default k = 3 there is none.
	got, err = e.SharedTrainingOpportunities(ctx, []string{"aero"}, goldenParams, analytics.SharedOptions{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got["aero"].Total != 0 {
		t.Errorf("shared k=3: %+v", got["aero"])
	}

	// Mobility: the only surplus is (B, FITTER) −2. Needs: (A, WELD) 2,
	// (A, FITTER) 1 (same role: no), (A, QUALITY) 1, (B, WELD) 1, (B, QUALITY) 1.
	// similarity(FITTER, WELD), essential links: FITTER {WELDING 2, SAFETY 2,
	// BLUEPRINT 2}, WELD {WELDING 3, SAFETY 2}: Σmin 2+2+0 = 4, Σmax 3+2+2 = 7,
	// 4/7 >= 0.5. similarity(FITTER, QUALITY {ISO 3, SAFETY 1}): Σmin 1,
	// Σmax 2+2+2+3 = 9: 1/9, no. Paths: B FITTER → A WELD people min(2, 2) = 2,
	// then B FITTER → B WELD people 1 (same similarity, fewer people).
	mob, err := e.MobilityPaths(ctx, []string{"aero", "empty"}, goldenParams, 0)
	if err != nil {
		t.Fatal(err)
	}
	type path struct {
		from, fromRole, to, toRole string
		sim                        float64
		surplus, need, people      int
	}
	var paths []path
	for _, m := range mob["aero"].Items {
		paths = append(paths, path{m.FromSiren, m.FromRoleCode, m.ToSiren, m.ToRoleCode, m.Similarity, m.Surplus, m.Need, m.People})
	}
	sameRows(t, "mobility", paths, []path{
		{sirenB, "FITTER", sirenA, "WELD", 4.0 / 7, 2, 2, 2},
		{sirenB, "FITTER", sirenB, "WELD", 4.0 / 7, 2, 1, 1}})
	// With optional links WELD also requires BLUEPRINT 2: Σmin 6, Σmax 7.
	opt := goldenParams
	opt.IncludeOptional = true
	mob, err = e.MobilityPaths(ctx, []string{"aero"}, opt, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p := mob["aero"]; p.Total != 2 || len(p.Items) != 1 || p.Items[0].Similarity != 6.0/7 {
		t.Errorf("mobility with optional links: %+v", p)
	}
}

func TestGoldenEmployment(t *testing.T) {
	e := golden(t)
	got, err := e.Employment(context.Background(), []string{"aero", "empty"}, 2025)
	if err != nil {
		t.Fatal(err)
	}
	// 31 Dec 2025: A, B and C are members (C until 2026-06-30).
	//   A: 2025-12-31 e1 e2 e3 e4 e5 e6 e7 = 7; 2024-12-31 without e3 = 6 → created.
	//   B: e9 e10 = 2 (e13 left 2025-06-30); 2024: e9 e10 e13 = 3 → neither.
	//   C: e12, 1 and 1 → maintained.
	// Companies 3, created 1 (1/3), maintained 2 (2/3).
	check := func(y int, em analytics.Employment, companies, created, maintained int) {
		t.Helper()
		if em.Year != y || em.Companies != companies || em.Created != created || em.Maintained != maintained {
			t.Errorf("%d: %+v", y, em)
		}
		if companies == 0 {
			if em.CreatedShare != nil || em.MaintainedShare != nil {
				t.Errorf("%d: shares should be null: %+v", y, em)
			}
			return
		}
		if em.CreatedShare == nil || *em.CreatedShare != float64(created)/float64(companies) ||
			em.MaintainedShare == nil || *em.MaintainedShare != float64(maintained)/float64(companies) {
			t.Errorf("%d: shares %+v", y, em)
		}
	}
	check(2025, got["aero"], 3, 1, 2)
	check(2025, got["empty"], 0, 0, 0)
	// 31 Dec 2026: C's membership has ended. A: e5 left, e8 came: 7 and 7 →
	// maintained. B: e11 came: 3 > 2 → created and maintained.
	got, err = e.Employment(context.Background(), []string{"aero"}, 2026)
	if err != nil {
		t.Fatal(err)
	}
	check(2026, got["aero"], 2, 1, 2)
}

func TestInvalidArguments(t *testing.T) {
	e := golden(t)
	ctx := context.Background()
	isInvalid := func(name string, err error) {
		t.Helper()
		var inv *domain.Error
		if !errors.As(err, &inv) || inv.Code != domain.CodeInvalid {
			t.Errorf("%s: got %v, want a BAD_USER_INPUT error", name, err)
		}
	}
	a := []analytics.Scope{{Siren: sirenA}}
	_, err := e.RoleGaps(ctx, a, analytics.Params{AsOf: goldenParams.AsOf, Horizon: 2025}, "", 0)
	isInvalid("ErrHorizonBeforeAsOf", err)
	_, err = e.SkillGaps(ctx, a, analytics.Params{AsOf: goldenParams.AsOf, Horizon: 2030, RetirementAge: -1}, "", 0)
	isInvalid("ErrRetirementAge", err)
	_, err = e.RoleGaps(ctx, []analytics.Scope{{}}, goldenParams, "", 0)
	isInvalid("ErrEmptyScope", err)
	_, err = e.RoleGaps(ctx, []analytics.Scope{{TerritoryLevel: "canton", TerritoryCode: "1"}}, goldenParams, "", 0)
	isInvalid("ErrTerritoryLevel", err)
	_, err = e.SkillGaps(ctx, a, goldenParams, "SIZE", 0)
	isInvalid("ErrOrder", err)
	_, err = e.CriticalSkills(ctx, []string{"aero"}, goldenParams, -1)
	isInvalid("ErrFirst", err)
	_, err = e.SharedTrainingOpportunities(ctx, []string{"aero"}, goldenParams, analytics.SharedOptions{MinCompanies: -2}, 0)
	isInvalid("ErrMinCompanies", err)
	_, err = e.TrainingsNear(ctx, []analytics.NearRequest{{Scope: a[0], SkillID: 1, MinLevel: 5}}, 0)
	isInvalid("ErrLevel", err)
	_, err = e.Employment(ctx, []string{"aero"}, 0)
	isInvalid("ErrYear", err)
	// The horizon may be the year of asOf itself.
	if _, err := e.RoleGaps(ctx, a, analytics.Params{AsOf: goldenParams.AsOf, Horizon: 2026}, "", 0); err != nil {
		t.Errorf("horizon = year of asOf: %v", err)
	}
}
