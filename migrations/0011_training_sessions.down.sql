DROP TABLE IF EXISTS enrolments;
DROP TABLE IF EXISTS training_sessions;
