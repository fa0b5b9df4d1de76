package reference

import (
	"sort"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/project"
)

// ProjectPartners is a project's partners at asOf, leader first then by
// SIREN, each with whether it is an active member of the project's pole.
func (d *Dataset) ProjectPartners(id string, asOf time.Time) []project.Partner {
	pole := ""
	for _, pr := range d.Projects {
		if pr.ID == id {
			pole = pr.PoleID
		}
	}
	out := []project.Partner{}
	for _, pp := range d.Partners {
		if pp.ProjectID == id {
			out = append(out, project.Partner{ProjectID: id, Siren: pp.Siren, Role: pp.Role, ActiveMember: d.ActiveMember(pole, pp.Siren, asOf)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Role == "leader") != (out[j].Role == "leader") {
			return out[i].Role == "leader"
		}
		return out[i].Siren < out[j].Siren
	})
	return out
}

// ProjectSkills is DESIGN.md's project needs of the pole strategy for the
// projects that keep(project) selects: per skill, the headcount of their
// needs at H whose role requires it, beside the pole's gap and required of
// it without projects; by headcount descending, then the pole's gap
// descending, then skill code.
func (d *Dataset) ProjectSkills(keep func(Project) bool, pole string, p analytics.Params) []project.SkillNeed {
	p = Normalize(p)
	headcount := map[int]int{}
	for _, pr := range d.Projects {
		if !keep(pr) {
			continue
		}
		for _, n := range d.ProjectNeeds {
			if n.ProjectID != pr.ID || n.Year != p.Horizon {
				continue
			}
			for _, s := range d.Skills {
				if _, ok := d.requires(n.RoleID, s.ID, p); ok {
					headcount[s.ID] += n.Headcount
				}
			}
		}
	}
	plain := p
	plain.IncludeProjects = false
	gaps := map[int]analytics.SkillGap{}
	for _, g := range d.SkillGaps(analytics.Scope{PoleID: pole}, plain) {
		gaps[g.SkillID] = g
	}
	codes := map[int]string{}
	for _, s := range d.Skills {
		codes[s.ID] = s.Code
	}
	out := []project.SkillNeed{}
	for id, h := range headcount {
		out = append(out, project.SkillNeed{PoleID: pole, SkillID: id, Headcount: h, PoleGap: gaps[id].Gap, PoleRequired: gaps[id].Required})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Headcount != b.Headcount {
			return a.Headcount > b.Headcount
		}
		if a.PoleGap != b.PoleGap {
			return a.PoleGap > b.PoleGap
		}
		return codes[a.SkillID] < codes[b.SkillID]
	})
	return out
}
