DROP TABLE IF EXISTS project_needs;
DROP TABLE IF EXISTS project_partners;
DROP TABLE IF EXISTS projects;
DROP FUNCTION IF EXISTS gpec_project_needs_in_years();
DROP FUNCTION IF EXISTS gpec_project_partners_members();
DROP FUNCTION IF EXISTS gpec_projects_keep_rules();
