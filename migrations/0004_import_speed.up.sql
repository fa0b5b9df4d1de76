-- The references of employee_skills (millions of rows per national import)
-- are checked once per statement instead of once per row. A foreign key runs
-- one index probe and one row lock per inserted row: 2 × 12.9 million for a
-- national import, most of its merge time. A statement-level trigger over the
-- statement's transition table checks all of them with one join, and keeps
-- the guarantee for every writer, not only for the importer (which checks
-- the codes before it writes).

-- employees.siren → companies is implied, cascade included: an employee's
-- SIRET starts with its SIREN (CHECK below in 0001), it references a site
-- (employees_siret_fkey), whose SIRET starts with its own SIREN, which
-- references the company with ON DELETE CASCADE.
ALTER TABLE employees DROP CONSTRAINT employees_siren_fkey;

ALTER TABLE employee_skills
  DROP CONSTRAINT employee_skills_employee_id_fkey,
  DROP CONSTRAINT employee_skills_skill_id_fkey;

-- New or changed assessments must name an existing employee and skill.
CREATE FUNCTION gpec_employee_skills_refs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  emp bigint;
  sk  integer;
BEGIN
  -- What the row locks of a foreign key do: no concurrent transaction may
  -- delete (or re-key) an employee or a skill between this check and our
  -- commit. Readers are not blocked; imports, the only writers of these
  -- tables, run one at a time.
  LOCK TABLE employees, skills IN SHARE MODE;
  -- One pass of hash joins over all the statement's rows (no LIMIT, which
  -- would invite a nested loop of index probes, as many as a foreign key's);
  -- EXECUTE plans it for this statement's row count, not a cached one.
  EXECUTE 'SELECT min(n.employee_id) FILTER (WHERE e.id IS NULL), min(n.skill_id) FILTER (WHERE k.id IS NULL)
           FROM new_rows n
           LEFT JOIN employees e ON e.id = n.employee_id
           LEFT JOIN skills k ON k.id = n.skill_id' INTO emp, sk;
  IF emp IS NULL AND sk IS NULL THEN
    RETURN NULL;
  END IF;
  IF emp IS NOT NULL THEN
    RAISE EXCEPTION 'insert or update on table "employee_skills" violates foreign key constraint "employee_skills_employee_id_fkey"'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'employee_skills', CONSTRAINT = 'employee_skills_employee_id_fkey',
            DETAIL = format('Key (employee_id)=(%s) is not present in table "employees".', emp);
  END IF;
  RAISE EXCEPTION 'insert or update on table "employee_skills" violates foreign key constraint "employee_skills_skill_id_fkey"'
    USING ERRCODE = 'foreign_key_violation', TABLE = 'employee_skills', CONSTRAINT = 'employee_skills_skill_id_fkey',
          DETAIL = format('Key (skill_id)=(%s) is not present in table "skills".', sk);
END $$;

-- Transition tables allow one event per trigger.
CREATE TRIGGER employee_skills_refs_insert AFTER INSERT ON employee_skills
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_employee_skills_refs();
CREATE TRIGGER employee_skills_refs_update AFTER UPDATE ON employee_skills
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_employee_skills_refs();

-- ON DELETE CASCADE, per statement.
CREATE FUNCTION gpec_employees_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM employee_skills es USING old_rows o WHERE es.employee_id = o.id;
  RETURN NULL;
END $$;
CREATE TRIGGER employees_cascade_skills AFTER DELETE ON employees
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_employees_deleted();

CREATE FUNCTION gpec_skills_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM employee_skills es USING old_rows o WHERE es.skill_id = o.id;
  RETURN NULL;
END $$;
CREATE TRIGGER skills_cascade_employee_skills AFTER DELETE ON skills
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_skills_deleted();

-- The ids are identities (GENERATED ALWAYS) but SET id = DEFAULT re-keys a
-- row: refuse it while assessments name the old id (NO ACTION).
CREATE FUNCTION gpec_employee_skills_rekeyed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'employees' AND EXISTS (
       SELECT 1 FROM old_rows o JOIN employee_skills es ON es.employee_id = o.id
       WHERE NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = o.id))
  OR TG_TABLE_NAME = 'skills' AND EXISTS (
       SELECT 1 FROM old_rows o JOIN employee_skills es ON es.skill_id = o.id
       WHERE NOT EXISTS (SELECT 1 FROM skills k WHERE k.id = o.id)) THEN
    RAISE EXCEPTION 'update on table "%" would leave employee_skills rows without their %', TG_TABLE_NAME, TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER employees_rekeyed AFTER UPDATE ON employees
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_employee_skills_rekeyed();
CREATE TRIGGER skills_rekeyed AFTER UPDATE ON skills
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_employee_skills_rekeyed();

-- A foreign key refuses TRUNCATE of the referenced table alone; so do these
-- (TRUNCATE employees, employee_skills together still works).
CREATE FUNCTION gpec_employee_skills_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM employee_skills) THEN
    RAISE EXCEPTION 'cannot truncate % while employee_skills has rows', TG_TABLE_NAME
      USING ERRCODE = 'feature_not_supported';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER employees_truncated AFTER TRUNCATE ON employees
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_employee_skills_truncated();
CREATE TRIGGER skills_truncated AFTER TRUNCATE ON skills
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_employee_skills_truncated();
