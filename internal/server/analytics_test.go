package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
	"github.com/gpec-project/gpec/internal/testdb/demodata"
)

// demo loads the reference data and the small seeded dataset, as `gpec serve` does.
func demo(t *testing.T, d *sqlx.DB) { demodata.Load(t, d) }

// The example: a pole's gaps, its members' gaps and its strategy in one request.
const poleExample = `{ pole(id: "aerospace-valley") {
    name
    skillGaps(horizon: 2029, first: 10) { skill { name } required qualified gap coverage
      trainingsNear { training { title provider } distance } }
    members(first: %d) { edges { node { name
      roleGaps(horizon: 2029, first: 5) { role { title } stayers target roleGap }
      skillGaps(horizon: 2029, first: 3) { skill { code } gap trainingsNear(first: 2) { distance training { id } } } } } }
    strategy(horizon: 2029) { criticalSkills(first: 5) { skill { name } gap companiesWithGap }
      sharedTrainingOpportunities { department { name } skill { name } companies learners trainings { distance } }
      mobilityPaths(first: 10) { from { company { name } role { title } }
        to { company { name } role { title } } similarity people } }
    employment(year: 2025) { createdJobsShare maintainedJobsShare companies } } }`

func TestAnalyticsOverGraphQL(t *testing.T) {
	_, dsn := testdb.New(t)
	d, st := testdb.OpenCounting(t, dsn)
	demo(t, d)
	c := newClient(t, d, server.Config{LoaderWait: 50 * time.Millisecond})

	post(t, c, `{ __typename }`) // authenticates the token once: later requests hit the cache
	counts := map[int]int64{}
	for _, n := range []int{5, 20} {
		st.Reset()
		res := post(t, c, fmt.Sprintf(poleExample, n))
		if len(res.Errors) > 0 {
			t.Fatalf("errors: %+v", res.Errors)
		}
		counts[n] = st.Count()
		var data struct {
			Pole struct {
				SkillGaps []struct {
					Required, Qualified, Gap int
					TrainingsNear            []struct{ Distance int }
				}
				Members struct {
					Edges []struct {
						Node struct {
							RoleGaps []struct{ Stayers, Target, RoleGap int }
						}
					}
				}
				Employment struct{ Companies int }
			}
		}
		if err := json.Unmarshal(res.Data, &data); err != nil {
			t.Fatal(err)
		}
		p := data.Pole
		if len(p.SkillGaps) != 10 || p.SkillGaps[0].Gap <= 0 || p.SkillGaps[0].Gap != p.SkillGaps[0].Required-p.SkillGaps[0].Qualified {
			t.Fatalf("pole skill gaps at 2029 should lead with a positive gap: %+v", p.SkillGaps)
		}
		if len(p.Members.Edges) != n {
			t.Fatalf("%d members, want %d", len(p.Members.Edges), n)
		}
		for _, e := range p.Members.Edges {
			for _, g := range e.Node.RoleGaps {
				if g.RoleGap != g.Target-g.Stayers {
					t.Fatalf("roleGap %+v", g)
				}
			}
		}
		if p.Employment.Companies == 0 {
			t.Fatal("no member counted in employment indicators")
		}
	}
	t.Logf("statements: %v", counts)
	// Fields at different depths that ask the same loader (skills, here in
	// four places) share a batch or not depending on timing, so on a loaded
	// machine the count may move by a few statements, never with members.
	// An N+1 would add at least 15 statements per nested field (20 − 5
	// members, and the query nests five loader-backed fields per member).
	if d := counts[20] - counts[5]; d >= 10 {
		t.Fatalf("statements grew with members: %v", counts)
	}

	t.Run("Access", func(t *testing.T) {
		h := c.h
		var member, outsider string
		if err := d.Get(&member, `SELECT siren FROM memberships WHERE pole_id = 'aerospace-valley' AND until IS NULL ORDER BY siren LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		if err := d.Get(&outsider, `SELECT siren FROM companies WHERE siren NOT IN (SELECT siren FROM memberships WHERE pole_id = 'aerospace-valley') ORDER BY siren LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
		company := token(t, d, auth.RoleCompany, auth.Scope{Siren: member})
		observatory := token(t, d, auth.RoleObservatory, auth.Scope{Territory: &auth.Territory{Level: "region", Code: "76"}})
		for _, c := range []struct{ name, token, query, want string }{
			{"ManagerPoleGaps", manager, `{ pole(id: "aerospace-valley") { skillGaps(horizon: 2029) { gap } } }`, ""},
			{"ManagerOutsiderGaps", manager, fmt.Sprintf(`{ company(siren: %q) { roleGaps(horizon: 2029) { roleGap } } }`, outsider), "FORBIDDEN"},
			{"CompanyPoleStrategy", company, `{ pole(id: "aerospace-valley") { strategy(horizon: 2029) { criticalSkills { gap } } } }`, "FORBIDDEN"},
			{"CompanyOwnGaps", company, fmt.Sprintf(`{ company(siren: %q) { skillGaps(horizon: 2029) { gap } } }`, member), ""},
			{"ObservatoryPoleGaps", observatory, `{ pole(id: "aerospace-valley") { skillGaps(horizon: 2029) { gap } } }`, "FORBIDDEN"},
			{"ObservatoryTerritoryGaps", observatory, `{ territory(level: region, code: "76") { roleGaps(horizon: 2029) { roleGap } } }`, "FORBIDDEN"},
			{"ObservatoryAggregates", observatory, `{ territorialAggregates(level: department, horizon: 2029, dimension: role_family) { total { headcount suppressed } } }`, "FORBIDDEN"},
			{"ObservatoryEmployment", observatory, `{ territorialEmployment(level: department, year: 2025) { total { companies } } }`, "FORBIDDEN"},
			{"ObservatoryOtherRegion", observatory, `{ territorialAggregates(level: department, parent: {level: region, code: "84"}, horizon: 2029) { total { headcount } } }`, "FORBIDDEN"},
			{"ManagerAggregates", manager, `{ territorialAggregates(level: department, horizon: 2029, dimension: role_family) { total { headcount } } }`, ""},
			{"CompanyAggregates", company, `{ territorialAggregates(level: region, horizon: 2029) { total { headcount } } }`, "FORBIDDEN"},
			{"BadHorizon", manager, `{ pole(id: "aerospace-valley") { skillGaps(horizon: 1999) { gap } } }`, "BAD_USER_INPUT"},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := postAs(t, h, c.token, c.query)
				got := ""
				if len(res.Errors) > 0 {
					got, _ = res.Errors[0].Extensions["code"].(string)
				}
				if got != c.want {
					t.Fatalf("code %q, want %q: %s %+v", got, c.want, res.Data, res.Errors)
				}
			})
		}
	})

	t.Run("ObservatoryReadsReleasesOnly", func(t *testing.T) {
		// Live aggregates, as GraphQL or CSV, name the release to read.
		observatory := token(t, d, auth.RoleObservatory, auth.Scope{})
		for _, q := range []string{
			`{ territorialAggregates(level: department, horizon: 2029, dimension: role_family) { cells { headcount } } }`,
			`{ territorialAggregates(level: region, horizon: 2027, asOf: "2026-06-29", retirementAge: 62) { total { headcount } } }`,
			`{ territorialEmployment(level: region, year: 2025) { territories { companies } } }`,
		} {
			res := postAs(t, c.h, observatory, q)
			if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" || !strings.Contains(res.Errors[0].Message, "release") ||
				strings.Contains(string(res.Data), "headcount\":") {
				t.Fatalf("%s: %s %+v", q, res.Data, res.Errors)
			}
		}
		for _, path := range []string{
			"/aggregates.csv?level=department&dimension=role_family&horizon=2029&asOf=2026-06-30",
			"/aggregates.csv?level=region&horizon=2029",
		} {
			rec := get(t, c.h, observatory, path)
			if rec.Code != 403 || !strings.Contains(rec.Body.String(), "release") {
				t.Fatalf("%s: %d %.300s", path, rec.Code, rec.Body.String())
			}
		}
		// The admin keeps the live aggregates, unsuppressed.
		res := post(t, c, `{ territorialAggregates(level: department, horizon: 2029, dimension: role_family) { cells { suppressed } } }`)
		if len(res.Errors) > 0 || strings.Contains(string(res.Data), `"suppressed":true`) {
			t.Fatalf("admin: %s %+v", res.Data, res.Errors)
		}
	})

	t.Run("AggregatesCSV", func(t *testing.T) {
		rec := get(t, c.h, c.token, "/aggregates.csv?level=department&parent=region:76&dimension=role_family&horizon=2029&asOf=2026-06-30")
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), "region-76") ||
			!strings.HasPrefix(rec.Body.String(), "kind,territory_level") {
			t.Fatalf("%d %v\n%.400s", rec.Code, rec.Header(), rec.Body.String())
		}
	})

	t.Run("ExportEndpoint", func(t *testing.T) {
		rec := get(t, c.h, c.token, "/export/sites.csv")
		if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "siret,siren,name,territory_code") {
			t.Fatalf("%d %.200s", rec.Code, rec.Body.String())
		}
		manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
		if rec := get(t, c.h, manager, "/export/sites.csv"); rec.Code != 403 {
			t.Fatalf("manager export: %d", rec.Code)
		}
	})
}
