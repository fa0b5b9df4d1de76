package seed

import "fmt"

// Scale is a dataset size.
type Scale string

const (
	Small    Scale = "small"    // tests and the demo: ~60 companies, 3,000 employees
	Medium   Scale = "medium"   // ~1,000 companies, 50,000 employees
	National Scale = "national" // ~20,000 companies, 1,000,000 employees
)

// ParseScale reads a scale name as given on the command line.
func ParseScale(s string) (Scale, error) {
	switch sc := Scale(s); sc {
	case Small, Medium, National:
		return sc, nil
	}
	return "", fmt.Errorf("seed: unknown scale %q (want small, medium or national)", s)
}

type sizes struct {
	companies, employees, trainings int
	providersPerRegion              int
	// aeroMembers is how many companies have Aerospace Valley as their main
	// pole: a large share at small scale, so that the demo pole is rich.
	aeroMembers int
	// featured: further poles with a fixed number of main members, whose
	// profiles employ similar roles (leadRoles): the demo's mobility paths.
	featured []featuredPole
}

type featuredPole struct {
	id      string
	members int
}

var scaleSizes = map[Scale]sizes{
	Small: {companies: 60, employees: 3000, trainings: 400, providersPerRegion: 3, aeroMembers: 24,
		featured: []featuredPole{{"i-trans", 8}, {"euramaterials", 6}}},
	Medium: {companies: 1000, employees: 50000, trainings: 2500, providersPerRegion: 6, aeroMembers: 90,
		featured: []featuredPole{{"i-trans", 45}, {"euramaterials", 30}}},
	National: {companies: 20000, employees: 1000000, trainings: 12000, providersPerRegion: 15, aeroMembers: 1000,
		featured: []featuredPole{{"i-trans", 500}, {"euramaterials", 350}}},
}
