package aggregates

// The contributions statement is built from constant fragments: the common
// part (the sites of the rows, their active employees, stayers, declared needs
// and per-(site, role) units), one source per dimension naming each unit's
// dimension value, and one label join. No user input is ever spliced in: every
// value travels as a parameter.
//
//	$1 asOf (date, 'YYYY-MM-DD'), $2 horizon year H, $3 retirement age A,
//	$4 includeOptional, $5 row level ('region' or 'department'),
//	$6 parent level ('' = France), $7 parent code, $8 scope pole id ('' = none).

// activeMembership is DESIGN.md's "active membership at asOf" for alias m.
const activeMembership = `m.since <= $1::date AND (m.until IS NULL OR $1::date < m.until)`

// unitsCTE is the common part of a query's statement.
var unitsCTE = unitsWhere(`true`)

// unitsWhere is the common part with cond, a constant condition on the site
// sp, added to site_in's: the rollup's rebuild by company restricts the
// sites to those of its companies.
func unitsWhere(cond string) string {
	return `
req AS (
  -- "requires": an essential link, or any link with includeOptional. Only
  -- the skill_category dimension reads it.
  SELECT rs.role_id, rs.skill_id, rs.level FROM role_skills rs WHERE rs.essential OR $4::boolean
),
site_in AS (
  -- The sites of the rows: inside the parent, and for a pole scope, of the
  -- pole's active members; tcode is the row (region or department) they lie in.
  SELECT sp.siret, sp.siren,
         CASE WHEN $5::text = 'region' THEN sp.region_code ELSE sp.department_code END AS tcode
  FROM site_places sp
  WHERE ($6::text = ''
         OR ($6::text = 'region' AND sp.region_code = $7::text)
         OR ($6::text = 'department' AND sp.department_code = $7::text))
    AND ` + cond + `
    AND ($8::text = '' OR EXISTS (
         SELECT 1 FROM memberships m
         WHERE m.pole_id = $8::text AND m.siren = sp.siren AND ` + activeMembership + `))
),
emp AS (
  -- Active employees at asOf; stayers at H are decided once, here.
  SELECT si.tcode, si.siren, e.siret, e.id, e.role_id, (e.birth_year + $3::int > $2::int) AS stayer
  FROM site_in si JOIN employees e ON e.siret = si.siret
  WHERE e.entry_date <= $1::date AND (e.exit_date IS NULL OR e.exit_date > $1::date)
),
site_role AS (
  SELECT tcode, siren, siret, role_id, count(*)::int AS headcount, (count(*) FILTER (WHERE stayer))::int AS stayers
  FROM emp GROUP BY tcode, siren, siret, role_id
),
site_need AS (
  -- The declared need at asOf: per (site, role) the latest row at H that is
  -- undated or declared on or before asOf (undated is the oldest).
  SELECT DISTINCT ON (n.siret, n.role_id) si.tcode, si.siren, n.siret, n.role_id, n.headcount
  FROM site_in si JOIN needs n ON n.siret = si.siret AND n.horizon_year = $2::int
  WHERE n.declared_on IS NULL OR n.declared_on <= $1::date
  ORDER BY n.siret, n.role_id, n.declared_on DESC NULLS LAST
),
unit AS (
  -- One row per (site, role) with an active employee or a declared need:
  -- target is the need when declared, else the site's headcount of the role.
  -- Both sides carry the site's row and company, so that no join back to
  -- site_in follows the full join (its row estimate would be 1, and the plan
  -- a nested loop).
  SELECT coalesce(h.tcode, n.tcode) AS tcode, coalesce(h.siren, n.siren) AS siren,
         coalesce(h.siret, n.siret) AS siret, coalesce(h.role_id, n.role_id) AS role_id,
         coalesce(h.headcount, 0) AS headcount, coalesce(h.stayers, 0) AS stayers,
         coalesce(n.headcount, h.headcount) AS target
  FROM site_role h FULL JOIN site_need n ON n.siret = h.siret AND n.role_id = h.role_id
)`
}

// dimensionSource is a dimension's CTEs producing
// cell(tcode, col, siren, headcount, stayers, target, required, qualified)
// from unit, and the join and expression naming each value (label).
type dimensionSource struct {
	cte, labelJoin, label string
}

const roleFigures = `u.headcount, u.stayers, u.target, 0 AS required, 0 AS qualified`

