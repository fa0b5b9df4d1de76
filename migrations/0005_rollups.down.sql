DROP TABLE IF EXISTS rollup_aggregate_cells, rollup_pole_company_roles, rollup_similar_roles, rollup_pole_opportunities,
  rollup_pole_roles, rollup_pole_skills, rollup_runs;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['territories', 'role_families', 'roles', 'skills', 'role_skills', 'poles',
                           'companies', 'sites', 'memberships', 'employees', 'employee_skills', 'needs'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_data_version', t);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS gpec_bump_data_version();
DROP TABLE IF EXISTS data_version;
