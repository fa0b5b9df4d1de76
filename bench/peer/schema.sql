-- What a pole would add so that PostGraphile can group employees by where
-- they work and by role family: a view over employees, their site's place and
-- their role (PostGraphile then serves it with pg-aggregates' groupedAggregates).
CREATE SCHEMA IF NOT EXISTS bench_peer;
CREATE OR REPLACE VIEW bench_peer.employee_places AS
SELECT e.id, e.siren, e.siret, sp.region_code, sp.department_code, r.family AS role_family,
       e.birth_year, e.entry_date, e.exit_date
FROM employees e
JOIN site_places sp ON sp.siret = e.siret
JOIN roles r ON r.id = e.role_id;
