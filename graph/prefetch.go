package graph

import (
	"context"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/page"
	"github.com/gpec-project/gpec/internal/store"
)

// The lists of sites, of a role's skills and of a skill's trainings are
// marshalled one element after the other (graph/generated/slice.go): their
// resolvers first ask in one batch for what every element will look up, so
// that no element waits for a batch of its own. Once the shared cache holds
// them, these are lookups in memory.

// prefetchSiteTerritories asks for the territory, department and region of
// each site (a territory's parent is its department or region).
func prefetchSiteTerritories(ctx context.Context, sites []*domain.Site) {
	if len(sites) < 2 {
		return
	}
	keys := make([]domain.TerritoryKey, 0, 3*len(sites))
	for _, s := range sites {
		keys = append(keys, domain.TerritoryKey{Level: s.TerritoryLevel, Code: s.TerritoryCode},
			domain.TerritoryKey{Level: domain.LevelDepartment, Code: s.DepartmentCode},
			domain.TerritoryKey{Level: domain.LevelRegion, Code: s.RegionCode})
	}
	store.LoadersFrom(ctx).Territory.Prefetch(ctx, keys...)
}

// prefetchSkills asks for the skill of each role–skill link.
func prefetchSkills(ctx context.Context, links []*domain.RoleSkill) {
	if len(links) < 2 {
		return
	}
	ids := make([]int, len(links))
	for i, l := range links {
		ids[i] = l.SkillID
	}
	store.LoadersFrom(ctx).Skill.Prefetch(ctx, ids...)
}

// prefetchTrainings asks for the training of each edge, then for the
// training's territory.
func prefetchTrainings(ctx context.Context, c *page.Connection[*domain.TrainingSkill]) {
	if c == nil || len(c.Edges) < 2 {
		return
	}
	l := store.LoadersFrom(ctx)
	ids := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		ids[i] = e.Node.TrainingID
	}
	l.Training.Prefetch(ctx, ids...)
	keys := make([]domain.TerritoryKey, 0, len(ids))
	for _, id := range ids {
		if t, err := l.Training.Load(ctx, id); err == nil && t != nil {
			keys = append(keys, domain.TerritoryKey{Level: t.TerritoryLevel, Code: t.TerritoryCode})
		}
	}
	l.Territory.Prefetch(ctx, keys...)
}
