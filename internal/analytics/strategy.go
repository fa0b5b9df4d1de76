package analytics

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/lib/pq"
)

// CriticalSkill is a skill of a pole's scope with its figures and the number
// of member companies whose own company-scope gap of it is positive.
type CriticalSkill struct {
	SkillGap
	CompaniesWithGap int
}

// CriticalSkillPage is one pole's critical skills: Total skills with a
// non-zero figure in the pole's scope, Items the first of them by gap
// descending, then coverage ascending (null last), then code.
type CriticalSkillPage struct {
	Total int
	Items []CriticalSkill
}

// CriticalSkills ranks the skills of each pole's scope, in one statement.
// The pole's figures are the sums of its member companies' figures (the
// member companies' site sets partition the pole's), which gives both the
// pole row and the count of companies with a positive gap in one pass.
// Every skill with a non-zero figure is ranked, including those whose gap is
// not positive: DESIGN.md orders skills, it does not filter them; `first`
// keeps the top.
func (e *Engine) CriticalSkills(ctx context.Context, poleIDs []string, p Params, first int) (map[string]CriticalSkillPage, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	if err := validateFirst(first); err != nil {
		return nil, err
	}
	poles := distinctStrings(poleIDs)
	out := make(map[string]CriticalSkillPage, len(poles))
	for _, id := range poles {
		out[id] = CriticalSkillPage{Items: []CriticalSkill{}}
	}
	if len(poles) == 0 {
		return out, nil
	}
	q, args := criticalSkillsQuery(p), []any{p.date(), p.Horizon, p.RetirementAge, p.IncludeOptional, pq.Array(poles), limit(first)}
	if run, ok, stale, err := e.rollupRun(ctx, p, poles); err != nil {
		return nil, err
	} else if ok {
		q, args = rankedSkillsSQL(true), []any{run, pq.Array(poles), limit(first)}
		if p.WithPlan {
			q = plannedSkillsSQL
		}
	} else if stale {
		if d, ok, err := derive(ctx, e, p, poles, "critical skills", []any{first}, lookupDerivation,
			func(ctx context.Context) (map[string]CriticalSkillPage, error) {
				dc, _ := derivedFrom(ctx)
				return e.scanCriticalSkills(ctx, out, poles, p, derivedCriticalSQL(p.WithPlan, p.IncludeProjects),
					append(deltaArgs(dc.d, p, poles), limit(first)))
			}); err != nil || ok {
			return d, err
		}
	}
	return e.scanCriticalSkills(ctx, out, poles, p, q, args)
}

