-- Indexes of the gap engine (internal/analytics). Its statements reach
-- employees by site (a scope's sites) and assessments by employee (a scope's
-- stayers); both covering, so that the per-scope scans are index-only and do
-- not visit the heap of the two largest tables.
CREATE INDEX employees_site_analytics ON employees (siret)
  INCLUDE (id, role_id, birth_year, entry_date, exit_date);
CREATE INDEX employee_skills_employee_analytics ON employee_skills (employee_id)
  INCLUDE (skill_id, level);
