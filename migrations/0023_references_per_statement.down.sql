DROP TRIGGER training_sessions_truncated_enrolments ON training_sessions;
DROP TRIGGER training_sessions_rekeyed_enrolments ON training_sessions;
DROP TRIGGER training_sessions_cascade_enrolments ON training_sessions;
DROP TRIGGER employees_truncated_enrolments ON employees;
DROP TRIGGER employees_rekeyed_enrolments ON employees;
DROP TRIGGER employees_cascade_enrolments ON employees;
DROP TRIGGER roles_truncated_needs ON roles;
DROP TRIGGER roles_truncated_employees ON roles;
DROP TRIGGER roles_rekeyed_needs ON roles;
DROP TRIGGER roles_rekeyed_employees ON roles;
DROP TRIGGER roles_deleted_needs ON roles;
DROP TRIGGER roles_deleted_employees ON roles;
DROP TRIGGER sites_truncated_needs ON sites;
DROP TRIGGER sites_truncated_employees ON sites;
DROP TRIGGER sites_rekeyed_needs ON sites;
DROP TRIGGER sites_rekeyed_employees ON sites;
DROP TRIGGER sites_cascade_needs ON sites;
DROP TRIGGER sites_cascade_employees ON sites;
DROP TRIGGER enrolments_refs_update ON enrolments;
DROP TRIGGER enrolments_refs_insert ON enrolments;
DROP TRIGGER needs_refs_update ON needs;
DROP TRIGGER needs_refs_insert ON needs;
DROP TRIGGER employees_refs_update ON employees;
DROP TRIGGER employees_refs_insert ON employees;
DROP FUNCTION gpec_refs_truncated();
DROP FUNCTION gpec_refs_restrict();
DROP FUNCTION gpec_refs_cascade();
DROP FUNCTION gpec_refs_exist();
DROP FUNCTION gpec_key_match(text, text, text, text);
CREATE INDEX employees_site_role ON employees (siret, role_id);
CREATE INDEX employee_skills_skill ON employee_skills (skill_id);
ALTER TABLE enrolments
  ADD CONSTRAINT enrolments_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES employees (id) ON DELETE CASCADE,
  ADD CONSTRAINT enrolments_training_id_session_id_fkey FOREIGN KEY (training_id, session_id)
    REFERENCES training_sessions (training_id, session_id) ON DELETE CASCADE;
ALTER TABLE needs
  ADD CONSTRAINT needs_siret_fkey FOREIGN KEY (siret) REFERENCES sites (siret) ON DELETE CASCADE,
  ADD CONSTRAINT needs_role_id_fkey FOREIGN KEY (role_id) REFERENCES roles (id);
ALTER TABLE employees
  ADD CONSTRAINT employees_siret_fkey FOREIGN KEY (siret) REFERENCES sites (siret) ON DELETE CASCADE,
  ADD CONSTRAINT employees_role_id_fkey FOREIGN KEY (role_id) REFERENCES roles (id);
