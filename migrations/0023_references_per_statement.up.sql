-- The references of employees, needs and enrolments are checked once per
-- statement, as 0004 did for employee_skills (#16). A foreign key runs one
-- index probe and one row lock per written row, after the rows are in: a
-- national first load spent 7.8 s on the employees' 2 × 1 M checks, 4.7 s
-- on the needs' 2 × 657 k and about 1.6 s of its 123 k enrolments' merge,
-- where one hash anti-join over the statement's rows takes a fraction of a
-- second. The guarantees stay for every writer (imports, including the
-- API's enrolment writes, which go through the importer, and tests): a row
-- naming a missing site, role, employee or session is refused with the
-- foreign key's name and SQLSTATE; deleting a site deletes its employees
-- and needs, deleting an employee or a session its enrolments (ON DELETE
-- CASCADE); deleting or re-keying a role, a site or a session still named
-- is refused (NO ACTION), and so is truncating it alone.
--
-- Two indexes no statement reads go too: employee_skills (skill_id) served
-- only the cascade of a skill's deletion (a referential change, now one
-- sequential scan), and employees (siret, role_id) is covered by
-- employees_site_analytics (siret) INCLUDE (role_id, …): one sort each fewer
-- on a first load, one index insertion fewer per row written.

ALTER TABLE employees DROP CONSTRAINT employees_siret_fkey, DROP CONSTRAINT employees_role_id_fkey;
ALTER TABLE needs DROP CONSTRAINT needs_siret_fkey, DROP CONSTRAINT needs_role_id_fkey;
ALTER TABLE enrolments
  DROP CONSTRAINT enrolments_employee_id_fkey,
  DROP CONSTRAINT enrolments_training_id_session_id_fkey;
DROP INDEX employee_skills_skill;
DROP INDEX employees_site_role;

-- gpec_key_match(a, acols, b, bcols): "a.x1 = b.y1 AND …" for two
-- comma-separated column lists of the same length.
CREATE FUNCTION gpec_key_match(a text, acols text, b text, bcols text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(format('%s.%I = %s.%I', quote_ident(a), trim(x), quote_ident(b), trim(y)), ' AND ')
  FROM unnest(string_to_array(acols, ','), string_to_array(bcols, ',')) k(x, y)
$$;

-- The statement's new rows name existing rows. Arguments: the tables to
-- lock, then per reference its constraint name, the columns, the table
-- named and its columns.
CREATE FUNCTION gpec_refs_exist() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  missing text;
  i int;
BEGIN
  -- What the row locks of a foreign key do: no concurrent transaction may
  -- delete (or re-key) a row named between this check and our commit.
  -- Readers are not blocked; imports, the only writers, run one at a time.
  EXECUTE 'LOCK TABLE ' || TG_ARGV[0] || ' IN SHARE MODE';
  FOR i IN 0 .. (TG_NARGS - 1) / 4 - 1 LOOP
    -- One hash anti-join over all the statement's rows; EXECUTE plans it
    -- for this statement's row count, not a cached one.
    EXECUTE format('SELECT min(row(%s)::text) FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM %I r WHERE %s)',
                   (SELECT string_agg('n.' || quote_ident(trim(c)), ', ')
                    FROM unnest(string_to_array(TG_ARGV[2 + 4 * i], ',')) c),
                   TG_ARGV[3 + 4 * i], gpec_key_match('r', TG_ARGV[4 + 4 * i], 'n', TG_ARGV[2 + 4 * i]))
      INTO missing;
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"', TG_TABLE_NAME, TG_ARGV[1 + 4 * i]
        USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = TG_ARGV[1 + 4 * i],
              DETAIL = format('Key (%s)=%s is not present in table "%s".', TG_ARGV[2 + 4 * i], missing, TG_ARGV[3 + 4 * i]);
    END IF;
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER employees_refs_insert AFTER INSERT ON employees REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_exist('sites, roles',
    'employees_siret_fkey', 'siret', 'sites', 'siret', 'employees_role_id_fkey', 'role_id', 'roles', 'id');
CREATE TRIGGER employees_refs_update AFTER UPDATE ON employees REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_exist('sites, roles',
    'employees_siret_fkey', 'siret', 'sites', 'siret', 'employees_role_id_fkey', 'role_id', 'roles', 'id');
CREATE TRIGGER needs_refs_insert AFTER INSERT ON needs REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_exist('sites, roles',
    'needs_siret_fkey', 'siret', 'sites', 'siret', 'needs_role_id_fkey', 'role_id', 'roles', 'id');
CREATE TRIGGER needs_refs_update AFTER UPDATE ON needs REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_exist('sites, roles',
    'needs_siret_fkey', 'siret', 'sites', 'siret', 'needs_role_id_fkey', 'role_id', 'roles', 'id');
CREATE TRIGGER enrolments_refs_insert AFTER INSERT ON enrolments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_exist('employees, training_sessions',
    'enrolments_employee_id_fkey', 'employee_id', 'employees', 'id',
    'enrolments_training_id_session_id_fkey', 'training_id, session_id', 'training_sessions', 'training_id, session_id');
CREATE TRIGGER enrolments_refs_update AFTER UPDATE ON enrolments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_exist('employees, training_sessions',
    'enrolments_employee_id_fkey', 'employee_id', 'employees', 'id',
    'enrolments_training_id_session_id_fkey', 'training_id, session_id', 'training_sessions', 'training_id, session_id');

-- The side of the rows named. Arguments: the referencing table, its
-- columns, the columns here, the constraint name.
--
-- ON DELETE CASCADE: the referencing rows of the deleted rows go too.
CREATE FUNCTION gpec_refs_cascade() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DELETE FROM %I c USING old_rows o WHERE %s', TG_ARGV[0], gpec_key_match('c', TG_ARGV[1], 'o', TG_ARGV[2]));
  RETURN NULL;
END $$;

-- NO ACTION: a key that is gone after the statement (deleted or re-keyed)
-- may not be named any more.
CREATE FUNCTION gpec_refs_restrict() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  named boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM %I p WHERE %s)
                                   AND EXISTS (SELECT 1 FROM %I c WHERE %s))',
                 TG_TABLE_NAME, gpec_key_match('p', TG_ARGV[2], 'o', TG_ARGV[2]),
                 TG_ARGV[0], gpec_key_match('c', TG_ARGV[1], 'o', TG_ARGV[2]))
    INTO named;
  IF named THEN
    RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "%" on table "%"', TG_TABLE_NAME, TG_ARGV[3], TG_ARGV[0]
      USING ERRCODE = 'foreign_key_violation', TABLE = TG_ARGV[0], CONSTRAINT = TG_ARGV[3];
  END IF;
  RETURN NULL;
