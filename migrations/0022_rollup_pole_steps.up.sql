-- A pole's figures at any date (#16). The rollups answer their own asOf;
-- a pole's skill or role gaps at another date computed from the data take
-- seconds at national scale (every assessment of ~50,000 stayers). Each
-- figure of a pole is a step function of the date, changing only on the
-- dates of its facts (an employee's entry or exit, an assessment, a
-- completion, a declared need, a membership's bounds). The steps of a part
-- keep, for a horizon and a retirement age, the change of each figure on
-- each day (cumulative false) and, so that a date reads a few thousand
-- values rather than every change since 1977, checkpoints: each figure's
-- value at the end of a day, every 10,000 changed values (cumulative true).
-- A figure at D is the values of the latest checkpoint on or before D plus
-- the changes after it up to D (package analytics, steps.go).
--
-- Steps belong to no rollup run: they depend on the data only, not on
-- today's date. rollup_steps records the snapshot each part's steps were
-- built from; they answer a date D while no change of the part's scope
-- dated on or before D escaped it (rollup_steps_fresh), and the refresher
-- rebuilds them part by part after the rollups (package rollup, steps.go).
CREATE TABLE rollup_steps (
  part           text NOT NULL,
  horizon        integer NOT NULL,
  retirement_age integer NOT NULL,
  snap           pg_snapshot NOT NULL,
  built_at       timestamptz NOT NULL DEFAULT now(),
  build_ms       integer NOT NULL DEFAULT 0,
  PRIMARY KEY (part, horizon, retirement_age)
);

CREATE FUNCTION rollup_steps_fresh(text, integer, integer, date) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT NOT EXISTS (SELECT 1 FROM rollup_changes c
                       WHERE c.scope IN ($1, '*', split_part($1, ':', 1)) AND c.since <= $4
                         AND NOT pg_visible_in_snapshot(c.xid, s.snap))
    FROM rollup_steps s WHERE s.part = $1 AND s.horizon = $2 AND s.retirement_age = $3), false)
$$;

-- One row per (pole part, kind, day) with the figures of every skill or role
-- that changed as parallel arrays: a national pole has about 400,000
-- (skill, day) changes on 15,000 days, and a row each would make the part's
-- build write and index them one by one.

-- Per (pole, skill): the stayers judged on their assessments and
-- completions (qualified, one level below minus the pairs of level-1 links,
-- internal pool), as figuresCTE's judged counts them.
CREATE TABLE rollup_pole_skill_steps (
  part           text NOT NULL,
  horizon        integer NOT NULL,
  retirement_age integer NOT NULL,
  cumulative    boolean NOT NULL,
  day           date NOT NULL,
  skill_ids     integer[] NOT NULL,
  qualified     integer[] NOT NULL,
  upskillable   integer[] NOT NULL,
  internal_pool integer[] NOT NULL,
  PRIMARY KEY (part, horizon, retirement_age, cumulative, day),
  FOREIGN KEY (part, horizon, retirement_age) REFERENCES rollup_steps ON DELETE CASCADE
);

-- Per (pole, role): headcount, stayers and target (the declared need of a
-- site when it has one at that date, else its headcount).
CREATE TABLE rollup_pole_role_steps (
  part           text NOT NULL,
  horizon        integer NOT NULL,
  retirement_age integer NOT NULL,
  cumulative boolean NOT NULL,
  day        date NOT NULL,
  role_ids   integer[] NOT NULL,
  headcount  integer[] NOT NULL,
  stayers    integer[] NOT NULL,
  target     integer[] NOT NULL,
  PRIMARY KEY (part, horizon, retirement_age, cumulative, day),
  FOREIGN KEY (part, horizon, retirement_age) REFERENCES rollup_steps ON DELETE CASCADE
);
