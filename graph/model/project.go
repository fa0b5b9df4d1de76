package model

import (
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/project"
)

// StrategyProject is a project within a pole's strategy, read with the
// strategy's parameters.
type StrategyProject struct {
	Project *project.Project
	Params  analytics.Params
}
