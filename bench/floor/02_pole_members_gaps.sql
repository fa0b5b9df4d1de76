-- Floor of 02_pole_members_gaps: the pole's first 50 members by name, each
-- with its 10 largest role gaps and skill gaps (the fields the query asks),
-- in one statement; each member's gaps come back as two JSON arrays.
-- Dated facts (DESIGN.md, "Dated rows" and the level of a skill at asOf):
-- the need of (site, role, H) is its latest row undated or declared on or
-- before asOf; the level of (employee, skill) the latest assessment undated
-- or dated on or before asOf (undated is the oldest), raised by the
-- completions on or before asOf of trainings teaching it, later than that
-- assessment (all of them when it is undated or absent).
-- params: asOf horizon pole
WITH member_page AS (
  SELECT c.siren, c.name, count(*) OVER () AS total
  FROM companies c
  WHERE EXISTS (SELECT 1 FROM memberships m
                WHERE m.siren = c.siren AND m.pole_id = $3 AND m.since <= $1::date AND (m.until IS NULL OR $1::date < m.until))
  ORDER BY c.name, c.siren
  LIMIT 50
),
site_in AS (SELECT s.siren, s.siret FROM member_page p JOIN sites s ON s.siren = p.siren),
emp AS (
  SELECT si.siren, e.siret, e.id, e.role_id, e.birth_year + 64 > $2::int AS stayer
  FROM site_in si JOIN employees e ON e.siret = si.siret
  WHERE e.entry_date <= $1::date AND (e.exit_date IS NULL OR e.exit_date > $1::date)
),
site_role AS (
  SELECT siren, siret, role_id, count(*) AS headcount, count(*) FILTER (WHERE stayer) AS stayers
  FROM emp GROUP BY siren, siret, role_id
),
site_need AS (
  SELECT DISTINCT ON (n.siret, n.role_id) si.siren, n.siret, n.role_id, n.headcount
  FROM site_in si JOIN needs n ON n.siret = si.siret AND n.horizon_year = $2::int
  WHERE n.declared_on IS NULL OR n.declared_on <= $1::date
  ORDER BY n.siret, n.role_id, n.declared_on DESC NULLS LAST
),
company_role AS (
  SELECT coalesce(h.siren, n.siren) AS siren, coalesce(h.role_id, n.role_id) AS role_id,
         coalesce(sum(h.headcount), 0)::int AS headcount, coalesce(sum(h.stayers), 0)::int AS stayers,
         coalesce(sum(coalesce(n.headcount, h.headcount)), 0)::int AS target
  FROM site_role h FULL JOIN site_need n ON n.siret = h.siret AND n.role_id = h.role_id
  GROUP BY 1, 2
),
req AS (SELECT role_id, skill_id, level FROM role_skills WHERE essential),
latest AS (
  SELECT DISTINCT ON (e.id, es.skill_id) e.siren, e.id, e.role_id, es.skill_id, es.level, es.assessed_on
  FROM emp e JOIN employee_skills es ON es.employee_id = e.id
  WHERE e.stayer AND (es.assessed_on IS NULL OR es.assessed_on <= $1::date)
  ORDER BY e.id, es.skill_id, es.assessed_on DESC NULLS LAST
),
completion AS (
  SELECT e.siren, e.id, e.role_id, tk.skill_id, tk.level, en.completed_on
  FROM emp e
  JOIN enrolments en ON en.employee_id = e.id AND en.status = 'completed' AND en.completed_on <= $1::date
  JOIN training_skills tk ON tk.training_id = en.training_id
  WHERE e.stayer
),
assessed AS (
  SELECT coalesce(a.siren, c.siren) AS siren, coalesce(a.role_id, c.role_id) AS role_id,
         coalesce(a.skill_id, c.skill_id) AS skill_id,
         greatest(coalesce(max(a.level), 0),
                  coalesce(max(c.level) FILTER (WHERE a.assessed_on IS NULL OR c.completed_on > a.assessed_on), 0)) AS level
  FROM latest a FULL JOIN completion c ON c.id = a.id AND c.skill_id = a.skill_id
  GROUP BY coalesce(a.id, c.id), coalesce(a.siren, c.siren), coalesce(a.role_id, c.role_id), coalesce(a.skill_id, c.skill_id)
),
company_skill AS (
  SELECT siren, skill_id, sum(required)::int AS required, sum(qualified)::int AS qualified
  FROM (SELECT cr.siren, r.skill_id, sum(cr.target) AS required, 0 AS qualified
        FROM company_role cr JOIN req r ON r.role_id = cr.role_id GROUP BY 1, 2
        UNION ALL
        SELECT a.siren, r.skill_id, 0, count(*)
        FROM assessed a JOIN req r ON r.role_id = a.role_id AND r.skill_id = a.skill_id
        WHERE a.level >= r.level
        GROUP BY 1, 2) x
  GROUP BY siren, skill_id
),
role_top AS (
  SELECT cr.*, ro.code, ro.title,
         row_number() OVER (PARTITION BY cr.siren ORDER BY cr.target - cr.stayers DESC, ro.code COLLATE "C") AS rn
  FROM company_role cr JOIN roles ro ON ro.id = cr.role_id
  WHERE cr.headcount > 0 OR cr.target > 0
),
skill_top AS (
  SELECT cs.*, sk.code, sk.name,
         row_number() OVER (PARTITION BY cs.siren ORDER BY cs.required - cs.qualified DESC,
                            cs.qualified::numeric / nullif(cs.required, 0) ASC NULLS LAST, sk.code COLLATE "C") AS rn
  FROM company_skill cs JOIN skills sk ON sk.id = cs.skill_id
  WHERE cs.required > 0 OR cs.qualified > 0
)
SELECT p.siren, p.name, p.total,
       (SELECT json_agg(json_build_object('code', t.code, 'title', t.title, 'headcount', t.headcount, 'stayers', t.stayers,
                                          'departures', t.headcount - t.stayers, 'target', t.target,
                                          'roleGap', t.target - t.stayers) ORDER BY t.rn)
        FROM role_top t WHERE t.siren = p.siren AND t.rn <= 10) AS role_gaps,
       (SELECT json_agg(json_build_object('code', t.code, 'name', t.name, 'required', t.required, 'qualified', t.qualified,
                                          'gap', t.required - t.qualified,
                                          'coverage', t.qualified::numeric / nullif(t.required, 0)) ORDER BY t.rn)
        FROM skill_top t WHERE t.siren = p.siren AND t.rn <= 10) AS skill_gaps
FROM member_page p
ORDER BY p.name, p.siren
