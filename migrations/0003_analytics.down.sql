DROP INDEX IF EXISTS employee_skills_employee_analytics;
DROP INDEX IF EXISTS employees_site_analytics;
