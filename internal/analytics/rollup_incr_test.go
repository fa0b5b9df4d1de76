package analytics_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/rollup"
)

// companyWrites are the writes TestRebuildByCompany draws from, each to
// company $1, at asOf $2 and horizon $3, $4 a random number: every kind of
// row a company's units read.
var companyWrites = []string{
	// A new employee, a stayer at any horizon.
	`INSERT INTO employees (id, siren, employee_ref, siret, role_id, birth_year, entry_date) OVERRIDING SYSTEM VALUE
SELECT n.id, $1, 'incr-' || n.id, (SELECT min(siret) FROM sites WHERE siren = $1),
       (SELECT id FROM roles ORDER BY id OFFSET $4::int % (SELECT count(*) FROM roles) LIMIT 1), 1995, $2::date - 30
FROM (SELECT max(id) + 1 AS id FROM employees) n
WHERE EXISTS (SELECT 1 FROM sites WHERE siren = $1)`,
	// An employee leaving before asOf.
	`UPDATE employees SET exit_date = $2::date - 1
WHERE id = (SELECT min(id) FROM employees WHERE siren = $1 AND exit_date IS NULL AND entry_date <= $2::date - 1)`,
	// Undated assessments changed.
	`UPDATE employee_skills SET level = (level + 1 + $4::int % 3) % 5
WHERE assessed_on IS NULL AND employee_id IN (SELECT id FROM employees WHERE siren = $1 AND id % 2 = $4::int % 2)`,
	// Dated assessments on or before asOf, of the skills the roles require.
	`INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
SELECT e.id, rs.skill_id, ($4::int + e.id)::int % 5, $2::date - ($4::int % 40)
FROM employees e JOIN role_skills rs ON rs.role_id = e.role_id
WHERE e.siren = $1
ON CONFLICT DO NOTHING`,
	// Dated assessments after asOf: no figure changes.
	`INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
SELECT e.id, rs.skill_id, 4, $2::date + 1 + $4::int % 9
FROM employees e JOIN role_skills rs ON rs.role_id = e.role_id
WHERE e.siren = $1
ON CONFLICT DO NOTHING`,
	// Needs: more heads, and a new undated one and a dated one at H.
	`UPDATE needs SET headcount = headcount + 1 + $4::int % 5 WHERE siret IN (SELECT siret FROM sites WHERE siren = $1)`,
	`INSERT INTO needs (siret, role_id, horizon_year, headcount)
SELECT s.siret, (SELECT id FROM roles ORDER BY id OFFSET $4::int % (SELECT count(*) FROM roles) LIMIT 1), $3, 2 + $4::int % 6
FROM sites s WHERE s.siren = $1
ON CONFLICT DO NOTHING`,
	`INSERT INTO needs (siret, role_id, horizon_year, headcount, declared_on)
SELECT s.siret, r.id, $3, $4::int % 4, $2::date - 3
FROM sites s CROSS JOIN (SELECT min(id) AS id FROM roles) r WHERE s.siren = $1
ON CONFLICT DO NOTHING`,
	// Enrolments: completions before asOf, the plan, cancellations.
	`INSERT INTO enrolments (training_id, session_id, employee_id, status, completed_on)
SELECT ts.training_id, ts.session_id, e.id, CASE WHEN e.id % 2 = 0 THEN 'completed' ELSE 'enrolled' END,
       CASE WHEN e.id % 2 = 0 THEN $2::date - 2 END
FROM employees e
CROSS JOIN LATERAL (SELECT training_id, session_id FROM training_sessions ORDER BY training_id, session_id
                    OFFSET $4::int % greatest((SELECT count(*) FROM training_sessions), 1) LIMIT 1) ts
WHERE e.siren = $1
ON CONFLICT DO NOTHING`,
	`UPDATE enrolments SET status = 'cancelled', completed_on = NULL
WHERE employee_id IN (SELECT id FROM employees WHERE siren = $1) AND status = 'enrolled'`,
}

// typed gives the writes' parameters their types, whichever they use.
const typed = `WITH params AS (SELECT $1::text, $2::date, $3::int, $4::int) `

