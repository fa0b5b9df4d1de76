-- A pole's figures at a past date, derived around a few companies' writes
-- (#16). A pole's steps (migration 0022) built from snapshot S stop
-- answering a date D as soon as a write dated on or before D escapes S:
-- after one company's import every past date of its poles computed from
-- the data (seconds each at national scale) until the refresher had
-- rebuilt the steps. A pole's figures being sums over its member
-- companies, they are, at any date, the steps minus the written
-- companies' contributions as S saw them plus their contributions now.
-- Their contributions now are computed from the data (one company's
-- employees); as S saw them is what this keeps: an import, before its
-- first write to a company, computes that company's day changes from the
-- data it has not written yet (the same as S's while no write of that
-- company escaped S) and keeps them here, per part and steps key, with the
-- built_at of the steps they belong to (a rebuild deletes them).
CREATE TABLE rollup_steps_prior (
  part           text NOT NULL,
  horizon        integer NOT NULL,
  retirement_age integer NOT NULL,
  siren          text NOT NULL,
  -- The built_at of the steps this prior was kept for: a prior kept while
  -- a rebuild ran belongs to the steps it replaced, and answers nothing.
  built_at       timestamptz NOT NULL,
  PRIMARY KEY (part, horizon, retirement_age, siren),
  FOREIGN KEY (part, horizon, retirement_age) REFERENCES rollup_steps ON DELETE CASCADE
);

-- The day changes of a prior: a skill's judged counts (skill) or a role's
-- headcount, stayers and target (not skill), as rollup_pole_skill_steps and
-- rollup_pole_role_steps keep them for the whole pole.
CREATE TABLE rollup_steps_prior_changes (
  part           text NOT NULL,
  horizon        integer NOT NULL,
  retirement_age integer NOT NULL,
  siren          text NOT NULL,
  skill          boolean NOT NULL,
  day            date NOT NULL,
  id             integer NOT NULL,
  a              integer NOT NULL,
  b              integer NOT NULL,
  c              integer NOT NULL,
  FOREIGN KEY (part, horizon, retirement_age, siren) REFERENCES rollup_steps_prior ON DELETE CASCADE
);
CREATE INDEX rollup_steps_prior_changes_company ON rollup_steps_prior_changes (part, horizon, retirement_age, siren);

-- rollup_steps_changed_companies(part, horizon, retirement age, D, max):
-- the companies whose writes dated on or before D the part's steps have
-- not seen, for a reader deriving D's figures around them: NULL when the
-- part has no steps, when such a change is not one company's (memberships,
-- projects, the referential, a bulk statement), when more than max
-- companies changed, or when one of them has no prior kept for these
-- steps. An empty array: the steps answer D as they are.
CREATE FUNCTION rollup_steps_changed_companies(text, integer, integer, date, integer) RETURNS text[]
LANGUAGE sql STABLE AS $$
  WITH s AS (
    SELECT snap, built_at FROM rollup_steps WHERE part = $1 AND horizon = $2 AND retirement_age = $3
  ),
  missed AS (
    SELECT DISTINCT c.siren FROM s
    JOIN rollup_changes c ON c.scope IN ($1, '*', split_part($1, ':', 1)) AND c.since <= $4
                         AND NOT pg_visible_in_snapshot(c.xid, s.snap)
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM s)
               AND NOT EXISTS (SELECT 1 FROM missed WHERE siren IS NULL)
               AND (SELECT count(*) FROM missed) <= $5
               AND NOT EXISTS (SELECT 1 FROM missed m
                               WHERE NOT EXISTS (SELECT 1 FROM rollup_steps_prior p, s
                                                 WHERE p.part = $1 AND p.horizon = $2 AND p.retirement_age = $3
                                                   AND p.siren = m.siren AND p.built_at = s.built_at))
         THEN array(SELECT siren FROM missed ORDER BY 1) END
$$;
