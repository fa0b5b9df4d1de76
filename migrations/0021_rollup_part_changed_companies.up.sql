-- The companies whose writes a rollup part has not seen (#16), for readers.
-- After a company's import its poles' parts are stale until rebuilt (seconds
-- to tens of seconds at national scale, longer for the campaigns' keys,
-- built paced). A pole's figures being sums over its (company, department)
-- units, kept with the run (migration 0016), a reader can derive them from
-- the stale part: minus the kept units of those companies, plus their
-- figures now (package analytics, deltaSeries). This is that list, as
-- rollup.CompanyChanges gives it to a rebuild, from the reader's snapshot:
-- NULL when the part has no snapshot of its own, when a change is not one
-- company's (memberships, projects, the referential, a bulk statement), or
-- when more than $3 companies changed. An empty array: nothing unseen.
CREATE FUNCTION rollup_part_changed_companies(bigint, text, integer) RETURNS text[]
LANGUAGE sql STABLE AS $$
  WITH missed AS (
    SELECT c.siren FROM rollup_runs r
    JOIN rollup_parts p ON p.run_id = r.id AND p.part = $2
    JOIN rollup_changes c ON c.scope IN ($2, '*', split_part($2, ':', 1)) AND c.since <= r.as_of
                         AND NOT pg_visible_in_snapshot(c.xid, p.snap)
    WHERE r.id = $1
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM rollup_parts WHERE run_id = $1 AND part = $2)
               AND NOT EXISTS (SELECT 1 FROM missed WHERE siren IS NULL)
               AND (SELECT count(DISTINCT siren) FROM missed) <= $3
         THEN array(SELECT DISTINCT siren FROM missed ORDER BY 1) END
$$;
