package graph

import (
	"context"
	"time"

	"github.com/gpec-project/gpec/graph/model"
	"github.com/gpec-project/gpec/internal/access"
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/campaign"
	"github.com/gpec-project/gpec/internal/domain"
)

// campaignParams are the analytics parameters of a campaign's figures: its
// reference date and one of its horizons, essential links, default age.
func campaignParams(c *campaign.Campaign, horizon int) (analytics.Params, error) {
	if !c.HasHorizon(horizon) {
		return analytics.Params{}, domain.Invalid("horizon", "horizon %d is not one of campaign %s's horizons %v", horizon, c.ID, c.Horizons())
	}
	return analytics.Params{AsOf: c.ReferenceDate(), Horizon: horizon}, nil
}

// poleCampaign finds one campaign of a pole, or a NOT_FOUND error.
func poleCampaign(ctx context.Context, poleID, id string) (*campaign.Campaign, error) {
	cs, err := campaign.LoadersFrom(ctx).ByPole.Load(ctx, poleID)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, domain.Errorf(domain.CodeNotFound, "pole %s has no campaign %s", poleID, id)
}

func offsetOr(p *int) (int, error) {
	k := campaign.DefaultOffset
	if p != nil {
		k = *p
	}
	return k, campaign.CheckOffset(k)
}

// trendPoints are the points of a trend: the dates given, else the
// reference dates of poleID's campaigns (when set).
func trendPoints(ctx context.Context, dates []*time.Time, poleID string, k int) ([]campaign.TrendPoint, error) {
	if len(dates) > 0 && poleID != "" {
		return nil, domain.Invalid("dates", "give dates or campaignsOf, not both")
	}
	if len(dates) > 0 {
		ds := make([]time.Time, len(dates))
		for i, d := range dates {
			ds[i] = *d
		}
		return campaign.DatePoints(ds, k), nil
	}
	if poleID == "" {
		return nil, domain.Invalid("dates", "give the dates of the points, or campaignsOf")
	}
	if err := access.CampaignInfo(ctx, poleID); err != nil {
		return nil, err
	}
	cs, err := campaign.LoadersFrom(ctx).ByPole.Load(ctx, poleID)
	if err != nil {
		return nil, err
	}
	return campaign.CampaignPoints(cs, k), nil
}

// trend computes a scope's trend over points, keeping the first skills and
// roles at the last point when first is given.
func trend(ctx context.Context, s analytics.Scope, points []campaign.TrendPoint, roles, skills []string, first *int) (*campaign.Trend, error) {
	n, err := limit("first", first, 0, 500)
	if err != nil {
		return nil, err
	}
	t, err := campaign.LoadersFrom(ctx).Trend(ctx, campaign.TrendRequest{Scope: s, Points: points, RoleCodes: roles, SkillCodes: skills, First: n})
	if err != nil {
		return nil, err
	}
	return t.Top(n), nil
}

// gapMoves answers a pole's gapMoves field.
func gapMoves(ctx context.Context, poleID, from, to string, offset, first *int) (*model.GapMoves, error) {
	k, err := offsetOr(offset)
	if err != nil {
		return nil, err
	}
	n, err := limit("first", first, 10, 500)
	if err != nil {
		return nil, err
	}
	a, err := poleCampaign(ctx, poleID, from)
	if err != nil {
		return nil, err
	}
	b, err := poleCampaign(ctx, poleID, to)
	if err != nil {
		return nil, err
	}
	grew, shrank, err := campaign.LoadersFrom(ctx).Service.GapMoves(ctx, poleID, a, b, k, n)
	if err != nil {
		return nil, err
	}
	return &model.GapMoves{From: a, To: b, Grew: items(grew), Shrank: items(shrank)}, nil
}

func campaignMembers(f *model.CampaignFollowUp, onlyNon bool) ([]*domain.Company, []*model.CampaignMember) {
	var cos []*domain.Company
	var ms []*model.CampaignMember
	for _, m := range f.Members {
		co := &domain.Company{Siren: m.Siren, Name: m.Name}
		if !onlyNon || !m.Respondent {
			cos = append(cos, co)
		}
		ms = append(ms, &model.CampaignMember{Campaign: f.Campaign, Company: co, Respondent: m.Respondent})
	}
	if cos == nil {
		cos = []*domain.Company{}
	}
	if ms == nil {
		ms = []*model.CampaignMember{}
	}
	return cos, ms
}

// openInput turns the mutation's input into the campaign package's.
func openInput(in model.OpenCampaignInput) campaign.OpenInput {
	return campaign.OpenInput{PoleID: in.PoleID, ID: in.ID, Title: in.Title, OpensOn: in.OpensOn, ClosesOn: in.ClosesOn,
		ReferenceDate: in.ReferenceDate, Horizons: in.Horizons}
}

// answerInputs turns the mutation's lists into the campaign package's.
func answerInputs(needs []*model.NeedAnswerInput, assessments []*model.AssessmentAnswerInput) ([]campaign.NeedInput, []campaign.AssessmentInput) {
	ns := make([]campaign.NeedInput, len(needs))
	for i, n := range needs {
		ns[i] = campaign.NeedInput{Siret: n.Siret, RoleCode: n.RoleCode, HorizonYear: n.HorizonYear, Headcount: n.Headcount, DeclaredOn: n.DeclaredOn}
	}
	as := make([]campaign.AssessmentInput, len(assessments))
	for i, a := range assessments {
		as[i] = campaign.AssessmentInput{EmployeeRef: a.EmployeeRef, SkillCode: a.SkillCode, Level: a.Level, AssessedOn: a.AssessedOn}
	}
	return ns, as
}
