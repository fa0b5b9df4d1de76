package domain

import "time"

// Today is the default reference date (asOf): the current date, in UTC.
func Today() time.Time {
	y, m, d := time.Now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Territory levels.
const (
	LevelRegion     = "region"
	LevelDepartment = "department"
	LevelCommune    = "commune"
)

// TerritoryKey identifies a territory: codes overlap across levels
// ("84" is a region and a department), so a code alone never does.
type TerritoryKey struct {
	Level string
	Code  string
}

// Territory is a region, department or commune of the INSEE tree.
type Territory struct {
	Level       string  `db:"level"`
	Code        string  `db:"code"`
	Name        string  `db:"name"`
	ParentCode  *string `db:"parent_code"`
	ParentLevel *string `db:"parent_level"`
}

// Key returns the territory's identity.
func (t *Territory) Key() TerritoryKey { return TerritoryKey{t.Level, t.Code} }

// Pole is a competitiveness pole or a cluster.
type Pole struct {
	ID         string   `db:"id"`
	Name       string   `db:"name"`
	Kind       string   `db:"kind"`
	RegionCode string   `db:"region_code"`
	Themes     []string `db:"-"`
	Website    *string  `db:"website"`
}

// Company is a (member) company, identified by its SIREN.
type Company struct {
	Siren       string  `db:"siren"`
	Name        string  `db:"name"`
	Naf         *string `db:"naf"`
	FoundedYear *int    `db:"founded_year"`
}

// Site is an establishment of a company, identified by its SIRET.
type Site struct {
	Siret          string  `db:"siret"`
	Siren          string  `db:"siren"`
	Name           *string `db:"name"`
	TerritoryLevel string  `db:"territory_level"`
	TerritoryCode  string  `db:"territory_code"`
	DepartmentCode string  `db:"department_code"`
	RegionCode     string  `db:"region_code"`
}

// Membership is a company's membership of a pole over a period.
type Membership struct {
	PoleID string     `db:"pole_id"`
	Siren  string     `db:"siren"`
	Since  time.Time  `db:"since"`
	Until  *time.Time `db:"until"`
}

// ActiveAt tells whether the membership is active at asOf (DESIGN.md:
// since <= asOf and (until null or asOf < until)).
func (m *Membership) ActiveAt(asOf time.Time) bool {
	return !m.Since.After(asOf) && (m.Until == nil || asOf.Before(*m.Until))
}

// RoleFamily groups roles: a ROME domaine professionnel under its grand domaine.
type RoleFamily struct {
	Code       string  `db:"code"`
	Title      string  `db:"title"`
	ParentCode *string `db:"parent_code"`
}

// Role is a job of a referential (a ROME sheet or a pole's own).
type Role struct {
	ID         int     `db:"id"`
	Code       string  `db:"code"`
	Title      string  `db:"title"`
	FamilyCode *string `db:"family"`
}

// Skill is a know-how, a knowledge or a soft skill.
type Skill struct {
	ID       int     `db:"id"`
	Code     string  `db:"code"`
	Name     string  `db:"name"`
	Kind     string  `db:"kind"`
	Category *string `db:"category"`
}

// RoleSkill is the level a role requires of a skill.
type RoleSkill struct {
	RoleID    int  `db:"role_id"`
	SkillID   int  `db:"skill_id"`
	Level     int  `db:"level"`
	Essential bool `db:"essential"`
}

// Training is a course of a provider.
type Training struct {
	ID             string   `db:"id"`
	Provider       string   `db:"provider"`
	Title          string   `db:"title"`
	TerritoryLevel string   `db:"territory_level"`
	TerritoryCode  string   `db:"territory_code"`
	Modality       string   `db:"modality"`
	DurationHours  *float64 `db:"duration_hours"`
	CostEur        *float64 `db:"cost_eur"`
}

// TrainingSkill is the level a training teaches a skill to.
type TrainingSkill struct {
	TrainingID string `db:"training_id"`
	SkillID    int    `db:"skill_id"`
	Level      int    `db:"level"`
}
