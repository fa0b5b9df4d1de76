package reference

import (
	"sort"

	"github.com/gpec-project/gpec/internal/analytics"
)

// UpcomingSessions is DESIGN.md's sessions of a shared training
// opportunity, literally: the sessions of the trainings teaching the skill
// at the level needed or above (none when it is 0), starting after asOf, at
// distance 0 or 1 from the department — the session's own territory, else
// its training's; a remote training's sessions at 0 — full ones included,
// ranked by distance, duration (unknown last), training id, start date,
// session id.
func (d *Dataset) UpcomingSessions(r analytics.SessionRequest) []analytics.UpcomingSession {
	out := []analytics.UpcomingSession{}
	if r.MinLevel <= 0 {
		return out
	}
	region := d.parent(analytics.LevelDepartment, r.DepartmentCode)
	for _, ts := range d.TrainingSkills {
		if ts.SkillID != r.SkillID || ts.Level < r.MinLevel {
			continue
		}
		var t Training
		for _, x := range d.Trainings {
			if x.ID == ts.TrainingID {
				t = x
			}
		}
		for _, s := range d.Sessions {
			if s.TrainingID != t.ID || !s.Start.After(r.AsOf) {
				continue
			}
			place := s.TerritoryCode
			if place == "" {
				place = t.TerritoryCode
			}
			_, dep, reg := d.place(place)
			distance := 2
			switch {
			case t.Modality == "remote" || dep == r.DepartmentCode:
				distance = 0
			case reg == region:
				distance = 1
			}
			if distance > 1 {
				continue
			}
			u := analytics.UpcomingSession{TrainingID: t.ID, SessionID: s.SessionID, StartDate: s.Start, EndDate: s.End,
				DurationHours: t.Duration, Level: ts.Level, Distance: distance}
			for _, en := range d.Enrolments {
				if en.TrainingID == s.TrainingID && en.SessionID == s.SessionID && en.Status != "cancelled" {
					u.Enrolled++
				}
			}
			if s.Seats != nil {
				seats, free := *s.Seats, max(0, *s.Seats-u.Enrolled)
				u.Seats, u.FreeSeats = &seats, &free
			}
			out = append(out, u)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Distance != b.Distance {
			return a.Distance < b.Distance
		}
		if (a.DurationHours == nil) != (b.DurationHours == nil) {
			return a.DurationHours != nil
		}
		if a.DurationHours != nil && *a.DurationHours != *b.DurationHours {
			return *a.DurationHours < *b.DurationHours
		}
		if a.TrainingID != b.TrainingID {
			return a.TrainingID < b.TrainingID
		}
		if !a.StartDate.Equal(b.StartDate) {
			return a.StartDate.Before(b.StartDate)
		}
		return a.SessionID < b.SessionID
	})
	return out
}
