-- Floor of 02_pole_members_gaps: the pole's first 50 members by name, each
-- with its 10 largest role gaps and skill gaps (the fields the query asks),
-- in one statement; each member's gaps come back as two JSON arrays.
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
  SELECT si.siren, n.siret, n.role_id, n.headcount
  FROM site_in si JOIN needs n ON n.siret = si.siret AND n.horizon_year = $2::int
),
company_role AS (
  SELECT coalesce(h.siren, n.siren) AS siren, coalesce(h.role_id, n.role_id) AS role_id,
         coalesce(sum(h.headcount), 0)::int AS headcount, coalesce(sum(h.stayers), 0)::int AS stayers,
         coalesce(sum(coalesce(n.headcount, h.headcount)), 0)::int AS target
  FROM site_role h FULL JOIN site_need n ON n.siret = h.siret AND n.role_id = h.role_id
  GROUP BY 1, 2
),
req AS (SELECT role_id, skill_id, level FROM role_skills WHERE essential),
company_skill AS (
  SELECT siren, skill_id, sum(required)::int AS required, sum(qualified)::int AS qualified
  FROM (SELECT cr.siren, r.skill_id, sum(cr.target) AS required, 0 AS qualified
        FROM company_role cr JOIN req r ON r.role_id = cr.role_id GROUP BY 1, 2
        UNION ALL
        SELECT e.siren, r.skill_id, 0, count(*)
        FROM emp e JOIN employee_skills es ON es.employee_id = e.id
        JOIN req r ON r.role_id = e.role_id AND r.skill_id = es.skill_id
        WHERE e.stayer AND es.level >= r.level
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
