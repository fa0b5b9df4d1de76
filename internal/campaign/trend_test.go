package campaign

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
)

// TestTopAndChanges: the changes of a trend, a point without figures
// counting 0 (coverage null), and the critical order at the last point.
func TestTopAndChanges(t *testing.T) {
	pts := DatePoints([]time.Time{time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 30, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)}, 3)
	if len(pts) != 2 || pts[0].Horizon != 2028 || pts[1].Horizon != 2029 {
		t.Fatalf("points %+v", pts)
	}
	sg := func(code string, req, qual int) analytics.SkillGap {
		g := analytics.SkillGap{SkillID: int(code[0]), SkillCode: code, Required: req, Qualified: qual, Gap: req - qual}
		if req != 0 {
			c := float64(qual) / float64(req)
			g.Coverage = &c
		}
		return g
	}
	figs := []analytics.Figures{
		{Skills: []analytics.SkillGap{sg("A", 4, 1), sg("B", 2, 2)}, Roles: []analytics.RoleGap{{RoleID: 1, RoleCode: "R", Target: 3, Stayers: 1, Gap: 2}}},
		// At the second point A has no figures; B, C and D have gap 2, B
		// with the lower coverage, D without required (null coverage:
		// last); E has gap 3.
		{Skills: []analytics.SkillGap{sg("B", 4, 2), sg("C", 6, 4), sg("E", 5, 2), {SkillID: 'D', SkillCode: "D", Gap: 2, Required: 0, Qualified: -2}}},
	}
	tr := buildTrend(pts, figs)
	var codes []string
	for _, s := range tr.Skills {
		codes = append(codes, s.Code)
	}
	if !reflect.DeepEqual(codes, []string{"A", "B", "C", "D", "E"}) {
		t.Fatalf("skills by code %v", codes)
	}
	a := tr.Skills[0].Points
	if a[0].Gap.Value != 3 || a[0].Gap.Change != nil || a[1].Gap.Value != 0 || *a[1].Gap.Change != -3 || a[1].Coverage.Value != nil || a[1].Coverage.Change != nil {
		t.Errorf("A: %+v", a)
	}
	b := tr.Skills[1].Points
	if *b[1].Required.Change != 2 || *b[1].Coverage.Change != -0.5 {
		t.Errorf("B: %+v", b)
	}
	r := tr.Roles[0].Points
	if r[1].RoleGap.Value != 0 || *r[1].RoleGap.Change != -2 || *r[1].Target.Change != -3 {
		t.Errorf("R: %+v", r)
	}
	codes = nil
	for _, s := range tr.Top(4).Skills {
		codes = append(codes, s.Code)
	}
	if !reflect.DeepEqual(codes, []string{"E", "B", "C", "D"}) {
		t.Errorf("top 4 %v, want E (gap 3), then gap 2 by coverage: B (0.5), C (0.67), D (null)", codes)
	}
	if len(tr.Top(0).Skills) != 5 {
		t.Error("Top(0) cut the skills")
	}
}

// TestTopFigures: keeping the figures of Top(n)'s skills and roles before
// pivoting gives the same trend as pivoting everything, on random figures
// with ties, skills and roles missing at some points (the last included),
// and skills without required (no coverage).
func TestTopFigures(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	pts := DatePoints([]time.Time{time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 30, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)}, 3)
	for round := 0; round < 300; round++ {
		figs := make([]analytics.Figures, len(pts))
		for i := range figs {
			for id := 1; id <= 1+rng.Intn(40); id++ {
				if rng.Intn(4) == 0 {
					continue
				}
				req, qual := rng.Intn(5), rng.Intn(5)
				g := analytics.SkillGap{SkillID: id, SkillCode: fmt.Sprintf("S%02d", id), Required: req, Qualified: qual, Gap: req - qual}
				if req != 0 {
					c := float64(qual) / float64(req)
					g.Coverage = &c
				}
				figs[i].Skills = append(figs[i].Skills, g)
			}
			for id := 1; id <= 1+rng.Intn(30); id++ {
				if rng.Intn(4) == 0 {
					continue
				}
				target, stayers := rng.Intn(5), rng.Intn(5)
				figs[i].Roles = append(figs[i].Roles, analytics.RoleGap{RoleID: id, RoleCode: fmt.Sprintf("R%02d", id),
					Target: target, Stayers: stayers, Gap: target - stayers})
			}
		}
		for _, n := range []int{1, 3, 10, 50} {
			want := buildTrend(pts, figs).Top(n)
			got := buildTrend(pts, topFigures(figs, n)).Top(n)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, n=%d: pre-selected\n%+v\nwant\n%+v", round, n, got, want)
			}
		}
	}
}
