ALTER TABLE rollup_pole_skills DROP COLUMN IF EXISTS companies_with_gap_after_plan;
ALTER TABLE rollup_pole_skills DROP COLUMN IF EXISTS qualified_with_plan;
DROP TABLE IF EXISTS enrolments;
DROP TABLE IF EXISTS training_sessions;
