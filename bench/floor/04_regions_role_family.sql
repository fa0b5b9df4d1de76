-- Floor of 04_regions_role_family: every region × role family cell, each
-- region's total, each family's total and the grand total, in one statement
-- with GROUPING SETS (no secrecy: the benchmark token is an admin's).
-- The need of (site, role, H) is its latest row undated or declared on or
-- before asOf (DESIGN.md, "Dated rows").
-- params: asOf horizon
WITH site_role AS (
  SELECT sp.region_code, sp.siren, e.siret, e.role_id, count(*) AS headcount,
         count(*) FILTER (WHERE e.birth_year + 64 > $2::int) AS stayers
  FROM employees e JOIN site_places sp ON sp.siret = e.siret
  WHERE e.entry_date <= $1::date AND (e.exit_date IS NULL OR e.exit_date > $1::date)
  GROUP BY 1, 2, 3, 4
),
site_need AS (
  SELECT sp.region_code, sp.siren, n.siret, n.role_id, n.headcount
  FROM (SELECT DISTINCT ON (siret, role_id) siret, role_id, headcount FROM needs
        WHERE horizon_year = $2::int AND (declared_on IS NULL OR declared_on <= $1::date)
        ORDER BY siret, role_id, declared_on DESC NULLS LAST) n
  JOIN site_places sp ON sp.siret = n.siret
),
cell AS (
  SELECT coalesce(h.region_code, n.region_code) AS tcode, coalesce(r.family, '') AS col,
         coalesce(h.siren, n.siren) AS siren, coalesce(h.headcount, 0) AS headcount,
         coalesce(h.stayers, 0) AS stayers, coalesce(n.headcount, h.headcount) AS target
  FROM site_role h FULL JOIN site_need n ON n.siret = h.siret AND n.role_id = h.role_id
  JOIN roles r ON r.id = coalesce(h.role_id, n.role_id)
),
agg AS (
  SELECT tcode, col, GROUPING(tcode, col) AS g, count(DISTINCT siren) AS companies,
         sum(headcount)::int AS headcount, sum(headcount - stayers)::int AS departures,
         sum(target)::int AS target, sum(target - stayers)::int AS role_gap
  FROM cell
  GROUP BY GROUPING SETS ((tcode, col), (tcode), (col), ())
)
SELECT a.g, a.tcode, t.name, a.col, coalesce(f.title, a.col) AS label,
       a.companies, a.headcount, a.departures, a.target, a.role_gap
FROM agg a
LEFT JOIN territories t ON t.level = 'region' AND t.code = a.tcode
LEFT JOIN role_families f ON f.code = a.col
ORDER BY a.g, a.tcode, a.col
