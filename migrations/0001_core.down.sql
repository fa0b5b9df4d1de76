DROP VIEW IF EXISTS training_places, site_places, place_departments;
DROP TABLE IF EXISTS training_skills, trainings, needs, employee_skills, employees,
  memberships, sites, companies, poles, role_skills, skills, roles, role_families, territories;
DROP FUNCTION IF EXISTS gpec_siret_ok(text), gpec_luhn_ok(text);
