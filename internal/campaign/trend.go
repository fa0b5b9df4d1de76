package campaign

import (
	"context"
	"sort"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/domain"
)

// DefaultOffset is DESIGN.md's default offset k of trends: H = year(asOf) + k.
const DefaultOffset = 3

// Value is a figure at a point of a trend and its change since the
// previous point (nil at the first).
type Value struct {
	Value  int
	Change *int
}

// Ratio is a ratio at a point (nil when undefined) and its change since the
// previous point (nil at the first, or when either is undefined).
type Ratio struct {
	Value  *float64
	Change *float64
}

// TrendPoint is one point of a trend: its asOf and H, and the campaign it
// stands for when the trend follows campaigns.
type TrendPoint struct {
	AsOf     time.Time
	Horizon  int
	Campaign *Campaign
}

// RolePoint is a role's figures at one point.
type RolePoint struct {
	TrendPoint
	Headcount, Stayers, Departures, Target, RoleGap Value
}

// SkillPoint is a skill's figures at one point.
type SkillPoint struct {
	TrendPoint
	Required, Qualified, Gap, Upskillable, InternalPool Value
	Coverage                                            Ratio
}

// RoleTrend is a role's figures at every point.
type RoleTrend struct {
	RoleID      int
	Code, Title string
	Points      []RolePoint
}

// SkillTrend is a skill's figures at every point.
type SkillTrend struct {
	SkillID    int
	Code, Name string
	Points     []SkillPoint
}

// Trend is DESIGN.md's trend of a scope's figures over points.
type Trend struct {
	Points []TrendPoint
	Roles  []RoleTrend
	Skills []SkillTrend
}

// TrendRequest asks a scope's trend over points; RoleCodes and SkillCodes,
// when not empty, keep only those roles and skills. First > 0 says that
// only the trend's Top(First) will be read: the statements may then leave
// the other roles and skills out (analytics.Engine.SeriesFirst).
type TrendRequest struct {
	Scope      analytics.Scope
	Points     []TrendPoint
	RoleCodes  []string
	SkillCodes []string
	First      int
}

// Top keeps the first n skills in DESIGN.md's critical order at the last
// point (gap descending, coverage ascending with null last, code) and the
// first n roles by roleGap descending at the last point (then code), in
// that order; n <= 0 keeps them all, by code.
func (t *Trend) Top(n int) *Trend {
	if n <= 0 || len(t.Points) == 0 {
		return t
	}
	last := len(t.Points) - 1
	out := *t
	out.Skills = append([]SkillTrend(nil), t.Skills...)
	sort.SliceStable(out.Skills, func(i, j int) bool {
		a, b := out.Skills[i].Points[last], out.Skills[j].Points[last]
		if a.Gap.Value != b.Gap.Value {
			return a.Gap.Value > b.Gap.Value
		}
		ca, cb := a.Coverage.Value, b.Coverage.Value
		switch {
		case ca != nil && cb != nil && *ca != *cb:
			return *ca < *cb
		case (ca == nil) != (cb == nil):
			return cb == nil
		}
		return out.Skills[i].Code < out.Skills[j].Code
	})
	out.Skills = out.Skills[:min(n, len(out.Skills))]
	out.Roles = append([]RoleTrend(nil), t.Roles...)
	sort.SliceStable(out.Roles, func(i, j int) bool {
		a, b := out.Roles[i].Points[last], out.Roles[j].Points[last]
		if a.RoleGap.Value != b.RoleGap.Value {
			return a.RoleGap.Value > b.RoleGap.Value
		}
		return out.Roles[i].Code < out.Roles[j].Code
	})
	out.Roles = out.Roles[:min(n, len(out.Roles))]
	return &out
}

// CampaignPoints are the points of a trend over campaigns: each campaign's
// reference date and H = its year + k, in DESIGN.md's order (reference date,
// then id; ByPoles lists them so).
func CampaignPoints(cs []*Campaign, k int) []TrendPoint {
	out := make([]TrendPoint, len(cs))
	for i, c := range cs {
		ref := c.ReferenceDate()
		out[i] = TrendPoint{AsOf: ref, Horizon: ref.Year() + k, Campaign: c}
	}
	return out
}

// DatePoints are the points of a trend over dates given, in date order, at
// offset k.
func DatePoints(dates []time.Time, k int) []TrendPoint {
	sorted := append([]time.Time(nil), dates...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Before(sorted[j]) })
	out := make([]TrendPoint, 0, len(sorted))
	for i, d := range sorted {
		if i > 0 && d.Equal(sorted[i-1]) {
			continue
		}
		out = append(out, TrendPoint{AsOf: d, Horizon: d.Year() + k})
	}
	return out
}

// CheckOffset checks a trend's offset k.
func CheckOffset(k int) error {
	if k < 0 || k > 50 {
		return domain.Invalid("offset", "offset must be between 0 and 50, got %d", k)
	}
	return nil
}

