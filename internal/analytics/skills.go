package analytics

import (
	"context"
	"fmt"
)

// SkillGap is DESIGN.md's skill figures of one skill in one scope.
type SkillGap struct {
	SkillID   int
	SkillCode string
	SkillName string
	// Required is the sum of target(r) over the roles r that require the skill.
	Required int
	// Qualified counts stayers whose role requires the skill at a level they hold.
	Qualified int
	// Gap = Required − Qualified.
	Gap int
	// Coverage = Qualified / Required; nil when Required = 0.
	Coverage *float64
	// Upskillable counts stayers whose role requires the skill one level above theirs.
	Upskillable int
	// InternalPool counts stayers whose role does not require the skill but
	// who hold it at the highest level any role of the referential requires.
	InternalPool int
	// LevelNeeded is the highest level that the roles of the scope (those
	// with a headcount or a target) require of the skill: the level a
	// training must teach. 0 when no role of the scope requires it.
	LevelNeeded int
	// WithPlan tells whether the plan figures below were asked for (Params.WithPlan).
	WithPlan bool
	// QualifiedWithPlan counts stayers as Qualified does, with their planned
	// levels (completions after asOf and enrolments in sessions ending by
	// 31 December of H raise them).
	QualifiedWithPlan int
	// GapAfterPlan = Required − QualifiedWithPlan.
	GapAfterPlan int
	// PlannedLearners = QualifiedWithPlan − Qualified: the stayers the plan
	// makes qualified.
	PlannedLearners int
}

// SkillPage is one scope's skill figures: Total skills with a non-zero
// figure, Items the first of them in the requested order.
type SkillPage struct {
	Total int
	Items []SkillGap
}

// SkillOrder orders skill figures; ties are always broken by skill code
// (byte order). A null coverage sorts after every number.
type SkillOrder string

// Skill orders.
const (
	SkillByGap      SkillOrder = "GAP"      // gap desc, coverage asc, code: DESIGN.md's critical order
	SkillByCoverage SkillOrder = "COVERAGE" // coverage asc, gap desc
	SkillByRequired SkillOrder = "REQUIRED" // required desc
	SkillByCode     SkillOrder = "CODE"     // code asc
	// SkillByGapAfterPlan is the critical order with the plan: gapAfterPlan
	// desc, qualifiedWithPlan/required asc, code. It needs Params.WithPlan.
	SkillByGapAfterPlan SkillOrder = "GAP_AFTER_PLAN"
)

// coverageSQL is qualified/required as an exact numeric, for ordering only;
// the value returned is computed in Go from the two integers.
const coverageSQL = `(sf.qualified::numeric / nullif(sf.required, 0))`

// criticalOrder is DESIGN.md's order of critical skills, over skill_fig sf
// and skills sk.
const criticalOrder = `sf.required - sf.qualified DESC, ` + coverageSQL + ` ASC NULLS LAST, sk.code COLLATE "C"`

// planOrder is DESIGN.md's order of critical skills with the plan:
// gapAfterPlan descending, qualifiedWithPlan / required ascending, code.
const planOrder = `sf.required - sf.qualified_with_plan DESC, (sf.qualified_with_plan::numeric / nullif(sf.required, 0)) ASC NULLS LAST, sk.code COLLATE "C"`

func (o SkillOrder) sql() (string, error) {
	switch o {
	case SkillByGap, "":
		return criticalOrder, nil
	case SkillByCoverage:
		return coverageSQL + ` ASC NULLS LAST, sf.required - sf.qualified DESC, sk.code COLLATE "C"`, nil
	case SkillByRequired:
		return `sf.required DESC, sk.code COLLATE "C"`, nil
	case SkillByCode:
		return `sk.code COLLATE "C"`, nil
	case SkillByGapAfterPlan:
		return planOrder, nil
	}
	return "", invalid("order", "unknown skill order %q", string(o))
}

// skillColumns are the columns scanSkill reads, from skill_fig sf (or a
// rollup's rollup_pole_skills sf) and skills sk.
const skillColumns = `sk.id, sk.code, sk.name, sf.required, sf.qualified, sf.upskillable, sf.internal_pool, sf.level_needed,
  sf.qualified_with_plan`

func (g *SkillGap) targets() []any {
	return []any{&g.SkillID, &g.SkillCode, &g.SkillName, &g.Required, &g.Qualified, &g.Upskillable, &g.InternalPool,
		&g.LevelNeeded, &g.QualifiedWithPlan}
}

