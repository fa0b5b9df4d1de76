-- The server caches the referential, territories and trainings across
-- requests (internal/refcache) for one data_version: writes to trainings
-- and training_skills must bump it too. (The rollups do not read them; a
-- trainings import only costs them a rebuild.)
CREATE TRIGGER trainings_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON trainings
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_bump_data_version();
CREATE TRIGGER training_skills_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON training_skills
  FOR EACH STATEMENT EXECUTE FUNCTION gpec_bump_data_version();
