package analytics

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/lib/pq"
)

// NearRequest asks for the trainings teaching a skill at MinLevel or above
// near a scope's territory T:
//   - a scope with a territory (alone, or intersected with a pole or a
//     company): T is that territory;
//   - a pole scope: T is the pole's home region;
//   - a company scope: T is the set of departments of the company's sites,
//     and a training's distance is the smallest over them (the training is
//     near the company when it is near one of its sites).
//
// MinLevel is usually SkillGap.LevelNeeded of the same scope and skill.
type NearRequest struct {
	Scope    Scope
	SkillID  int
	MinLevel int
}

// Distances of a training from T.
const (
	DistanceInside     = 0 // inside T, or taught remotely
	DistanceSameRegion = 1 // in T's region
	DistanceElsewhere  = 2
)

// TrainingMatch is a training teaching the skill, with its distance from T.
type TrainingMatch struct {
	TrainingID     string
	Provider       string
	Title          string
	TerritoryLevel string
	TerritoryCode  string
	Modality       string
	DurationHours  *float64
	CostEUR        *float64
	Level          int // the level at which the training teaches the skill
	Distance       int
}

// TrainingPage is one request's trainings: Total matching trainings, Items
// the first of them ranked by distance, then duration (unknown duration
// last), then training id (byte order).
type TrainingPage struct {
	Total int
	Items []TrainingMatch
}

const trainingsNearSQL = `
WITH req_in AS (
  SELECT (u.ord - 1)::int AS req_no, u.siren, u.pole_id, u.tlevel, u.tcode, u.skill_id, u.min_level
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[])
       WITH ORDINALITY AS u(siren, pole_id, tlevel, tcode, skill_id, min_level, ord)
),
anchor AS (
  -- T of each request, as territories (level, code).
  SELECT r.req_no, r.tlevel AS level, r.tcode AS code FROM req_in r WHERE r.tlevel <> ''
  UNION ALL
  SELECT r.req_no, 'region', p.region_code
  FROM req_in r JOIN poles p ON p.id = r.pole_id
  WHERE r.tlevel = '' AND r.siren = ''
  UNION
  SELECT r.req_no, 'department', sp.department_code
  FROM req_in r JOIN site_places sp ON sp.siren = r.siren
  WHERE r.tlevel = '' AND r.siren <> ''
),
anchor_place AS (
  SELECT a.req_no, a.level, a.code,
         CASE a.level WHEN 'region' THEN a.code WHEN 'department' THEN d.parent_code ELSE cd.parent_code END AS region_code
  FROM anchor a
  LEFT JOIN territories d ON a.level = 'department' AND d.level = 'department' AND d.code = a.code
  LEFT JOIN territories c ON a.level = 'commune' AND c.level = 'commune' AND c.code = a.code
  LEFT JOIN territories cd ON cd.level = 'department' AND cd.code = c.parent_code
),
cand AS (
  SELECT r.req_no, t.id, t.provider, t.title, t.territory_level, t.territory_code, t.modality,
         t.duration_hours::float8 AS duration_hours, t.cost_eur::float8 AS cost_eur, ts.level,
         CASE WHEN t.modality = 'remote' THEN 0 ELSE coalesce(
           (SELECT min(CASE
                     WHEN (ap.level = 'region' AND tp.region_code = ap.code)
                       OR (ap.level = 'department' AND tp.department_code = ap.code)
                       OR (ap.level = 'commune' AND tp.territory_level = 'commune' AND tp.territory_code = ap.code) THEN 0
                     WHEN tp.region_code = ap.region_code THEN 1
                     ELSE 2 END)
            FROM anchor_place ap WHERE ap.req_no = r.req_no), 2) END AS distance
  FROM req_in r
  JOIN training_skills ts ON ts.skill_id = r.skill_id AND ts.level >= r.min_level
  JOIN trainings t ON t.id = ts.training_id
  JOIN training_places tp ON tp.training_id = t.id
)
SELECT req_no, id, provider, title, territory_level, territory_code, modality, duration_hours, cost_eur, level, distance, total
FROM (SELECT cand.*, count(*) OVER (PARTITION BY req_no) AS total,
             row_number() OVER (PARTITION BY req_no ORDER BY distance, duration_hours NULLS LAST, id COLLATE "C") AS rn
      FROM cand) x
WHERE rn <= $7
ORDER BY req_no, rn`

// TrainingsNear answers every request in one statement. first > 0 keeps the
// first trainings of each request; 0 keeps them all. A T that names no known
// place (a company without sites) puts every onsite training at distance 2.
func (e *Engine) TrainingsNear(ctx context.Context, reqs []NearRequest, first int) (map[NearRequest]TrainingPage, error) {
	if err := validateFirst(first); err != nil {
		return nil, err
	}
	seen := map[NearRequest]bool{}
	var list []NearRequest
	var a scopeArrays
	var skills, levels []int64
	for _, r := range reqs {
		if err := r.Scope.validate(); err != nil {
			return nil, err
		}
		if r.MinLevel < 0 || r.MinLevel > 4 {
			return nil, invalid("level", "must be between 0 and 4, got %d", r.MinLevel)
		}
		if seen[r] {
			continue
		}
		seen[r] = true
		list = append(list, r)
		a.sirens = append(a.sirens, r.Scope.Siren)
		a.poles = append(a.poles, r.Scope.PoleID)
		a.levels = append(a.levels, r.Scope.TerritoryLevel)
		a.codes = append(a.codes, r.Scope.TerritoryCode)
		skills = append(skills, int64(r.SkillID))
		levels = append(levels, int64(r.MinLevel))
	}
	out := make(map[NearRequest]TrainingPage, len(list))
	for _, r := range list {
		out[r] = TrainingPage{Items: []TrainingMatch{}}
	}
	if len(list) == 0 {
		return out, nil
	}
	rows, err := e.queryx(ctx, trainingsNearSQL, pq.Array(a.sirens), pq.Array(a.poles), pq.Array(a.levels),
		pq.Array(a.codes), pq.Array(skills), pq.Array(levels), limit(first))
	if err != nil {
		return nil, fmt.Errorf("trainings near: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, total int
		var m TrainingMatch
		var dur, cost sql.NullFloat64
		if err := rows.Scan(&n, &m.TrainingID, &m.Provider, &m.Title, &m.TerritoryLevel, &m.TerritoryCode,
			&m.Modality, &dur, &cost, &m.Level, &m.Distance, &total); err != nil {
			return nil, err
		}
		if dur.Valid {
			m.DurationHours = &dur.Float64
		}
		if cost.Valid {
			m.CostEUR = &cost.Float64
		}
		page := out[list[n]]
		page.Total = total
		page.Items = append(page.Items, m)
		out[list[n]] = page
	}
	return out, rows.Err()
}
