package analytics

// The SQL of the package is built from the fragments below. Every query
// starts by naming its "units" — sets of sites numbered unit_no: a caller's
// scopes, or a pole's member companies, or a pole's members within one
// department — as the CTE unit_sites(unit_no, siret), then appends
// figuresCTE, which computes DESIGN.md's role and skill figures of every unit
// at once. The parameters $1..$4 are the same in every query:
//
//	$1 asOf (date, as 'YYYY-MM-DD'), $2 horizon year H, $3 retirement age A,
//	$4 includeOptional.
//
// Role and skill figures are additive over disjoint site sets (targets are
// summed per site, the other figures count stayers), so that pole figures can
// be rolled up from company units, and company-by-department figures from
// their units, with sums.

// activeMembership is DESIGN.md's "active membership at asOf" for alias m.
const activeMembership = `m.since <= $1::date AND (m.until IS NULL OR $1::date < m.until)`

// assessedBy keeps the assessments (alias es) that count at asOf ($1):
// undated ones and those dated on or before it. Among them the latest per
// (employee, skill) is the level (DESIGN.md, "Level of skill s of employee e
// at asOf"); every statement reading levels orders by
// assessed_on DESC NULLS LAST and keeps the first row.
// Completions of trainings then raise that level (figuresCTE's taught and
// assessed CTEs).
const assessedBy = `(es.assessed_on IS NULL OR es.assessed_on <= $1::date)`

// completedBy keeps the enrolments (alias en) completed on or before asOf:
// those raise levels at asOf. Enrolments are undated otherwise (DESIGN.md):
// a completion after asOf counts as an enrolment in the plan.
const completedBy = `(en.status = 'completed' AND en.completed_on <= $1::date)`

// taughtAsOf carries asOf along the enrolments read (series replace it by
// each unit's own).
const taughtAsOf = `$1::date AS as_of`

// plannedBy keeps the sessions (alias ss) of the training plan for H: those
// ending on or before 31 December of H, whatever their start.
const plannedBy = `(ss.end_date <= make_date($2::int, 12, 31))`

// declaredBy keeps the needs (alias n) that count at asOf ($1): undated ones
// and those declared on or before it; the latest of a key is the need.
const declaredBy = `(n.declared_on IS NULL OR n.declared_on <= $1::date)`

// scopeUnitsCTE numbers the scopes passed as four parallel arrays ($5 siren,
// $6 pole id, $7 territory level, $8 territory code; the empty string
// means not set) and lists
// their sites. The candidate sites come from the most selective field (the
// company, else the pole's active members, else the territory), then every
// set field filters them, which gives the intersection.
const scopeUnitsCTE = `
scope_in AS (
  SELECT (u.ord - 1)::int AS unit_no, u.siren, u.pole_id, u.tlevel, u.tcode
  FROM unnest($5::text[], $6::text[], $7::text[], $8::text[])
       WITH ORDINALITY AS u(siren, pole_id, tlevel, tcode, ord)
),
unit_sites AS (
  SELECT si.unit_no, sp.siret
  FROM scope_in si
  CROSS JOIN LATERAL (
    SELECT s.siret FROM sites s
    WHERE si.siren <> '' AND s.siren = si.siren
    UNION ALL
    SELECT s.siret
    FROM (SELECT DISTINCT m.siren FROM memberships m
          WHERE si.siren = '' AND si.pole_id <> '' AND m.pole_id = si.pole_id AND ` + activeMembership + `) mm
    JOIN sites s ON s.siren = mm.siren
    UNION ALL
    SELECT p.siret FROM site_places p
    WHERE si.siren = '' AND si.pole_id = '' AND (
         (si.tlevel = 'region' AND p.region_code = si.tcode)
      OR (si.tlevel = 'department' AND p.department_code = si.tcode)
      OR (si.tlevel = 'commune' AND p.territory_level = 'commune' AND p.territory_code = si.tcode))
  ) c
  JOIN site_places sp ON sp.siret = c.siret
  WHERE (si.pole_id = '' OR EXISTS (
           SELECT 1 FROM memberships m
           WHERE m.pole_id = si.pole_id AND m.siren = sp.siren AND ` + activeMembership + `))
    AND (si.tlevel = ''
      OR (si.tlevel = 'region' AND sp.region_code = si.tcode)
      OR (si.tlevel = 'department' AND sp.department_code = si.tcode)
      OR (si.tlevel = 'commune' AND sp.territory_level = 'commune' AND sp.territory_code = si.tcode))
)`

