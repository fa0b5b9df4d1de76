-- The dated facts of the employees and enrolments, by date (#19): a pole's
-- trend point without a rollup derives from the rollup of another date by
-- recomputing only the companies with a fact dated between the two
-- (internal/analytics, deltaSeries). Assessments and needs have such an
-- index already (0008); without these, each such point scanned every
-- employee and enrolment.
CREATE INDEX employees_entry_date ON employees (entry_date) INCLUDE (siren);
CREATE INDEX employees_exit_date ON employees (exit_date) INCLUDE (siren) WHERE exit_date IS NOT NULL;
CREATE INDEX enrolments_completed_on ON enrolments (completed_on) INCLUDE (employee_id) WHERE completed_on IS NOT NULL;
