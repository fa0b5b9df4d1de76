-- Core graph of DESIGN.md: referentials, companies and their sites, poles and
-- memberships, pseudonymous employees, declared needs and trainings.
-- Roles, skills and employees carry integer surrogate keys because the large
-- tables (employee_skills: millions of rows) join on them; the natural keys
-- of DESIGN.md stay UNIQUE and are what the API and the CSV files speak.

-- Luhn checksum over a string of digits (SIREN, SIRET).
CREATE FUNCTION gpec_luhn_ok(digits text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT digits ~ '^[0-9]+$' AND (
    SELECT sum(CASE WHEN (length(digits) - i) % 2 = 1
                    THEN (CASE WHEN d * 2 > 9 THEN d * 2 - 9 ELSE d * 2 END)
                    ELSE d END) % 10 = 0
    FROM (SELECT i, substr(digits, i, 1)::int AS d
          FROM generate_series(1, length(digits)) AS i) AS s)
$$;

-- A SIRET is valid when it starts with a valid SIREN and passes Luhn; La Poste
-- (SIREN 356000000) is the one legal exception: the sum of its digits is a
-- multiple of 5.
CREATE FUNCTION gpec_siret_ok(siret text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT siret ~ '^[0-9]{14}$' AND CASE
    WHEN left(siret, 9) = '356000000' THEN
      (SELECT sum(substr(siret, i, 1)::int) FROM generate_series(1, 14) AS i) % 5 = 0
    ELSE gpec_luhn_ok(siret) END
$$;

-- Territories: one tree region > department > commune, identified by (level, code).
CREATE TABLE territories (
  level        text NOT NULL CHECK (level IN ('region', 'department', 'commune')),
  code         text NOT NULL,
  name         text NOT NULL CHECK (name <> ''),
  parent_code  text,
  parent_level text GENERATED ALWAYS AS (CASE level WHEN 'department' THEN 'region'
                                                    WHEN 'commune' THEN 'department' END) STORED,
  PRIMARY KEY (level, code),
  FOREIGN KEY (parent_level, parent_code) REFERENCES territories (level, code),
  CHECK (CASE level
    WHEN 'region' THEN code ~ '^[0-9]{2}$' AND parent_code IS NULL
    WHEN 'department' THEN code ~ '^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$' AND parent_code IS NOT NULL
    ELSE code ~ '^([0-9]{2}|2A|2B)[0-9]{3}$' AND parent_code IS NOT NULL END)
);
CREATE INDEX territories_parent ON territories (parent_level, parent_code);

-- Role families (ROME: domaines professionnels under grand domaines); a role's
-- family may also be a pole's own label with no row here.
CREATE TABLE role_families (
  code        text PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 64),
  title       text NOT NULL,
  parent_code text REFERENCES role_families (code)
);

CREATE TABLE roles (
  id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code   text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
  title  text NOT NULL CHECK (title <> ''),
  family text
);
CREATE INDEX roles_family ON roles (family);

CREATE TABLE skills (
  id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code     text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
  name     text NOT NULL CHECK (name <> ''),
  kind     text NOT NULL CHECK (kind IN ('know_how', 'knowledge', 'soft')),
  category text
);
CREATE INDEX skills_kind_category ON skills (kind, category);

CREATE TABLE role_skills (
  role_id   integer NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  skill_id  integer NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
  level     smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
  essential boolean NOT NULL,
  PRIMARY KEY (role_id, skill_id)
);
CREATE INDEX role_skills_skill ON role_skills (skill_id, role_id);

CREATE TABLE poles (
  id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 64),
  name        text NOT NULL CHECK (name <> ''),
  kind        text NOT NULL CHECK (kind IN ('competitiveness_pole', 'cluster')),
  region_code text NOT NULL,
  region_level text GENERATED ALWAYS AS ('region') STORED,
  themes      text[] NOT NULL DEFAULT '{}',
  website     text,
  FOREIGN KEY (region_level, region_code) REFERENCES territories (level, code)
);

CREATE TABLE companies (
  siren        text PRIMARY KEY CHECK (siren ~ '^[0-9]{9}$' AND gpec_luhn_ok(siren)),
  name         text NOT NULL CHECK (name <> ''),
  naf          text CHECK (naf ~ '^[0-9]{2}\.[0-9]{2}[A-Z]$'),
  founded_year integer CHECK (founded_year BETWEEN 1600 AND 2200)
);
CREATE INDEX companies_naf ON companies (naf);
CREATE INDEX companies_name_lower ON companies (lower(name) text_pattern_ops);