// poleMembersCTE lists, for the pole ids in $5, the member companies with an
// active membership at asOf: member(pole_no, siren), pole_no indexing $5.
const poleMembersCTE = `
pole_in AS (
  SELECT (u.ord - 1)::int AS pole_no, u.id
  FROM unnest($5::text[]) WITH ORDINALITY AS u(id, ord)
),
member AS (
  SELECT DISTINCT pi.pole_no, m.siren
  FROM pole_in pi JOIN memberships m ON m.pole_id = pi.id AND ` + activeMembership + `
)`

// companyUnitsCTE follows poleMembersCTE: one unit per (pole, member
// company), with all the company's sites: unit(unit_no, pole_no, siren).
const companyUnitsCTE = `
unit AS (
  SELECT row_number() OVER (ORDER BY pole_no, siren) AS unit_no, pole_no, siren FROM member
),
unit_sites AS (
  SELECT u.unit_no, s.siret FROM unit u JOIN sites s ON s.siren = u.siren
)`

// departmentUnitsCTE follows poleMembersCTE: one unit per (pole, member
// company, department where it has sites), with the company's sites in that
// department: unit(unit_no, pole_no, siren, department_code).
const departmentUnitsCTE = `
unit AS (
  SELECT row_number() OVER (ORDER BY x.pole_no, x.siren, x.department_code) AS unit_no,
         x.pole_no, x.siren, x.department_code
  FROM (SELECT DISTINCT mb.pole_no, mb.siren, sp.department_code
        FROM member mb JOIN site_places sp ON sp.siren = mb.siren) x
),
unit_sites AS (
  SELECT u.unit_no, sp.siret
  FROM unit u JOIN site_places sp ON sp.siren = u.siren AND sp.department_code = u.department_code
)`

