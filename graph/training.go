package graph

import (
	"context"

	"github.com/gpec-project/gpec/graph/model"
	"github.com/gpec-project/gpec/internal/access"
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/training"
)

// planned sets the withPlan argument of a gap field on its parameters.
func planned(p analytics.Params, withPlan *bool) analytics.Params {
	p.WithPlan = withPlan != nil && *withPlan
	return p
}

// planFigure is a plan figure of a skill: null without withPlan.
func planFigure(g *analytics.SkillGap, v int) *int {
	if !g.WithPlan {
		return nil
	}
	return &v
}

// enrolments lists the rows of a company or a pole's members that the
// caller may read.
func enrolments(ctx context.Context, svc *training.Service, f training.EnrolmentFilter, r training.Reader, first *int) (*training.EnrolmentPage, error) {
	n, err := limit("first", first, 50, 500)
	if err != nil {
		return nil, err
	}
	page, err := svc.Enrolments(ctx, r, f, n)
	if err != nil {
		return nil, err
	}
	out := page[training.SessionKey{}]
	return &out, nil
}

// sessionEnrolments loads a session's rows that the caller may read,
// batched with its sibling sessions'.
func sessionEnrolments(ctx context.Context, s *training.Session, first *int) (*training.EnrolmentPage, error) {
	n, err := limit("first", first, 50, 500)
	if err != nil {
		return nil, err
	}
	r, err := access.EnrolmentReader(ctx)
	if err != nil {
		return nil, err
	}
	page, err := training.LoadersFrom(ctx).Enrolments.Load(ctx, training.EnrolmentsKey{Session: s.Key(), Reader: r, First: n})
	return &page, err
}

func enrolmentInputs(in []*model.EnrolmentInput) []training.EnrolmentInput {
	out := make([]training.EnrolmentInput, len(in))
	for i, e := range in {
		out[i] = training.EnrolmentInput{TrainingID: e.TrainingID, SessionID: e.SessionID, EmployeeRef: e.EmployeeRef,
			Status: e.Status, CompletedOn: e.CompletedOn}
	}
	return out
}
