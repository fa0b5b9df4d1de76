DROP TRIGGER IF EXISTS skills_truncated ON skills;
DROP TRIGGER IF EXISTS employees_truncated ON employees;
DROP FUNCTION IF EXISTS gpec_employee_skills_truncated();
DROP TRIGGER IF EXISTS skills_rekeyed ON skills;
DROP TRIGGER IF EXISTS employees_rekeyed ON employees;
DROP FUNCTION IF EXISTS gpec_employee_skills_rekeyed();
DROP TRIGGER IF EXISTS skills_cascade_employee_skills ON skills;
DROP FUNCTION IF EXISTS gpec_skills_deleted();
DROP TRIGGER IF EXISTS employees_cascade_skills ON employees;
DROP FUNCTION IF EXISTS gpec_employees_deleted();
DROP TRIGGER IF EXISTS employee_skills_refs_update ON employee_skills;
DROP TRIGGER IF EXISTS employee_skills_refs_insert ON employee_skills;
DROP FUNCTION IF EXISTS gpec_employee_skills_refs();
ALTER TABLE employee_skills
  ADD CONSTRAINT employee_skills_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES employees (id) ON DELETE CASCADE,
  ADD CONSTRAINT employee_skills_skill_id_fkey FOREIGN KEY (skill_id) REFERENCES skills (id) ON DELETE CASCADE;
ALTER TABLE employees
  ADD CONSTRAINT employees_siren_fkey FOREIGN KEY (siren) REFERENCES companies (siren) ON DELETE CASCADE;