// membershipWrites change which companies a pole has: such poles are
// rebuilt whole.
var membershipWrites = []string{
	// Joining a pole it was not in.
	`INSERT INTO memberships (pole_id, siren, since)
SELECT p.id, $1, $2::date - 100 FROM poles p
WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.siren = $1 AND m.pole_id = p.id)
ORDER BY p.id OFFSET $4::int % 3 LIMIT 1
RETURNING pole_id`,
	// Leaving one.
	`UPDATE memberships SET until = $2::date - 1
WHERE siren = $1 AND since < $2::date - 1 AND (until IS NULL OR until > $2::date)
  AND pole_id = (SELECT max(pole_id) FROM memberships WHERE siren = $1)
RETURNING pole_id`,
}

// unitRows lists the kept units of run, as text, in order.
func unitRows(t *testing.T, db *sqlx.DB, run int64) []string {
	t.Helper()
	var rows []string
	if err := db.Select(&rows, `
SELECT format('skill %s %s %s %s: %s %s %s %s %s %s', pole_id, siren, department_code, skill_id, required, qualified,
              upskillable, internal_pool, level_needed, qualified_with_plan)
FROM rollup_unit_skills WHERE run_id = $1
UNION ALL
SELECT format('role %s %s %s %s: %s %s %s', pole_id, siren, department_code, role_id, headcount, stayers, target)
FROM rollup_unit_roles WHERE run_id = $1
ORDER BY 1`, run); err != nil {
		t.Fatal(err)
	}
	return rows
}

// rewritten returns, per pole, the companies whose kept units of run were
// written after the run's build (xmin), and per pole the companies with
// units.
func rewritten(t *testing.T, db *sqlx.DB, run int64) (changed, all map[string][]string) {
	t.Helper()
	var rows []struct {
		Pole    string `db:"pole_id"`
		Siren   string `db:"siren"`
		Changed bool   `db:"changed"`
	}
	if err := db.Select(&rows, `
SELECT u.pole_id, u.siren, bool_or(u.xmin::text <> r.xmin::text) AS changed
FROM (SELECT run_id, pole_id, siren, xmin FROM rollup_unit_skills
      UNION ALL SELECT run_id, pole_id, siren, xmin FROM rollup_unit_roles) u
JOIN rollup_runs r ON r.id = u.run_id
WHERE u.run_id = $1
GROUP BY 1, 2 ORDER BY 1, 2`, run); err != nil {
		t.Fatal(err)
	}
	changed, all = map[string][]string{}, map[string][]string{}
	for _, r := range rows {
		all[r.Pole] = append(all[r.Pole], r.Siren)
		if r.Changed {
			changed[r.Pole] = append(changed[r.Pole], r.Siren)
		}
	}
	return changed, all
}

