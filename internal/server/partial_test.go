package server_test

import (
	"encoding/json"
	"testing"

	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// One analytics field that cannot be answered (a horizon before asOf) is
// null with its error; the pole's other fields, its members and their
// other figures stay, as docs/queries.md promises. Before the figure fields
// were nullable, such an error nulled the whole pole; and before a loader
// batch could fail key by key, it also nulled the valid skillGaps batched
// with the failing one.
func TestFailingFigureNullsOnlyItself(t *testing.T) {
	d, _ := testdb.New(t)
	demo(t, d)
	c := newClient(t, d, server.Config{})
	res := post(t, c, `{
  pole(id: "aerospace-valley") {
    name
    skillGaps(asOf: "2026-01-01", horizon: 2020) { gap }
    roleGaps(asOf: "2026-01-01", horizon: 2020) { roleGap }
    strategy(asOf: "2026-01-01", horizon: 2020) { criticalSkills { gap } }
    goodGaps: skillGaps(asOf: "2026-01-01", horizon: 2029, first: 2) { gap }
    members(first: 2, asOf: "2026-01-01") { totalCount edges { node { name
      roleGaps(asOf: "2026-01-01", horizon: 2020) { roleGap }
      skillGaps(asOf: "2026-01-01", horizon: 2029, first: 1) { gap } } } }
  }
  territory(level: region, code: "76") { name skillGaps(asOf: "2026-01-01", horizon: 2020) { gap } }
  territorialAggregates(level: region, asOf: "2026-01-01", horizon: 2020) { total { headcount } }
  poles(first: 1) { totalCount }
}`)
	var data struct {
		Pole *struct {
			Name      string
			SkillGaps []json.RawMessage
			RoleGaps  []json.RawMessage
			Strategy  *json.RawMessage
			GoodGaps  []json.RawMessage
			Members   struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Name      string
						RoleGaps  []json.RawMessage
						SkillGaps []json.RawMessage
					}
				}
			}
		}
		Territory *struct {
			Name      string
			SkillGaps []json.RawMessage
		}
		TerritorialAggregates *json.RawMessage
		Poles                 *struct{ TotalCount int }
	}
	if err := json.Unmarshal(res.Data, &data); err != nil {
		t.Fatalf("%v: %s", err, res.Data)
	}
	p := data.Pole
	if p == nil || p.Name != "Aerospace Valley" {
		t.Fatalf("the pole is gone: %s (errors %+v)", res.Data, res.Errors)
	}
	if p.SkillGaps != nil || p.RoleGaps != nil || p.Strategy != nil {
		t.Errorf("failing figure fields not null: %s", res.Data)
	}
	if len(p.GoodGaps) != 2 {
		t.Errorf("the answerable skillGaps lost: %s %+v", res.Data, res.Errors)
	}
	if p.Members.TotalCount == 0 || len(p.Members.Edges) != 2 {
		t.Fatalf("members lost: %s", res.Data)
	}
	for _, e := range p.Members.Edges {
		if e.Node.Name == "" || e.Node.RoleGaps != nil || len(e.Node.SkillGaps) != 1 {
			t.Errorf("member %+v: want its name and skill gaps, null role gaps", e.Node)
		}
	}
	if data.Territory == nil || data.Territory.Name != "Occitanie" || data.Territory.SkillGaps != nil {
		t.Errorf("territory: %s", res.Data)
	}
	if data.TerritorialAggregates != nil || data.Poles == nil || data.Poles.TotalCount == 0 {
		t.Errorf("a failing root field took the others with it: %s", res.Data)
	}
	// One error per failing field, each a user error with its path.
	// 3 of the pole, 2 of its members, 1 of the territory, the aggregates.
	if len(res.Errors) != 3+2+1+1 {
		t.Errorf("%d errors, want 7: %+v", len(res.Errors), res.Errors)
	}
	for _, e := range res.Errors {
		if e.Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("error %q has code %v, want BAD_USER_INPUT", e.Message, e.Extensions["code"])
		}
	}
}
