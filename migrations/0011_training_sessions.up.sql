-- Training sessions and enrolments (DESIGN.md, "Training sessions"): a
-- company enrols its employees in a training's sessions and records their
-- completions, which raise levels in every figure. Enrolments are undated:
-- only completed_on is a date of a fact.
CREATE TABLE training_sessions (
  training_id     text NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
  session_id      text NOT NULL CHECK (length(session_id) BETWEEN 1 AND 64),
  start_date      date NOT NULL,
  end_date        date NOT NULL,
  -- Empty: the training's territory. Stored as given, so that an export
  -- writes back the file.
  territory_code  text,
  territory_level text GENERATED ALWAYS AS (CASE WHEN territory_code IS NULL THEN NULL
                                                 WHEN length(territory_code) = 5 THEN 'commune'
                                                 ELSE 'department' END) STORED,
  -- Null: no limit.
  seats           integer CHECK (seats >= 1),
  PRIMARY KEY (training_id, session_id),
  CHECK (end_date >= start_date),
  FOREIGN KEY (territory_level, territory_code) REFERENCES territories (level, code)
);
-- Upcoming sessions of an opportunity's trainings: by start date.
CREATE INDEX training_sessions_start ON training_sessions (start_date);

CREATE TABLE enrolments (
  training_id  text NOT NULL,
  session_id   text NOT NULL,
  employee_id  bigint NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
  status       text NOT NULL CHECK (status IN ('enrolled', 'completed', 'cancelled')),
  completed_on date,
  PRIMARY KEY (training_id, session_id, employee_id),
  FOREIGN KEY (training_id, session_id) REFERENCES training_sessions (training_id, session_id) ON DELETE CASCADE,
  CHECK ((status = 'completed') = (completed_on IS NOT NULL))
);
-- The gap engine reads the enrolments of a scope's stayers.
CREATE INDEX enrolments_employee ON enrolments (employee_id) INCLUDE (status, completed_on, training_id, session_id);

-- Sessions and enrolments change levels (completions) and the plan's
-- figures: their writes make the rollups stale like the other facts'.
CREATE TRIGGER training_sessions_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON training_sessions
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_bump_data_version();
CREATE TRIGGER enrolments_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON enrolments
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_bump_data_version();

-- The plan's figures in the pole rollups, so that withPlan reads them like
-- the other figures: qualifiedWithPlan, and the members whose
-- company-scope gapAfterPlan is positive. Rollups built before hold none:
-- the bump makes them stale, and they are built again.
ALTER TABLE rollup_pole_skills
  ADD COLUMN qualified_with_plan integer NOT NULL DEFAULT 0,
  ADD COLUMN companies_with_gap_after_plan integer NOT NULL DEFAULT 0;
UPDATE data_version SET version = version + 1;