var dimensionSources = map[Dimension]dimensionSource{
	DimensionNone: {
		cte:   `cell AS (SELECT u.tcode, ''::text AS col, u.siren, ` + roleFigures + ` FROM unit u)`,
		label: `c.col`,
	},
	DimensionRoleFamily: {
		cte: `cell AS (
  SELECT u.tcode, coalesce(r.family, '') AS col, u.siren, ` + roleFigures + `
  FROM unit u JOIN roles r ON r.id = u.role_id)`,
		labelJoin: `LEFT JOIN role_families lf ON lf.code = c.col`,
		label:     `coalesce(lf.title, c.col)`,
	},
	DimensionGrandDomain: {
		// A family without a parent is a first level itself; a family with no
		// row in role_families has no known grand domain.
		cte: `cell AS (
  SELECT u.tcode, coalesce(f.parent_code, f.code, '') AS col, u.siren, ` + roleFigures + `
  FROM unit u JOIN roles r ON r.id = u.role_id LEFT JOIN role_families f ON f.code = r.family)`,
		labelJoin: `LEFT JOIN role_families lf ON lf.code = c.col`,
		label:     `coalesce(lf.title, c.col)`,
	},
	DimensionPole: {
		// A company counts in every pole where its membership is active;
		// companies without one fall in the '' value.
		cte: `member AS (
  SELECT DISTINCT m.pole_id, m.siren FROM memberships m WHERE ` + activeMembership + `
),
cell AS (
  SELECT u.tcode, coalesce(mb.pole_id, '') AS col, u.siren, ` + roleFigures + `
  FROM unit u LEFT JOIN member mb ON mb.siren = u.siren)`,
		labelJoin: `LEFT JOIN poles lp ON lp.id = c.col`,
		label:     `coalesce(lp.name, c.col)`,
	},
	DimensionNafSection: {
		// The division (2 digits) travels; Go maps it to its section.
		cte: `cell AS (
  SELECT u.tcode, coalesce(left(co.naf, 2), '') AS col, u.siren, ` + roleFigures + `
  FROM unit u JOIN companies co ON co.siren = u.siren)`,
		label: `c.col`,
	},
	DimensionSkillCategory: {
		// A unit counts once in each category of the skills its role
		// requires; required and qualified are summed over those skills.
		cte: `qual AS (
  -- Stayers holding the level their role requires; no assessment is level 0.
  -- Each stayer's own levels at asOf first (per skill the latest assessment
  -- undated or dated on or before asOf), through the employee index whose
  -- order is that of the pick (OFFSET 0 keeps the lateral from being
  -- flattened): joined on skill_id alone, req × employee_skills would be
  -- ~90 million rows at national scale.
  -- Stayers with a completion counted at asOf (few) take the second
  -- branch, where completions later than the assessment kept raise its
  -- level (DESIGN.md); the others keep the plain pick.
  SELECT es.siret, es.role_id, r.skill_id, count(*)::int AS qualified
  FROM (SELECT e.siret, e.role_id, es.skill_id, es.level
        FROM emp e
        CROSS JOIN LATERAL (SELECT DISTINCT ON (es.skill_id) es.skill_id, es.level FROM employee_skills es
                            WHERE es.employee_id = e.id AND (es.assessed_on IS NULL OR es.assessed_on <= $1::date)
                            ORDER BY es.skill_id, es.assessed_on DESC NULLS LAST OFFSET 0) es
        WHERE e.stayer AND NOT EXISTS (SELECT 1 FROM enrolments en WHERE en.employee_id = e.id
                                         AND en.status = 'completed' AND en.completed_on <= $1::date)
        UNION ALL
        SELECT e.siret, e.role_id, l.skill_id, l.level
        FROM emp e
        CROSS JOIN LATERAL (
          SELECT x.skill_id, max(x.level) AS level
          FROM (SELECT a.skill_id, a.level FROM (
                  SELECT DISTINCT ON (es.skill_id) es.skill_id, es.level, es.assessed_on FROM employee_skills es
                  WHERE es.employee_id = e.id AND (es.assessed_on IS NULL OR es.assessed_on <= $1::date)
                  ORDER BY es.skill_id, es.assessed_on DESC NULLS LAST) a
                UNION ALL
                SELECT tk.skill_id, tk.level
                FROM enrolments en JOIN training_skills tk ON tk.training_id = en.training_id
                WHERE en.employee_id = e.id AND en.status = 'completed' AND en.completed_on <= $1::date
                  AND NOT EXISTS (SELECT 1 FROM employee_skills es
                                  WHERE es.employee_id = e.id AND es.skill_id = tk.skill_id
                                    AND es.assessed_on <= $1::date AND es.assessed_on >= en.completed_on)) x
          GROUP BY x.skill_id) l
        WHERE e.stayer AND EXISTS (SELECT 1 FROM enrolments en WHERE en.employee_id = e.id
                                     AND en.status = 'completed' AND en.completed_on <= $1::date)) es
  JOIN req r ON r.role_id = es.role_id AND r.skill_id = es.skill_id
  WHERE es.level >= r.level
  GROUP BY es.siret, es.role_id, r.skill_id
),
unit_category AS (
  SELECT u.siret, u.role_id, coalesce(s.category, '') AS col,
         sum(u.target)::int AS required, coalesce(sum(q.qualified), 0)::int AS qualified
  FROM unit u
  JOIN req r ON r.role_id = u.role_id
  JOIN skills s ON s.id = r.skill_id
  LEFT JOIN qual q ON q.siret = u.siret AND q.role_id = u.role_id AND q.skill_id = r.skill_id
  GROUP BY u.siret, u.role_id, coalesce(s.category, '')
),
cell AS (
  SELECT u.tcode, uc.col, u.siren, u.headcount, u.stayers, u.target, uc.required, uc.qualified
  FROM unit u JOIN unit_category uc ON uc.siret = u.siret AND uc.role_id = u.role_id)`,
		label: `c.col`,
	},
}

// contributionsSQL is the one statement of a query: each company's summed
// figures per (territory, dimension value), ordered for determinism.
func contributionsSQL(d Dimension) string {
	src := dimensionSources[d]
	return `WITH ` + unitsCTE + `,
` + src.cte + `
SELECT c.tcode, t.name AS tname, c.col, ` + src.label + ` AS label, c.siren,
       sum(c.headcount)::int AS headcount, sum(c.stayers)::int AS stayers, sum(c.target)::int AS target,
       sum(c.required)::int AS required, sum(c.qualified)::int AS qualified
FROM cell c
JOIN territories t ON t.level = $5::text AND t.code = c.tcode
` + src.labelJoin + `
GROUP BY c.tcode, t.name, c.col, ` + src.label + `, c.siren
ORDER BY c.tcode, c.col, c.siren`
}
