-- Floor of 03_pole_strategy: critical skills, shared training opportunities
-- and mobility paths (the fields the query asks) in one statement. Figures
-- are computed once per (member, department) and rolled up to members and to
-- the pole by sums, since they are additive over disjoint sets of sites; the
-- three lists come back as three JSON arrays.
-- Dated facts (DESIGN.md, "Dated rows" and the level of a skill at asOf):
-- the need of (site, role, H) is its latest row undated or declared on or
-- before asOf; the level of (employee, skill) the latest assessment undated
-- or dated on or before asOf (undated is the oldest), raised by the
-- completions on or before asOf of trainings teaching it, later than that
-- assessment (all of them when it is undated or absent).
-- params: asOf horizon pole
WITH member AS (
  SELECT DISTINCT m.siren FROM memberships m
  WHERE m.pole_id = $3 AND m.since <= $1::date AND (m.until IS NULL OR $1::date < m.until)
),
site_in AS (
  SELECT sp.siret, sp.siren, sp.department_code AS dep FROM member mb JOIN site_places sp ON sp.siren = mb.siren
),
emp AS (
  SELECT si.siren, si.dep, e.siret, e.id, e.role_id, e.birth_year + 64 > $2::int AS stayer
  FROM site_in si JOIN employees e ON e.siret = si.siret
  WHERE e.entry_date <= $1::date AND (e.exit_date IS NULL OR e.exit_date > $1::date)
),
site_role AS (
  SELECT siren, dep, siret, role_id, count(*) AS headcount, count(*) FILTER (WHERE stayer) AS stayers
  FROM emp GROUP BY siren, dep, siret, role_id
),
site_need AS (
  SELECT DISTINCT ON (n.siret, n.role_id) si.siren, si.dep, n.siret, n.role_id, n.headcount
  FROM site_in si JOIN needs n ON n.siret = si.siret AND n.horizon_year = $2::int
  WHERE n.declared_on IS NULL OR n.declared_on <= $1::date
  ORDER BY n.siret, n.role_id, n.declared_on DESC NULLS LAST
),
unit_role AS (
  SELECT coalesce(h.siren, n.siren) AS siren, coalesce(h.dep, n.dep) AS dep, coalesce(h.role_id, n.role_id) AS role_id,
         sum(coalesce(h.stayers, 0)) AS stayers, sum(coalesce(n.headcount, h.headcount)) AS target
  FROM site_role h FULL JOIN site_need n ON n.siret = h.siret AND n.role_id = h.role_id
  GROUP BY 1, 2, 3
),
req AS (SELECT role_id, skill_id, level FROM role_skills WHERE essential),
latest AS (
  SELECT DISTINCT ON (e.id, es.skill_id) e.siren, e.dep, e.id, e.role_id, es.skill_id, es.level, es.assessed_on
  FROM emp e JOIN employee_skills es ON es.employee_id = e.id
  WHERE e.stayer AND (es.assessed_on IS NULL OR es.assessed_on <= $1::date)
  ORDER BY e.id, es.skill_id, es.assessed_on DESC NULLS LAST
),
completion AS (
  SELECT e.siren, e.dep, e.id, e.role_id, tk.skill_id, tk.level, en.completed_on
  FROM emp e
  JOIN enrolments en ON en.employee_id = e.id AND en.status = 'completed' AND en.completed_on <= $1::date
  JOIN training_skills tk ON tk.training_id = en.training_id
  WHERE e.stayer
),
assessed AS (
  SELECT coalesce(a.siren, c.siren) AS siren, coalesce(a.dep, c.dep) AS dep, coalesce(a.role_id, c.role_id) AS role_id,
         coalesce(a.skill_id, c.skill_id) AS skill_id,
         greatest(coalesce(max(a.level), 0),
                  coalesce(max(c.level) FILTER (WHERE a.assessed_on IS NULL OR c.completed_on > a.assessed_on), 0)) AS level
  FROM latest a FULL JOIN completion c ON c.id = a.id AND c.skill_id = a.skill_id
  GROUP BY coalesce(a.id, c.id), coalesce(a.siren, c.siren), coalesce(a.dep, c.dep), coalesce(a.role_id, c.role_id),
           coalesce(a.skill_id, c.skill_id)
),
unit_skill AS (
  SELECT siren, dep, skill_id, sum(required) AS required, sum(qualified) AS qualified, max(level_needed) AS level_needed
  FROM (SELECT ur.siren, ur.dep, r.skill_id, sum(ur.target) AS required, 0 AS qualified, max(r.level) AS level_needed
        FROM unit_role ur JOIN req r ON r.role_id = ur.role_id GROUP BY 1, 2, 3
        UNION ALL
        SELECT a.siren, a.dep, r.skill_id, 0, count(*), 0
        FROM assessed a JOIN req r ON r.role_id = a.role_id AND r.skill_id = a.skill_id
        WHERE a.level >= r.level
        GROUP BY 1, 2, 3) x
  GROUP BY siren, dep, skill_id
),
company_skill AS (
  SELECT siren, skill_id, sum(required) AS required, sum(qualified) AS qualified FROM unit_skill GROUP BY siren, skill_id
),
critical AS (
  SELECT skill_id, sum(required)::int AS required, sum(qualified)::int AS qualified,
         count(*) FILTER (WHERE required > qualified)::int AS companies
  FROM company_skill GROUP BY skill_id
  HAVING sum(required) > 0 OR sum(qualified) > 0
),
shared AS (
  SELECT dep, skill_id, count(*)::int AS companies, sum(required - qualified)::int AS learners,
         max(level_needed)::int AS level_needed
  FROM unit_skill WHERE required > qualified
  GROUP BY dep, skill_id HAVING count(*) >= 3
),
company_gap AS (
  SELECT siren, role_id, sum(target - stayers)::int AS gap FROM unit_role
  GROUP BY siren, role_id HAVING sum(target - stayers) <> 0
),
role_total AS (SELECT role_id, sum(level) AS total FROM req GROUP BY role_id),
similar_role AS (
  SELECT c.r1, c.r2, c.common, t1.total + t2.total - c.common AS union_max
  FROM (SELECT x.role_id AS r1, y.role_id AS r2, sum(least(x.level, y.level)) AS common
        FROM req x JOIN req y ON y.skill_id = x.skill_id AND y.role_id <> x.role_id
        WHERE x.role_id IN (SELECT role_id FROM company_gap WHERE gap < 0)
          AND y.role_id IN (SELECT role_id FROM company_gap WHERE gap > 0)
        GROUP BY 1, 2) c
  JOIN role_total t1 ON t1.role_id = c.r1
  JOIN role_total t2 ON t2.role_id = c.r2
  WHERE 3 * c.common >= t1.total + t2.total
),
mobility AS (
  SELECT a.siren AS from_siren, a.role_id AS from_role, b.siren AS to_siren, b.role_id AS to_role,
         s.common, s.union_max, -a.gap AS surplus, b.gap AS need, least(-a.gap, b.gap) AS people
  FROM company_gap a
  JOIN similar_role s ON s.r1 = a.role_id
  JOIN company_gap b ON b.role_id = s.r2 AND b.gap > 0
  WHERE a.gap < 0
)
SELECT
  (SELECT json_agg(x) FROM (
     SELECT sk.code, sk.name, c.required, c.qualified, c.required - c.qualified AS gap,
            c.qualified::numeric / nullif(c.required, 0) AS coverage, c.companies
     FROM critical c JOIN skills sk ON sk.id = c.skill_id
     ORDER BY c.required - c.qualified DESC, c.qualified::numeric / nullif(c.required, 0) ASC NULLS LAST, sk.code COLLATE "C"
     LIMIT 20) x) AS critical_skills,
  (SELECT json_agg(x) FROM (
     SELECT s.dep, d.name AS dep_name, sk.code, sk.name, s.companies, s.learners, s.level_needed
     FROM shared s JOIN skills sk ON sk.id = s.skill_id
     JOIN territories d ON d.level = 'department' AND d.code = s.dep
     ORDER BY s.learners DESC, s.companies DESC, s.dep COLLATE "C", sk.code COLLATE "C"
     LIMIT 20) x) AS shared_training_opportunities,
  (SELECT json_agg(x) FROM (
     SELECT m.from_siren, fr.code AS from_role, m.to_siren, tr.code AS to_role,
            m.common::float8 / m.union_max AS similarity, m.surplus, m.need, m.people
     FROM mobility m JOIN roles fr ON fr.id = m.from_role JOIN roles tr ON tr.id = m.to_role
     ORDER BY m.common::numeric / m.union_max DESC, m.people DESC, m.from_siren, fr.code COLLATE "C",
              m.to_siren, tr.code COLLATE "C"
     LIMIT 20) x) AS mobility_paths
