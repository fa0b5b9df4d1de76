-- The extension stays: other objects may use it, and it costs nothing unused.
DROP TRIGGER tokens_deleted ON tokens;
DROP TRIGGER tokens_changed ON tokens;
DROP FUNCTION gpec_bump_token_revision();
DROP TABLE token_revision;
DROP INDEX IF EXISTS skills_name_trgm, skills_code_trgm, roles_title_trgm, roles_code_trgm,
  trainings_title_trgm, trainings_provider_trgm, companies_name_trgm, territories_name_trgm;
