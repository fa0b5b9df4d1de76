DELETE FROM rollup_runs WHERE projects;
ALTER TABLE rollup_runs DROP CONSTRAINT IF EXISTS rollup_runs_key;
ALTER TABLE rollup_runs ADD CONSTRAINT rollup_runs_as_of_horizon_retirement_age_key UNIQUE (as_of, horizon, retirement_age);
ALTER TABLE rollup_runs DROP COLUMN IF EXISTS projects;
