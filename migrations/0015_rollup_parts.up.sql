-- Rollups maintained part by part (#16). A rollup (one rollup_runs row) is
-- made of parts: one per pole ('pole:' || id: its pole figures) and the
-- territorial aggregate cells ('aggregates'). A write no longer makes every
-- rollup stale: it records which parts it changes, and from which date on,
-- and only those parts are rebuilt.
--
-- Correctness does not rest on counters but on snapshots: each change row
-- carries the id of its writer's transaction, and each part the snapshot it
-- was built from. A part answers while every change of its scope dated on or
-- before the rollup's asOf is visible in that snapshot. A write committed
-- during a part's build is not visible in the build's snapshot, so the part
-- it touches is stale when the build commits.

CREATE TABLE rollup_changes (
  id    bigserial PRIMARY KEY,
  -- A part's name, or '*' for every part (the referential, bulk writes).
  scope text NOT NULL,
  -- The earliest asOf the write can change: the date of a dated assessment
  -- or need (figures at asOf read neither a later one), else -infinity.
  since date NOT NULL,
  xid   xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX rollup_changes_scope ON rollup_changes (scope, since);

CREATE TABLE rollup_parts (
  run_id   bigint NOT NULL REFERENCES rollup_runs ON DELETE CASCADE,
  part     text NOT NULL,
  snap     pg_snapshot NOT NULL,
  built_at timestamptz NOT NULL DEFAULT now(),
  build_ms integer NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, part)
);

-- The snapshot of a run's whole build: a part it has no row for (a pole
-- that did not exist then) answers while no change of that part or of
-- every part ('*', which creating a pole is) escaped it.
ALTER TABLE rollup_runs ADD COLUMN snap pg_snapshot;

-- rollup_part_fresh(run, part): whether part of run was built from data
-- that no committed write has changed since (at the run's asOf). A change
-- of scope S concerns the part S and the parts 'S:…' (the aggregates' cells
-- are one part per dimension).
CREATE FUNCTION rollup_part_fresh(bigint, text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT coalesce(p.snap, r.snap) IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM rollup_changes c
                       WHERE c.scope IN ($2, '*', split_part($2, ':', 1)) AND c.since <= r.as_of
                         AND NOT pg_visible_in_snapshot(c.xid, coalesce(p.snap, r.snap)))
    FROM rollup_runs r LEFT JOIN rollup_parts p ON p.run_id = r.id AND p.part = $2
    WHERE r.id = $1), false)
$$;

-- gpec_rollup_mark records the parts a statement changed. TG_ARGV[0] is a
-- SELECT of (siren, pole_id, since) rows over the transition table named by
-- %1$s: a company's rows change the poles it belongs to (any membership,
-- whatever its dates) and the aggregates, a pole's own rows (memberships,
-- projects) that pole. Without an argument, or for a statement of more than
-- 200,000 rows (a bulk load, where mapping rows to companies would cost
-- more than the rebuild it saves), every part is changed.
CREATE FUNCTION gpec_rollup_mark() RETURNS trigger
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

DO $$
DECLARE
  t record;
  ev text;
BEGIN
  FOR t IN SELECT * FROM (VALUES
    ('companies', 'SELECT r.siren, NULL::text, ''-infinity''::date FROM %1$I r'),
    ('sites', 'SELECT r.siren, NULL::text, ''-infinity''::date FROM %1$I r'),
    ('memberships', 'SELECT r.siren, r.pole_id, ''-infinity''::date FROM %1$I r'),
    ('employees', 'SELECT r.siren, NULL::text, ''-infinity''::date FROM %1$I r'),
    ('employee_skills', 'SELECT e.siren, NULL::text, coalesce(r.assessed_on, ''-infinity'') FROM %1$I r JOIN employees e ON e.id = r.employee_id'),
    ('needs', 'SELECT s.siren, NULL::text, coalesce(r.declared_on, ''-infinity'') FROM %1$I r JOIN sites s ON s.siret = r.siret'),
    ('enrolments', 'SELECT e.siren, NULL::text, ''-infinity''::date FROM %1$I r JOIN employees e ON e.id = r.employee_id'),
    ('projects', 'SELECT NULL::text, r.pole_id, ''-infinity''::date FROM %1$I r'),
    ('project_partners', 'SELECT NULL::text, p.pole_id, ''-infinity''::date FROM %1$I r JOIN projects p ON p.id = r.project_id'),
    ('project_needs', 'SELECT NULL::text, p.pole_id, ''-infinity''::date FROM %1$I r JOIN projects p ON p.id = r.project_id')
  ) v(tbl, sel) LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION gpec_rollup_mark(%L)', t.tbl || '_rollup_ins', t.tbl, t.sel);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION gpec_rollup_mark(%L)', t.tbl || '_rollup_upd', t.tbl, t.sel);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION gpec_rollup_mark(%L)', t.tbl || '_rollup_del', t.tbl, t.sel);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION gpec_rollup_mark()', t.tbl || '_rollup_trunc', t.tbl);
  END LOOP;
  -- The referential and the training offer change every part.
  FOREACH ev IN ARRAY ARRAY['territories', 'role_families', 'roles', 'skills', 'role_skills', 'poles',
                            'trainings', 'training_skills', 'training_sessions'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION gpec_rollup_mark()', ev || '_rollup', ev);
  END LOOP;
END $$;

-- The rollups built before have no parts: none answers until rebuilt.