// figuresCTE computes, from unit_sites, the role figures role_fig(unit_no,
// role_id, headcount, stayers, target) and the skill figures
// skill_fig(unit_no, skill_id, required, qualified, upskillable,
// internal_pool, level_needed, qualified_with_plan). Roles whose figures are all zero are left
// out; skills too, by skillShown.
const figuresCTE = `
req AS NOT MATERIALIZED (
  -- "requires": an essential link, or any link with includeOptional. Not
  -- materialized, so that joins reach role_skills' indexes instead of
  -- scanning a CTE once per outer row when estimates are off.
  SELECT rs.role_id, rs.skill_id, rs.level FROM role_skills rs WHERE rs.essential OR $4::boolean
),
emp AS (
  -- Active employees at asOf; stayers at H are decided here, once per query.
  SELECT us.unit_no, e.siret, e.id, e.role_id, (e.birth_year + $3::int > $2::int) AS stayer
  FROM unit_sites us
  JOIN employees e ON e.siret = us.siret
  WHERE e.entry_date <= $1::date AND (e.exit_date IS NULL OR e.exit_date > $1::date)
),
site_role AS (
  SELECT unit_no, siret, role_id, count(*) AS headcount, count(*) FILTER (WHERE stayer) AS stayers
  FROM emp GROUP BY unit_no, siret, role_id
),
site_need AS (
  -- The declared need of (site, role, H) at asOf: the latest row of the key
  -- that is undated or declared on or before asOf; rows of other horizons
  -- never supersede it, and a declared 0 is a need of 0.
  SELECT DISTINCT ON (us.unit_no, n.siret, n.role_id) us.unit_no, n.siret, n.role_id, n.headcount
  FROM unit_sites us JOIN needs n ON n.siret = us.siret AND n.horizon_year = $2::int
  WHERE ` + declaredBy + `
  ORDER BY us.unit_no, n.siret, n.role_id, n.declared_on DESC NULLS LAST
),
role_fig AS (
  -- target: per site, the declared need when there is one, else the site's
  -- headcount of the role; a need at a site without such employees counts.
  SELECT coalesce(h.unit_no, n.unit_no) AS unit_no, coalesce(h.role_id, n.role_id) AS role_id,
         coalesce(sum(h.headcount), 0)::int AS headcount,
         coalesce(sum(h.stayers), 0)::int AS stayers,
         coalesce(sum(coalesce(n.headcount, h.headcount)), 0)::int AS target
  FROM site_role h
  FULL JOIN site_need n ON n.unit_no = h.unit_no AND n.siret = h.siret AND n.role_id = h.role_id
  GROUP BY 1, 2
  HAVING coalesce(sum(h.headcount), 0) > 0 OR coalesce(sum(coalesce(n.headcount, h.headcount)), 0) > 0
),
stayer AS (
  SELECT unit_no, id, role_id FROM emp WHERE stayer
),
demand AS (
  -- required(s) and the level the roles of the unit need of s.
  SELECT rf.unit_no, r.skill_id, sum(rf.target) AS required, max(r.level) AS level_needed
  FROM role_fig rf JOIN req r ON r.role_id = rf.role_id
  GROUP BY rf.unit_no, r.skill_id
),
assessment AS (
  -- The latest assessment of every assessed skill of every stayer at asOf,
  -- read once: the per-scope scan of the largest table. Per (employee,
  -- skill) the latest assessment that is undated or dated on or before
  -- asOf (undated is the oldest); the index employee_skills_employee_analytics
  -- holds the rows in this order.
  SELECT DISTINCT ON (st.unit_no, st.id, es.skill_id) st.unit_no, st.id, st.role_id, es.skill_id, es.level, es.assessed_on
  FROM stayer st JOIN employee_skills es ON es.employee_id = st.id
  WHERE ` + assessedBy + `
  ORDER BY st.unit_no, st.id, es.skill_id, es.assessed_on DESC NULLS LAST
),
taught AS (
  -- Per (stayer, skill) taught by one of its trainings: the highest level
  -- of its completions at asOf that are later than the assessment kept
  -- (every one when it is undated or absent; one on its day does not
  -- count), and the highest level of its enrolments in the plan (not
  -- cancelled, not completed by asOf, in a session ending by 31 December
  -- of H). Training levels are read as they are now.
  -- The assessment kept is dated on or after a completion exactly when
  -- one dated between the completion and asOf exists: an index probe per
  -- completion (few), so that the assessment CTE is read once and inlined.
  SELECT t.unit_no, t.id, t.role_id, t.skill_id,
         max(t.level) FILTER (WHERE t.done AND NOT EXISTS (
           SELECT 1 FROM employee_skills es
           WHERE es.employee_id = t.id AND es.skill_id = t.skill_id
             AND es.assessed_on >= t.completed_on AND es.assessed_on <= t.as_of)) AS credited,
         max(t.level) FILTER (WHERE NOT t.done) AS planned
  FROM (SELECT st.unit_no, st.id, st.role_id, tk.skill_id, tk.level, en.completed_on, ` + completedBy + ` AS done,
               ` + taughtAsOf + `
        FROM stayer st
        JOIN enrolments en ON en.employee_id = st.id AND en.status <> 'cancelled'
        JOIN training_sessions ss ON ss.training_id = en.training_id AND ss.session_id = en.session_id
        JOIN training_skills tk ON tk.training_id = en.training_id
        WHERE ` + completedBy + ` OR ` + plannedBy + `) t
  GROUP BY t.unit_no, t.id, t.role_id, t.skill_id
),
assessed AS (
  -- DESIGN.md's level of each (stayer, skill) with an assessment or a
  -- training at asOf: the assessment's, raised by the completions counted
  -- (never lowered); and its planned level, raised by the plan too. Pairs
  -- absent here are at level 0 in both.
  SELECT coalesce(a.unit_no, t.unit_no) AS unit_no, coalesce(a.id, t.id) AS id,
         coalesce(a.role_id, t.role_id) AS role_id, coalesce(a.skill_id, t.skill_id) AS skill_id,
         greatest(coalesce(a.level, 0), coalesce(t.credited, 0)) AS level,
         greatest(coalesce(a.level, 0), coalesce(t.credited, 0), coalesce(t.planned, 0)) AS planned_level
  FROM assessment a
  FULL JOIN taught t ON t.unit_no = a.unit_no AND t.id = a.id AND t.skill_id = a.skill_id
),
req_all AS MATERIALIZED (
  -- The same requirements, read whole once: joined with every assessment
  -- of the scope (judged), a hash of them beats an index probe per
  -- assessment from a few hundred assessments on (a company of 700
  -- employees: 34 ms instead of 83).
  SELECT rs.role_id, rs.skill_id, rs.level FROM role_skills rs WHERE rs.essential OR $4::boolean
),
top_level AS (
  -- The highest level any role of the referential requires of s.
  SELECT skill_id, max(level) AS level FROM req_all GROUP BY skill_id
),
judged AS (
  -- Every assessment of a stayer, judged in one pass: against its role's
  -- requirement when the role requires the skill — qualified(s),
  -- upskillable(s) (a required level is >= 1, so qualifying needs an
  -- assessment; being one below needs one too, except below level 1, which
  -- unassessed adds; at_one counts the assessed pairs of level-1 links, which
  -- unassessed subtracts) — else against the highest level any role
  -- requires of it: internalPool(s) (a level >= 1 needs an assessment, so
  -- only assessed pairs count). One hash join each with the requirements,
  -- instead of a probe of role_skills per assessment.
  SELECT a.unit_no, a.skill_id,
         count(*) FILTER (WHERE a.level >= r.level) AS qualified,
         count(*) FILTER (WHERE a.planned_level >= r.level) AS qualified_with_plan,
         count(*) FILTER (WHERE a.level = r.level - 1) AS upskillable,
         count(*) FILTER (WHERE r.level = 1) AS at_one,
         count(*) FILTER (WHERE r.level IS NULL AND a.level >= t.level) AS internal_pool
  FROM assessed a
  LEFT JOIN req_all r ON r.role_id = a.role_id AND r.skill_id = a.skill_id
  LEFT JOIN top_level t ON t.skill_id = a.skill_id
  GROUP BY a.unit_no, a.skill_id
),
unassessed AS (
  -- Stayers whose role requires s at level 1, counted per role rather than
  -- per employee: those without an assessment of s are at level 0, one below.
  SELECT sr.unit_no, r.skill_id, sum(sr.stayers) AS at_one
  FROM (SELECT unit_no, role_id, count(*) AS stayers FROM stayer GROUP BY unit_no, role_id) sr
  JOIN req r ON r.role_id = sr.role_id AND r.level = 1
  GROUP BY sr.unit_no, r.skill_id
),
skill_fig AS (
  SELECT unit_no, skill_id,
         sum(required)::int AS required, sum(qualified)::int AS qualified,
         sum(upskillable)::int AS upskillable, sum(internal_pool)::int AS internal_pool,
         max(level_needed)::int AS level_needed, sum(qualified_with_plan)::int AS qualified_with_plan
  FROM (SELECT unit_no, skill_id, required, 0 AS qualified, 0 AS upskillable, 0 AS internal_pool, level_needed,
               0 AS qualified_with_plan FROM demand
        UNION ALL
        SELECT unit_no, skill_id, 0, qualified, upskillable - at_one, internal_pool, 0, qualified_with_plan FROM judged
        UNION ALL
        SELECT unit_no, skill_id, 0, 0, at_one, 0, 0, 0 FROM unassessed) x
  GROUP BY unit_no, skill_id
)`

// skillShown keeps the skill_fig rows sf with a non-zero figure. It is applied
// when rows are shown, not in skill_fig, so that a unit's level_needed
// survives the roll-up of units whose figures are all zero.
const skillShown = `(sf.required > 0 OR sf.qualified > 0 OR sf.upskillable > 0 OR sf.internal_pool > 0)`
