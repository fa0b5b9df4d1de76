package store

import (
	"context"

	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/page"
)

const roleCols = `r.id, r.code, r.title, r.family`
const skillCols = `s.id, s.code, s.name, s.kind, s.category`

type roleRow struct {
	domain.Role
	counted
}

// RoleFilter narrows the list of roles.
type RoleFilter struct {
	// Family keeps roles of the family or of its sub-families (a grand domaine
	// "H" keeps the roles of H12, H13…).
	Family string
	Search string
}

// Roles lists roles by code.
func (s *Store) Roles(ctx context.Context, f RoleFilter, a page.Args) ([]*domain.Role, int, error) {
	w := &where{}
	if f.Family != "" {
		ph := w.next(f.Family)
		w.addRaw("(r.family = " + ph + " OR r.family IN (SELECT code FROM role_families WHERE parent_code = " + ph + "))")
	}
	if f.Search != "" {
		ph := w.next(likePattern(f.Search))
		w.addRaw("(r.title ILIKE " + ph + " OR r.code ILIKE " + ph + ")")
	}
	rows, total, err := listPage(ctx, s, `SELECT `+roleCols+`, count(*) OVER () AS total_count FROM roles r`, w, "r.code", a,
		func(r *roleRow) int { return r.Total })
	if err != nil {
		return nil, 0, err
	}
	out := make([]*domain.Role, len(rows))
	for i, r := range rows {
		x := r.Role
		out[i] = &x
	}
	return out, total, nil
}

// RolesByCode returns the roles with these codes.
func (s *Store) RolesByCode(ctx context.Context, codes []string) (map[string]*domain.Role, error) {
	var rows []*domain.Role
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+roleCols+` FROM roles r WHERE r.code = ANY($1)`, pq.Array(codes)); err != nil {
		return nil, err
	}
	out := make(map[string]*domain.Role, len(rows))
	for _, r := range rows {
		out[r.Code] = r
	}
	return out, nil
}

// RolesByID returns the roles with these ids.
func (s *Store) RolesByID(ctx context.Context, ids []int) (map[int]*domain.Role, error) {
	var rows []*domain.Role
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+roleCols+` FROM roles r WHERE r.id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int]*domain.Role, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// RoleFamilies lists families under a parent (nil: the top level).
func (s *Store) RoleFamilies(ctx context.Context, parent *string) ([]*domain.RoleFamily, error) {
	var rows []*domain.RoleFamily
	q := `SELECT code, title, parent_code FROM role_families WHERE parent_code IS NULL ORDER BY code`
	args := []any{}
	if parent != nil {
		q = `SELECT code, title, parent_code FROM role_families WHERE parent_code = $1 ORDER BY code`
		args = append(args, *parent)
	}
	err := s.DB.SelectContext(ctx, &rows, q, args...)
	return rows, err
}

// RoleFamiliesByCode returns the families with these codes.
func (s *Store) RoleFamiliesByCode(ctx context.Context, codes []string) (map[string]*domain.RoleFamily, error) {
	var rows []*domain.RoleFamily
	if err := s.DB.SelectContext(ctx, &rows, `SELECT code, title, parent_code FROM role_families WHERE code = ANY($1)`, pq.Array(codes)); err != nil {
		return nil, err
	}
	out := make(map[string]*domain.RoleFamily, len(rows))
	for _, r := range rows {
		out[r.Code] = r
	}
	return out, nil
}

type skillRow struct {
	domain.Skill
	counted
}

// SkillFilter narrows the list of skills.
type SkillFilter struct {
	Kind     string
	Category string
	Search   string
}

// Skills lists skills by code.
func (s *Store) Skills(ctx context.Context, f SkillFilter, a page.Args) ([]*domain.Skill, int, error) {
	w := &where{}
	if f.Kind != "" {
		w.add("s.kind = ?", f.Kind)
	}
	if f.Category != "" {
		w.add("s.category = ?", f.Category)
	}
	if f.Search != "" {
		ph := w.next(likePattern(f.Search))
		w.addRaw("(s.name ILIKE " + ph + " OR s.code ILIKE " + ph + ")")
	}
	rows, total, err := listPage(ctx, s, `SELECT `+skillCols+`, count(*) OVER () AS total_count FROM skills s`, w, "s.code", a,
		func(r *skillRow) int { return r.Total })
	if err != nil {
		return nil, 0, err
	}
	out := make([]*domain.Skill, len(rows))
	for i, r := range rows {
		x := r.Skill
		out[i] = &x
	}
	return out, total, nil
}

// SkillsByCode returns the skills with these codes.
func (s *Store) SkillsByCode(ctx context.Context, codes []string) (map[string]*domain.Skill, error) {
	var rows []*domain.Skill
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+skillCols+` FROM skills s WHERE s.code = ANY($1)`, pq.Array(codes)); err != nil {
		return nil, err
	}
	out := make(map[string]*domain.Skill, len(rows))
	for _, r := range rows {
		out[r.Code] = r
	}
	return out, nil
}

// SkillsByID returns the skills with these ids.
func (s *Store) SkillsByID(ctx context.Context, ids []int) (map[int]*domain.Skill, error) {
	var rows []*domain.Skill
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+skillCols+` FROM skills s WHERE s.id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int]*domain.Skill, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// SkillsOfRoles returns each role's required skills, essential first, then by level.
func (s *Store) SkillsOfRoles(ctx context.Context, roleIDs []int) (map[int][]*domain.RoleSkill, error) {
	var rows []*domain.RoleSkill
	if err := s.DB.SelectContext(ctx, &rows, `SELECT rs.role_id, rs.skill_id, rs.level, rs.essential
		FROM role_skills rs JOIN skills s ON s.id = rs.skill_id
		WHERE rs.role_id = ANY($1) ORDER BY rs.role_id, rs.essential DESC, rs.level DESC, s.code`, pq.Array(roleIDs)); err != nil {
		return nil, err
	}
	out := map[int][]*domain.RoleSkill{}
	for _, r := range rows {
		out[r.RoleID] = append(out[r.RoleID], r)
	}
	return out, nil
}