CREATE TABLE sites (
  siret           text PRIMARY KEY CHECK (gpec_siret_ok(siret)),
  siren           text NOT NULL REFERENCES companies (siren) ON DELETE CASCADE,
  name            text,
  territory_code  text NOT NULL,
  territory_level text GENERATED ALWAYS AS (CASE WHEN length(territory_code) = 5
                                                 THEN 'commune' ELSE 'department' END) STORED,
  CHECK (left(siret, 9) = siren),
  FOREIGN KEY (territory_level, territory_code) REFERENCES territories (level, code)
);
CREATE INDEX sites_siren ON sites (siren);
CREATE INDEX sites_territory ON sites (territory_level, territory_code);

CREATE TABLE memberships (
  pole_id text NOT NULL REFERENCES poles (id) ON DELETE CASCADE,
  siren   text NOT NULL REFERENCES companies (siren) ON DELETE CASCADE,
  since   date NOT NULL,
  until   date,
  PRIMARY KEY (pole_id, siren, since),
  CHECK (until IS NULL OR until > since)
);
CREATE INDEX memberships_siren ON memberships (siren);

-- Employees are pseudonymous: an opaque reference unique within the company,
-- a birth year and dates of entry and exit, never a name.
CREATE TABLE employees (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  siren        text NOT NULL REFERENCES companies (siren) ON DELETE CASCADE,
  employee_ref text NOT NULL CHECK (length(employee_ref) BETWEEN 1 AND 64),
  siret        text NOT NULL REFERENCES sites (siret) ON DELETE CASCADE,
  role_id      integer NOT NULL REFERENCES roles (id),
  birth_year   integer NOT NULL CHECK (birth_year BETWEEN 1900 AND 2100),
  entry_date   date NOT NULL,
  exit_date    date,
  UNIQUE (siren, employee_ref),
  CHECK (left(siret, 9) = siren),
  CHECK (exit_date IS NULL OR exit_date >= entry_date)
);
CREATE INDEX employees_site_role ON employees (siret, role_id);
CREATE INDEX employees_role ON employees (role_id);

CREATE TABLE employee_skills (
  employee_id bigint NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
  skill_id    integer NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
  level       smallint NOT NULL CHECK (level BETWEEN 0 AND 4),
  PRIMARY KEY (employee_id, skill_id)
);
CREATE INDEX employee_skills_skill ON employee_skills (skill_id);

-- A declared need: target headcount of a role at a site at a horizon year.
CREATE TABLE needs (
  siret        text NOT NULL REFERENCES sites (siret) ON DELETE CASCADE,
  role_id      integer NOT NULL REFERENCES roles (id),
  horizon_year integer NOT NULL CHECK (horizon_year BETWEEN 1900 AND 2200),
  headcount    integer NOT NULL CHECK (headcount >= 0),
  PRIMARY KEY (siret, role_id, horizon_year)
);
CREATE INDEX needs_horizon ON needs (horizon_year, role_id);

CREATE TABLE trainings (
  id              text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  provider        text NOT NULL CHECK (provider <> ''),
  title           text NOT NULL CHECK (title <> ''),
  territory_code  text NOT NULL,
  territory_level text GENERATED ALWAYS AS (CASE WHEN length(territory_code) = 5
                                                 THEN 'commune' ELSE 'department' END) STORED,
  modality        text NOT NULL CHECK (modality IN ('onsite', 'remote', 'blended')),
  duration_hours  numeric(8, 1) CHECK (duration_hours > 0),
  cost_eur        numeric(12, 2) CHECK (cost_eur >= 0),
  FOREIGN KEY (territory_level, territory_code) REFERENCES territories (level, code)
);
CREATE INDEX trainings_territory ON trainings (territory_level, territory_code);

CREATE TABLE training_skills (
  training_id text NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
  skill_id    integer NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
  level       smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
  PRIMARY KEY (training_id, skill_id)
);
CREATE INDEX training_skills_skill ON training_skills (skill_id, level);

-- Where a site or a training lies: its department and region, whatever level
-- its territory_code names. Scopes by territory and distances use it.
CREATE VIEW place_departments AS
SELECT t.level, t.code,
       CASE t.level WHEN 'commune' THEN t.parent_code ELSE t.code END AS department_code
FROM territories t WHERE t.level IN ('department', 'commune');

CREATE VIEW site_places AS
SELECT s.siret, s.siren, s.territory_level, s.territory_code,
       pd.department_code, d.parent_code AS region_code
FROM sites s
JOIN place_departments pd ON pd.level = s.territory_level AND pd.code = s.territory_code
JOIN territories d ON d.level = 'department' AND d.code = pd.department_code;

CREATE VIEW training_places AS
SELECT tr.id AS training_id, tr.territory_level, tr.territory_code,
       pd.department_code, d.parent_code AS region_code
FROM trainings tr
JOIN place_departments pd ON pd.level = tr.territory_level AND pd.code = tr.territory_code
JOIN territories d ON d.level = 'department' AND d.code = pd.department_code;
