package model

import (
	"github.com/gpec-project/gpec/internal/campaign"
	"github.com/gpec-project/gpec/internal/domain"
)

// CampaignFollowUp is a campaign's follow-up, with the campaign its members'
// figures are read at.
type CampaignFollowUp struct {
	Campaign *campaign.Campaign
	campaign.FollowUp
}

// CampaignMember is a member of a campaign.
type CampaignMember struct {
	Campaign   *campaign.Campaign
	Company    *domain.Company
	Respondent bool
}

// GapMoves are the skills whose gap moved most between two campaigns.
type GapMoves struct {
	From, To     *campaign.Campaign
	Grew, Shrank []*campaign.GapMove
}