// RolesOfSkillKey asks one page of the roles requiring one skill.
type RolesOfSkillKey struct {
	SkillID       int
	EssentialOnly bool
	Args          page.Args
}

type roleSkillRow struct {
	domain.RoleSkill
	RN int `db:"rn"`
	counted
}

// RolesOfSkills answers many RolesOfSkillKey in one statement per distinct (filter, page).
func (s *Store) RolesOfSkills(ctx context.Context, keys []RolesOfSkillKey) (map[RolesOfSkillKey]*page.Connection[*domain.RoleSkill], error) {
	type group struct {
		essential bool
		a         page.Args
	}
	groups := map[group][]int{}
	for _, k := range keys {
		g := group{k.EssentialOnly, k.Args}
		groups[g] = append(groups[g], k.SkillID)
	}
	out := make(map[RolesOfSkillKey]*page.Connection[*domain.RoleSkill], len(keys))
	for g, ids := range groups {
		cond := ""
		if g.essential {
			cond = " AND rs.essential"
		}
		inner := `SELECT rs.role_id, rs.skill_id, rs.level, rs.essential,
			row_number() OVER (PARTITION BY rs.skill_id ORDER BY rs.essential DESC, rs.level DESC, r.code) AS rn,
			count(*) OVER (PARTITION BY rs.skill_id) AS total_count
			FROM role_skills rs JOIN roles r ON r.id = rs.role_id WHERE rs.skill_id = ANY($1)` + cond
		var rows []*roleSkillRow
		if err := s.DB.SelectContext(ctx, &rows, partitionedPage(inner, g.a)+" ORDER BY skill_id, rn", pq.Array(ids)); err != nil {
			return nil, err
		}
		by := map[int][]*domain.RoleSkill{}
		totals := map[int]int{}
		for _, r := range rows {
			x := r.RoleSkill
			by[r.SkillID] = append(by[r.SkillID], &x)
			totals[r.SkillID] = r.Total
		}
		for _, id := range ids {
			out[RolesOfSkillKey{id, g.essential, g.a}] = page.Build(g.a, by[id], totals[id])
		}
	}
	return out, nil
}
