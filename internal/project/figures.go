package project

import (
	"context"
	"fmt"
	"sort"

	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/analytics"
)

func sortInts(s []int) { sort.Ints(s) }

// skillRow is a skill that needs at H require, with their headcount, for
// one project or one pole (owner).
type skillRow struct {
	Owner     string `db:"owner"`
	PoleID    string `db:"pole_id"`
	SkillID   int    `db:"skill_id"`
	SkillCode string `db:"code"`
	Headcount int    `db:"headcount"`
}

// demandSQL sums, per owner (a project, or a pole: $4) and skill, the
// headcount of the needs at H ($2) whose role requires the skill ($3:
// includeOptional), over the projects $1 (ids) or of the poles $1.
const demandSQL = `
SELECT CASE WHEN $4::boolean THEN p.pole_id ELSE p.id END AS owner, p.pole_id, rs.skill_id, sk.code,
       sum(n.headcount)::int AS headcount
FROM projects p
JOIN project_needs n ON n.project_id = p.id AND n.year = $2::int
JOIN role_skills rs ON rs.role_id = n.role_id AND (rs.essential OR $3::boolean)
JOIN skills sk ON sk.id = rs.skill_id
WHERE (CASE WHEN $4::boolean THEN p.pole_id ELSE p.id END) = ANY($1)
GROUP BY 1, 2, 3, 4`

// poleGaps returns, per pole, its skill figures without projects by skill id.
func (s *Service) poleGaps(ctx context.Context, poles []string, p analytics.Params) (map[string]map[int]analytics.SkillGap, error) {
	p.IncludeProjects = false
	scopes := make([]analytics.Scope, len(poles))
	for i, id := range poles {
		scopes[i] = analytics.Scope{PoleID: id}
	}
	pages, err := s.Engine.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[int]analytics.SkillGap, len(poles))
	for _, id := range poles {
		m := map[int]analytics.SkillGap{}
		for _, g := range pages[analytics.Scope{PoleID: id}].Items {
			m[g.SkillID] = g
		}
		out[id] = m
	}
	return out, nil
}

// demand runs demandSQL and attaches the poles' gaps without projects.
func (s *Service) demand(ctx context.Context, owners []string, byPole bool, p analytics.Params) (map[string][]SkillNeed, error) {
	var rows []skillRow
	if err := s.DB.SelectContext(ctx, &rows, demandSQL, pq.Array(owners), p.Horizon, p.IncludeOptional, byPole); err != nil {
		return nil, fmt.Errorf("project skills: %w", err)
	}
	var poles []string
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.PoleID] {
			seen[r.PoleID] = true
			poles = append(poles, r.PoleID)
		}
	}
	gaps := map[string]map[int]analytics.SkillGap{}
	if len(poles) > 0 {
		var err error
		if gaps, err = s.poleGaps(ctx, poles, p); err != nil {
			return nil, err
		}
	}
	out := make(map[string][]SkillNeed, len(owners))
	for _, o := range owners {
		out[o] = []SkillNeed{}
	}
	codes := map[int]string{}
	for _, r := range rows {
		g := gaps[r.PoleID][r.SkillID]
		codes[r.SkillID] = r.SkillCode
		out[r.Owner] = append(out[r.Owner], SkillNeed{PoleID: r.PoleID, SkillID: r.SkillID, Headcount: r.Headcount, PoleGap: g.Gap, PoleRequired: g.Required})
	}
	for o, list := range out {
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if a.Headcount != b.Headcount {
				return a.Headcount > b.Headcount
			}
			if a.PoleGap != b.PoleGap {
				return a.PoleGap > b.PoleGap
			}
			return codes[a.SkillID] < codes[b.SkillID]
		})
		out[o] = list
	}
	return out, nil
}

// Skills returns, per project, the skills that its needs at H require, with
// their headcount and the pole's gap of each without projects, by headcount
// descending, then pole gap descending, then skill code. p's asOf, H,
// retirement age and includeOptional apply; includeProjects does not (the
// pole's gap is without projects).
func (s *Service) Skills(ctx context.Context, ids []string, p analytics.Params) (map[string][]SkillNeed, error) {
	if err := checkHorizon(p); err != nil {
		return nil, err
	}
	return s.demand(ctx, ids, false, p)
}

// PoleSkillNeeds returns, per pole, the skills its running projects will
// need most at H that its members lack (see the package documentation),
// the first `first` of them (0: all).
func (s *Service) PoleSkillNeeds(ctx context.Context, poles []string, p analytics.Params, first int) (map[string][]SkillNeed, error) {
	if err := checkHorizon(p); err != nil {
		return nil, err
	}
	all, err := s.demand(ctx, poles, true, p)
	if err != nil {
		return nil, err
	}
	for id, list := range all {
		kept := list[:0]
		for _, n := range list {
			if n.Headcount > 0 && (n.PoleGap > 0 || n.PoleRequired == 0) {
				kept = append(kept, n)
			}
		}
		if first > 0 && len(kept) > first {
			kept = kept[:first]
		}
		all[id] = kept
	}
	return all, nil
}

// checkHorizon validates p as every figure does (a horizon before asOf's
// year is refused), before any statement.
func checkHorizon(p analytics.Params) error {
	_, err := p.Normalized()
	return err
}
