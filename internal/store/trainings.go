package store

import (
	"context"

	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/page"
)

const trainingCols = `tr.id, tr.provider, tr.title, tr.territory_level, tr.territory_code, tr.modality,
	tr.duration_hours::float8 AS duration_hours, tr.cost_eur::float8 AS cost_eur`

type trainingRow struct {
	domain.Training
	counted
}

// TrainingFilter narrows the list of trainings.
type TrainingFilter struct {
	// SkillID keeps trainings teaching the skill at MinLevel or more.
	SkillID  int
	MinLevel int
	// Territory keeps trainings located in the territory's subtree.
	Territory *domain.TerritoryKey
	Modality  string
	Search    string
}

// Trainings lists trainings by id.
func (s *Store) Trainings(ctx context.Context, f TrainingFilter, a page.Args) ([]*domain.Training, int, error) {
	w := &where{}
	if f.SkillID != 0 {
		w.addRaw("EXISTS (SELECT 1 FROM training_skills ts WHERE ts.training_id = tr.id AND ts.skill_id = " +
			w.next(f.SkillID) + " AND ts.level >= " + w.next(f.MinLevel) + ")")
	}
	if f.Territory != nil {
		w.addRaw("EXISTS (SELECT 1 FROM training_places sp WHERE sp.training_id = tr.id AND " + siteInTerritory(w, *f.Territory) + ")")
	}
	if f.Modality != "" {
		w.add("tr.modality = ?", f.Modality)
	}
	if f.Search != "" {
		ph := w.next(likePattern(f.Search))
		w.addRaw("(tr.title ILIKE " + ph + " OR tr.provider ILIKE " + ph + ")")
	}
	rows, total, err := listPage(ctx, s, `SELECT `+trainingCols+`, count(*) OVER () AS total_count FROM trainings tr`, w, "tr.id", a,
		func(r *trainingRow) int { return r.Total })
	if err != nil {
		return nil, 0, err
	}
	out := make([]*domain.Training, len(rows))
	for i, r := range rows {
		x := r.Training
		out[i] = &x
	}
	return out, total, nil
}

// TrainingsByID returns the trainings with these ids.
func (s *Store) TrainingsByID(ctx context.Context, ids []string) (map[string]*domain.Training, error) {
	var rows []*domain.Training
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+trainingCols+` FROM trainings tr WHERE tr.id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[string]*domain.Training, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// SkillsOfTrainings returns each training's skills, highest level first.
func (s *Store) SkillsOfTrainings(ctx context.Context, ids []string) (map[string][]*domain.TrainingSkill, error) {
	var rows []*domain.TrainingSkill
	if err := s.DB.SelectContext(ctx, &rows, `SELECT ts.training_id, ts.skill_id, ts.level
		FROM training_skills ts JOIN skills s ON s.id = ts.skill_id
		WHERE ts.training_id = ANY($1) ORDER BY ts.training_id, ts.level DESC, s.code`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := map[string][]*domain.TrainingSkill{}
	for _, r := range rows {
		out[r.TrainingID] = append(out[r.TrainingID], r)
	}
	return out, nil
}

// TrainingsOfSkillKey asks one page of the trainings teaching one skill.
type TrainingsOfSkillKey struct {
	SkillID  int
	MinLevel int
	Args     page.Args
}

type trainingSkillRow struct {
	domain.TrainingSkill
	RN int `db:"rn"`
	counted
}

// TrainingsOfSkills answers many TrainingsOfSkillKey in one statement per distinct (level, page).
func (s *Store) TrainingsOfSkills(ctx context.Context, keys []TrainingsOfSkillKey) (map[TrainingsOfSkillKey]*page.Connection[*domain.TrainingSkill], error) {
	type group struct {
		min int
		a   page.Args
	}
	groups := map[group][]int{}
	for _, k := range keys {
		g := group{k.MinLevel, k.Args}
		groups[g] = append(groups[g], k.SkillID)
	}
	out := make(map[TrainingsOfSkillKey]*page.Connection[*domain.TrainingSkill], len(keys))
	for g, ids := range groups {
		inner := `SELECT ts.training_id, ts.skill_id, ts.level,
			row_number() OVER (PARTITION BY ts.skill_id ORDER BY ts.level DESC, ts.training_id) AS rn,
			count(*) OVER (PARTITION BY ts.skill_id) AS total_count
			FROM training_skills ts WHERE ts.skill_id = ANY($1) AND ts.level >= $2`
		var rows []*trainingSkillRow
		if err := s.DB.SelectContext(ctx, &rows, partitionedPage(inner, g.a)+" ORDER BY skill_id, rn", pq.Array(ids), g.min); err != nil {
			return nil, err
		}
		by := map[int][]*domain.TrainingSkill{}
		totals := map[int]int{}
		for _, r := range rows {
			x := r.TrainingSkill
			by[r.SkillID] = append(by[r.SkillID], &x)
			totals[r.SkillID] = r.Total
		}
		for _, id := range ids {
			out[TrainingsOfSkillKey{id, g.min, g.a}] = page.Build(g.a, by[id], totals[id])
		}
	}
	return out, nil
}
