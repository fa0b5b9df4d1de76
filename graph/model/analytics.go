package model

import (
	"github.com/gpec-project/gpec/internal/analytics"
)

// SkillGap is a skill's figures with the scope they were computed for, which
// its trainingsNear field needs.
type SkillGap struct {
	analytics.SkillGap
	Scope analytics.Scope
}

// PoleStrategy carries a pole and the parameters its strategy fields share.
type PoleStrategy struct {
	PoleID string
	Params analytics.Params
}

// MobilityEnd is one side of a mobility path.
type MobilityEnd struct {
	Siren  string
	RoleID int
}
