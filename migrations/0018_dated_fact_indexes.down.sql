DROP INDEX IF EXISTS enrolments_completed_on;
DROP INDEX IF EXISTS employees_exit_date;
DROP INDEX IF EXISTS employees_entry_date;