// derive fills the figures defined from the scanned ones; the plan's only
// when withPlan.
func (g *SkillGap) derive(withPlan bool) {
	g.WithPlan = withPlan
	if withPlan {
		g.GapAfterPlan = g.Required - g.QualifiedWithPlan
		g.PlannedLearners = g.QualifiedWithPlan - g.Qualified
	} else {
		g.QualifiedWithPlan = 0
	}
	g.Gap = g.Required - g.Qualified
	g.Coverage = nil
	if g.Required != 0 {
		c := float64(g.Qualified) / float64(g.Required)
		g.Coverage = &c
	}
}

// SkillGaps returns the skill figures of every scope, in one statement.
// Skills whose figures are all zero are left out. first > 0 keeps the first
// skills of each scope; 0 keeps them all. Every scope asked for has an entry.
// Poles whose rollup is stale through a few companies' writes are derived
// from their parts (derive).
func (e *Engine) SkillGaps(ctx context.Context, scopes []Scope, p Params, order SkillOrder, first int) (map[Scope]SkillPage, error) {
	return orDerived(ctx, e, scopes, p, "skill gaps", []any{order, first},
		func(ctx context.Context) (map[Scope]SkillPage, error) {
			return e.skillGaps(ctx, scopes, p, order, first)
		})
}

func (e *Engine) skillGaps(ctx context.Context, scopes []Scope, p Params, order SkillOrder, first int) (map[Scope]SkillPage, error) {
	list, q, args, err := e.skillGapsQuery(ctx, scopes, p, order, first)
	if err != nil {
		return nil, err
	}
	out := make(map[Scope]SkillPage, len(list))
	for _, s := range list {
		out[s] = SkillPage{Items: []SkillGap{}}
	}
	if len(list) == 0 {
		return out, nil
	}
	rows, err := e.queryx(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("skill gaps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var unit, total, rn int
		var g SkillGap
		if err := rows.Scan(append(append([]any{&unit}, g.targets()...), &total, &rn)...); err != nil {
			return nil, err
		}
		g.derive(p.WithPlan)
		page := out[list[unit]]
		page.Total = total
		page.Items = append(page.Items, g)
		out[list[unit]] = page
	}
	return out, rows.Err()
}

// skillGapsQuery validates the arguments of SkillGaps and builds its
// statement, reading a rollup when one answers (unitFigures).
func (e *Engine) skillGapsQuery(ctx context.Context, scopes []Scope, p Params, order SkillOrder, first int) ([]Scope, string, []any, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, "", nil, err
	}
	if order == SkillByGapAfterPlan && !p.WithPlan {
		return nil, "", nil, invalid("order", "GAP_AFTER_PLAN needs withPlan")
	}
	orderBy, err := order.sql()
	if err != nil {
		return nil, "", nil, err
	}
	if err := validateFirst(first); err != nil {
		return nil, "", nil, err
	}
	list, arr, err := distinctScopes(scopes)
	if err != nil || len(list) == 0 {
		return list, "", nil, err
	}
	cte, args, src, err := e.unitFigures(ctx, list, arr, p)
	if err != nil {
		return nil, "", nil, err
	}
	args = append(args, limit(first))
	if src == fromRollup && (order == SkillByGap || order == "") {
		return list, rankedSkillsSQL(false), args, nil
	}
	if src == fromSteps {
		return list, stepsSkillsSQL(orderBy, len(args)), args, nil
	}
	// For companies (a few hundred skills each), the skills are ranked with
	// their code alone, read per row (OFFSET 0 keeps the lateral from being
	// flattened into a hash join of all 34,000 skills: 28 ms instead of 41
	// for the benchmark's company), and joined whole for the rows kept only.
	// Larger scopes (thousands of skills) keep the hash join.
	codes := `JOIN skills sk ON sk.id = sf.skill_id`
	if companyScopes(list) {
		codes = `CROSS JOIN LATERAL (SELECT s.code FROM skills s WHERE s.id = sf.skill_id OFFSET 0) sk`
	}
	q := `WITH ` + cte + `
SELECT x.unit_no, sk.id, sk.code, sk.name, x.required, x.qualified, x.upskillable, x.internal_pool,
       x.level_needed, x.qualified_with_plan, x.total, x.rn
FROM (SELECT sf.unit_no, sf.skill_id, sf.required, sf.qualified, sf.upskillable, sf.internal_pool, sf.level_needed,
             sf.qualified_with_plan,
             count(*) OVER (PARTITION BY sf.unit_no) AS total,
             row_number() OVER (PARTITION BY sf.unit_no ORDER BY ` + orderBy + `) AS rn
      FROM skill_fig sf ` + codes + `
      WHERE ` + skillShown + `) x
JOIN skills sk ON sk.id = x.skill_id
WHERE x.rn <= $` + fmt.Sprint(len(args)) + `
ORDER BY x.unit_no, x.rn`
	return list, q, args, nil
}
