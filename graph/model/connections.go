// Package model binds the schema's connection types to the one generic
// connection of internal/page, instantiated once per node type.
package model

import (
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/page"
)

type (
	PoleConnection          = page.Connection[*domain.Pole]
	PoleEdge                = page.Edge[*domain.Pole]
	CompanyConnection       = page.Connection[*domain.Company]
	CompanyEdge             = page.Edge[*domain.Company]
	TerritoryConnection     = page.Connection[*domain.Territory]
	TerritoryEdge           = page.Edge[*domain.Territory]
	RoleConnection          = page.Connection[*domain.Role]
	RoleEdge                = page.Edge[*domain.Role]
	RoleSkillConnection     = page.Connection[*domain.RoleSkill]
	RoleSkillEdge           = page.Edge[*domain.RoleSkill]
	SkillConnection         = page.Connection[*domain.Skill]
	SkillEdge               = page.Edge[*domain.Skill]
	TrainingConnection      = page.Connection[*domain.Training]
	TrainingEdge            = page.Edge[*domain.Training]
	TrainingSkillConnection = page.Connection[*domain.TrainingSkill]
	TrainingSkillEdge       = page.Edge[*domain.TrainingSkill]
)

// The analytics connections (complete lists of figures).
type (
	RoleGapConnection       = page.Connection[*analytics.RoleGap]
	RoleGapEdge             = page.Edge[*analytics.RoleGap]
	SkillGapConnection      = page.Connection[*SkillGap]
	SkillGapEdge            = page.Edge[*SkillGap]
	CriticalSkillConnection = page.Connection[*analytics.CriticalSkill]
	CriticalSkillEdge       = page.Edge[*analytics.CriticalSkill]
	MobilityPathConnection  = page.Connection[*analytics.MobilityPath]
	MobilityPathEdge        = page.Edge[*analytics.MobilityPath]

	SharedTrainingOpportunityConnection = page.Connection[*analytics.SharedTrainingOpportunity]
	SharedTrainingOpportunityEdge       = page.Edge[*analytics.SharedTrainingOpportunity]
	TrainingNearConnection              = page.Connection[*analytics.TrainingMatch]
	TrainingNearEdge                    = page.Edge[*analytics.TrainingMatch]
)

// DownloadLink is a signed download link and its expiry (RFC 3339).
type DownloadLink struct {
	URL       string
	ExpiresAt string
}
