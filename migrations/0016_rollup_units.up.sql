-- Pole parts rebuilt by company (#16). A pole's rollup figures are sums
-- over its (member company, department) units; until now a part's rebuild
-- recomputed every member's units (about 1,000 companies per pole at
-- national scale) in temporary tables. The units are now kept with the run,
-- so that a rebuild after writes to a few companies recomputes only theirs
-- and derives the pole's figures from the kept units of the others.
--
-- A pole part's units are those of its run without projects (the run with
-- projects is derived from the same units). They are always those of the
-- part's snapshot (rollup_parts.snap): written by the build of the part, in
-- its transaction, and replaced company by company by an incremental
-- rebuild, which recomputes every company whose change that snapshot did
-- not see.

CREATE TABLE rollup_unit_skills (
  run_id              bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  pole_id             text NOT NULL,
  siren               text NOT NULL,
  department_code     text,
  skill_id            integer NOT NULL,
  required            integer,
  qualified           integer,
  upskillable         integer,
  internal_pool       integer,
  level_needed        integer,
  qualified_with_plan integer
);
CREATE INDEX rollup_unit_skills_unit ON rollup_unit_skills (run_id, pole_id, siren);

CREATE TABLE rollup_unit_roles (
  run_id          bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  pole_id         text NOT NULL,
  siren           text NOT NULL,
  department_code text,
  role_id         integer NOT NULL,
  headcount       integer,
  stayers         integer,
  target          integer
);
CREATE INDEX rollup_unit_roles_unit ON rollup_unit_roles (run_id, pole_id, siren);

-- The company whose rows made the change, when the change of a pole's part
-- comes from one company's own rows (its employees, assessments, needs,
-- enrolments, sites, the company itself): recomputing that company's units
-- brings the part up to date. NULL when the change is not one company's (a
-- pole's memberships and projects, the referential, bulk statements, a
-- statement over many companies, the aggregates): the part is rebuilt
-- whole. The scope, since and xid keep migration 0015's meaning.
ALTER TABLE rollup_changes ADD COLUMN siren text;

-- gpec_rollup_mark as in migration 0015, recording the company of each
-- pole change when the statement touched at most 50 companies (the bound
-- of an incremental rebuild, rollup.MaxIncrementalCompanies: beyond it the
-- part is rebuilt whole anyway). A membership row changes its own pole
-- whole (the pole's member set), and the other poles of its company as a
-- change of that company. The transition rows are read once.
CREATE OR REPLACE FUNCTION gpec_rollup_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  tbl text;
  n   bigint;
BEGIN
  IF TG_NARGS = 0 OR TG_OP = 'TRUNCATE' THEN
    INSERT INTO rollup_changes (scope, since) VALUES ('*', '-infinity');
    RETURN NULL;
  END IF;
  FOREACH tbl IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY['new_rows'] WHEN 'DELETE' THEN ARRAY['old_rows']
                                  ELSE ARRAY['new_rows', 'old_rows'] END LOOP
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %I LIMIT 200001) x', tbl) INTO n;
    IF n > 200000 THEN
      INSERT INTO rollup_changes (scope, since) VALUES ('*', '-infinity');
      RETURN NULL;
    END IF;
    EXECUTE format('
      WITH x AS MATERIALIZED (
        SELECT siren, pole_id, min(since) AS since
        FROM (' || TG_ARGV[0] || ') x(siren, pole_id, since) GROUP BY siren, pole_id
      ),
      few AS (SELECT count(DISTINCT siren) <= 50 AS few FROM x)
      INSERT INTO rollup_changes (scope, since, siren)
      SELECT scope, min(since), siren FROM (
        SELECT ''pole:'' || m.pole_id AS scope, x.since,
               CASE WHEN (SELECT few FROM few) AND (x.pole_id IS NULL OR x.pole_id <> m.pole_id) THEN x.siren END AS siren
        FROM x JOIN memberships m ON m.siren = x.siren
        UNION ALL
        SELECT ''pole:'' || x.pole_id, x.since, NULL FROM x WHERE x.pole_id IS NOT NULL
        UNION ALL
        SELECT ''aggregates'', x.since, NULL FROM x WHERE x.siren IS NOT NULL
      ) s GROUP BY scope, siren', tbl);
  END LOOP;
  RETURN NULL;
END $$;

-- The rollups built before have no units: rebuilt, they would derive their
-- poles from none. None answers until rebuilt (whole, which keeps units).
DELETE FROM rollup_runs;