// TestRebuildByCompany builds the pole rollups of random datasets whole,
// writes random rows of one to three companies (employees, dated and
// undated assessments, needs, enrolments, sometimes a membership), rebuilds
// the stale parts as the refresher does (one at a time), and checks at
// several keys that every pole answer (skills, roles, critical skills,
// opportunities, mobility paths; with and without projects) equals the
// data's and a whole build's, that the kept units equal a whole build's,
// and that the poles whose members did not change were rebuilt by company:
// only the written companies' units were computed again.
func TestRebuildByCompany(t *testing.T) {
	ctx := context.Background()
	size := reference.Size{Companies: 14, MaxSitesPerCo: 3, MaxEmployeesSite: 8, Roles: 6, Skills: 9, Trainings: 10}
	byCompany, whole, kept := 0, 0, 0
	defer analytics.SetPacedUnitEmployees(7)()
	for _, seed := range []int64{11, 12, 13} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			e, d := generated(t, seed, size)
			poles := []string{}
			for _, p := range d.Poles {
				poles = append(poles, p.ID)
			}
			var companies []string
			if err := e.DB.Select(&companies, `SELECT DISTINCT siren FROM memberships ORDER BY siren`); err != nil {
				t.Fatal(err)
			}
			r := &rollup.Refresher{DB: e.DB, Builders: []rollup.Builder{analytics.BuildRollup}}
			var keys []analytics.Params
			for i, p := range paramSets() {
				if !p.IncludeOptional && i%5 == int(seed)%5 {
					keys = append(keys, p)
				}
			}
			for round, p := range keys {
				key := rollup.Key{AsOf: p.AsOf, Horizon: p.Horizon, RetirementAge: p.RetirementAge}
				built, err := r.Build(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				// A whole build pairs the roles of every pole's gaps with
				// every other's: keep only the pairs each pole needs, so
				// that a rebuild by company must add those of its new gaps
				// (the random writes seldom make any: see
				// TestRebuildByCompanyPairsNewGaps).
				e.DB.MustExec(`DELETE FROM rollup_similar_roles s WHERE NOT EXISTS (
  SELECT 1 FROM rollup_pole_company_roles a
  JOIN rollup_pole_company_roles b ON b.run_id = a.run_id AND b.pole_id = a.pole_id AND b.role_id = s.r2 AND b.gap > 0
  WHERE a.run_id = s.run_id AND a.role_id = s.r1 AND a.gap < 0)`)
				// One to three companies, two to five writes each; a
				// membership one round in three.
				written := map[string]bool{}
				membershipPoles := map[string]bool{}
				for n := 1 + rng.Intn(3); len(written) < n; {
					siren := companies[rng.Intn(len(companies))]
					written[siren] = true
					for w := 2 + rng.Intn(4); w > 0; w-- {
						stmt := companyWrites[rng.Intn(len(companyWrites))]
						if _, err := e.DB.Exec(typed+stmt, siren, key.AsOf, key.Horizon, rng.Intn(1000)); err != nil {
							t.Fatalf("%s: %v", stmt, err)
						}
					}
					if round%3 == 1 {
						var ids []string
						stmt := membershipWrites[rng.Intn(len(membershipWrites))]
						if err := e.DB.Select(&ids, typed+stmt, siren, key.AsOf, key.Horizon, rng.Intn(1000)); err != nil {
							t.Fatalf("%s: %v", stmt, err)
						}
						for _, id := range ids {
							membershipPoles[id] = true
						}
					}
				}
				stale, _, err := r.StaleParts(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				// Every other round paced (rollup.WithPace), in pieces of a
				// few employees' units: the same units, pieces or not.
				rctx := ctx
				if round%2 == 1 {
					rctx = rollup.WithPace(ctx, 1)
				}
				for _, part := range stale {
					if _, err := r.Rebuild(rctx, key, []string{part}); err != nil {
						t.Fatal(err)
					}
				}
				if _, ok, err := rollup.FreshParts(ctx, e.DB, key, false, partsOf(poles)); err != nil || !ok {
					t.Fatalf("%s: not fresh after rebuilding %v (err %v)", key, stale, err)
				}

				// Which companies' units were computed again.
				changed, all := rewritten(t, e.DB, built.ID)
				for _, part := range stale {
					pole := part[len(rollup.PolePart("")):]
					if membershipPoles[pole] {
						whole++
						continue
					}
					for _, siren := range changed[pole] {
						if !written[siren] {
							t.Fatalf("%s: pole %s (members unchanged) recomputed the units of %s, not written (written %v)",
								key, pole, siren, written)
						}
					}
					byCompany++
					kept += len(all[pole]) - len(changed[pole])
				}

				// Every pair of similar roles a pole's gaps need is kept,
				// in both runs (the mobility paths read them).
				var missing int
				if err := e.DB.Get(&missing, `
WITH req AS (SELECT role_id, skill_id, level FROM role_skills WHERE essential),
role_total AS (SELECT role_id, sum(level) AS total FROM req GROUP BY role_id),
pair AS (
  SELECT DISTINCT a.run_id, a.role_id AS r1, b.role_id AS r2
  FROM rollup_pole_company_roles a
  JOIN rollup_pole_company_roles b ON b.run_id = a.run_id AND b.pole_id = a.pole_id AND b.gap > 0 AND b.role_id <> a.role_id
  WHERE a.gap < 0
),
c AS (
  SELECT p.run_id, p.r1, p.r2, sum(least(x.level, y.level)) AS common
  FROM pair p JOIN req x ON x.role_id = p.r1 JOIN req y ON y.role_id = p.r2 AND y.skill_id = x.skill_id
  GROUP BY 1, 2, 3
)
SELECT count(*) FROM c JOIN role_total t1 ON t1.role_id = c.r1 JOIN role_total t2 ON t2.role_id = c.r2
WHERE 3 * c.common >= t1.total + t2.total
  AND NOT EXISTS (SELECT 1 FROM rollup_similar_roles s WHERE s.run_id = c.run_id AND s.r1 = c.r1 AND s.r2 = c.r2)`); err != nil {
					t.Fatal(err)
				}
				if missing > 0 {
					t.Fatalf("%s: %d pairs of similar roles the poles' gaps need are missing after rebuilding %v", key, missing, stale)
				}
				q := p
				q.IncludeProjects = !p.IncludeProjects
				incremental := []poleAnswers{answer(t, e, poles, p), answer(t, e, poles, q)}
				units := unitRows(t, e.DB, built.ID)
				e.DB.MustExec(`DELETE FROM rollup_runs`)
				live := []poleAnswers{answer(t, e, poles, p), answer(t, e, poles, q)}
				for i := range live {
					if !reflect.DeepEqual(incremental[i], live[i]) {
						t.Fatalf("%s (with projects: %v): rebuilt %v after writes to %v\n%s\nfrom the data\n%s",
							key, []bool{p.IncludeProjects, q.IncludeProjects}[i], stale, written, dump(incremental[i]), dump(live[i]))
					}
				}
				again, err := r.Build(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				if got := unitRows(t, e.DB, again.ID); !slices.Equal(got, units) {
					t.Fatalf("%s: kept units after rebuilding %v differ from a whole build's:\n%s", key, stale, diffLines(units, got))
				}
				for i, q := range []analytics.Params{p, q} {
					if got := answer(t, e, poles, q); !reflect.DeepEqual(got, incremental[i]) {
						t.Fatalf("%s: rebuilt %v\n%s\nrebuilt whole\n%s", key, stale, dump(incremental[i]), dump(got))
					}
				}
				// A campaign key's build, paced: its poles' parts, in pieces.
				pacedRun, err := r.BuildParts(rollup.WithPace(ctx, 1), key, partsOf(poles))
				if err != nil {
					t.Fatal(err)
				}
				if got := unitRows(t, e.DB, pacedRun.ID); !slices.Equal(got, units) {
					t.Fatalf("%s: kept units of a paced build differ from a whole build's:\n%s", key, diffLines(units, got))
				}
				for i, q := range []analytics.Params{p, q} {
					if got := answer(t, e, poles, q); !reflect.DeepEqual(got, incremental[i]) {
						t.Fatalf("%s: paced build\n%s\nrebuilt whole\n%s", key, dump(got), dump(incremental[i]))
					}
				}
			}
		})
	}
	if byCompany == 0 || whole == 0 || kept == 0 {
		t.Fatalf("parts rebuilt by company %d (units kept %d), whole %d: the comparison is vacuous somewhere",
			byCompany, kept, whole)
	}
	t.Logf("parts rebuilt by company %d (keeping %d companies' units), whole %d", byCompany, kept, whole)
}

