package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/testdb"
)

// The plan fixture, worked out by hand. asOf = 2026-06-30, H = 2028, A = 64:
// a stayer is born after 1964. Company A (site in department 69, region
// 84), member of pole "aero" since 2020. Role WELD requires WELDING 3 and
// SAFETY 2 (essential). Trainings: TW teaches WELDING 3, TL WELDING 2, TS
// SAFETY 2. Sessions: TW/P 2025-01-06–10, TW/F 2027-03-01–05 (2 seats),
// TW/L 2029-01-01–05 (ends after 31 Dec H), TL/P 2025-03-01–02, TS/P
// 2025-02-01–02. Ten WELD employees, entered 2010, born 1980 but e8 (1960,
// leaves by H):
//
//	e1  WELDING 2 on 2025-01-01, completed TW/P 2025-01-10  → 3 (completion after the assessment)
//	e2  WELDING 2 on 2025-06-01, completed TW/P 2025-01-10  → 2 (a later assessment supersedes)
//	e3  WELDING 2 on 2025-01-10, completed TW/P 2025-01-10  → 2 (same day: does not count)
//	e4  no assessment, completed TW/P 2026-09-01            → 0 at asOf (after asOf), 3 with the plan
//	e5  WELDING 4 undated, completed TL/P 2025-03-02        → 4 (never lowered)
//	e6  WELDING 2 undated, enrolled TW/F                    → 2, 3 with the plan
//	e7  WELDING 2 undated, enrolled TW/L                    → 2 (session ends after H: not in the plan)
//	e8  WELDING 2 undated, enrolled TW/F, leaver            → not counted
//	e9  WELDING 2 undated, cancelled TW/F                   → 2
//	e10 no assessment, completed TS/P 2025-02-02            → SAFETY 2
//
// e1, e2, e3 are assessed SAFETY 2 undated. Target of WELD = headcount 10.
// WELDING: required 10, qualified 2 (e1, e5), gap 8, upskillable 5 (e2, e3,
// e6, e7, e9); with the plan qualifiedWithPlan 4 (+e4, e6), gapAfterPlan 6,
// plannedLearners 2. SAFETY: required 10, qualified 4 (e1, e2, e3, e10),
// gap 6; with the plan 4, 6, 0. Critical order: WELDING (8) then SAFETY
// (6); with the plan both have 6 and 4/10, so the code puts SAFETY first.
//
// Upcoming sessions teaching WELDING 3 near department 69 at asOf: TW/F
// (distance 0, 35 h, full: 2 seats, e6 and e8; e9 cancelled), TW/L, TR/R1
// (remote: distance 0, 70 h), TX/X1 (in 38, same region: distance 1, 10
// free seats); not TX/X0 (starts on asOf), TX/X2 (in 75: distance 2), TL
// (level 2). At level 4: TR/R1 only.
//
// At asOf 2025-01-10: e1 3, e2 3 (its assessment is later than asOf, its
// completion counts), e3 2, e4 0, e5 4: WELDING qualified 3; e10's SAFETY
// completion is later: SAFETY qualified 3 (e1, e2, e3).
const planFixture = `
INSERT INTO territories (level, code, name, parent_code) VALUES ('region', '84', 'Auvergne-Rhône-Alpes', NULL),
 ('region', '11', 'Île-de-France', NULL);
INSERT INTO territories (level, code, name, parent_code) VALUES ('department', '69', 'Rhône', '84'),
 ('department', '38', 'Isère', '84'), ('department', '75', 'Paris', '11');
INSERT INTO poles (id, name, kind, region_code) VALUES ('aero', 'Aéro', 'competitiveness_pole', '84');
INSERT INTO companies (siren, name) VALUES ('111111118', 'A');
INSERT INTO sites (siret, siren, territory_code) VALUES ('11111111800019', '111111118', '69');
INSERT INTO memberships (pole_id, siren, since) VALUES ('aero', '111111118', '2020-01-01');
INSERT INTO roles (code, title) VALUES ('WELD', 'Welder');
INSERT INTO skills (code, name, kind) VALUES ('WELDING', 'Welding', 'know_how'), ('SAFETY', 'Safety', 'knowledge');
INSERT INTO role_skills (role_id, skill_id, level, essential)
SELECT r.id, s.id, v.level, true FROM (VALUES ('WELDING', 3), ('SAFETY', 2)) v(skill, level)
JOIN roles r ON r.code = 'WELD' JOIN skills s ON s.code = v.skill;
INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
SELECT '111111118', 'e' || n, '11111111800019', (SELECT id FROM roles WHERE code = 'WELD'),
       CASE n WHEN 8 THEN 1960 ELSE 1980 END, '2010-01-01'
FROM generate_series(1, 10) n;
INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
SELECT e.id, s.id, v.level, v.on_::date FROM (VALUES
  ('e1', 'WELDING', 2, '2025-01-01'), ('e2', 'WELDING', 2, '2025-06-01'), ('e3', 'WELDING', 2, '2025-01-10'),
  ('e5', 'WELDING', 4, NULL), ('e6', 'WELDING', 2, NULL), ('e7', 'WELDING', 2, NULL), ('e8', 'WELDING', 2, NULL),
  ('e9', 'WELDING', 2, NULL), ('e1', 'SAFETY', 2, NULL), ('e2', 'SAFETY', 2, NULL), ('e3', 'SAFETY', 2, NULL)
) v(ref, skill, level, on_)
JOIN employees e ON e.employee_ref = v.ref JOIN skills s ON s.code = v.skill;
INSERT INTO trainings (id, provider, title, territory_code, modality, duration_hours) VALUES
 ('TW', 'P', 'Welding 3', '69', 'onsite', 35), ('TL', 'P', 'Welding 2', '69', 'onsite', 14),
 ('TS', 'P', 'Safety 2', '69', 'onsite', 7), ('TX', 'P', 'Welding 3 short', '69', 'onsite', 7),
 ('TR', 'P', 'Welding 4 remote', '75', 'remote', 70);
INSERT INTO training_skills (training_id, skill_id, level)
SELECT v.t, s.id, v.level FROM (VALUES ('TW', 'WELDING', 3), ('TL', 'WELDING', 2), ('TS', 'SAFETY', 2),
 ('TX', 'WELDING', 3), ('TR', 'WELDING', 4)) v(t, skill, level)
JOIN skills s ON s.code = v.skill;
INSERT INTO training_sessions (training_id, session_id, start_date, end_date, territory_code, seats) VALUES
 ('TW', 'P', '2025-01-06', '2025-01-10', NULL, NULL), ('TW', 'F', '2027-03-01', '2027-03-05', NULL, 2),
 ('TW', 'L', '2029-01-01', '2029-01-05', NULL, NULL), ('TL', 'P', '2025-03-01', '2025-03-02', NULL, NULL),
 ('TS', 'P', '2025-02-01', '2025-02-02', NULL, NULL),
 ('TX', 'X0', '2026-06-30', '2026-07-01', NULL, NULL), ('TX', 'X1', '2026-10-01', '2026-10-01', '38', 10),
 ('TX', 'X2', '2026-10-01', '2026-10-01', '75', NULL), ('TR', 'R1', '2027-01-01', '2027-01-10', NULL, NULL);
INSERT INTO enrolments (training_id, session_id, employee_id, status, completed_on)
SELECT v.t, v.s, e.id, v.status, v.on_::date FROM (VALUES
  ('TW', 'P', 'e1', 'completed', '2025-01-10'), ('TW', 'P', 'e2', 'completed', '2025-01-10'),
  ('TW', 'P', 'e3', 'completed', '2025-01-10'), ('TW', 'P', 'e4', 'completed', '2026-09-01'),
  ('TL', 'P', 'e5', 'completed', '2025-03-02'), ('TW', 'F', 'e6', 'enrolled', NULL),
  ('TW', 'L', 'e7', 'enrolled', NULL), ('TW', 'F', 'e8', 'enrolled', NULL),
  ('TW', 'F', 'e9', 'cancelled', NULL), ('TS', 'P', 'e10', 'completed', '2025-02-02')
) v(t, s, ref, status, on_)
JOIN employees e ON e.employee_ref = v.ref;
`

