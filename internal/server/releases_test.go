package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/release"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// An observatory reads releases only: published ones, inside its territory,
// at their own date, horizons and retirement age; never a live figure.
func TestObservatoryReleases(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 5)
	// Staff: in department 31, 4 companies × 3 of H1206 and one of 30; in
	// department 81, 2 companies of H2901 (FREQUENCY).
	_, err := d.Exec(`
INSERT INTO employees (siren, employee_ref, siret, role_id, birth_year, entry_date)
SELECT s.siren, s.siret || '-' || g, s.siret, r.id, 1980, '2020-01-01'
FROM sites s JOIN roles r ON r.code = CASE WHEN s.territory_code = '81' THEN 'H2901' ELSE 'H1206' END
CROSS JOIN LATERAL generate_series(1, CASE WHEN s.siren LIKE '%0004_' THEN 30 ELSE 3 END) g
WHERE s.territory_code = '31555' OR s.siren IN (SELECT siren FROM companies ORDER BY siren LIMIT 2)`)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, d, server.Config{})
	observatory := token(t, d, auth.RoleObservatory, auth.Scope{Territory: &auth.Territory{Level: "region", Code: "76"}})
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: ident.CompleteLuhn("40000000")})

	// Before any release, the live aggregates say so.
	res := postAs(t, c.h, observatory, `{ territorialAggregates(level: department, horizon: 2029) { total { headcount } } }`)
	if len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, "no release is published yet") {
		t.Fatalf("%s %+v", res.Data, res.Errors)
	}

	// An administrator creates a release: BUILDING at once, then PUBLISHED.
	res = post(t, c, `mutation { createRelease(date: "2026-06-30") { id status horizons retirementAge } }`)
	var created struct {
		CreateRelease struct {
			ID       string
			Status   string
			Horizons []int
		}
	}
	if len(res.Errors) > 0 || json.Unmarshal(res.Data, &created) != nil || created.CreateRelease.Status != "BUILDING" ||
		fmt.Sprint(created.CreateRelease.Horizons) != "[2027 2029 2031]" {
		t.Fatalf("%s %+v", res.Data, res.Errors)
	}
	id := created.CreateRelease.ID
	deadline := time.Now().Add(60 * time.Second)
	for {
		var status string
		if err := d.Get(&status, `SELECT status FROM releases WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if status == "PUBLISHED" {
			break
		}
		if status == "FAILED" || time.Now().After(deadline) {
			var failure *string
			_ = d.Get(&failure, `SELECT failure FROM releases WHERE id = $1`, id)
			t.Fatalf("release %s: %s %v", id, status, failure)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// One more, never built: administrators only.
	building, err := release.Create(context.Background(), d, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 64)
	if err != nil {
		t.Fatal(err)
	}

	res = postAs(t, c.h, observatory, `{ releases { totalCount edges { node { id status referenceDate hiddenPrimary hiddenSecondary cellCount failure } } } }`)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"totalCount":1`) || !strings.Contains(string(res.Data), `"id":"`+id+`"`) {
		t.Fatalf("observatory list: %s %+v", res.Data, res.Errors)
	}
	if res := post(t, c, `{ releases { totalCount } }`); !strings.Contains(string(res.Data), `"totalCount":2`) {
		t.Fatalf("admin list: %s %+v", res.Data, res.Errors)
	}
	if res := postAs(t, c.h, observatory, fmt.Sprintf(`{ release(id: "%d") { id } }`, building.ID)); string(res.Data) != `{"release":null}` {
		t.Fatalf("a building release shown: %s %+v", res.Data, res.Errors)
	}

	// A table of the release, inside the observatory's region by default.
	q := fmt.Sprintf(`{ release(id: %q) { table(level: department, dimension: role_family, horizon: 2029) {
		cells { territoryCode dimensionCode headcount companies departures target suppressed reason }
		territoryTotals { territoryCode headcount suppressed reason } total { territoryCode headcount suppressed } } } }`, id)
	res = postAs(t, c.h, observatory, q)
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	var tab struct {
		Release struct {
			Table struct {
				Cells []struct {
					TerritoryCode                            string
					Headcount, Companies, Departures, Target *int
					Suppressed                               bool
					Reason                                   *string
				}
				Total struct {
					TerritoryCode string
					Headcount     *int
				}
			}
		}
	}
	if err := json.Unmarshal(res.Data, &tab); err != nil {
		t.Fatal(err)
	}
	hidden := 0
	for _, cell := range tab.Release.Table.Cells {
		if cell.Suppressed {
			hidden++
			if cell.Headcount != nil || cell.Companies != nil || cell.Departures != nil || cell.Target != nil || cell.Reason == nil {
				t.Fatalf("a hidden cell shows figures: %+v", cell)
			}
		}
	}
	if hidden == 0 || tab.Release.Table.Total.TerritoryCode != "76" {
		t.Fatalf("table: %s", res.Data)
	}
	// The same table as CSV.
	rec := get(t, c.h, observatory, "/releases/"+id+".csv?level=department&dimension=role_family&horizon=2029")
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "kind,territory_level") || !strings.Contains(rec.Body.String(), "true,FREQUENCY") {
		t.Fatalf("csv: %d %.400s", rec.Code, rec.Body.String())
	}

	for _, c2 := range []struct{ name, query, code, mention string }{
		{"OtherHorizon", fmt.Sprintf(`{ release(id: %q) { table(level: region, horizon: 2030) { total { headcount } } } }`, id), "BAD_USER_INPUT", "release " + id},
		{"OtherRegion", fmt.Sprintf(`{ release(id: %q) { table(level: department, parent: {level: region, code: "84"}, horizon: 2029) { total { headcount } } } }`, id), "FORBIDDEN", "76"},
		{"AsOf", fmt.Sprintf(`{ release(id: %q) { table(level: region, horizon: 2029, asOf: "2026-06-29") { total { headcount } } } }`, id), "GRAPHQL_VALIDATION_FAILED", "asOf"},
		{"LiveAggregates", `{ territorialAggregates(level: department, horizon: 2029) { total { headcount } } }`, "FORBIDDEN", "release " + id},
		{"Create", `mutation { createRelease(date: "2026-06-30") { id } }`, "FORBIDDEN", ""},
		{"Delete", fmt.Sprintf(`mutation { deleteRelease(id: %q) }`, id), "FORBIDDEN", ""},
	} {
		t.Run(c2.name, func(t *testing.T) {
			res := postAs(t, c.h, observatory, c2.query)
			if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != c2.code || !strings.Contains(res.Errors[0].Message, c2.mention) ||
				strings.Contains(string(res.Data), `"headcount":`) {
				t.Fatalf("%s %+v", res.Data, res.Errors)
			}
		})
	}
	for path, want := range map[string]int{
		"/releases/" + id + ".csv?level=department&horizon=2029&asOf=2026-06-29":                     400,
		"/releases/" + id + ".csv?level=department&horizon=2029&retirementAge=62":                    400,
		"/releases/" + id + ".csv?level=department&horizon=2030":                                     400,
		"/releases/" + id + ".csv?level=department&parent=region:84&horizon=2029":                    403,
		fmt.Sprintf("/releases/%d.csv?level=department&horizon=2027", building.ID):                   404,
		"/aggregates.csv?level=department&horizon=2029":                                              403,
		"/releases/" + id + ".csv?level=department&parent=department:31&horizon=2029":                200,
		"/releases/" + id + ".csv?level=department&parent=department:31&horizon=2031&dimension=pole": 200,
	} {
		if rec := get(t, c.h, observatory, path); rec.Code != want {
			t.Errorf("%s: %d, want %d: %.300s", path, rec.Code, want, rec.Body.String())
		}
	}
	if rec := get(t, c.h, company, "/releases/"+id+".csv?level=department&horizon=2029"); rec.Code != 403 {
		t.Errorf("company csv: %d", rec.Code)
	}
	if res := post(t, c, fmt.Sprintf(`mutation { deleteRelease(id: "%d") }`, building.ID)); string(res.Data) != `{"deleteRelease":true}` {
		t.Fatalf("delete: %s %+v", res.Data, res.Errors)
	}

	// The table read above is kept in memory; the release deleted by another
	// process (here, straight in the database: this server is not told) is
	// never served from there, through GraphQL or CSV.
	if res := postAs(t, c.h, observatory, q); len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"headcount":`) {
		t.Fatalf("before deletion: %.300s %+v", res.Data, res.Errors)
	}
	if _, err := d.Exec(`DELETE FROM releases WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if res := postAs(t, c.h, observatory, q); len(res.Errors) > 0 || string(res.Data) != `{"release":null}` {
		t.Fatalf("a deleted release served: %.300s %+v", res.Data, res.Errors)
	}
	if rec := get(t, c.h, observatory, "/releases/"+id+".csv?level=department&dimension=role_family&horizon=2029"); rec.Code != 404 {
		t.Fatalf("a deleted release served as CSV: %d %.300s", rec.Code, rec.Body.String())
	}
}
