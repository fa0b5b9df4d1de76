-- Floor of 07_role_navigation: a role, its family and the family's parent,
-- its essential skills and, for each, the number of trainings teaching it at
-- level 3 or more and the first 5 of them with their territory, as flat rows.
-- params: role
SELECT r.code, r.title, f.code, f.title, pf.code, pf.title, rs.level, s.code, s.name,
       tr.total, tr.level, tr.id, tr.title, tr.provider, tr.modality, t.level, t.code, t.name
FROM roles r
LEFT JOIN role_families f ON f.code = r.family
LEFT JOIN role_families pf ON pf.code = f.parent_code
JOIN role_skills rs ON rs.role_id = r.id AND rs.essential
JOIN skills s ON s.id = rs.skill_id
LEFT JOIN LATERAL (
  SELECT ts.level, tg.id, tg.title, tg.provider, tg.modality, tg.territory_level, tg.territory_code,
         count(*) OVER () AS total
  FROM training_skills ts JOIN trainings tg ON tg.id = ts.training_id
  WHERE ts.skill_id = rs.skill_id AND ts.level >= 3
  ORDER BY ts.level DESC, ts.training_id
  LIMIT 5) tr ON true
LEFT JOIN territories t ON t.level = tr.territory_level AND t.code = tr.territory_code
WHERE r.code = $1
ORDER BY rs.level DESC, s.code, tr.level DESC, tr.id
