package refdata

import (
	"encoding/csv"
	"io/fs"
	"slices"
	"sort"
	"testing"
)

// load reads one kind through Files, the way the importer will.
func load(t *testing.T, kind string) []map[string]string {
	t.Helper()
	f, err := Files().Open(kind + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]string, 0, len(records)-1)
	for _, r := range records[1:] {
		m := map[string]string{}
		for i, h := range records[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func median(v []int) float64 {
	s := slices.Clone(v)
	sort.Ints(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

func TestFiles(t *testing.T) {
	entries, err := fs.ReadDir(Files(), ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	var want []string
	for _, k := range Kinds {
		want = append(want, k+".csv")
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("Files() lists %v, want %v", names, want)
	}
	if _, err := Files().Open("naf_roles.csv"); err == nil {
		t.Error("naf_roles.csv is not an import kind but Files exposes it")
	}
}

func TestTerritories(t *testing.T) {
	rows := load(t, "territories")
	regions := map[string]string{}
	deps := 0
	for _, r := range rows {
		switch r["level"] {
		case "region":
			regions[r["code"]] = r["name"]
		case "department":
			deps++
		default:
			t.Errorf("unexpected level %q", r["level"])
		}
	}
	if len(regions) != 18 || deps != 101 {
		t.Errorf("got %d regions and %d departments, want 18 and 101", len(regions), deps)
	}
	for _, r := range rows {
		if r["level"] == "department" && regions[r["parent_code"]] == "" {
			t.Errorf("department %s: unknown region %q", r["code"], r["parent_code"])
		}
	}
	t.Run("Accents", func(t *testing.T) {
		for code, name := range map[string]string{"11": "Île-de-France", "84": "Auvergne-Rhône-Alpes", "93": "Provence-Alpes-Côte d'Azur", "04": "La Réunion"} {
			if regions[code] != name {
				t.Errorf("region %s = %q, want %q", code, regions[code], name)
			}
		}
	})
}

func TestPoles(t *testing.T) {
	rows := load(t, "poles")
	if len(rows) != 46 {
		t.Errorf("%d poles, want 46", len(rows))
	}
	regions := map[string]bool{}
	for _, r := range load(t, "territories") {
		if r["level"] == "region" {
			regions[r["code"]] = true
		}
	}
	for _, r := range rows {
		if !regions[r["region_code"]] || r["kind"] != "competitiveness_pole" {
			t.Errorf("pole %v", r)
		}
	}
	if rows[0]["id"] != "aerospace-valley" || rows[0]["region_code"] != "76" {
		t.Errorf("first pole %v, want aerospace-valley in 76", rows[0])
	}
}

func TestRoles(t *testing.T) {
	families := map[string]string{}
	for _, r := range load(t, "role_families") {
		families[r["code"]] = r["parent_code"]
	}
	grand, domaines := 0, 0
	for code, parent := range families {
		if parent == "" {
			grand++
		} else if _, ok := families[parent]; !ok || families[parent] != "" {
			t.Errorf("family %s: parent %q is not a grand domaine", code, parent)
		} else {
			domaines++
		}
	}
	if grand != 14 || domaines != 110 {
		t.Errorf("%d grand domaines and %d domaines, want 14 and 110", grand, domaines)
	}
	roles := load(t, "roles")
	if len(roles) != 1584 {
		t.Errorf("%d roles, want 1584", len(roles))
	}
	for _, r := range roles {
		if families[r["family"]] == "" {
			t.Errorf("role %s: family %q is not a domaine professionnel", r["code"], r["family"])
		}
	}
}

func TestRoleSkills(t *testing.T) {
	kinds := map[string]string{}
	for _, s := range load(t, "skills") {
		kinds[s["code"]] = s["kind"]
	}
	count := map[string]int{}
	for _, k := range kinds {
		count[k]++
	}
	// 18,317 ROME competences (16 of them savoir-être macro-competences) and
	// 15,354 savoirs.
	if count["know_how"] != 18301 || count["soft"] != 16 || count["knowledge"] != 15354 {
		t.Errorf("skills by kind %v", count)
	}
	roles := map[string]bool{}
	for _, r := range load(t, "roles") {
		roles[r["code"]] = true
	}
	links := load(t, "role_skills")
	competences, essential := map[string]int{}, map[string]int{}
	var nEssential int
	for _, l := range links {
		kind, ok := kinds[l["skill_code"]]
		if !ok || !roles[l["role_code"]] {
			t.Fatalf("link %v names an unknown skill or role", l)
		}
		switch {
		case l["essential"] == "true" && (l["level"] == "3" || l["level"] == "2"):
			nEssential++
		case l["essential"] == "false" && l["level"] == "2":
		default:
			t.Fatalf("link %v: level and essential off the documented defaults", l)
		}
		if kind != "knowledge" {
			competences[l["role_code"]]++
			if l["essential"] == "true" {
				essential[l["role_code"]]++
			}
		}
	}
	// 104,219 coherence items less 13,663 work-context links; 18,900
	// Principale and 1,731 Émergente.
	if len(links) != 90556 || nEssential != 20631 {
		t.Errorf("%d links, %d essential; want 90556 and 20631", len(links), nEssential)
	}
	// The README's "median of 33 know-how links, 11 of them core" counts
	// links to ROME competences (savoir-faire and savoir-être) and, as core,
	// the essential ones (Principale and Émergente).
	var perRole, corePerRole []int
	for code := range roles {
		perRole = append(perRole, competences[code])
		corePerRole = append(corePerRole, essential[code])
	}
	if m := median(perRole); m != 33 {
		t.Errorf("median competence links per role %v, want 33", m)
	}
	if m := median(corePerRole); m != 11 {
		t.Errorf("median essential competence links per role %v, want 11", m)
	}
}

func TestNAFRoles(t *testing.T) {
	pairs, err := NAFRoles()
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]bool{}
	for _, r := range load(t, "roles") {
		roles[r["code"]] = true
	}
	divisions := map[string]int{}
	for _, p := range pairs {
		if !roles[p.RoleCode] || len(p.Division) != 2 {
			t.Errorf("pair %+v", p)
		}
		divisions[p.Division]++
	}
	if len(pairs) != 2920 {
		t.Errorf("%d pairs, want 2920", len(pairs))
	}
	// Division 30 (other transport equipment, aerospace included) is the
	// heart of the demo's aerospace pole.
	if divisions["30"] == 0 || divisions["01"] == 0 {
		t.Errorf("divisions %v", divisions)
	}
}
