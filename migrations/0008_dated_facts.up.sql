-- Dated facts (DESIGN.md, "Dated rows"): an assessment carries the day it was
-- made and a declared need the day it was declared; both may be undated (null),
-- which means "valid from the beginning, older than any dated row of the same
-- key". The date is part of the natural key: a key holds at most one undated
-- row (NULLS NOT DISTINCT, PostgreSQL 15), and a re-import replaces it.
-- Figures at asOf read, per key, the latest row that is undated or dated on or
-- before asOf.

ALTER TABLE employee_skills ADD COLUMN assessed_on date;
ALTER TABLE employee_skills DROP CONSTRAINT employee_skills_pkey;
ALTER TABLE employee_skills
  ADD CONSTRAINT employee_skills_key UNIQUE NULLS NOT DISTINCT (employee_id, skill_id, assessed_on);
-- The gap engine reads every assessment of a scope's stayers and keeps the
-- latest per (employee, skill) at asOf: in this order, with the level, the
-- scan is index-only and already sorted for the pick.
DROP INDEX employee_skills_employee_analytics;
CREATE INDEX employee_skills_employee_analytics
  ON employee_skills (employee_id, skill_id, assessed_on DESC NULLS LAST) INCLUDE (level);
-- Campaign respondents: the assessments dated within a window.
CREATE INDEX employee_skills_assessed_on ON employee_skills (assessed_on, employee_id)
  WHERE assessed_on IS NOT NULL;

ALTER TABLE needs ADD COLUMN declared_on date;
ALTER TABLE needs DROP CONSTRAINT needs_pkey;
ALTER TABLE needs
  ADD CONSTRAINT needs_key UNIQUE NULLS NOT DISTINCT (siret, role_id, horizon_year, declared_on);
-- A dated need looks forward: its horizon is not before the year it was declared.
ALTER TABLE needs
  ADD CONSTRAINT needs_horizon_after_declared
  CHECK (declared_on IS NULL OR horizon_year >= extract(year FROM declared_on));
-- Campaign respondents: the needs of a company's sites declared within a window.
CREATE INDEX needs_declared_on ON needs (declared_on, siret) WHERE declared_on IS NOT NULL;

-- A pole's yearly survey of its members (DESIGN.md, "Campaigns and trends").
-- reference_date and horizons are stored as given (null: the defaults,
-- closes_on and Y+1, Y+3, Y+5), so that an export writes back the file.
CREATE TABLE campaigns (
  pole_id        text NOT NULL REFERENCES poles (id) ON DELETE CASCADE,
  id             text NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
  title          text NOT NULL CHECK (title <> ''),
  opens_on       date NOT NULL,
  closes_on      date NOT NULL,
  reference_date date,
  horizons       integer[],
  PRIMARY KEY (pole_id, id),
  CHECK (closes_on >= opens_on),
  CHECK (reference_date IS NULL OR reference_date >= closes_on),
  CHECK (horizons IS NULL OR cardinality(horizons) BETWEEN 1 AND 20)
);
-- No data_version trigger on campaigns: no figure reads them, so a new
-- campaign leaves every rollup fresh; the rollup refresher notices new
-- campaigns' reference dates by itself (internal/rollup).
