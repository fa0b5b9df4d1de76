package seed

import (
	"fmt"
	"slices"

	"github.com/gpec-project/gpec/internal/refdata"
)

// reference is the part of refdata the generator draws from, indexed by
// position so that the hot loops never hash a code.
type reference struct {
	roles      []role
	roleIndex  map[string]int
	skills     []skill
	divisions  map[string][]int // NAF division → role indices, in code order
	regions    []region
	regionByID map[string]int
	depts      []dept
	poles      []pole
	poleByID   map[string]int
}

type role struct {
	code, title string
	essential   []link // the links that the analytics count by default
}

type link struct {
	skill int32
	level int8
}

type skill struct{ code, name string }

type region struct {
	code, name string
	depts      []int
	weight     float64 // economic weight: the sum of its departments' weights
}

type dept struct {
	code, name string
	region     int
	weight     float64
}

type pole struct {
	id, name string
	region   int
}

func columns(t *refdata.Table, names ...string) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		c, err := t.Column(n)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func loadReference() (*reference, error) {
	ref := &reference{roleIndex: map[string]int{}, divisions: map[string][]int{},
		regionByID: map[string]int{}, poleByID: map[string]int{}}

	t, err := refdata.ReadTable("roles")
	if err != nil {
		return nil, err
	}
	c, err := columns(t, "code", "title")
	if err != nil {
		return nil, err
	}
	for _, r := range t.Rows {
		ref.roleIndex[r[c[0]]] = len(ref.roles)
		ref.roles = append(ref.roles, role{code: r[c[0]], title: r[c[1]]})
	}

	if t, err = refdata.ReadTable("skills"); err != nil {
		return nil, err
	}
	if c, err = columns(t, "code", "name"); err != nil {
		return nil, err
	}
	skillIndex := make(map[string]int32, len(t.Rows))
	for _, r := range t.Rows {
		skillIndex[r[c[0]]] = int32(len(ref.skills))
		ref.skills = append(ref.skills, skill{code: r[c[0]], name: r[c[1]]})
	}

	if t, err = refdata.ReadTable("role_skills"); err != nil {
		return nil, err
	}
	if c, err = columns(t, "role_code", "skill_code", "level", "essential"); err != nil {
		return nil, err
	}
	for _, r := range t.Rows {
		if r[c[3]] != "true" {
			continue
		}
		ri, ok := ref.roleIndex[r[c[0]]]
		si, ok2 := skillIndex[r[c[1]]]
		if !ok || !ok2 || len(r[c[2]]) != 1 || r[c[2]][0] < '1' || r[c[2]][0] > '4' {
			return nil, fmt.Errorf("seed: bad role_skills row %v", r)
		}
		ref.roles[ri].essential = append(ref.roles[ri].essential, link{skill: si, level: int8(r[c[2]][0] - '0')})
	}

	if t, err = refdata.ReadTable("territories"); err != nil {
		return nil, err
	}
	if c, err = columns(t, "level", "code", "name", "parent_code"); err != nil {
		return nil, err
	}
	for _, r := range t.Rows { // regions come first in the file
		if r[c[0]] == "region" {
			ref.regionByID[r[c[1]]] = len(ref.regions)
			ref.regions = append(ref.regions, region{code: r[c[1]], name: r[c[2]]})
		}
	}
	for _, r := range t.Rows {
		if r[c[0]] != "department" {
			continue
		}
		ri, ok := ref.regionByID[r[c[3]]]
		if !ok {
			return nil, fmt.Errorf("seed: department %s in unknown region %s", r[c[1]], r[c[3]])
		}
		w := deptWeights[r[c[1]]]
		if w == 0 {
			w = 1
		}
		ref.regions[ri].depts = append(ref.regions[ri].depts, len(ref.depts))
		ref.regions[ri].weight += w
		ref.depts = append(ref.depts, dept{code: r[c[1]], name: r[c[2]], region: ri, weight: w})
	}

	if t, err = refdata.ReadTable("poles"); err != nil {
		return nil, err
	}
	if c, err = columns(t, "id", "name", "region_code"); err != nil {
		return nil, err
	}
	for _, r := range t.Rows {
		ri, ok := ref.regionByID[r[c[2]]]
		if !ok {
			return nil, fmt.Errorf("seed: pole %s in unknown region %s", r[c[0]], r[c[2]])
		}
		ref.poleByID[r[c[0]]] = len(ref.poles)
		ref.poles = append(ref.poles, pole{id: r[c[0]], name: r[c[1]], region: ri})
	}

	pairs, err := refdata.NAFRoles()
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		ri, ok := ref.roleIndex[p.RoleCode]
		if !ok {
			return nil, fmt.Errorf("seed: naf_roles names unknown role %s", p.RoleCode)
		}
		// A role without essential skills would get no assessment: skip it.
		if len(ref.roles[ri].essential) > 0 {
			ref.divisions[p.Division] = append(ref.divisions[p.Division], ri)
		}
	}
	for d := range ref.divisions {
		slices.Sort(ref.divisions[d])
	}
	return ref, ref.checkProfiles()
}

// checkProfiles makes sure every NAF code the generator may draw employs
// ROME roles, and that every core role belongs to its code's division.
func (ref *reference) checkProfiles() error {
	for _, p := range profiles {
		for _, n := range p {
			if len(ref.divisions[n.code[:2]]) == 0 {
				return fmt.Errorf("seed: NAF %s: division has no ROME roles", n.code)
			}
		}
	}
	for naf, codes := range coreRoles {
		for _, code := range codes {
			ri, ok := ref.roleIndex[code]
			if !ok || !slices.Contains(ref.divisions[naf[:2]], ri) {
				return fmt.Errorf("seed: core role %s of NAF %s is not a role of its division", code, naf)
			}
		}
	}
	for naf, codes := range leadRoles {
		for _, code := range codes {
			ri, ok := ref.roleIndex[code]
			if !ok || !slices.Contains(ref.divisions[naf[:2]], ri) {
				return fmt.Errorf("seed: lead role %s of NAF %s is not a role of its division", code, naf)
			}
		}
	}
	for _, m := range mobilityTrends {
		if _, ok := ref.roleIndex[m.code]; !ok {
			return fmt.Errorf("seed: trend for unknown role %s", m.code)
		}
	}
	for _, s := range scaleSizes {
		for _, f := range s.featured {
			if _, ok := ref.poleByID[f.id]; !ok {
				return fmt.Errorf("seed: featured pole %s is unknown", f.id)
			}
		}
	}
	for id := range poleProfiles {
		if _, ok := ref.poleByID[id]; !ok {
			return fmt.Errorf("seed: profile for unknown pole %s", id)
		}
	}
	return nil
}