// scanCriticalSkills runs q and reads its rows (rankedSkillsSQL(true)'s
// columns) into a copy of empty, one page per pole.
func (e *Engine) scanCriticalSkills(ctx context.Context, empty map[string]CriticalSkillPage, poles []string, p Params, q string, args []any) (map[string]CriticalSkillPage, error) {
	out := maps.Clone(empty)
	rows, err := e.queryx(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("critical skills: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, total, rn int
		var c CriticalSkill
		if err := rows.Scan(append(append([]any{&n}, c.targets()...), &c.CompaniesWithGap, &total, &rn)...); err != nil {
			return nil, err
		}
		c.derive(p.WithPlan)
		page := out[poles[n]]
		page.Total = total
		page.Items = append(page.Items, c)
		out[poles[n]] = page
	}
	return out, rows.Err()
}

// SharedTrainingOpportunity is a (department, skill) pair where at least k
// member companies with sites in the department have a positive gap of the
// skill over their sites there.
type SharedTrainingOpportunity struct {
	DepartmentCode string
	SkillID        int
	SkillCode      string
	SkillName      string
	// Companies is the number of member companies with a positive gap.
	Companies int
	// Learners is the sum of those companies' gaps.
	Learners int
	// LevelNeeded is the highest level the roles of those companies' sites in
	// the department require of the skill; trainings must teach at least it.
	LevelNeeded int
	// Trainings teaching the skill at LevelNeeded or above, near the department.
	Trainings TrainingPage
	// AsOf is the reference date of the figures: the upcoming sessions
	// (Sessions) are those starting after it.
	AsOf time.Time
}

// Near is the request that finds the opportunity's trainings.
func (o SharedTrainingOpportunity) Near() NearRequest {
	return NearRequest{
		Scope:    Scope{TerritoryLevel: LevelDepartment, TerritoryCode: o.DepartmentCode},
		SkillID:  o.SkillID,
		MinLevel: o.LevelNeeded,
	}
}

// SharedOptions tune SharedTrainingOpportunities.
type SharedOptions struct {
	// MinCompanies is k; 0 means DefaultMinCompanies.
	MinCompanies int
	// Trainings is how many trainings to attach to each opportunity
	// (0: all of them; -1: none, and no second statement).
	Trainings int
}

// SharedOpportunityPage is one pole's opportunities: Total pairs, Items the
// first of them by learners descending, then companies descending, then
// department code, then skill code.
type SharedOpportunityPage struct {
	Total int
	Items []SharedTrainingOpportunity
}

// SharedTrainingOpportunities finds each pole's opportunities in one
// statement, then their trainings in a second one.
func (e *Engine) SharedTrainingOpportunities(ctx context.Context, poleIDs []string, p Params, opt SharedOptions, first int) (map[string]SharedOpportunityPage, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	if err := validateFirst(first); err != nil {
		return nil, err
	}
	if opt.MinCompanies == 0 {
		opt.MinCompanies = DefaultMinCompanies
	}
	if opt.MinCompanies < 1 {
		return nil, invalid("minCompanies", "must be >= 1, got %d", opt.MinCompanies)
	}
	if opt.Trainings < -1 {
		return nil, invalid("trainings", "must be >= -1, got %d", opt.Trainings)
	}
	poles := distinctStrings(poleIDs)
	out := make(map[string]SharedOpportunityPage, len(poles))
	for _, id := range poles {
		out[id] = SharedOpportunityPage{Items: []SharedTrainingOpportunity{}}
	}
	if len(poles) == 0 {
		return out, nil
	}
	q, args := p.pick(sharedOpportunitiesSQL, sharedOpportunitiesProjectsSQL), []any{p.date(), p.Horizon, p.RetirementAge, p.IncludeOptional, pq.Array(poles),
		opt.MinCompanies, limit(first)}
	if run, ok, stale, err := e.rollupRun(ctx, p, poles); err != nil {
		return nil, err
	} else if ok {
		q, args = sharedOpportunitiesRollupSQL, []any{run, pq.Array(poles), opt.MinCompanies, limit(first)}
	} else if stale {
		if d, ok, err := derive(ctx, e, p, poles, "opportunities", []any{opt, first}, lookupDerivation,
			func(ctx context.Context) (map[string]SharedOpportunityPage, error) {
				dc, _ := derivedFrom(ctx)
				return e.scanOpportunities(ctx, out, poles, p, opt, derivedOpportunitiesSQL(p.IncludeProjects),
					append(derivedArgs(dc.d, p, poles), opt.MinCompanies, limit(first)))
			}); err != nil || ok {
			return d, err
		}
	}
	return e.scanOpportunities(ctx, out, poles, p, opt, q, args)
}

// scanOpportunities runs q, reads its rows (sharedOpportunitiesSelect's
// columns) into a copy of empty, one page per pole, and attaches the
// trainings near each opportunity.
func (e *Engine) scanOpportunities(ctx context.Context, empty map[string]SharedOpportunityPage, poles []string, p Params, opt SharedOptions, q string, args []any) (map[string]SharedOpportunityPage, error) {
	out := maps.Clone(empty)
	rows, err := e.queryx(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("shared training opportunities: %w", err)
	}
	defer rows.Close()
	var near []NearRequest
	for rows.Next() {
		var n, total int
		var o SharedTrainingOpportunity
		if err := rows.Scan(&n, &o.DepartmentCode, &o.SkillID, &o.SkillCode, &o.SkillName, &o.Companies,
			&o.Learners, &o.LevelNeeded, &total); err != nil {
			return nil, err
		}
		o.Trainings = TrainingPage{Items: []TrainingMatch{}}
		o.AsOf = p.AsOf
		page := out[poles[n]]
		page.Total = total
		page.Items = append(page.Items, o)
		out[poles[n]] = page
		near = append(near, o.Near())
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if opt.Trainings == -1 || len(near) == 0 {
		return out, nil
	}
	trainings, err := e.TrainingsNear(ctx, near, opt.Trainings)
	if err != nil {
		return nil, err
	}
	for id, page := range out {
		for i := range page.Items {
			page.Items[i].Trainings = trainings[page.Items[i].Near()]
		}
		out[id] = page
	}
	return out, nil
}

// MobilityPath is a possible internal mobility between members of a pole:
// people in surplus in role FromRole at company FromSiren (company-scope
// roleGap < 0) who could fill a need of role ToRole at company ToSiren
// (roleGap > 0).
type MobilityPath struct {
	FromSiren    string
	FromRoleID   int
	FromRoleCode string
	ToSiren      string
	ToRoleID     int
	ToRoleCode   string
	// Similarity = Σ min(level(r1,s), level(r2,s)) / Σ max(…) over the union
	// of both roles' required skills; always >= 0.5 here.
	Similarity float64
	Surplus    int // −roleGap of (FromSiren, FromRole)
	Need       int // roleGap of (ToSiren, ToRole)
	People     int // min(Surplus, Need)
}

// MobilityPage is one pole's mobility paths: Total paths, Items the first of
// them by similarity descending, then people descending, then from siren,
// from role code, to siren, to role code.
type MobilityPage struct {
	Total int
	Items []MobilityPath
}

// MobilityPaths lists each pole's mobility paths in one statement. The
// similarity test is exact integer arithmetic: with c = Σ min and
// t1, t2 the sums of each role's levels, Σ max = t1 + t2 − c, so
// similarity >= 0.5 ⇔ 3c >= t1 + t2. Two roles sharing no skill have
// similarity 0.
func (e *Engine) MobilityPaths(ctx context.Context, poleIDs []string, p Params, first int) (map[string]MobilityPage, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	if err := validateFirst(first); err != nil {
		return nil, err
	}
	poles := distinctStrings(poleIDs)
	out := make(map[string]MobilityPage, len(poles))
	for _, id := range poles {
		out[id] = MobilityPage{Items: []MobilityPath{}}
	}
	if len(poles) == 0 {
		return out, nil
	}
	q, args := p.pick(mobilityPathsSQL, mobilityPathsProjectsSQL), []any{p.date(), p.Horizon, p.RetirementAge, p.IncludeOptional, pq.Array(poles), limit(first)}
	if run, ok, stale, err := e.rollupRun(ctx, p, poles); err != nil {
		return nil, err
	} else if ok {
		q, args = mobilityPathsRollupSQL, []any{run, pq.Array(poles), limit(first)}
	} else if stale {
		if d, ok, err := derive(ctx, e, p, poles, "mobility", []any{first}, lookupDerivation,
			func(ctx context.Context) (map[string]MobilityPage, error) {
				dc, _ := derivedFrom(ctx)
				return e.scanMobility(ctx, out, poles, derivedMobilitySQL(p.IncludeProjects),
					append(mobilityArgs(dc.d, p, poles), limit(first)))
			}); err != nil || ok {
			return d, err
		}
	}
	return e.scanMobility(ctx, out, poles, q, args)
}

// scanMobility runs q and reads its rows (mobilityPathsSelect's columns)
// into a copy of empty, one page per pole.
func (e *Engine) scanMobility(ctx context.Context, empty map[string]MobilityPage, poles []string, q string, args []any) (map[string]MobilityPage, error) {
	out := maps.Clone(empty)
	rows, err := e.queryx(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("mobility paths: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, total, common, unionMax int
		var m MobilityPath
		if err := rows.Scan(&n, &m.FromSiren, &m.FromRoleID, &m.FromRoleCode, &m.ToSiren, &m.ToRoleID, &m.ToRoleCode,
			&common, &unionMax, &m.Surplus, &m.Need, &m.People, &total); err != nil {
			return nil, err
		}
		m.Similarity = float64(common) / float64(unionMax)
		page := out[poles[n]]
		page.Total = total
		page.Items = append(page.Items, m)
		out[poles[n]] = page
	}
	return out, rows.Err()
}

// criticalSkillsSQL: $1..$4 the parameters, $5 pole ids, $6 the row bound.
// With the plan, skills are ranked by gapAfterPlan and companiesWithGap
// counts members whose company-scope gapAfterPlan is positive.
func criticalSkillsSQL(withPlan bool) string {
	companyGap, order := `sf.required > sf.qualified`, criticalOrder
	if withPlan {
		companyGap, order = `sf.required > sf.qualified_with_plan`, planOrder
	}
	return `WITH ` + poleMembersCTE + `,` + companyUnitsCTE + `,` + figuresCTE + `,
pole_skill AS (
  SELECT u.pole_no AS unit_no, sf.skill_id,
         sum(sf.required)::int AS required, sum(sf.qualified)::int AS qualified,
         sum(sf.upskillable)::int AS upskillable, sum(sf.internal_pool)::int AS internal_pool,
         max(sf.level_needed)::int AS level_needed, sum(sf.qualified_with_plan)::int AS qualified_with_plan,
         count(*) FILTER (WHERE ` + companyGap + `)::int AS companies
  FROM skill_fig sf JOIN unit u ON u.unit_no = sf.unit_no
  GROUP BY u.pole_no, sf.skill_id
)
` + fmt.Sprintf(`SELECT *
FROM (SELECT sf.unit_no, `+skillColumns+`, sf.companies,
             count(*) OVER (PARTITION BY sf.unit_no) AS total,
             row_number() OVER (PARTITION BY sf.unit_no ORDER BY `+order+`) AS rn
      FROM pole_skill sf JOIN skills sk ON sk.id = sf.skill_id
      WHERE `+skillShown+`) x
WHERE rn <= $%d
ORDER BY unit_no, rn`, 6)
}

// sharedOpportunitiesSQL: $1..$4 the parameters, $5 pole ids, $6 k, $7 the
// row bound.
var sharedOpportunitiesSQL = `WITH ` + poleMembersCTE + `,` + departmentUnitsCTE + `,` + figuresCTE + `,
opportunity AS (
  SELECT u.pole_no, u.department_code, sf.skill_id,
         count(*)::int AS companies,
         sum(sf.required - sf.qualified)::int AS learners,
         max(sf.level_needed)::int AS level_needed
  FROM skill_fig sf JOIN unit u ON u.unit_no = sf.unit_no
  WHERE sf.required > sf.qualified
  GROUP BY u.pole_no, u.department_code, sf.skill_id
  HAVING count(*) >= $6
)
` + sharedOpportunitiesSelect(7)

// sharedOpportunitiesRollupSQL reads run $1 for pole ids $2; $3 k, $4 the
// row bound: the first rows in the order of opp_rank (the order of
// sharedOpportunitiesSelect), and the count of rows with at least k
// companies.
const sharedOpportunitiesRollupSQL = `WITH ` + rollupPoles + `
SELECT pi.pole_no, o.department_code, sk.id, sk.code, sk.name, o.companies, o.learners, o.level_needed, t.total
FROM pole_in pi
-- Once per pole (a correlated subquery in the select list would count once
-- per row shown).
CROSS JOIN LATERAL (
  SELECT count(*) AS total FROM rollup_pole_opportunities c
  WHERE c.run_id = $1 AND c.pole_id = pi.id AND c.companies >= $3) t
CROSS JOIN LATERAL (
  SELECT * FROM rollup_pole_opportunities r
  WHERE r.run_id = $1 AND r.pole_id = pi.id AND r.companies >= $3
  ORDER BY r.opp_rank LIMIT $4) o
JOIN skills sk ON sk.id = o.skill_id
ORDER BY pi.pole_no, o.opp_rank`

// sharedOpportunitiesSelect ranks opportunity, keeping rows up to parameter $n.
func sharedOpportunitiesSelect(n int) string {
	return fmt.Sprintf(`SELECT pole_no, department_code, id, code, name, companies, learners, level_needed, total
FROM (SELECT o.*, sk.id, sk.code, sk.name,
             count(*) OVER (PARTITION BY o.pole_no) AS total,
             row_number() OVER (PARTITION BY o.pole_no
               ORDER BY o.learners DESC, o.companies DESC, o.department_code COLLATE "C", sk.code COLLATE "C") AS rn
      FROM opportunity o JOIN skills sk ON sk.id = o.skill_id) x
WHERE rn <= $%d
ORDER BY pole_no, rn`, n)
}

// mobilityPathsSQL: $1..$4 the parameters, $5 pole ids, $6 the row bound.
var mobilityPathsSQL = `WITH ` + poleMembersCTE + `,` + companyUnitsCTE + `,` + figuresCTE + `,
company_gap AS (
  SELECT u.pole_no, u.siren, rf.role_id, rf.target - rf.stayers AS gap
  FROM role_fig rf JOIN unit u ON u.unit_no = rf.unit_no
  WHERE rf.target <> rf.stayers
),
` + similarRolesCTE + `,
` + mobilityPathsSelect(6)

// mobilityPathsRollupSQL reads run $1 for pole ids $2; $3 the row bound.
var mobilityPathsRollupSQL = `WITH ` + rollupPoles + `,
company_gap AS (
  SELECT pi.pole_no, r.siren, r.role_id, r.gap
  FROM pole_in pi JOIN rollup_pole_company_roles r ON r.run_id = $1 AND r.pole_id = pi.id
),
similar_roles AS (
  SELECT r1, r2, common, union_max FROM rollup_similar_roles WHERE run_id = $1
),
` + mobilityPathsSelect(3)

// similarRolesCTE lists the pairs of roles at least 0.5 similar, r1 among
// the surpluses of company_gap and r2 among its needs.
const similarRolesCTE = `
role_total AS (
  SELECT role_id, sum(level) AS total FROM req GROUP BY role_id
),
similar_roles AS (
  SELECT c.r1, c.r2, c.common, t1.total + t2.total - c.common AS union_max
  FROM (SELECT x.role_id AS r1, y.role_id AS r2, sum(least(x.level, y.level)) AS common
        FROM req x JOIN req y ON y.skill_id = x.skill_id AND y.role_id <> x.role_id
        WHERE x.role_id IN (SELECT role_id FROM company_gap WHERE gap < 0)
          AND y.role_id IN (SELECT role_id FROM company_gap WHERE gap > 0)
        GROUP BY x.role_id, y.role_id) c
  JOIN role_total t1 ON t1.role_id = c.r1
  JOIN role_total t2 ON t2.role_id = c.r2
  WHERE 3 * c.common >= t1.total + t2.total
)`

// mobilityPathsSelect pairs company_gap's surpluses and needs of
// similar_roles, keeping rows up to parameter $n.
func mobilityPathsSelect(n int) string {
	return fmt.Sprintf(`path AS (
  SELECT a.pole_no, a.siren AS from_siren, a.role_id AS from_role, b.siren AS to_siren, b.role_id AS to_role,
         s.common, s.union_max, -a.gap AS surplus, b.gap AS need, least(-a.gap, b.gap) AS people
  FROM company_gap a
  JOIN similar_roles s ON s.r1 = a.role_id
  JOIN company_gap b ON b.pole_no = a.pole_no AND b.role_id = s.r2 AND b.gap > 0
  WHERE a.gap < 0
)
SELECT pole_no, from_siren, from_role, from_code, to_siren, to_role, to_code, common, union_max, surplus, need, people, total
FROM (SELECT pa.*, fr.code AS from_code, tr.code AS to_code,
             count(*) OVER (PARTITION BY pa.pole_no) AS total,
             row_number() OVER (PARTITION BY pa.pole_no
               ORDER BY pa.common::numeric / pa.union_max DESC, pa.people DESC, pa.from_siren,
                        fr.code COLLATE "C", pa.to_siren, tr.code COLLATE "C") AS rn
      FROM path pa JOIN roles fr ON fr.id = pa.from_role JOIN roles tr ON tr.id = pa.to_role) x
WHERE rn <= $%d
ORDER BY pole_no, rn`, n)
}
