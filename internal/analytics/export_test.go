package analytics

import (
	"context"
	"strings"
)

// ExplainSkillGaps returns the plan PostgreSQL runs for SkillGaps, executed
// (EXPLAIN ANALYZE, BUFFERS), for the benchmark's log.
func (e *Engine) ExplainSkillGaps(ctx context.Context, scopes []Scope, p Params, order SkillOrder, first int) (string, error) {
	_, q, args, err := e.skillGapsQuery(fromData(ctx), scopes, p, order, first)
	if err != nil {
		return "", err
	}
	var lines []string
	if err := e.DB.SelectContext(ctx, &lines, `EXPLAIN (ANALYZE, BUFFERS) `+q, args...); err != nil {
		return "", err
	}
	return strings.Join(lines, "\n"), nil
}

// Statements of the engine, for the benchmark's plans.
var (
	CriticalSkillsSQL      = criticalSkillsSQL(false)
	SharedOpportunitiesSQL = sharedOpportunitiesSQL
	MobilityPathsSQL       = mobilityPathsSQL
)

// Explain returns the executed plan of one of the statements above.
func (e *Engine) Explain(ctx context.Context, q string, args ...any) (string, error) {
	var lines []string
	if err := e.DB.SelectContext(ctx, &lines, `EXPLAIN (ANALYZE, BUFFERS) `+q, args...); err != nil {
		return "", err
	}
	return strings.Join(lines, "\n"), nil
}

// SetPacedUnitEmployees sets the size of a paced build's pieces of units
// until the returned function restores it.
func SetPacedUnitEmployees(n int) (restore func()) {
	old := pacedUnitEmployees
	pacedUnitEmployees = n
	return func() { pacedUnitEmployees = old }
}

// SetStepsCheckpointEvery sets the spacing of the steps' checkpoints for a
// test (so that small datasets have some), until the returned function is
// called.
func SetStepsCheckpointEvery(n int) (restore func()) {
	old := stepsCheckpointEvery
	stepsCheckpointEvery = n
	return func() { stepsCheckpointEvery = old }
}
