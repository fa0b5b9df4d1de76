package seed

import (
	"fmt"
	"strconv"
)

// projectFundings are the programmes of the generated projects.
var projectFundings = []string{"FUI", "ANR", "Europe", "PSPC", "Région"}

// writeProjects draws each pole's collaborative R&D projects: a few per
// pole (more for the featured ones, one of them finished), partners among
// the companies with a membership row of the pole (some of them not
// members any more), needs at the partners' main sites in roles they
// employ there, ramping up over the project's years, so that the demo strategy
// shows what the projects add at the demo horizons (2027, 2029).
func (g *generator) writeProjects() {
	rng := g.rand(streamProjects)
	fp, fpp, fpn := g.files["projects"], g.files["project_partners"], g.files["project_needs"]
	members := make([][]int, len(g.ref.poles)) // companies with a membership row of each pole
	for ci := range g.companies {
		for _, p := range g.companies[ci].poles {
			members[p] = append(members[p], ci)
		}
	}
	for p, pole := range g.ref.poles {
		if len(members[p]) < 2 {
			continue
		}
		n := 1 + rng.IntN(2)
		if g.featured[p] {
			n = 4
		}
		for k := range n {
			start := RefYear - 1 + rng.IntN(3)
			if g.featured[p] && k == 0 {
				start = RefYear - 5 // a finished project: it adds nothing at the demo horizons
			}
			end := start + 2 + rng.IntN(3)
			id := fmt.Sprintf("%s-%d", pole.id, k+1)
			fp.write(id, pole.id, fmt.Sprintf("Projet collaboratif %d — %s", k+1, pole.name),
				projectFundings[rng.IntN(len(projectFundings))], strconv.Itoa(start), strconv.Itoa(end))
			partners := 2 + rng.IntN(min(4, len(members[p])-1))
			picked := map[int]bool{}
			for j := 0; j < partners; j++ {
				ci := members[p][rng.IntN(len(members[p]))]
				if picked[ci] {
					continue
				}
				picked[ci] = true
				c := &g.companies[ci]
				role := "partner"
				if j == 0 {
					role = "leader"
				}
				fpp.write(id, c.siren, role)
				if len(c.mainRoles) == 0 || len(c.sites) == 0 {
					continue
				}
				// One to three of its roles, at its main site, growing by up to
				// two people a year over the project.
				for r := range 1 + rng.IntN(min(3, len(c.mainRoles))) {
					code := g.ref.roles[c.mainRoles[r]].code
					h := 1 + rng.IntN(2)
					for y := start; y <= end; y++ {
						fpn.write(id, c.sites[0].siret, code, strconv.Itoa(y), strconv.Itoa(h))
						h += rng.IntN(3) // 0, 1 or 2 more the next year
					}
				}
			}
		}
	}
}
