package analytics_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/gpec-project/gpec/internal/analytics/reference"
	"github.com/gpec-project/gpec/internal/project"
)

// TestProjectsAgainstReference compares package project's figures with the
// reference on random datasets: partners and their active membership, the
// skills of each project beside its pole's gaps, and each pole's most
// needed skills.
func TestProjectsAgainstReference(t *testing.T) {
	ctx := context.Background()
	seen := map[string]int{}
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, d := generated(t, seed, reference.Small)
			s := &project.Service{DB: e.DB, Engine: e}
			var ids, poles []string
			for _, pr := range d.Projects {
				ids = append(ids, pr.ID)
			}
			for _, p := range d.Poles {
				poles = append(poles, p.ID)
			}
			for _, p := range paramSets() {
				if p.IncludeProjects {
					continue // the same sets with and without: projects are not dated
				}
				name := fmt.Sprintf("asOf=%s H=%d A=%d opt=%v", p.AsOf.Format("2006-01-02"), p.Horizon, p.RetirementAge, p.IncludeOptional)
				var keys []project.PartnerKey
				for _, id := range ids {
					keys = append(keys, project.PartnerKey{ProjectID: id, AsOf: p.AsOf})
				}
				partners, err := s.Partners(ctx, keys)
				if err != nil {
					t.Fatal(err)
				}
				skills, err := s.Skills(ctx, ids, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, pr := range d.Projects {
					want := d.ProjectPartners(pr.ID, p.AsOf)
					if got := partners[project.PartnerKey{ProjectID: pr.ID, AsOf: p.AsOf}]; !reflect.DeepEqual(got, want) {
						t.Fatalf("%s %s partners:\n got %+v\nwant %+v", name, pr.ID, got, want)
					}
					for _, x := range want {
						seen[fmt.Sprint("partner active: ", x.ActiveMember)]++
					}
					id := pr.ID
					wantS := d.ProjectSkills(func(x reference.Project) bool { return x.ID == id }, pr.PoleID, p)
					if got := skills[pr.ID]; !reflect.DeepEqual(got, wantS) {
						t.Fatalf("%s %s skills:\n got %+v\nwant %+v", name, pr.ID, got, wantS)
					}
					seen["project skills"] += len(wantS)
				}
				for _, first := range []int{0, 2} {
					needs, err := s.PoleSkillNeeds(ctx, poles, p, first)
					if err != nil {
						t.Fatal(err)
					}
					for _, pole := range poles {
						all := d.ProjectSkills(func(x reference.Project) bool { return x.PoleID == pole }, pole, p)
						want := []project.SkillNeed{}
						for _, n := range all {
							if n.Headcount > 0 && (n.PoleGap > 0 || n.PoleRequired == 0) {
								want = append(want, n)
							}
						}
						if len(want) < len(all) {
							seen["skills the members do not lack, left out"]++
						}
						if first > 0 && len(want) > first {
							want = want[:first]
						}
						if got := needs[pole]; !reflect.DeepEqual(got, want) {
							t.Fatalf("%s %s first %d pole needs:\n got %+v\nwant %+v", name, pole, first, got, want)
						}
						seen["pole needs"] += len(want)
					}
				}
			}
		})
	}
	t.Logf("cases met: %v", seen)
	for _, c := range []string{"partner active: true", "partner active: false", "project skills", "pole needs", "skills the members do not lack, left out"} {
		if seen[c] == 0 {
			t.Errorf("no case of %q: the generator is too sparse", c)
		}
	}
}
