-- One index for employee_skills' key and the gap engine's reads (#16). The
-- key (employee_id, skill_id, assessed_on) and the analytics index
-- (employee_id, skill_id, assessed_on DESC NULLS LAST) INCLUDE (level) hold
-- the same entries in two orders of the date; a unique index in the
-- analytics' order enforces the key as well (uniqueness ignores the order;
-- NULLS NOT DISTINCT keeps one undated row per key) and serves the same
-- reads. A national first load built both from 14.7 M rows: one sort fewer,
-- and one index fewer for every assessment written. It cannot be a
-- constraint (a constraint's index has the default order), so nothing may
-- name employee_skills_key: the imports merge by anti-join, and ON CONFLICT
-- infers the index from its columns.
CREATE UNIQUE INDEX employee_skills_latest
  ON employee_skills (employee_id, skill_id, assessed_on DESC NULLS LAST) INCLUDE (level) NULLS NOT DISTINCT;
ALTER TABLE employee_skills DROP CONSTRAINT employee_skills_key;
DROP INDEX employee_skills_employee_analytics;
ALTER INDEX employee_skills_latest RENAME TO employee_skills_employee_analytics;