// diffLines lists the lines of want missing from got and the reverse.
func diffLines(want, got []string) string {
	in := func(s []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range s {
			m[x] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out []string
	for _, x := range want {
		if !g[x] {
			out = append(out, "- "+x)
		}
	}
	for _, x := range got {
		if !w[x] {
			out = append(out, "+ "+x)
		}
	}
	sort.Strings(out)
	return fmt.Sprint(out)
}

// TestRebuildByCompanyPairsNewGaps: a rebuild by company pairs the roles
// whose sign of gap is new in its pole (similarRolesStep): a twin of a role
// (the same essential links: similar), which no company had, becomes a
// member's surplus while the role becomes its need; the mobility paths read
// from the rebuilt part are the data's.
func TestRebuildByCompanyPairsNewGaps(t *testing.T) {
	ctx := context.Background()
	e, d := generated(t, 21, reference.Small)
	var poles []string
	for _, p := range d.Poles {
		poles = append(poles, p.ID)
	}
	// The twin of the role with most essential links.
	var role, twin int
	if err := e.DB.Get(&role, `SELECT role_id FROM role_skills WHERE essential GROUP BY role_id ORDER BY count(*) DESC, role_id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.Get(&twin, `INSERT INTO roles (id, code, title, family) OVERRIDING SYSTEM VALUE
SELECT (SELECT max(id) + 1 FROM roles), code || '-twin', title, family FROM roles WHERE id = $1 RETURNING id`, role); err != nil {
		t.Fatal(err)
	}
	e.DB.MustExec(`INSERT INTO role_skills (role_id, skill_id, level, essential) SELECT $2, skill_id, level, true FROM role_skills WHERE role_id = $1 AND essential`, role, twin)
	p := analytics.Params{AsOf: reference.GenAsOf, Horizon: 2028, RetirementAge: 64}
	key := rollup.Key{AsOf: p.AsOf, Horizon: p.Horizon, RetirementAge: p.RetirementAge}
	r := &rollup.Refresher{DB: e.DB, Builders: []rollup.Builder{analytics.BuildRollup}}
	built, err := r.Build(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var pairs int
	if err := e.DB.Get(&pairs, `SELECT count(*) FROM rollup_similar_roles WHERE r1 = $1 AND r2 = $2`, twin, role); err != nil || pairs != 0 {
		t.Fatalf("the twin is paired before any gap of it (%d pairs, err %v)", pairs, err)
	}
	// A member with sites: two stayers of the twin where it needs none,
	// and five more heads of the role than it has there.
	var siren, siret string
	if err := e.DB.QueryRow(`SELECT m.siren, min(s.siret) FROM memberships m JOIN sites s ON s.siren = m.siren
WHERE m.since <= $1::date AND (m.until IS NULL OR m.until > $1::date) GROUP BY m.siren ORDER BY m.siren LIMIT 1`, key.AsOf).Scan(&siren, &siret); err != nil {
		t.Fatal(err)
	}
	e.DB.MustExec(`INSERT INTO employees (id, siren, employee_ref, siret, role_id, birth_year, entry_date) OVERRIDING SYSTEM VALUE
SELECT n.id + i, $1, 'twin-' || i, $2, $3, 1995, '2020-01-01' FROM (SELECT max(id) AS id FROM employees) n, generate_series(1, 2) i`, siren, siret, twin)
	e.DB.MustExec(`INSERT INTO needs (siret, role_id, horizon_year, headcount) VALUES ($1, $2, $3, 0)`, siret, twin, key.Horizon)
	e.DB.MustExec(`INSERT INTO needs (siret, role_id, horizon_year, headcount)
SELECT $1, $2, $3, (SELECT count(*) FROM employees WHERE siret = $1 AND role_id = $2) + 5
ON CONFLICT (siret, role_id, horizon_year, declared_on) DO UPDATE SET headcount = excluded.headcount`, siret, role, key.Horizon)
	stale, _, err := r.StaleParts(ctx, key)
	if err != nil || len(stale) == 0 {
		t.Fatalf("stale parts %v (err %v)", stale, err)
	}
	// Before the rebuild, the answer derived from the stale part pairs
	// the new gaps itself (derivedMobilitySQL).
	derived := answer(t, e, poles, p)
	for _, part := range stale {
		if _, err := r.Rebuild(ctx, key, []string{part}); err != nil {
			t.Fatal(err)
		}
	}
	changed, _ := rewritten(t, e.DB, built.ID)
	for pole, sirens := range changed {
		if len(sirens) != 1 || sirens[0] != siren {
			t.Fatalf("pole %s recomputed the units of %v, want %s's only", pole, sirens, siren)
		}
	}
	if err := e.DB.Get(&pairs, `SELECT count(*) FROM rollup_similar_roles WHERE run_id = $1 AND r1 = $2 AND r2 = $3`, built.ID, twin, role); err != nil || pairs != 1 {
		t.Fatalf("the rebuild by company did not pair the twin's new surplus with the role (%d pairs, err %v)", pairs, err)
	}
	got := answer(t, e, poles, p)
	e.DB.MustExec(`DELETE FROM rollup_runs`)
	live := answer(t, e, poles, p)
	if !reflect.DeepEqual(got.Mobility, live.Mobility) {
		t.Fatalf("mobility paths after a rebuild by company\n%s\nfrom the data\n%s", dump(got.Mobility), dump(live.Mobility))
	}
	if !reflect.DeepEqual(derived.Mobility, live.Mobility) {
		t.Fatalf("mobility paths derived from the stale part\n%s\nfrom the data\n%s", dump(derived.Mobility), dump(live.Mobility))
	}
	twinPaths := 0
	for _, page := range live.Mobility {
		for _, m := range page.Items {
			if m.FromRoleID == twin && m.ToRoleID == role {
				twinPaths++
			}
		}
	}
	if twinPaths == 0 {
		t.Fatal("no mobility path from the twin to the role: the comparison is vacuous")
	}
}
