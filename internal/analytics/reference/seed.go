package reference

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Scale sizes a generated benchmark dataset: Companies companies with
// SitesPerCompany sites and EmployeesPerSite employees each, SkillsPerEmployee
// assessments per employee; Poles poles of MembersPerPole members each.
type Scale struct {
	Companies, SitesPerCompany, EmployeesPerSite, SkillsPerEmployee int
	Roles, Skills, SkillsPerRole                                    int
	Poles, MembersPerPole                                           int
	Trainings                                                       int
}

// Medium is a tenth of a national dataset: 100,000 employees and 800,000
// assessments, poles of 500 companies (about 10,000 employees).
var Medium = Scale{Companies: 5000, SitesPerCompany: 2, EmployeesPerSite: 10, SkillsPerEmployee: 8,
	Roles: 300, Skills: 1500, SkillsPerRole: 12, Poles: 10, MembersPerPole: 500, Trainings: 3000}

// Seed fills an empty, migrated database with a pseudo-random dataset of
// the given scale, set-based (INSERT … SELECT generate_series) since row by
// row would take minutes, then analyzes and vacuums it so that plans are
// the ones production would get.
func Seed(ctx context.Context, db *sqlx.DB, s Scale) error {
	stmts := []string{
		`SELECT setseed(0.42)`,
		// The territory tree of the property tests.
		`INSERT INTO territories (level, code, name, parent_code)
		 SELECT level, code, name, nullif(parent, '') FROM (VALUES ` + territoryValues() + `) AS v(level, code, name, parent)
		 ORDER BY CASE level WHEN 'region' THEN 0 WHEN 'department' THEN 1 ELSE 2 END`,
		fmt.Sprintf(`INSERT INTO companies (siren, name)
		 SELECT (SELECT b || c FROM generate_series(0, 9) c WHERE gpec_luhn_ok(b || c) LIMIT 1), 'Company ' || i
		 FROM (SELECT i, lpad((10000000 + i * 7)::text, 8, '0') AS b FROM generate_series(1, %d) i) x`, s.Companies),
		fmt.Sprintf(`INSERT INTO sites (siret, siren, territory_code)
		 SELECT (SELECT b || c FROM generate_series(0, 9) c WHERE gpec_luhn_ok(b || c) LIMIT 1), siren,
		        (ARRAY[%s])[1 + floor(random() * %d)::int]
		 FROM (SELECT siren, siren || lpad(j::text, 4, '0') AS b FROM companies, generate_series(1, %d) j) x`,
			placesArray(), len(places()), s.SitesPerCompany),
		fmt.Sprintf(`INSERT INTO poles (id, name, kind, region_code)
		 SELECT 'pole-' || i, 'Pole ' || i, 'cluster', (ARRAY['84', '11', '76'])[1 + i %% 3] FROM generate_series(1, %d) i`, s.Poles),
		// Members drawn at random; some memberships ended before the benchmarks' asOf.
		fmt.Sprintf(`INSERT INTO memberships (pole_id, siren, since, until)
		 SELECT p.id, c.siren, date '2015-01-01' + (random() * 3000)::int,
		        CASE WHEN random() < 0.1 THEN date '2024-01-01' + (random() * 300)::int END
		 FROM poles p CROSS JOIN LATERAL (SELECT siren FROM companies ORDER BY random() + length(p.id) * 0 LIMIT %d) c`, s.MembersPerPole),
		fmt.Sprintf(`INSERT INTO roles (code, title) SELECT 'R' || i, 'Role ' || i FROM generate_series(1, %d) i`, s.Roles),
		fmt.Sprintf(`INSERT INTO skills (code, name, kind) SELECT 'S' || i, 'Skill ' || i, 'know_how' FROM generate_series(1, %d) i`, s.Skills),
		fmt.Sprintf(`INSERT INTO role_skills (role_id, skill_id, level, essential)
		 SELECT DISTINCT ON (r.id, sk) r.id, sk, 1 + floor(random() * 4)::int, random() < 0.7
		 FROM roles r, generate_series(1, %d) j,
		      LATERAL (SELECT 1 + ((r.id * 37 + j * j * 11 + floor(random() * 5)::int) %% %d) AS sk) x`, s.SkillsPerRole, s.Skills),
		fmt.Sprintf(`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date, exit_date)
		 SELECT siren, ref, siret, role_id, birth, entry, CASE WHEN leaves THEN greatest(entry, exit) END
		 FROM (SELECT s.siren, s.siret || '-' || j AS ref, s.siret, 1 + floor(random() * %d)::int AS role_id,
		              1958 + floor(random() * 45)::int AS birth, date '2000-01-01' + (random() * 9600)::int AS entry,
		              random() < 0.15 AS leaves, date '2026-12-31' - (random() * 1500)::int AS exit
		       FROM sites s, generate_series(1, %d) j) x`, s.Roles, s.EmployeesPerSite),
		// Assessments: mostly the skills the role requires, some others.
		fmt.Sprintf(`INSERT INTO employee_skills (employee_id, skill_id, level)
		 SELECT DISTINCT ON (e.id, sk) e.id, sk, floor(random() * 5)::int
		 FROM employees e, generate_series(1, %d) j,
		      LATERAL (SELECT CASE WHEN j <= %d THEN 1 + ((e.role_id * 37 + j * j * 11) %% %d)
		                           ELSE 1 + floor(random() * %d)::int END AS sk) x`,
			s.SkillsPerEmployee, s.SkillsPerEmployee*3/4, s.Skills, s.Skills),
		`INSERT INTO needs (siret, role_id, horizon_year, headcount)
		 SELECT DISTINCT ON (e.siret, e.role_id) e.siret, e.role_id, 2030, floor(random() * 6)::int
		 FROM employees e WHERE random() < 0.2`,
		fmt.Sprintf(`INSERT INTO trainings (id, provider, title, territory_code, modality, duration_hours)
		 SELECT 'T' || i, 'Provider ' || (i %% 50), 'Training ' || i, (ARRAY[%s])[1 + floor(random() * %d)::int],
		        (ARRAY['onsite', 'remote', 'blended'])[1 + floor(random() * 3)::int], 7 * (1 + floor(random() * 10))
		 FROM generate_series(1, %d) i`, placesArray(), len(places()), s.Trainings),
		fmt.Sprintf(`INSERT INTO training_skills (training_id, skill_id, level)
		 SELECT DISTINCT ON (t.id, sk) t.id, sk, 1 + floor(random() * 4)::int
		 FROM trainings t, generate_series(1, 3) j, LATERAL (SELECT 1 + floor(random() * %d)::int AS sk) x`, s.Skills),
		// A session of 2025 and one of 2027 per training; one employee in
		// ten completed a 2025 session, one in ten is in the 2027 plan.
		`INSERT INTO training_sessions (training_id, session_id, start_date, end_date)
		 SELECT id, s, d, d + 4 FROM trainings, (VALUES ('P', date '2025-03-03'), ('F', date '2027-01-11')) v(s, d)`,
		`INSERT INTO enrolments (training_id, session_id, employee_id, status, completed_on)
		 SELECT 'T' || (1 + e.id % (SELECT count(*) FROM trainings)), CASE WHEN e.id % 20 = 0 THEN 'P' ELSE 'F' END, e.id,
		        CASE WHEN e.id % 20 = 0 THEN 'completed' ELSE 'enrolled' END,
		        CASE WHEN e.id % 20 = 0 THEN date '2025-03-07' END
		 FROM employees e WHERE e.id % 10 = 0`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	// VACUUM sets the visibility map that index-only scans need; it cannot run
	// in a transaction, which ExecContext outside one satisfies.
	_, err := db.ExecContext(ctx, `VACUUM ANALYZE`)
	return err
}

func territoryValues() string {
	out := ""
	for i, t := range GenTerritories {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("('%s', '%s', '%s', '%s')", t.Level, t.Code, sqlQuote(t.Name), t.Parent)
	}
	return out
}

func placesArray() string {
	out := ""
	for i, p := range places() {
		if i > 0 {
			out += ", "
		}
		out += "'" + p + "'"
	}
	return out
}

func sqlQuote(s string) string {
	out := ""
	for _, r := range s {
		if r == '\'' {
			out += "''"
		} else {
			out += string(r)
		}
	}
	return out
}
