DROP TABLE rollup_pole_role_steps;
DROP TABLE rollup_pole_skill_steps;
DROP FUNCTION rollup_steps_fresh(text, integer, integer, date);
DROP TABLE rollup_steps;
