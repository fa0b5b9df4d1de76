-- Floor of 06_companies_list: the first 50 companies of a NAF division by
-- name (one more to know whether a page follows) with the total, their sites,
-- each site's territory and its parent, as flat rows.
-- params: naf
WITH page AS (
  SELECT c.siren, c.name, c.naf, count(*) OVER () AS total
  FROM companies c WHERE c.naf LIKE $1 || '%'
  ORDER BY c.name, c.siren
  LIMIT 51
)
SELECT p.siren, p.name, p.naf, p.total, s.siret, s.name, t.level, t.code, t.name, pt.code, pt.name
FROM page p
LEFT JOIN sites s ON s.siren = p.siren
LEFT JOIN territories t ON t.level = s.territory_level AND t.code = s.territory_code
LEFT JOIN territories pt ON pt.level = t.parent_level AND pt.code = t.parent_code
ORDER BY p.name, p.siren, s.siret