// Trend computes a scope's trend: the figures at every point in the same
// two statements (analytics.Engine.Series), essential links only, default
// retirement age.
func (s *Service) Trend(ctx context.Context, r TrendRequest) (*Trend, error) {
	ts, err := s.Trends(ctx, []analytics.Scope{r.Scope}, r.Points, r.RoleCodes, r.SkillCodes, r.First)
	if err != nil {
		return nil, err
	}
	return ts[r.Scope], nil
}

// Trends computes the trends of several scopes over the same points, in the
// same two statements; with first > 0 only their Top(first) is exact.
func (s *Service) Trends(ctx context.Context, scopes []analytics.Scope, points []TrendPoint, roleCodes, skillCodes []string, first int) (map[analytics.Scope]*Trend, error) {
	pts := make([]analytics.Point, len(points))
	for i, p := range points {
		pts[i] = analytics.Point{AsOf: p.AsOf, Horizon: p.Horizon}
	}
	series, err := s.Engine.SeriesFirst(ctx, scopes, pts, 0, roleCodes, skillCodes, first)
	if err != nil {
		return nil, err
	}
	out := make(map[analytics.Scope]*Trend, len(series))
	for sc, figs := range series {
		if first > 0 {
			figs = topFigures(figs, first)
		}
		out[sc] = buildTrend(points, figs)
	}
	return out, nil
}

// topFigures keeps, at every point, only the figures of the skills and
// roles that Top(n) keeps, chosen from the figures themselves: a pole's
// trend with a point not yet rolled up gets every skill of every point
// (thousands at national scale), and pivoting them all (buildTrend) to
// keep n cost most of the request. A skill or role without figures at the
// last point counts there as buildTrend counts it (0, no coverage).
func topFigures(figs []analytics.Figures, n int) []analytics.Figures {
	if len(figs) == 0 {
		return figs
	}
	last := len(figs) - 1
	type skillKey struct {
		code     string
		gap      int
		coverage *float64
	}
	type roleKey struct {
		code string
		gap  int
	}
	skills := map[int]*skillKey{}
	roles := map[int]*roleKey{}
	for i, f := range figs {
		for _, g := range f.Skills {
			k := skills[g.SkillID]
			if k == nil {
				k = &skillKey{code: g.SkillCode}
				skills[g.SkillID] = k
			}
			if i == last {
				k.gap, k.coverage = g.Required-g.Qualified, g.Coverage
			}
		}
		for _, g := range f.Roles {
			k := roles[g.RoleID]
			if k == nil {
				k = &roleKey{code: g.RoleCode}
				roles[g.RoleID] = k
			}
			if i == last {
				k.gap = g.Gap
			}
		}
	}
	skillIDs := make([]int, 0, len(skills))
	for id := range skills {
		skillIDs = append(skillIDs, id)
	}
	// Top's order (gap descending, coverage ascending with none last, code).
	sort.Slice(skillIDs, func(i, j int) bool {
		a, b := skills[skillIDs[i]], skills[skillIDs[j]]
		if a.gap != b.gap {
			return a.gap > b.gap
		}
		switch {
		case a.coverage != nil && b.coverage != nil && *a.coverage != *b.coverage:
			return *a.coverage < *b.coverage
		case (a.coverage == nil) != (b.coverage == nil):
			return b.coverage == nil
		}
		return a.code < b.code
	})
	roleIDs := make([]int, 0, len(roles))
	for id := range roles {
		roleIDs = append(roleIDs, id)
	}
	sort.Slice(roleIDs, func(i, j int) bool {
		a, b := roles[roleIDs[i]], roles[roleIDs[j]]
		if a.gap != b.gap {
			return a.gap > b.gap
		}
		return a.code < b.code
	})
	keepSkill := map[int]bool{}
	for _, id := range skillIDs[:min(n, len(skillIDs))] {
		keepSkill[id] = true
	}
	keepRole := map[int]bool{}
	for _, id := range roleIDs[:min(n, len(roleIDs))] {
		keepRole[id] = true
	}
	out := make([]analytics.Figures, len(figs))
	for i, f := range figs {
		for _, g := range f.Skills {
			if keepSkill[g.SkillID] {
				out[i].Skills = append(out[i].Skills, g)
			}
		}
		for _, g := range f.Roles {
			if keepRole[g.RoleID] {
				out[i].Roles = append(out[i].Roles, g)
			}
		}
	}
	return out
}

