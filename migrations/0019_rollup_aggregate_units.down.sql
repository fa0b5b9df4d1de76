-- Back to migration 0018: aggregate cells rebuilt whole, their changes
-- without their company.
DROP TABLE IF EXISTS rollup_aggregate_units;

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
