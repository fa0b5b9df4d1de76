-- Back to migration 0015: changes without their company, parts rebuilt
-- whole from temporary units.
DROP TABLE IF EXISTS rollup_unit_skills;
DROP TABLE IF EXISTS rollup_unit_roles;
ALTER TABLE rollup_changes DROP COLUMN IF EXISTS siren;

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
      INSERT INTO rollup_changes (scope, since)
      SELECT scope, min(since) FROM (
        SELECT ''pole:'' || m.pole_id AS scope, x.since
        FROM (' || TG_ARGV[0] || ') x(siren, pole_id, since) JOIN memberships m ON m.siren = x.siren
        UNION ALL
        SELECT ''pole:'' || x.pole_id, x.since FROM (' || TG_ARGV[0] || ') x(siren, pole_id, since) WHERE x.pole_id IS NOT NULL
        UNION ALL
        SELECT ''aggregates'', x.since FROM (' || TG_ARGV[0] || ') x(siren, pole_id, since) WHERE x.siren IS NOT NULL
      ) s GROUP BY scope', tbl);
  END LOOP;
  RETURN NULL;
END $$;
