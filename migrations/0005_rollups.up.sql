-- Pre-aggregated rollups of the analytics (#7). The pole figures and the
-- territorial aggregates of a national dataset take seconds to compute from
-- employees and assessments; a rollup stores them once per (asOf, horizon,
-- retirement age) and is used only while the data it was computed from is
-- unchanged. "Unchanged" is decided by data_version, which every statement
-- writing a table the figures read increments, in the writer's transaction:
-- a rollup built from a snapshot records the version of that snapshot, and
-- a reader compares it with the version of its own.

CREATE TABLE data_version (
  one     boolean PRIMARY KEY DEFAULT true CHECK (one),
  version bigint NOT NULL
);
INSERT INTO data_version VALUES (true, 1);

CREATE FUNCTION gpec_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Once per statement, not per row: an import of millions of rows bumps it
  -- a few times. The row lock is held to the writer's commit, so two writers
  -- of figures' tables take turns, which imports already do.
  UPDATE data_version SET version = version + 1;
  RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['territories', 'role_families', 'roles', 'skills', 'role_skills', 'poles',
                           'companies', 'sites', 'memberships', 'employees', 'employee_skills', 'needs'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION gpec_bump_data_version()', t || '_data_version', t);
  END LOOP;
END $$;

-- One rollup per (as_of, horizon, retirement_age), with essential links only
-- (includeOptional = false, the default). A newer build of the same key
-- replaces the older one.
CREATE TABLE rollup_runs (
  id             bigserial PRIMARY KEY,
  as_of          date NOT NULL,
  horizon        integer NOT NULL,
  retirement_age integer NOT NULL,
  data_version   bigint NOT NULL,
  built_at       timestamptz NOT NULL DEFAULT now(),
  build_ms       integer NOT NULL DEFAULT 0,
  UNIQUE (as_of, horizon, retirement_age)
);

-- A pole's skill figures (DESIGN.md, pole scope), with the number of member
-- companies whose company-scope gap is positive (critical skills).
CREATE TABLE rollup_pole_skills (
  run_id        bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  pole_id       text NOT NULL,
  skill_id      integer NOT NULL,
  required      integer NOT NULL,
  qualified     integer NOT NULL,
  upskillable   integer NOT NULL,
  internal_pool integer NOT NULL,
  level_needed  integer NOT NULL,
  companies_with_gap integer NOT NULL,
  -- The skill's place in DESIGN.md's critical order (gap desc, coverage
  -- asc, code) among the pole's skills with a non-zero figure; null for the
  -- others. The default order of pole skill gaps and of critical skills:
  -- their top N is an index range, not a sort of thousands of skills.
  gap_rank      integer,
  PRIMARY KEY (run_id, pole_id, skill_id)
);
CREATE INDEX rollup_pole_skills_rank ON rollup_pole_skills (run_id, pole_id, gap_rank) WHERE gap_rank IS NOT NULL;

-- A pole's role figures.
CREATE TABLE rollup_pole_roles (
  run_id    bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  pole_id   text NOT NULL,
  role_id   integer NOT NULL,
  headcount integer NOT NULL,
  stayers   integer NOT NULL,
  target    integer NOT NULL,
  PRIMARY KEY (run_id, pole_id, role_id)
);

-- Every (pole, department, skill) where at least one member company has a
-- positive gap over its sites in the department: shared training
-- opportunities keep those with at least k companies.
CREATE TABLE rollup_pole_opportunities (
  run_id          bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  pole_id         text NOT NULL,
  department_code text NOT NULL,
  skill_id        integer NOT NULL,
  companies       integer NOT NULL,
  learners        integer NOT NULL,
  level_needed    integer NOT NULL,
  -- The place in the opportunities' order (learners desc, companies desc,
  -- department, skill code) among the pole's rows: filtering on k keeps the
  -- order, so the first N for any k follow this index.
  opp_rank        integer NOT NULL,
  PRIMARY KEY (run_id, pole_id, department_code, skill_id)
);
CREATE INDEX rollup_pole_opportunities_rank ON rollup_pole_opportunities (run_id, pole_id, opp_rank) INCLUDE (companies);

-- Member companies' company-scope role gaps (non-zero), for mobility paths.
CREATE TABLE rollup_pole_company_roles (
  run_id  bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  pole_id text NOT NULL,
  siren   text NOT NULL,
  role_id integer NOT NULL,
  gap     integer NOT NULL,
  PRIMARY KEY (run_id, pole_id, siren, role_id)
);

-- The pairs of roles at least 0.5 similar (mobility paths) among those
-- rows' surpluses and needs: the pairing reads every essential link twice.
CREATE TABLE rollup_similar_roles (
  run_id    bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  r1        integer NOT NULL,
  r2        integer NOT NULL,
  common    integer NOT NULL,
  union_max integer NOT NULL,
  PRIMARY KEY (run_id, r1, r2)
);

-- Territorial aggregate cells for every level (department, region, country)
-- and dimension, without a pole scope: a cell's figures, its number of
-- companies and its largest single company's headcount, which is all
-- statistical secrecy needs. is_total marks a territory's total over the
-- dimension (col is then '').
CREATE TABLE rollup_aggregate_cells (
  run_id     bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  dimension  text NOT NULL,
  level      text NOT NULL,
  code       text NOT NULL,
  is_total   boolean NOT NULL,
  col        text NOT NULL,
  companies  integer NOT NULL,
  headcount  integer NOT NULL,
  stayers    integer NOT NULL,
  target     integer NOT NULL,
  required   integer NOT NULL,
  qualified  integer NOT NULL,
  largest    integer NOT NULL,
  PRIMARY KEY (run_id, dimension, level, code, is_total, col)
);
