package project

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/analytics"
)

// Project is a row of projects.
type Project struct {
	ID        string  `db:"id"`
	PoleID    string  `db:"pole_id"`
	Title     string  `db:"title"`
	Funding   *string `db:"funding"`
	StartYear int     `db:"start_year"`
	EndYear   int     `db:"end_year"`
}

// Partner is a company of a project.
type Partner struct {
	ProjectID string `db:"project_id"`
	Siren     string `db:"siren"`
	// Role is leader or partner.
	Role string `db:"role"`
	// ActiveMember tells whether the company has an active membership of
	// the project's pole at the asOf it was read for.
	ActiveMember bool `db:"active_member"`
}

// Need is a staffing need of a project at a partner's site.
type Need struct {
	ProjectID string `db:"project_id"`
	Siret     string `db:"siret"`
	RoleID    int    `db:"role_id"`
	Year      int    `db:"year"`
	Headcount int    `db:"headcount"`
}

// YearHeadcount is a headcount in a year.
type YearHeadcount struct {
	Year      int
	Headcount int
}

// RoleYears is the sum of a project's needs of one role per year, over every
// year of the project (0 in years without a need).
type RoleYears struct {
	RoleID int
	Years  []YearHeadcount
}

// SkillNeed is a skill that project needs at H require.
type SkillNeed struct {
	// PoleID is the pole of the project(s).
	PoleID  string
	SkillID int
	// Headcount is the headcount of the needs at H whose role requires the skill.
	Headcount int
	// PoleGap is the pole's gap of the skill without projects (0 when no
	// role of the pole requires it); PoleRequired its required.
	PoleGap      int
	PoleRequired int
}

// Service reads projects.
type Service struct {
	DB     *sqlx.DB
	Engine *analytics.Engine
}

const projectColumns = `p.id, p.pole_id, p.title, p.funding, p.start_year, p.end_year`

// ByIDs reads projects by id; unknown ids are absent.
func (s *Service) ByIDs(ctx context.Context, ids []string) (map[string]*Project, error) {
	var rows []*Project
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+projectColumns+` FROM projects p WHERE p.id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("projects: %w", err)
	}
	out := make(map[string]*Project, len(rows))
	for _, p := range rows {
		out[p.ID] = p
	}
	return out, nil
}

// ByPoles reads the projects of each pole, by start year then id.
func (s *Service) ByPoles(ctx context.Context, poles []string) (map[string][]*Project, error) {
	var rows []*Project
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+projectColumns+` FROM projects p WHERE p.pole_id = ANY($1)
ORDER BY p.start_year, p.id`, pq.Array(poles)); err != nil {
		return nil, fmt.Errorf("projects of poles: %w", err)
	}
	out := make(map[string][]*Project, len(poles))
	for _, id := range poles {
		out[id] = []*Project{}
	}
	for _, p := range rows {
		out[p.PoleID] = append(out[p.PoleID], p)
	}
	return out, nil
}

// ByCompanies reads the projects each company is a partner of, by start
// year then id.
func (s *Service) ByCompanies(ctx context.Context, sirens []string) (map[string][]*Project, error) {
	type row struct {
		Siren string `db:"siren"`
		Project
	}
	var rows []row
	if err := s.DB.SelectContext(ctx, &rows, `SELECT pp.siren, `+projectColumns+`
FROM project_partners pp JOIN projects p ON p.id = pp.project_id
WHERE pp.siren = ANY($1) ORDER BY p.start_year, p.id`, pq.Array(sirens)); err != nil {
		return nil, fmt.Errorf("projects of companies: %w", err)
	}
	out := make(map[string][]*Project, len(sirens))
	for _, id := range sirens {
		out[id] = []*Project{}
	}
	for i := range rows {
		p := rows[i].Project
		out[rows[i].Siren] = append(out[rows[i].Siren], &p)
	}
	return out, nil
}

// PartnerKey asks for a project's partners at a reference date.
type PartnerKey struct {
	ProjectID string
	AsOf      time.Time
}

// Partners reads each project's partners, leader first then by SIREN, with
// whether each has an active membership of the project's pole at the key's
// asOf (DESIGN.md's active membership).
func (s *Service) Partners(ctx context.Context, keys []PartnerKey) (map[PartnerKey][]Partner, error) {
	ids := make([]string, len(keys))
	dates := make([]string, len(keys))
	for i, k := range keys {
		ids[i], dates[i] = k.ProjectID, k.AsOf.Format(time.DateOnly)
	}
	type row struct {
		Ord int `db:"ord"`
		Partner
	}
	var rows []row
	if err := s.DB.SelectContext(ctx, &rows, `
SELECT k.ord::int AS ord, pp.project_id, pp.siren, pp.role,
       EXISTS (SELECT 1 FROM memberships m WHERE m.pole_id = p.pole_id AND m.siren = pp.siren
                 AND m.since <= k.as_of AND (m.until IS NULL OR k.as_of < m.until)) AS active_member
FROM unnest($1::text[], $2::date[]) WITH ORDINALITY AS k(project_id, as_of, ord)
JOIN projects p ON p.id = k.project_id
JOIN project_partners pp ON pp.project_id = p.id
ORDER BY k.ord, pp.role <> 'leader', pp.siren`, pq.Array(ids), pq.Array(dates)); err != nil {
		return nil, fmt.Errorf("project partners: %w", err)
	}
	out := make(map[PartnerKey][]Partner, len(keys))
	for _, k := range keys {
		out[k] = []Partner{}
	}
	for _, r := range rows {
		k := keys[r.Ord-1]
		out[k] = append(out[k], r.Partner)
	}
	return out, nil
}

// Needs reads every need of each project, whichever partner's, by year,
// then SIRET, then role id.
func (s *Service) Needs(ctx context.Context, ids []string) (map[string][]Need, error) {
	var rows []Need
	if err := s.DB.SelectContext(ctx, &rows, `SELECT n.project_id, n.siret, n.role_id, n.year, n.headcount
FROM project_needs n WHERE n.project_id = ANY($1) ORDER BY n.project_id, n.year, n.siret, n.role_id`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("project needs: %w", err)
	}
	out := make(map[string][]Need, len(ids))
	for _, id := range ids {
		out[id] = []Need{}
	}
	for _, n := range rows {
		out[n.ProjectID] = append(out[n.ProjectID], n)
	}
	return out, nil
}

// SumByRole is DESIGN.md's "for each role the sum of its needs' headcount
// per year over all the project's years": one entry per role with a need,
// by role id, each with every year from start to end.
func SumByRole(p *Project, needs []Need) []RoleYears {
	byRole := map[int][]YearHeadcount{}
	var roles []int
	for _, n := range needs {
		ys, ok := byRole[n.RoleID]
		if !ok {
			for y := p.StartYear; y <= p.EndYear; y++ {
				ys = append(ys, YearHeadcount{Year: y})
			}
			roles = append(roles, n.RoleID)
		}
		if i := n.Year - p.StartYear; i >= 0 && i < len(ys) {
			ys[i].Headcount += n.Headcount
		}
		byRole[n.RoleID] = ys
	}
	sortInts(roles)
	out := make([]RoleYears, len(roles))
	for i, r := range roles {
		out[i] = RoleYears{RoleID: r, Years: byRole[r]}
	}
	return out
}
