DROP TABLE IF EXISTS campaigns;
DROP INDEX IF EXISTS needs_declared_on;
-- Keep the latest row of each key, as the undated schema held one per key.
DELETE FROM needs n WHERE EXISTS (
  SELECT 1 FROM needs l WHERE l.siret = n.siret AND l.role_id = n.role_id AND l.horizon_year = n.horizon_year
    AND l.declared_on IS NOT NULL AND (n.declared_on IS NULL OR l.declared_on > n.declared_on));
ALTER TABLE needs DROP CONSTRAINT IF EXISTS needs_horizon_after_declared;
ALTER TABLE needs DROP CONSTRAINT IF EXISTS needs_key;
ALTER TABLE needs DROP COLUMN declared_on;
ALTER TABLE needs ADD PRIMARY KEY (siret, role_id, horizon_year);
DROP INDEX IF EXISTS employee_skills_assessed_on;
DELETE FROM employee_skills es WHERE EXISTS (
  SELECT 1 FROM employee_skills l WHERE l.employee_id = es.employee_id AND l.skill_id = es.skill_id
    AND l.assessed_on IS NOT NULL AND (es.assessed_on IS NULL OR l.assessed_on > es.assessed_on));
DROP INDEX IF EXISTS employee_skills_employee_analytics;
ALTER TABLE employee_skills DROP CONSTRAINT IF EXISTS employee_skills_key;
ALTER TABLE employee_skills DROP COLUMN assessed_on;
ALTER TABLE employee_skills ADD PRIMARY KEY (employee_id, skill_id);
CREATE INDEX employee_skills_employee_analytics ON employee_skills (employee_id) INCLUDE (skill_id, level);
