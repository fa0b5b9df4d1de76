-- Floor of 08_pole_trend: the pole's skill figures at each of its campaigns
-- (DESIGN.md, "Campaigns and trends": asOf = the reference date, H = its
-- year + 3, the members active on that date), computed from the dated facts
-- in one statement; the 20 critical skills at the last campaign (gap
-- descending, coverage ascending, code), each with its figures and their
-- change at every point (0 where it has none, coverage null).
-- params: pole
WITH pt AS (
  SELECT row_number() OVER (ORDER BY coalesce(c.reference_date, c.closes_on), c.id) AS p,
         coalesce(c.reference_date, c.closes_on) AS as_of,
         extract(year FROM coalesce(c.reference_date, c.closes_on))::int + 3 AS h
  FROM campaigns c WHERE c.pole_id = $1
),
member AS (
  SELECT DISTINCT pt.p, pt.as_of, pt.h, m.siren
  FROM pt JOIN memberships m ON m.pole_id = $1 AND m.since <= pt.as_of AND (m.until IS NULL OR pt.as_of < m.until)
),
site_in AS (SELECT mb.p, mb.as_of, mb.h, s.siret FROM member mb JOIN sites s ON s.siren = mb.siren),
emp AS (
  SELECT si.p, si.as_of, e.siret, e.id, e.role_id, e.birth_year + 64 > si.h AS stayer
  FROM site_in si JOIN employees e ON e.siret = si.siret
  WHERE e.entry_date <= si.as_of AND (e.exit_date IS NULL OR e.exit_date > si.as_of)
),
site_role AS (SELECT p, siret, role_id, count(*) AS headcount FROM emp GROUP BY p, siret, role_id),
site_need AS (
  -- the declared need at asOf: the latest row of (site, role, H) undated or
  -- declared on or before it (undated is the oldest)
  SELECT DISTINCT ON (si.p, n.siret, n.role_id) si.p, n.siret, n.role_id, n.headcount
  FROM site_in si JOIN needs n ON n.siret = si.siret AND n.horizon_year = si.h
  WHERE n.declared_on IS NULL OR n.declared_on <= si.as_of
  ORDER BY si.p, n.siret, n.role_id, n.declared_on DESC NULLS LAST
),
role_target AS (
  SELECT coalesce(h.p, n.p) AS p, coalesce(h.role_id, n.role_id) AS role_id, sum(coalesce(n.headcount, h.headcount)) AS target
  FROM site_role h FULL JOIN site_need n ON n.p = h.p AND n.siret = h.siret AND n.role_id = h.role_id
  GROUP BY 1, 2
),
req AS (SELECT role_id, skill_id, level FROM role_skills WHERE essential),
stayer AS (SELECT p, as_of, id, role_id FROM emp WHERE stayer),
latest AS (
  -- the latest assessment at asOf of each (stayer, skill), undated the oldest
  SELECT DISTINCT ON (st.p, st.id, es.skill_id) st.p, st.id, st.role_id, es.skill_id, es.level, es.assessed_on
  FROM stayer st JOIN employee_skills es ON es.employee_id = st.id
  WHERE es.assessed_on IS NULL OR es.assessed_on <= st.as_of
  ORDER BY st.p, st.id, es.skill_id, es.assessed_on DESC NULLS LAST
),
completion AS (
  SELECT st.p, st.id, st.role_id, tk.skill_id, tk.level, en.completed_on
  FROM stayer st
  JOIN enrolments en ON en.employee_id = st.id AND en.status = 'completed' AND en.completed_on <= st.as_of
  JOIN training_skills tk ON tk.training_id = en.training_id
),
assessed AS (
  -- the level at asOf: the latest assessment's, raised by the completions
  -- after its date (all of them when it is undated or absent)
  SELECT coalesce(a.p, c.p) AS p, coalesce(a.role_id, c.role_id) AS role_id, coalesce(a.skill_id, c.skill_id) AS skill_id,
         greatest(coalesce(max(a.level), 0),
                  coalesce(max(c.level) FILTER (WHERE a.assessed_on IS NULL OR c.completed_on > a.assessed_on), 0)) AS level
  FROM latest a FULL JOIN completion c ON c.p = a.p AND c.id = a.id AND c.skill_id = a.skill_id
  GROUP BY coalesce(a.p, c.p), coalesce(a.id, c.id), coalesce(a.role_id, c.role_id), coalesce(a.skill_id, c.skill_id)
),
top_level AS (SELECT skill_id, max(level) AS level FROM req GROUP BY skill_id),
fig AS (
  SELECT p, skill_id, sum(required)::int AS required, sum(qualified)::int AS qualified,
         sum(upskillable)::int AS upskillable, sum(pool)::int AS internal_pool
  FROM (
    SELECT rt.p, r.skill_id, sum(rt.target) AS required, 0 AS qualified, 0 AS upskillable, 0 AS pool
    FROM role_target rt JOIN req r ON r.role_id = rt.role_id GROUP BY rt.p, r.skill_id
    UNION ALL
    SELECT a.p, a.skill_id, 0,
           count(*) FILTER (WHERE a.level >= r.level),
           count(*) FILTER (WHERE a.level = r.level - 1) - count(*) FILTER (WHERE r.level = 1),
           count(*) FILTER (WHERE r.role_id IS NULL AND a.level >= t.level)
    FROM assessed a
    LEFT JOIN req r ON r.role_id = a.role_id AND r.skill_id = a.skill_id
    LEFT JOIN top_level t ON t.skill_id = a.skill_id
    GROUP BY a.p, a.skill_id
    UNION ALL
    -- stayers without an assessment of a level-1 skill are one level below
    SELECT sr.p, r.skill_id, 0, 0, sum(sr.n), 0
    FROM (SELECT p, role_id, count(*) AS n FROM stayer GROUP BY p, role_id) sr
    JOIN req r ON r.role_id = sr.role_id AND r.level = 1
    GROUP BY sr.p, r.skill_id
  ) x
  GROUP BY p, skill_id
),
shown AS (SELECT * FROM fig WHERE required > 0 OR qualified > 0 OR upskillable > 0 OR internal_pool > 0),
top AS (
  SELECT sk.id AS skill_id, sk.code, sk.name,
         row_number() OVER (ORDER BY coalesce(f.required - f.qualified, 0) DESC,
                            f.qualified::numeric / nullif(f.required, 0) ASC NULLS LAST, sk.code COLLATE "C") AS rank
  FROM (SELECT DISTINCT skill_id FROM shown) k
  JOIN skills sk ON sk.id = k.skill_id
  LEFT JOIN shown f ON f.skill_id = k.skill_id AND f.p = (SELECT max(p) FROM pt)
),
series AS (
  SELECT t.rank, t.code, t.name, pt.p, pt.as_of, pt.h,
         coalesce(f.required, 0) AS required, coalesce(f.qualified, 0) AS qualified,
         coalesce(f.required - f.qualified, 0) AS gap, f.qualified::numeric / nullif(f.required, 0) AS coverage,
         coalesce(f.upskillable, 0) AS upskillable, coalesce(f.internal_pool, 0) AS internal_pool
  FROM top t CROSS JOIN pt
  LEFT JOIN shown f ON f.p = pt.p AND f.skill_id = t.skill_id
  WHERE t.rank <= 20
)
SELECT code, name, as_of, h AS horizon,
       required, required - lag(required) OVER w AS required_change,
       qualified, qualified - lag(qualified) OVER w AS qualified_change,
       gap, gap - lag(gap) OVER w AS gap_change,
       coverage, coverage - lag(coverage) OVER w AS coverage_change,
       upskillable, upskillable - lag(upskillable) OVER w AS upskillable_change,
       internal_pool, internal_pool - lag(internal_pool) OVER w AS internal_pool_change
FROM series
WINDOW w AS (PARTITION BY rank ORDER BY p)
ORDER BY rank, p
