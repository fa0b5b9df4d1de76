-- Collaborative R&D projects of a pole (DESIGN.md, "Import formats": projects,
-- project_partners, project_needs) and the staffing needs they bring to their
-- partners' sites over their years. Projects are not dated facts: every asOf
-- reads them as they are now.

CREATE TABLE projects (
  id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  pole_id    text NOT NULL REFERENCES poles (id) ON DELETE CASCADE,
  title      text NOT NULL CHECK (title <> ''),
  funding    text,
  start_year integer NOT NULL CHECK (start_year BETWEEN 1900 AND 2200),
  end_year   integer NOT NULL CHECK (end_year BETWEEN 1900 AND 2200),
  CHECK (end_year >= start_year)
);
CREATE INDEX projects_pole ON projects (pole_id);

CREATE TABLE project_partners (
  project_id text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  siren      text NOT NULL REFERENCES companies (siren) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('leader', 'partner')),
  PRIMARY KEY (project_id, siren)
);
-- A company's projects (access scoping, a partner's figures).
CREATE INDEX project_partners_siren ON project_partners (siren, project_id);

-- A need's site belongs to one of the project's partners: the partner is
-- the site's SIREN (a SIRET starts with its SIREN), and the foreign key
-- refuses a need of a non-partner and drops a partner's needs with it.
CREATE TABLE project_needs (
  project_id text NOT NULL,
  siret      text NOT NULL REFERENCES sites (siret) ON DELETE CASCADE,
  siren      text GENERATED ALWAYS AS (left(siret, 9)) STORED,
  role_id    integer NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  year       integer NOT NULL CHECK (year BETWEEN 1900 AND 2200),
  headcount  integer NOT NULL CHECK (headcount >= 0),
  PRIMARY KEY (project_id, siret, role_id, year),
  FOREIGN KEY (project_id, siren) REFERENCES project_partners (project_id, siren) ON DELETE CASCADE
);
-- Figures with includeProjects read the needs of a scope's sites at H.
CREATE INDEX project_needs_site_year ON project_needs (siret, year) INCLUDE (project_id, role_id, headcount);

-- The rules a foreign key cannot state (DESIGN.md): a need's year lies
-- within its project's years, and every partner has a membership row in the
-- project's pole, whatever its dates. Checked per statement over the rows
-- written (set-based: an import writes them in one statement each).
CREATE FUNCTION gpec_project_needs_in_years() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n JOIN projects p ON p.id = n.project_id
             WHERE n.year NOT BETWEEN p.start_year AND p.end_year) THEN
    RAISE EXCEPTION 'a project need''s year lies outside its project''s years'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'project_needs_year_in_project';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER project_needs_in_years_ins AFTER INSERT ON project_needs
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_project_needs_in_years();
CREATE TRIGGER project_needs_in_years_upd AFTER UPDATE ON project_needs
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_project_needs_in_years();

CREATE FUNCTION gpec_project_partners_members() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n JOIN projects p ON p.id = n.project_id
             WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.pole_id = p.pole_id AND m.siren = n.siren)) THEN
    RAISE EXCEPTION 'a project partner has no membership in the project''s pole'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'project_partners_member_of_pole';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER project_partners_members_ins AFTER INSERT ON project_partners
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_project_partners_members();
CREATE TRIGGER project_partners_members_upd AFTER UPDATE ON project_partners
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_project_partners_members();

-- A project whose years or pole change keeps its needs and partners valid.
CREATE FUNCTION gpec_projects_keep_rules() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows p JOIN project_needs n ON n.project_id = p.id
             WHERE n.year NOT BETWEEN p.start_year AND p.end_year) THEN
    RAISE EXCEPTION 'a project need''s year lies outside its project''s years'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'project_needs_year_in_project';
  END IF;
  IF EXISTS (SELECT 1 FROM new_rows p JOIN project_partners pp ON pp.project_id = p.id
             WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.pole_id = p.pole_id AND m.siren = pp.siren)) THEN
    RAISE EXCEPTION 'a project partner has no membership in the project''s pole'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'project_partners_member_of_pole';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER projects_keep_rules AFTER UPDATE ON projects
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gpec_projects_keep_rules();

-- Figures with includeProjects read these tables: writes bump data_version
-- like the other tables the figures read (rollups are for includeProjects =
-- false and stay valid, but caches keyed on the version must not).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['projects', 'project_partners', 'project_needs'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION gpec_bump_data_version()', t || '_data_version', t);
  END LOOP;
END $$;