END $$;

-- A foreign key refuses TRUNCATE of the table named alone; so does this
-- (truncating both in one statement still works).
CREATE FUNCTION gpec_refs_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  named boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', TG_ARGV[0]) INTO named;
  IF named THEN
    RAISE EXCEPTION 'cannot truncate % while % has rows', TG_TABLE_NAME, TG_ARGV[0]
      USING ERRCODE = 'feature_not_supported';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER sites_cascade_employees AFTER DELETE ON sites REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_cascade('employees', 'siret', 'siret', 'employees_siret_fkey');
CREATE TRIGGER sites_cascade_needs AFTER DELETE ON sites REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_cascade('needs', 'siret', 'siret', 'needs_siret_fkey');
CREATE TRIGGER sites_rekeyed_employees AFTER UPDATE ON sites REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_restrict('employees', 'siret', 'siret', 'employees_siret_fkey');
CREATE TRIGGER sites_rekeyed_needs AFTER UPDATE ON sites REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_restrict('needs', 'siret', 'siret', 'needs_siret_fkey');
CREATE TRIGGER sites_truncated_employees AFTER TRUNCATE ON sites
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_truncated('employees');
CREATE TRIGGER sites_truncated_needs AFTER TRUNCATE ON sites
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_truncated('needs');

CREATE TRIGGER roles_deleted_employees AFTER DELETE ON roles REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_restrict('employees', 'role_id', 'id', 'employees_role_id_fkey');
CREATE TRIGGER roles_deleted_needs AFTER DELETE ON roles REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_restrict('needs', 'role_id', 'id', 'needs_role_id_fkey');
CREATE TRIGGER roles_rekeyed_employees AFTER UPDATE ON roles REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_restrict('employees', 'role_id', 'id', 'employees_role_id_fkey');
CREATE TRIGGER roles_rekeyed_needs AFTER UPDATE ON roles REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_restrict('needs', 'role_id', 'id', 'needs_role_id_fkey');
CREATE TRIGGER roles_truncated_employees AFTER TRUNCATE ON roles
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_truncated('employees');
CREATE TRIGGER roles_truncated_needs AFTER TRUNCATE ON roles
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_truncated('needs');

CREATE TRIGGER employees_cascade_enrolments AFTER DELETE ON employees REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_cascade('enrolments', 'employee_id', 'id', 'enrolments_employee_id_fkey');
CREATE TRIGGER employees_rekeyed_enrolments AFTER UPDATE ON employees REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_restrict('enrolments', 'employee_id', 'id', 'enrolments_employee_id_fkey');
CREATE TRIGGER employees_truncated_enrolments AFTER TRUNCATE ON employees
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_truncated('enrolments');

CREATE TRIGGER training_sessions_cascade_enrolments AFTER DELETE ON training_sessions REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_cascade('enrolments', 'training_id, session_id', 'training_id, session_id',
    'enrolments_training_id_session_id_fkey');
CREATE TRIGGER training_sessions_rekeyed_enrolments AFTER UPDATE ON training_sessions REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_restrict('enrolments', 'training_id, session_id', 'training_id, session_id',
    'enrolments_training_id_session_id_fkey');
CREATE TRIGGER training_sessions_truncated_enrolments AFTER TRUNCATE ON training_sessions
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_refs_truncated('enrolments');
