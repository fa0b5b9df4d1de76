package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// SessionRequest asks for the upcoming sessions of a shared training
// opportunity (DESIGN.md, "Training sessions"): sessions starting after
// AsOf of the trainings teaching the skill at MinLevel or above, at
// distance 0 or 1 from the department.
type SessionRequest struct {
	DepartmentCode string
	SkillID        int
	MinLevel       int
	AsOf           time.Time
}

// UpcomingSession is a session of a matching training with its distance
// from the opportunity's department and its free seats at the time of the
// request (enrolments are undated: every one not cancelled holds a seat).
type UpcomingSession struct {
	TrainingID    string
	SessionID     string
	StartDate     time.Time
	EndDate       time.Time
	DurationHours *float64
	// Level is the level at which the training teaches the skill.
	Level int
	// Distance is that of the session's own territory (its training's when
	// it has none; a remote training's sessions are at distance 0).
	Distance int
	// Seats is nil without a limit; FreeSeats then too. A full session has 0.
	Seats     *int
	Enrolled  int
	FreeSeats *int
}

// SessionPage is one request's sessions: Total sessions, Items the first of
// them ranked by distance, duration (unknown last), training id, start
// date, session id.
type SessionPage struct {
	Total int
	Items []UpcomingSession
}

// Sessions is the request that finds the opportunity's upcoming sessions.
func (o SharedTrainingOpportunity) Sessions() SessionRequest {
	return SessionRequest{DepartmentCode: o.DepartmentCode, SkillID: o.SkillID, MinLevel: o.LevelNeeded, AsOf: o.AsOf}
}

const upcomingSessionsSQL = `
WITH req_in AS (
  SELECT (u.ord - 1)::int AS req_no, u.dep, u.skill_id, u.min_level, u.as_of
  FROM unnest($1::text[], $2::int[], $3::int[], $4::date[]) WITH ORDINALITY AS u(dep, skill_id, min_level, as_of, ord)
),
cand AS (
  SELECT r.req_no, ss.training_id, ss.session_id, ss.start_date, ss.end_date, ss.seats,
         t.duration_hours::float8 AS duration_hours, ts.level,
         CASE WHEN t.modality = 'remote' OR pd.department_code = r.dep THEN 0
              WHEN d.parent_code = rd.parent_code THEN 1 ELSE 2 END AS distance
  FROM req_in r
  JOIN territories rd ON rd.level = 'department' AND rd.code = r.dep
  JOIN training_skills ts ON ts.skill_id = r.skill_id AND ts.level >= r.min_level AND r.min_level > 0
  JOIN trainings t ON t.id = ts.training_id
  JOIN training_sessions ss ON ss.training_id = t.id AND ss.start_date > r.as_of
  -- A session's place is its own territory, else its training's.
  JOIN place_departments pd ON pd.level = coalesce(ss.territory_level, t.territory_level)
                           AND pd.code = coalesce(ss.territory_code, t.territory_code)
  JOIN territories d ON d.level = 'department' AND d.code = pd.department_code
),
near AS (
  SELECT c.*, count(*) OVER (PARTITION BY c.req_no) AS total,
         row_number() OVER (PARTITION BY c.req_no ORDER BY c.distance, c.duration_hours NULLS LAST,
                            c.training_id COLLATE "C", c.start_date, c.session_id COLLATE "C") AS rn
  FROM cand c WHERE c.distance <= 1
)
SELECT n.req_no, n.training_id, n.session_id, n.start_date, n.end_date, n.duration_hours, n.level, n.distance,
       n.seats, f.enrolled, n.total
FROM near n
CROSS JOIN LATERAL (
  SELECT count(*)::int AS enrolled FROM enrolments en
  WHERE en.training_id = n.training_id AND en.session_id = n.session_id AND en.status <> 'cancelled') f
WHERE n.rn <= $5
ORDER BY n.req_no, n.rn`

// UpcomingSessions answers every request in one statement. first > 0 keeps
// the first sessions of each request; 0 keeps them all.
func (e *Engine) UpcomingSessions(ctx context.Context, reqs []SessionRequest, first int) (map[SessionRequest]SessionPage, error) {
	if err := validateFirst(first); err != nil {
		return nil, err
	}
	out := make(map[SessionRequest]SessionPage, len(reqs))
	var list []SessionRequest
	var deps []string
	var skills, levels []int64
	var dates []string
	for _, r := range reqs {
		if _, seen := out[r]; seen {
			continue
		}
		out[r] = SessionPage{Items: []UpcomingSession{}}
		list = append(list, r)
		deps, skills, levels = append(deps, r.DepartmentCode), append(skills, int64(r.SkillID)), append(levels, int64(r.MinLevel))
		dates = append(dates, r.AsOf.Format(time.DateOnly))
	}
	if len(list) == 0 {
		return out, nil
	}
	rows, err := e.queryx(ctx, upcomingSessionsSQL, pq.Array(deps), pq.Array(skills), pq.Array(levels), pq.Array(dates), limit(first))
	if err != nil {
		return nil, fmt.Errorf("upcoming sessions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, total int
		var s UpcomingSession
		var dur sql.NullFloat64
		var seats sql.NullInt64
		if err := rows.Scan(&n, &s.TrainingID, &s.SessionID, &s.StartDate, &s.EndDate, &dur, &s.Level, &s.Distance,
			&seats, &s.Enrolled, &total); err != nil {
			return nil, err
		}
		s.StartDate, s.EndDate = s.StartDate.UTC(), s.EndDate.UTC()
		if dur.Valid {
			s.DurationHours = &dur.Float64
		}
		if seats.Valid {
			seat, free := int(seats.Int64), max(0, int(seats.Int64)-s.Enrolled)
			s.Seats, s.FreeSeats = &seat, &free
		}
		page := out[list[n]]
		page.Total = total
		page.Items = append(page.Items, s)
		out[list[n]] = page
	}
	return out, rows.Err()
}
