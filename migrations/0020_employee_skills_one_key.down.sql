-- Back to migration 0019: the key as a constraint, the analytics index
-- beside it.
CREATE INDEX employee_skills_analytics_plain
  ON employee_skills (employee_id, skill_id, assessed_on DESC NULLS LAST) INCLUDE (level);
DROP INDEX employee_skills_employee_analytics;
ALTER INDEX employee_skills_analytics_plain RENAME TO employee_skills_employee_analytics;
ALTER TABLE employee_skills
  ADD CONSTRAINT employee_skills_key UNIQUE NULLS NOT DISTINCT (employee_id, skill_id, assessed_on);
