package limits

// Weight is the cost of a field beyond the 1 every field costs: Fixed once
// for each place the field is written in the operation (fragments
// expanded), Each for every time it is resolved. Analytics fields run one
// SQL statement per batch: every resolution of one written field shares
// its arguments, so the request's loaders answer all of them with one
// statement (Fixed), whose work then grows with the parents it covers
// (Each). Aliases with different arguments are separate statements, so
// each alias pays Fixed.
type Weight struct{ Fixed, Each int64 }

// DefaultWeights are measured on the medium dataset (gpec seed -scale
// medium: 1,000 companies, 50,000 employees, 650,000 skill assessments,
// 33,671 skills) as described in the package doc; one unit is about 10 µs
// of server time, the cost of a plain field (skills(first: 500) { edges {
// node { code name } } }, 2,000 units, answers in 24 ms; a pole's 50
// members with their sites and territories, 1,700 units, in 15 ms).
// Figures are for a past asOf, which no rollup answers: the worst case.
var DefaultWeights = map[string]Weight{
	// 150–240 ms for one pole; ten poles at once 390 ms.
	"Pole.skillGaps": {Fixed: 15000, Each: 2500},
	// 60 ms for one pole; ten poles 110 ms.
	"Pole.roleGaps": {Fixed: 6000, Each: 500},
	// The strategy itself is cheap: each of its lists is a statement.
	"Pole.strategy": {Fixed: 500, Each: 100},
	// 140–170 ms each for one pole; criticalSkills of ten poles 440 ms.
	"PoleStrategy.criticalSkills":              {Fixed: 15000, Each: 3000},
	"PoleStrategy.sharedTrainingOpportunities": {Fixed: 15000, Each: 3000},
	"PoleStrategy.mobilityPaths":               {Fixed: 15000, Each: 3000},
	// 10 ms.
	"Pole.employment": {Fixed: 1000, Each: 200},
	// Projects: the skills of project needs read the pole's skill figures
	// without projects (as Pole.skillGaps) beside one small statement.
	"Pole.projectSkillNeeds": {Fixed: 15000, Each: 2500},
	"Project.skills":         {Fixed: 15000, Each: 500},
	"StrategyProject.skills": {Fixed: 15000, Each: 500},
	// 45 ms for one company; 50 members at once 290 ms.
	"Company.skillGaps": {Fixed: 4500, Each: 600},
	// 10 ms for one company; 50 members at once 57 ms.
	"Company.roleGaps": {Fixed: 1000, Each: 100},
	// A region: 400 ms (skills), 150 ms (roles).
	"Territory.skillGaps": {Fixed: 40000, Each: 10000},
	"Territory.roleGaps":  {Fixed: 15000, Each: 4000},
	// Departments by role family: 200 ms; employment by region: 230 ms.
	"Query.territorialAggregates": {Fixed: 20000},
	"Query.territorialEmployment": {Fixed: 20000},
	// Batched over a page of gaps: 50 gaps add 60 ms.
	"SkillGap.trainingsNear": {Fixed: 1000, Each: 100},
	// A search reads a trigram index (migration 0010): among 33,671
	// skills, a pattern of 3 to 100 characters answers within 50 ms, a
	// one-letter one (every skill matches, all counted) in 140 ms; a
	// page of 500 skills without search in 24 ms.
	"Query.skills":    {Fixed: 2000},
	"Query.roles":     {Fixed: 300},
	"Query.trainings": {Fixed: 500},
	"Query.companies": {Fixed: 300},
}
