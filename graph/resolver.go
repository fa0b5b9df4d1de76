// Package graph holds gpec's GraphQL resolvers: thin functions that take
// the arguments in, make one call to internal/, and return the result. No
// SQL and no business rule lives here.
package graph

//go:generate go tool gqlgen generate
//go:generate go run ./internal/seqlists generated/generated.go Site CompanyEdge RoleSkill TrainingSkillEdge

import (
	"math"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/release"
	"github.com/gpec-project/gpec/internal/store"
)

// Resolver carries the services resolvers call.
type Resolver struct {
	Store *store.Store
	// MaxAnswerRows and MaxEnrolmentRows bound the rows of one
	// answerCampaign and one writeEnrolments (limits.Config); 0 disables
	// the bound.
	MaxAnswerRows, MaxEnrolmentRows int
	// ReleaseTables keeps the tables of published releases read so far;
	// nil reads every table from the database.
	ReleaseTables *release.Tables
	// Aggregates keeps the territorial aggregates derived from stale cells
	// for the data version; nil keeps none.
	Aggregates *aggregates.Kept
}

// rowBound turns a configured bound (0: none) into the argument of the
// write services, whose 0 means their own default.
func rowBound(n int) int {
	if n <= 0 {
		return math.MaxInt
	}
	return n
}