var planParams = analytics.Params{AsOf: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), Horizon: 2028, RetirementAge: 64}

func planEngine(t *testing.T) *analytics.Engine {
	t.Helper()
	db, _ := testdb.New(t)
	if _, err := db.Exec(planFixture); err != nil {
		t.Fatal(err)
	}
	return &analytics.Engine{DB: db}
}

type planRow struct {
	code                                 string
	required, qualified, gap, upskilable int
	withPlan                             bool
	qualifiedWithPlan, gapAfterPlan, pl  int
}

func planRows(items []analytics.SkillGap) []planRow {
	var out []planRow
	for _, g := range items {
		out = append(out, planRow{g.SkillCode, g.Required, g.Qualified, g.Gap, g.Upskillable, g.WithPlan,
			g.QualifiedWithPlan, g.GapAfterPlan, g.PlannedLearners})
	}
	return out
}

func TestGoldenCompletionsAndPlan(t *testing.T) {
	e := planEngine(t)
	ctx := context.Background()
	company, pole := analytics.Scope{Siren: "111111118"}, analytics.Scope{PoleID: "aero"}
	dept := analytics.Scope{TerritoryLevel: "department", TerritoryCode: "69"}
	scopes := []analytics.Scope{company, pole, dept}

	t.Run("LevelsAtAsOf", func(t *testing.T) {
		got, err := e.SkillGaps(ctx, scopes, planParams, analytics.SkillByGap, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range scopes {
			sameRows(t, "skills", planRows(got[s].Items), []planRow{
				{"WELDING", 10, 2, 8, 5, false, 0, 0, 0},
				{"SAFETY", 10, 4, 6, 0, false, 0, 0, 0},
			})
		}
	})
	t.Run("WithPlan", func(t *testing.T) {
		p := planParams
		p.WithPlan = true
		got, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByGapAfterPlan, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range scopes {
			sameRows(t, "skills with plan", planRows(got[s].Items), []planRow{
				{"SAFETY", 10, 4, 6, 0, true, 4, 6, 0},
				{"WELDING", 10, 2, 8, 5, true, 4, 6, 2},
			})
		}
		crit, err := e.CriticalSkills(ctx, []string{"aero"}, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, c := range crit["aero"].Items {
			order = append(order, c.SkillCode)
			if c.CompaniesWithGap != 1 {
				t.Errorf("%s companiesWithGap %d", c.SkillCode, c.CompaniesWithGap)
			}
		}
		sameRows(t, "critical with plan", order, []string{"SAFETY", "WELDING"})
		crit, err = e.CriticalSkills(ctx, []string{"aero"}, planParams, 0)
		if err != nil {
			t.Fatal(err)
		}
		order = nil
		for _, c := range crit["aero"].Items {
			order = append(order, c.SkillCode)
		}
		sameRows(t, "critical without plan", order, []string{"WELDING", "SAFETY"})
		if _, err := e.SkillGaps(ctx, scopes, planParams, analytics.SkillByGapAfterPlan, 0); err == nil {
			t.Error("GAP_AFTER_PLAN without withPlan accepted")
		}
	})
	t.Run("History", func(t *testing.T) {
		for _, c := range []struct {
			day             string
			welding, safety int
		}{
			{"2025-01-09", 1, 3}, // e5 only; e1's completion is tomorrow, e2 not yet assessed
			{"2025-01-10", 3, 3},
			{"2026-08-31", 2, 4},
			{"2026-09-01", 3, 4}, // e4's completion
		} {
			p := planParams
			p.AsOf, _ = time.Parse(time.DateOnly, c.day)
			got, err := e.SkillGaps(ctx, []analytics.Scope{company}, p, analytics.SkillByCode, 0)
			if err != nil {
				t.Fatal(err)
			}
			q := map[string]int{}
			for _, g := range got[company].Items {
				q[g.SkillCode] = g.Qualified
			}
			if q["WELDING"] != c.welding || q["SAFETY"] != c.safety {
				t.Errorf("asOf %s: qualified %v, want WELDING %d SAFETY %d", c.day, q, c.welding, c.safety)
			}
		}
		// Trends read the same levels.
		pts := []analytics.Point{{AsOf: time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC), Horizon: 2028},
			{AsOf: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Horizon: 2028}}
		series, err := e.Series(ctx, []analytics.Scope{company}, pts, 64, nil, []string{"WELDING"})
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, f := range series[company] {
			for _, g := range f.Skills {
				got = append(got, g.Qualified)
			}
		}
		sameRows(t, "series", got, []int{3, 3})
	})
}

func TestGoldenUpcomingSessions(t *testing.T) {
	e := planEngine(t)
	ctx := context.Background()
	var welding int
	if err := e.DB.Get(&welding, `SELECT id FROM skills WHERE code = 'WELDING'`); err != nil {
		t.Fatal(err)
	}
	r3 := analytics.SessionRequest{DepartmentCode: "69", SkillID: welding, MinLevel: 3, AsOf: planParams.AsOf}
	r4 := r3
	r4.MinLevel = 4
	got, err := e.UpcomingSessions(ctx, []analytics.SessionRequest{r3, r4}, 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id              string
		distance, seats int
		free            int
	}
	rows := func(p analytics.SessionPage) []row {
		var out []row
		for _, s := range p.Items {
			r := row{s.TrainingID + "/" + s.SessionID, s.Distance, -1, -1}
			if s.Seats != nil {
				r.seats, r.free = *s.Seats, *s.FreeSeats
			}
			out = append(out, r)
		}
		return out
	}
	sameRows(t, "level 3", rows(got[r3]), []row{{"TW/F", 0, 2, 0}, {"TW/L", 0, -1, -1}, {"TR/R1", 0, -1, -1}, {"TX/X1", 1, 10, 10}})
	sameRows(t, "level 4", rows(got[r4]), []row{{"TR/R1", 0, -1, -1}})
	if got[r3].Total != 4 {
		t.Errorf("total %d", got[r3].Total)
	}
	cut, err := e.UpcomingSessions(ctx, []analytics.SessionRequest{r3}, 1)
	if err != nil || len(cut[r3].Items) != 1 || cut[r3].Total != 4 {
		t.Errorf("first 1: %+v %v", cut[r3], err)
	}
}