// buildTrend pivots figures per point into series per role and skill; a
// role or skill without figures at a point counts 0 there (coverage nil).
func buildTrend(points []TrendPoint, figs []analytics.Figures) *Trend {
	t := &Trend{Points: points, Roles: []RoleTrend{}, Skills: []SkillTrend{}}
	roles := map[int]*RoleTrend{}
	skills := map[int]*SkillTrend{}
	roleAt := map[[2]int]analytics.RoleGap{}
	skillAt := map[[2]int]analytics.SkillGap{}
	for i, f := range figs {
		for _, g := range f.Roles {
			if roles[g.RoleID] == nil {
				roles[g.RoleID] = &RoleTrend{RoleID: g.RoleID, Code: g.RoleCode, Title: g.RoleTitle}
			}
			roleAt[[2]int{g.RoleID, i}] = g
		}
		for _, g := range f.Skills {
			if skills[g.SkillID] == nil {
				skills[g.SkillID] = &SkillTrend{SkillID: g.SkillID, Code: g.SkillCode, Name: g.SkillName}
			}
			skillAt[[2]int{g.SkillID, i}] = g
		}
	}
	for id, rt := range roles {
		var prev *analytics.RoleGap
		for i, p := range points {
			g := roleAt[[2]int{id, i}]
			rp := RolePoint{TrendPoint: p,
				Headcount:  value(g.Headcount, prev, func(x *analytics.RoleGap) int { return x.Headcount }),
				Stayers:    value(g.Stayers, prev, func(x *analytics.RoleGap) int { return x.Stayers }),
				Departures: value(g.Departures, prev, func(x *analytics.RoleGap) int { return x.Departures }),
				Target:     value(g.Target, prev, func(x *analytics.RoleGap) int { return x.Target }),
				RoleGap:    value(g.Gap, prev, func(x *analytics.RoleGap) int { return x.Gap })}
			rt.Points = append(rt.Points, rp)
			prev = &g
		}
		t.Roles = append(t.Roles, *rt)
	}
	for id, st := range skills {
		var prev *analytics.SkillGap
		for i, p := range points {
			g := skillAt[[2]int{id, i}]
			g.Gap = g.Required - g.Qualified
			sp := SkillPoint{TrendPoint: p,
				Required:     value(g.Required, prev, func(x *analytics.SkillGap) int { return x.Required }),
				Qualified:    value(g.Qualified, prev, func(x *analytics.SkillGap) int { return x.Qualified }),
				Gap:          value(g.Gap, prev, func(x *analytics.SkillGap) int { return x.Gap }),
				Upskillable:  value(g.Upskillable, prev, func(x *analytics.SkillGap) int { return x.Upskillable }),
				InternalPool: value(g.InternalPool, prev, func(x *analytics.SkillGap) int { return x.InternalPool }),
				Coverage:     Ratio{Value: g.Coverage}}
			if prev != nil && prev.Coverage != nil && g.Coverage != nil {
				c := *g.Coverage - *prev.Coverage
				sp.Coverage.Change = &c
			}
			st.Points = append(st.Points, sp)
			prev = &g
		}
		t.Skills = append(t.Skills, *st)
	}
	sort.Slice(t.Roles, func(i, j int) bool { return t.Roles[i].Code < t.Roles[j].Code })
	sort.Slice(t.Skills, func(i, j int) bool { return t.Skills[i].Code < t.Skills[j].Code })
	return t
}

func value[T any](v int, prev *T, of func(*T) int) Value {
	out := Value{Value: v}
	if prev != nil {
		c := v - of(prev)
		out.Change = &c
	}
	return out
}

// GapMove is a skill whose gap changed between two campaigns.
type GapMove struct {
	SkillID    int
	Code, Name string
	From, To   int // the pole's gap of the skill at each campaign
	Change     int // To − From
}

// GapMoves returns the skills of a pole whose gap grew most and shrank most
// between campaigns from and to (at year(reference date) + k each), the
// first of each list.
func (s *Service) GapMoves(ctx context.Context, poleID string, from, to *Campaign, k, first int) (grew, shrank []GapMove, err error) {
	t, err := s.Trend(ctx, TrendRequest{Scope: analytics.Scope{PoleID: poleID}, Points: CampaignPoints([]*Campaign{from, to}, k)})
	if err != nil {
		return nil, nil, err
	}
	grew, shrank = []GapMove{}, []GapMove{}
	for _, st := range t.Skills {
		m := GapMove{SkillID: st.SkillID, Code: st.Code, Name: st.Name, From: st.Points[0].Gap.Value, To: st.Points[1].Gap.Value}
		m.Change = m.To - m.From
		switch {
		case m.Change > 0:
			grew = append(grew, m)
		case m.Change < 0:
			shrank = append(shrank, m)
		}
	}
	sort.SliceStable(grew, func(i, j int) bool { return grew[i].Change > grew[j].Change })
	sort.SliceStable(shrank, func(i, j int) bool { return shrank[i].Change < shrank[j].Change })
	return grew[:min(first, len(grew))], shrank[:min(first, len(shrank))], nil
}
