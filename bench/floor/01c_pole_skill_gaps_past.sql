-- Floor of 01c_pole_skill_gaps_past: 01's statement at a past asOf (the
-- same day last year), computed from the data.
-- params: pastAsOf horizon pole
WITH site_in AS (
  SELECT s.siret FROM sites s
  WHERE s.siren IN (SELECT m.siren FROM memberships m
                    WHERE m.pole_id = $3 AND m.since <= $1::date AND (m.until IS NULL OR $1::date < m.until))
),
emp AS (
  SELECT e.siret, e.id, e.role_id, e.birth_year + 64 > $2::int AS stayer
  FROM site_in si JOIN employees e ON e.siret = si.siret
  WHERE e.entry_date <= $1::date AND (e.exit_date IS NULL OR e.exit_date > $1::date)
),
site_role AS (
  SELECT siret, role_id, count(*) AS headcount FROM emp GROUP BY siret, role_id
),
site_need AS (
  SELECT DISTINCT ON (n.siret, n.role_id) n.siret, n.role_id, n.headcount
  FROM site_in si JOIN needs n ON n.siret = si.siret AND n.horizon_year = $2::int
  WHERE n.declared_on IS NULL OR n.declared_on <= $1::date
  ORDER BY n.siret, n.role_id, n.declared_on DESC NULLS LAST
),
role_target AS (
  SELECT coalesce(h.role_id, n.role_id) AS role_id, sum(coalesce(n.headcount, h.headcount)) AS target
  FROM site_role h FULL JOIN site_need n ON n.siret = h.siret AND n.role_id = h.role_id
  GROUP BY 1
),
req AS (SELECT role_id, skill_id, level FROM role_skills WHERE essential),
stayer AS (SELECT id, role_id FROM emp WHERE stayer),
latest AS (
  SELECT DISTINCT ON (st.id, es.skill_id) st.id, st.role_id, es.skill_id, es.level, es.assessed_on
  FROM stayer st JOIN employee_skills es ON es.employee_id = st.id
  WHERE es.assessed_on IS NULL OR es.assessed_on <= $1::date
  ORDER BY st.id, es.skill_id, es.assessed_on DESC NULLS LAST
),
completion AS (
  SELECT st.id, st.role_id, tk.skill_id, tk.level, en.completed_on
  FROM stayer st
  JOIN enrolments en ON en.employee_id = st.id AND en.status = 'completed' AND en.completed_on <= $1::date
  JOIN training_skills tk ON tk.training_id = en.training_id
),
assessed AS (
  SELECT coalesce(a.role_id, c.role_id) AS role_id, coalesce(a.skill_id, c.skill_id) AS skill_id,
         greatest(coalesce(max(a.level), 0),
                  coalesce(max(c.level) FILTER (WHERE a.assessed_on IS NULL OR c.completed_on > a.assessed_on), 0)) AS level
  FROM latest a FULL JOIN completion c ON c.id = a.id AND c.skill_id = a.skill_id
  GROUP BY coalesce(a.id, c.id), coalesce(a.role_id, c.role_id), coalesce(a.skill_id, c.skill_id)
),
top_level AS (SELECT skill_id, max(level) AS level FROM req GROUP BY skill_id),
fig AS (
  SELECT skill_id, sum(required)::int AS required, sum(qualified)::int AS qualified,
         sum(upskillable)::int AS upskillable, sum(pool)::int AS internal_pool, max(level_needed)::int AS level_needed
  FROM (
    SELECT r.skill_id, sum(rt.target) AS required, 0 AS qualified, 0 AS upskillable, 0 AS pool, max(r.level) AS level_needed
    FROM role_target rt JOIN req r ON r.role_id = rt.role_id GROUP BY r.skill_id
    UNION ALL
    -- assessed stayers: qualified and one level below when the role requires
    -- the skill, internal pool when it does not and they hold the top level
    SELECT a.skill_id, 0,
           count(*) FILTER (WHERE a.level >= r.level),
           count(*) FILTER (WHERE a.level = r.level - 1) - count(*) FILTER (WHERE r.level = 1),
           count(*) FILTER (WHERE r.role_id IS NULL AND a.level >= t.level), 0
    FROM assessed a
    LEFT JOIN req r ON r.role_id = a.role_id AND r.skill_id = a.skill_id
    LEFT JOIN top_level t ON t.skill_id = a.skill_id
    GROUP BY a.skill_id
    UNION ALL
    -- stayers without an assessment of a level-1 skill are one level below
    SELECT r.skill_id, 0, 0, sum(sr.n), 0, 0
    FROM (SELECT role_id, count(*) AS n FROM stayer GROUP BY role_id) sr
    JOIN req r ON r.role_id = sr.role_id AND r.level = 1
    GROUP BY r.skill_id
  ) x
  GROUP BY skill_id
)
SELECT sk.code, sk.name, f.required, f.qualified, f.required - f.qualified AS gap,
       f.qualified::numeric / nullif(f.required, 0) AS coverage, f.upskillable, f.internal_pool, f.level_needed
FROM fig f JOIN skills sk ON sk.id = f.skill_id
WHERE f.required > 0 OR f.qualified > 0 OR f.upskillable > 0 OR f.internal_pool > 0
ORDER BY f.required - f.qualified DESC, f.qualified::numeric / nullif(f.required, 0) ASC NULLS LAST, sk.code COLLATE "C"
LIMIT 20
