package analytics_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/rollup"
)

// companyImport imports, with the steps' priors kept as the server's
// writers keep them, company siren's assessments with every level changed,
// one more assessment dated on, and its needs' headcounts + 1: the
// benchmark's one-company import.
func companyImport(t *testing.T, e *analytics.Engine, siren string, on time.Time) {
	t.Helper()
	ctx := context.Background()
	file := func(name string, q string, change func([]string) []string) importer.Source {
		t.Helper()
		rows, err := e.DB.Queryx(q, siren, on)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		first := true
		for rows.Next() {
			cols, _ := rows.Columns()
			if first {
				_ = w.Write(cols)
				first = false
			}
			v, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			rec := make([]string, len(v))
			for i, x := range v {
				switch x := x.(type) {
				case []byte:
					rec[i] = string(x)
				case nil:
				default:
					rec[i] = fmt.Sprint(x)
				}
			}
			_ = w.Write(change(rec))
		}
		w.Flush()
		return importer.UploadSource(name, int64(b.Len()), bytes.NewReader(b.Bytes()))
	}
	skills := file("employee_skills.csv", `
SELECT e.siren, e.employee_ref, s.code AS skill_code, coalesce(es.assessed_on::text, '') AS assessed_on, es.level::text AS level
FROM employee_skills es JOIN employees e ON e.id = es.employee_id JOIN skills s ON s.id = es.skill_id
WHERE e.siren = $1 AND $2::date IS NOT NULL
UNION ALL
(SELECT e.siren, e.employee_ref, s.code, $2::date::text, '9'
 FROM employees e CROSS JOIN LATERAL (SELECT code FROM skills ORDER BY code LIMIT 1) s
 WHERE e.siren = $1 ORDER BY e.employee_ref LIMIT 1)`, func(r []string) []string {
		r[4] = map[string]string{"0": "4", "1": "3", "2": "3", "3": "1", "4": "0", "9": "4"}[r[4]]
		return r
	})
	needs := file("needs.csv", `
SELECT n.siret, r.code AS role_code, n.horizon_year::text AS horizon_year, coalesce(n.declared_on::text, '') AS declared_on,
       (n.headcount + 1)::text AS headcount
FROM needs n JOIN sites s ON s.siret = n.siret JOIN roles r ON r.id = n.role_id
WHERE s.siren = $1 AND $2::date IS NOT NULL`, func(r []string) []string { return r })
	rep, err := importer.Import(ctx, e.DB, []importer.Source{skills, needs},
		importer.Options{BeforeWrite: analytics.KeepStepsPrior})
	if err != nil || !rep.Committed {
		t.Fatalf("company import: err %v, report %+v", err, rep)
	}
}

