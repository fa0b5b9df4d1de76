package importer

import (
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/testdb"
)

// The references of employees, needs and enrolments are statement
// triggers (migration 0023), not foreign keys: each guarantee a foreign key
// gave is checked here on the base dataset, for any writer (not only the
// importer, which checks codes before it writes).
func TestReferencesPerStatement(t *testing.T) {
	d, _ := testdb.New(t)
	mustImport(t, d, sources(base), Options{})

	// refused runs q in a transaction rolled back after, and returns the
	// error's constraint (or the message when there is none).
	refused := func(t *testing.T, q string) string {
		t.Helper()
		tx := d.MustBegin()
		defer tx.Rollback()
		_, err := tx.Exec(q)
		var pe *pq.Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: got %v, want a refusal", q, err)
		}
		if pe.Constraint != "" {
			if pe.Code != "23503" {
				t.Fatalf("%s: SQLSTATE %s, want 23503 (%s)", q, pe.Code, pe.Message)
			}
			return pe.Constraint
		}
		return pe.Message
	}
	for _, c := range []struct{ q, want string }{
		{`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
		  VALUES ('552032534', 'E9', '55203253400125', (SELECT min(id) FROM roles), 1980, '2020-01-01')`, "employees_siret_fkey"},
		{`INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
		  VALUES ('552032534', 'E9', '55203253400109', -1, 1980, '2020-01-01')`, "employees_role_id_fkey"},
		{`UPDATE employees SET role_id = -1 WHERE employee_ref = 'E2'`, "employees_role_id_fkey"},
		{`INSERT INTO needs (siret, role_id, horizon_year, headcount) VALUES ('55203253400125', (SELECT min(id) FROM roles), 2030, 1)`, "needs_siret_fkey"},
		{`UPDATE needs SET role_id = -1`, "needs_role_id_fkey"},
		{`INSERT INTO enrolments (training_id, session_id, employee_id, status) VALUES ('T1', 'B1', -1, 'enrolled')`,
			"enrolments_employee_id_fkey"},
		{`INSERT INTO enrolments (training_id, session_id, employee_id, status)
		  VALUES ('T1', 'B9', (SELECT min(id) FROM employees), 'enrolled')`, "enrolments_training_id_session_id_fkey"},
		// NO ACTION: a role, a site or a session still named can be
		// neither deleted nor re-keyed.
		{`DELETE FROM roles WHERE code = 'H2913'`, "employees_role_id_fkey"},
		// (The foreign keys of role_skills and project_needs, still
		// keys, are lifted first.)
		{`DELETE FROM role_skills; DELETE FROM project_needs; UPDATE roles SET id = DEFAULT WHERE code = 'M1805'`,
			"employees_role_id_fkey"},
		{`DELETE FROM project_needs; UPDATE sites SET siret = '55203253400125' WHERE siret = '55203253400109'`,
			"employees_siret_fkey"},
		{`UPDATE training_sessions SET session_id = 'B9'`, "enrolments_training_id_session_id_fkey"},
		{`UPDATE employees SET id = DEFAULT WHERE employee_ref = 'E1'`, "employee_skills"},
		{`TRUNCATE sites, project_needs`, "cannot truncate sites while employees has rows"},
		{`TRUNCATE roles, role_skills, project_needs`, "cannot truncate roles while employees has rows"},
		{`TRUNCATE training_sessions`, "cannot truncate training_sessions while enrolments has rows"},
	} {
		if got := refused(t, c.q); !strings.Contains(got, c.want) {
			t.Errorf("%s: refused by %q, want %q", c.q, got, c.want)
		}
	}

	count := func(tx *sqlx.Tx, q string) int {
		t.Helper()
		var n int
		if err := tx.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Run("a site's deletion deletes its employees, their assessments and enrolments, and its needs", func(t *testing.T) {
		tx := d.MustBegin()
		defer tx.Rollback()
		tx.MustExec(`DELETE FROM sites WHERE siret = '55203253400109'`)
		for q, want := range map[string]int{
			`SELECT count(*) FROM employees WHERE siret = '55203253400109'`:                     0,
			`SELECT count(*) FROM employees`:                                                    2,
			`SELECT count(*) FROM employee_skills es JOIN employees e ON e.id = es.employee_id`: 2,
			`SELECT count(*) FROM employee_skills`:                                              2,
			`SELECT count(*) FROM needs`:                                                        1,
			`SELECT count(*) FROM enrolments`:                                                   0,
		} {
			if got := count(tx, q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
	})
	t.Run("a session's deletion deletes its enrolments", func(t *testing.T) {
		tx := d.MustBegin()
		defer tx.Rollback()
		tx.MustExec(`DELETE FROM training_sessions`)
		if got := count(tx, `SELECT count(*) FROM enrolments`); got != 0 {
			t.Errorf("%d enrolments left", got)
		}
	})
	t.Run("unnamed rows go, and re-keys that keep every name pass", func(t *testing.T) {
		tx := d.MustBegin()
		defer tx.Rollback()
		tx.MustExec(`DELETE FROM needs`)
		tx.MustExec(`DELETE FROM project_needs`)
		tx.MustExec(`UPDATE employees SET role_id = (SELECT id FROM roles WHERE code = 'H2913')`)
		tx.MustExec(`DELETE FROM roles WHERE code = 'M1805'`)
		tx.MustExec(`UPDATE sites SET name = 'Lyon' WHERE siret = '55203253400109'`)
		tx.MustExec(`TRUNCATE employees, employee_skills, enrolments, needs, sites, project_needs`)
	})
}
