package server

import (
	"net/http"

	"github.com/gpec-project/gpec/internal/limits"
)

// spendOn takes the weight of field (as the GraphQL cost model weighs it)
// from the caller's cost budget for an HTTP endpoint doing that field's
// work, so that the CSV route is no way around the budget; false when the
// budget refused (the answer is written).
func (s *Server) spendOn(w http.ResponseWriter, r *http.Request, field string) bool {
	weights := s.cfg.Limits.Weights
	if weights == nil {
		weights = limits.DefaultWeights
	}
	wt := weights[field]
	return limits.Spend(w, r.Context(), 1+wt.Fixed+wt.Each)
}
