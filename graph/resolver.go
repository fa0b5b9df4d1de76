// Package graph holds gpec's GraphQL resolvers: thin functions that take
// the arguments in, make one call to internal/, and return the result. No
// SQL and no business rule lives here.
package graph

//go:generate go tool gqlgen generate
//go:generate go run ./internal/seqlists generated/generated.go Site CompanyEdge RoleSkill TrainingSkillEdge

import (
	"github.com/gpec-project/gpec/internal/store"
)

// Resolver carries the services resolvers call.
type Resolver struct {
	Store *store.Store
}
