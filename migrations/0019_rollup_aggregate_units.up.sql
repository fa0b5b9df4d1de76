-- Territorial aggregate cells rebuilt by company (#16). A company's write
-- made every dimension's cells stale, and each was rebuilt from every
-- company's contributions: the skill categories read every stayer's
-- assessments, 30-50 s at national scale, during which the aggregates of
-- the whole country computed from the data. As migration 0016 did for the
-- poles, the contributions are now kept with the run, one row per
-- (dimension, department, dimension value, company), so that a rebuild
-- after writes to a few companies recomputes only theirs and sums the cells
-- of their departments, their regions and France again from the kept
-- contributions of the others.
CREATE TABLE rollup_aggregate_units (
  run_id          bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  dimension       text NOT NULL,
  department_code text NOT NULL,
  col             text NOT NULL,
  siren           text NOT NULL,
  headcount       integer NOT NULL,
  stayers         integer NOT NULL,
  target          integer NOT NULL,
  required        integer NOT NULL,
  qualified       integer NOT NULL
);
CREATE INDEX rollup_aggregate_units_company ON rollup_aggregate_units (run_id, dimension, siren);
CREATE INDEX rollup_aggregate_units_department ON rollup_aggregate_units (run_id, dimension, department_code);

-- gpec_rollup_mark as in migration 0016, now also recording the company of
-- the aggregates' changes when the statement touched at most 50 companies.
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
        SELECT ''aggregates'', x.since, CASE WHEN (SELECT few FROM few) THEN x.siren END FROM x WHERE x.siren IS NOT NULL
      ) s GROUP BY scope, siren', tbl);
  END LOOP;
  RETURN NULL;
END $$;

-- The aggregate parts built before have no kept contributions: forgetting
-- their parts' snapshots makes their next rebuild a whole one (which keeps
-- them), while they answer as before by their run's snapshot.
DELETE FROM rollup_parts WHERE part LIKE 'aggregates:%';
