DROP FUNCTION rollup_steps_changed_companies(text, integer, integer, date, integer);
DROP TABLE rollup_steps_prior_changes;
DROP TABLE rollup_steps_prior;
