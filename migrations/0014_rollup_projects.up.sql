-- Rollups with projects (#14): the pole figures with includeProjects are
-- read from a second run of the same key, built in the same transaction and
-- from the same snapshot as the run without projects (package analytics
-- derives it from the same units, adding the project needs of year H of
-- each pole's own projects). A request with projects reads the run with
-- projects = true, any other the one with projects = false; both are stale
-- together (same data_version) and replaced together (same key).
ALTER TABLE rollup_runs ADD COLUMN projects boolean NOT NULL DEFAULT false;
ALTER TABLE rollup_runs DROP CONSTRAINT rollup_runs_as_of_horizon_retirement_age_key;
ALTER TABLE rollup_runs ADD CONSTRAINT rollup_runs_key UNIQUE (as_of, horizon, retirement_age, projects);
-- The rollups built before have no run with projects: the bump makes them
-- stale, so that the next refresh builds both.
UPDATE data_version SET version = version + 1;