// TestStepsDerivedAroundACompanyImport checks a pole's figures at past
// dates after one company's import, while its steps have not seen it:
// derived from the steps (the company's figures now minus those kept
// before its write), equal to the reference on the data after the write
// at every date; derived, not computed from the data (tampered steps
// show); and not derived for a company written by a writer that kept no
// prior (computed from the data, still right).
func TestStepsDerivedAroundACompanyImport(t *testing.T) {
	ctx := context.Background()
	e, d := generated(t, 11, reference.Small)
	var poles []string
	for _, p := range d.Poles {
		poles = append(poles, p.ID)
	}
	r := &rollup.Refresher{DB: e.DB, Steps: &analytics.BuildSteps}
	keys := []rollup.StepsKey{{Horizon: 2028, RetirementAge: 64}, {Horizon: reference.GenAsOf.Year(), RetirementAge: 62}}
	for _, k := range keys {
		for _, part := range partsOf(poles) {
			if err := r.BuildSteps(ctx, k, part); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Two companies with employees and needs, in one pole at least; the
	// second is written by SQL first (no prior kept), then imported.
	var sirens []string
	if err := e.DB.Select(&sirens, `
SELECT m.siren FROM memberships m
WHERE EXISTS (SELECT 1 FROM employees x WHERE x.siren = m.siren)
  AND EXISTS (SELECT 1 FROM needs n JOIN sites s ON s.siret = n.siret WHERE s.siren = m.siren)
GROUP BY m.siren ORDER BY count(*) DESC, m.siren LIMIT 2`); err != nil || len(sirens) < 2 {
		t.Fatalf("no two companies to write (err %v)", err)
	}
	mid := reference.GenAsOf.AddDate(0, -5, 0)
	companyImport(t, e, sirens[0], mid)

	var kept int
	if err := e.DB.Get(&kept, `SELECT count(*) FROM rollup_steps_prior WHERE siren = $1`, sirens[0]); err != nil || kept == 0 {
		t.Fatalf("no prior kept for the company imported (err %v)", err)
	}
	// check compares every pole's figures with the reference's on the data
	// at dates around the facts, and whether those of the poles its read
	// the steps (derived).
	check := func(what string, its []string, derived bool) {
		t.Helper()
		d, err := reference.Load(ctx, e.DB)
		if err != nil {
			t.Fatal(err)
		}
		n, stale := 0, 0
		days := factDates(t, e)
		rng := rand.New(rand.NewSource(int64(len(days))))
		for _, day := range days {
			if rng.Intn(4) > 0 && day.Before(mid.AddDate(0, -1, 0)) {
				continue // a quarter of the dates long before the writes
			}
			for _, k := range keys {
				if k.Horizon < day.Year() || day.Year() < 2015 {
					continue
				}
				p := analytics.Params{AsOf: day, Horizon: k.Horizon, RetirementAge: k.RetirementAge}
				if ok, err := rollup.StepsFresh(ctx, e.DB, k, partsOf(poles), day); err != nil {
					t.Fatal(err)
				} else if !ok {
					stale++
				}
				for _, pole := range poles {
					s := analytics.Scope{PoleID: pole}
					skills, err := e.SkillGaps(ctx, []analytics.Scope{s}, p, analytics.SkillByGap, 0)
					if err != nil {
						t.Fatal(err)
					}
					if want := d.SkillGaps(s, p); !reflect.DeepEqual(orNil(skills[s].Items), orNil(sorted(want))) {
						t.Fatalf("%s: %s pole %s skill gaps\n got %s\nwant %s", what, day.Format(time.DateOnly), pole,
							dump(skills[s].Items), dump(sorted(want)))
					}
					roles, err := e.RoleGaps(ctx, []analytics.Scope{s}, p, analytics.RoleByCode, 0)
					if err != nil {
						t.Fatal(err)
					}
					if want := d.RoleGaps(s, p); !reflect.DeepEqual(orNil(roles[s].Items), orNil(want)) {
						t.Fatalf("%s: %s pole %s role gaps\n got %+v\nwant %+v", what, day.Format(time.DateOnly), pole,
							roles[s].Items, want)
					}
					n++
				}
			}
		}
		if stale == 0 || n == 0 {
			t.Fatalf("%s: %d answers, %d dates the steps did not answer as they were: nothing derived", what, n, stale)
		}
		// Derived answers read the steps: tampered, they show (and are
		// put back after).
		p := analytics.Params{AsOf: mid.AddDate(0, 1, 0), Horizon: keys[0].Horizon, RetirementAge: keys[0].RetirementAge}
		var scopes []analytics.Scope
		for _, pole := range its {
			scopes = append(scopes, analytics.Scope{PoleID: pole})
		}
		before, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.DB.Exec(`CREATE TABLE saved_skill_steps AS SELECT * FROM rollup_pole_skill_steps;
UPDATE rollup_pole_skill_steps SET qualified = array_fill(1000, ARRAY[cardinality(skill_ids)])`); err != nil {
			t.Fatal(err)
		}
		got, err := e.SkillGaps(ctx, scopes, p, analytics.SkillByCode, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.DB.Exec(`UPDATE rollup_pole_skill_steps s SET qualified = v.qualified FROM saved_skill_steps v
WHERE (s.part, s.horizon, s.retirement_age, s.cumulative, s.day) = (v.part, v.horizon, v.retirement_age, v.cumulative, v.day);
DROP TABLE saved_skill_steps`); err != nil {
			t.Fatal(err)
		}
		if changed := !reflect.DeepEqual(got, before); changed != derived {
			t.Fatalf("%s: tampered steps changed the answers: %v, want %v", what, changed, derived)
		}
	}
	check("after a company's import", polesOf(t, e, sirens[0]), true)

	// A company written by a writer that keeps no prior, then imported:
	// its import keeps none either (its figures are no longer the steps'),
	// and its poles compute from the data.
	if _, err := e.DB.Exec(`UPDATE employee_skills SET level = 4 - level
WHERE employee_id IN (SELECT id FROM employees WHERE siren = $1)`, sirens[1]); err != nil {
		t.Fatal(err)
	}
	companyImport(t, e, sirens[1], mid.AddDate(0, 1, 0))
	if err := e.DB.Get(&kept, `SELECT count(*) FROM rollup_steps_prior WHERE siren = $1`, sirens[1]); err != nil || kept != 0 {
		t.Fatalf("%d priors kept for a company written since the steps (err %v)", kept, err)
	}
	check("after a write without a prior", polesOf(t, e, sirens[1]), false)

	// Rebuilt, the steps answer as they are, and the priors are gone.
	for _, k := range keys {
		for _, part := range partsOf(poles) {
			if err := r.BuildSteps(ctx, k, part); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := e.DB.Get(&kept, `SELECT count(*) FROM rollup_steps_prior`); err != nil || kept != 0 {
		t.Fatalf("%d priors left after the steps were rebuilt (err %v)", kept, err)
	}
}

// sorted is a skill page in SkillByGap's order.
func sorted(g []analytics.SkillGap) []analytics.SkillGap {
	out := slices.Clone(g)
	slices.SortStableFunc(out, byGap)
	return out
}

// polesOf lists the poles company siren is a member of.
func polesOf(t *testing.T, e *analytics.Engine, siren string) []string {
	t.Helper()
	var poles []string
	if err := e.DB.Select(&poles, `SELECT DISTINCT pole_id FROM memberships WHERE siren = $1 ORDER BY 1`, siren); err != nil {
		t.Fatal(err)
	}
	return poles
}
