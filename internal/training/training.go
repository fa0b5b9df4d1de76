package training

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/importer"
)

// Service reads and writes sessions and enrolments.
type Service struct {
	DB *sqlx.DB
	// BeforeWrite is Write's import Options.BeforeWrite (nil: none).
	BeforeWrite importer.BeforeWriteFunc
}

// Session is a training session with its figures at AsOf.
type Session struct {
	TrainingID string
	SessionID  string
	StartDate  time.Time
	EndDate    time.Time
	// TerritoryLevel and TerritoryCode are where the session takes place:
	// its own territory, else its training's (OwnTerritory false).
	TerritoryLevel string
	TerritoryCode  string
	OwnTerritory   bool
	// Seats is nil without a limit.
	Seats *int
	AsOf  time.Time
	// Enrolled counts every enrolment not cancelled (enrolments are undated).
	Enrolled int
	// Completed counts the completions dated on or before AsOf.
	Completed int
	// FillRate = Enrolled / Seats; FreeSeats = Seats − Enrolled; both nil without seats.
	FillRate  *float64
	FreeSeats *int
}

// SessionKey names a session.
type SessionKey struct{ TrainingID, SessionID string }

// Key is the session's key.
func (s *Session) Key() SessionKey { return SessionKey{s.TrainingID, s.SessionID} }

// SessionFilter selects a training's sessions.
type SessionFilter struct {
	AsOf time.Time
	// Upcoming keeps the sessions starting after AsOf.
	Upcoming bool
}

const sessionsSQL = `
SELECT ss.training_id, ss.session_id, ss.start_date, ss.end_date,
       coalesce(ss.territory_level, t.territory_level), coalesce(ss.territory_code, t.territory_code),
       ss.territory_code IS NOT NULL, ss.seats,
       count(en.employee_id) FILTER (WHERE en.status <> 'cancelled')::int,
       count(en.employee_id) FILTER (WHERE en.status = 'completed' AND en.completed_on <= $2::date)::int
FROM training_sessions ss
JOIN trainings t ON t.id = ss.training_id
LEFT JOIN enrolments en ON en.training_id = ss.training_id AND en.session_id = ss.session_id
WHERE ss.training_id = ANY($1) AND (NOT $3 OR ss.start_date > $2::date)
GROUP BY ss.training_id, ss.session_id, t.territory_level, t.territory_code
ORDER BY ss.training_id, ss.start_date, ss.session_id COLLATE "C"`

// Sessions returns the sessions of each training, by start date then id,
// with their figures, in one statement.
func (s *Service) Sessions(ctx context.Context, trainingIDs []string, f SessionFilter) (map[string][]*Session, error) {
	out := make(map[string][]*Session, len(trainingIDs))
	for _, id := range trainingIDs {
		out[id] = []*Session{}
	}
	if len(trainingIDs) == 0 {
		return out, nil
	}
	asOf := f.AsOf
	if asOf.IsZero() {
		asOf = domain.Today()
	}
	rows, err := s.DB.QueryxContext(ctx, sessionsSQL, pq.Array(trainingIDs), asOf.Format(time.DateOnly), f.Upcoming)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		x := &Session{AsOf: asOf}
		var seats sql.NullInt64
		if err := rows.Scan(&x.TrainingID, &x.SessionID, &x.StartDate, &x.EndDate, &x.TerritoryLevel, &x.TerritoryCode,
			&x.OwnTerritory, &seats, &x.Enrolled, &x.Completed); err != nil {
			return nil, err
		}
		x.StartDate, x.EndDate = x.StartDate.UTC(), x.EndDate.UTC()
		if seats.Valid {
			n := int(seats.Int64)
			free := n - x.Enrolled
			rate := float64(x.Enrolled) / float64(n)
			x.Seats, x.FreeSeats, x.FillRate = &n, &free, &rate
		}
		out[x.TrainingID] = append(out[x.TrainingID], x)
	}
	return out, rows.Err()
}

// Enrolment is one employee's enrolment in a session.
type Enrolment struct {
	TrainingID  string
	SessionID   string
	Siren       string
	EmployeeRef string
	// Status is enrolled, completed or cancelled, as recorded.
	Status      string
	CompletedOn *time.Time
}

// Reader is whose enrolment rows a caller may see: every one (zero
// value), a company's employees' (Siren), or a pole's members' with an
// active membership at AsOf (PoleID).
type Reader struct {
	Siren  string
	PoleID string
	AsOf   time.Time
}

// EnrolmentFilter selects enrolment rows: of some sessions, or of a
// company, or of a pole's active members at the reader's AsOf; the
// reader's scope applies on top.
type EnrolmentFilter struct {
	Sessions []SessionKey
	Siren    string
	PoleID   string
}

const enrolmentsSQL = `
WITH s_in AS (
  SELECT (u.ord - 1)::int AS n, u.t, u.s FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(t, s, ord)
),
row_in AS (
  SELECT coalesce(si.n, 0) AS n, en.training_id, en.session_id, e.siren, e.employee_ref, en.status, en.completed_on
  FROM enrolments en
  JOIN employees e ON e.id = en.employee_id
  LEFT JOIN s_in si ON si.t = en.training_id AND si.s = en.session_id
  WHERE (coalesce(cardinality($1::text[]), 0) = 0 OR si.n IS NOT NULL)
    AND ($3 = '' OR e.siren = $3)
    AND ($4 = '' OR EXISTS (SELECT 1 FROM memberships m WHERE m.pole_id = $4 AND m.siren = e.siren
                             AND m.since <= $7::date AND (m.until IS NULL OR $7::date < m.until)))
    AND ($5 = '' OR e.siren = $5)
    AND ($6 = '' OR EXISTS (SELECT 1 FROM memberships m WHERE m.pole_id = $6 AND m.siren = e.siren
                             AND m.since <= $7::date AND (m.until IS NULL OR $7::date < m.until)))
)
SELECT n, training_id, session_id, siren, employee_ref, status, completed_on, total
FROM (SELECT r.*, count(*) OVER (PARTITION BY n) AS total,
             row_number() OVER (PARTITION BY n ORDER BY training_id COLLATE "C", session_id COLLATE "C",
                                siren, employee_ref COLLATE "C") AS rn
      FROM row_in r) x
WHERE rn <= $8
ORDER BY n, rn`

// EnrolmentPage is the first enrolment rows and how many there are.
type EnrolmentPage struct {
	Total int
	Items []*Enrolment
}

// Enrolments lists the rows the filter selects and the reader may see, by
// training, session, company and employee. With Sessions, one page per
// session (in one statement); else one page, keyed by the zero SessionKey.
func (s *Service) Enrolments(ctx context.Context, r Reader, f EnrolmentFilter, first int) (map[SessionKey]EnrolmentPage, error) {
	if first < 1 {
		return nil, domain.Invalid("first", "first must be >= 1, got %d", first)
	}
	asOf := r.AsOf
	if asOf.IsZero() {
		asOf = domain.Today()
	}
	var ts, ss []string
	for _, k := range f.Sessions {
		ts, ss = append(ts, k.TrainingID), append(ss, k.SessionID)
	}
	rows, err := s.DB.QueryxContext(ctx, enrolmentsSQL, pq.Array(ts), pq.Array(ss), r.Siren, r.PoleID, f.Siren, f.PoleID,
		asOf.Format(time.DateOnly), first)
	if err != nil {
		return nil, fmt.Errorf("enrolments: %w", err)
	}
	defer rows.Close()
	out := map[SessionKey]EnrolmentPage{}
	for _, k := range f.Sessions {
		out[k] = EnrolmentPage{Items: []*Enrolment{}}
	}
	if len(f.Sessions) == 0 {
		out[SessionKey{}] = EnrolmentPage{Items: []*Enrolment{}}
	}
	for rows.Next() {
		var n, total int
		e := &Enrolment{}
		var on sql.NullTime
		if err := rows.Scan(&n, &e.TrainingID, &e.SessionID, &e.Siren, &e.EmployeeRef, &e.Status, &on, &total); err != nil {
			return nil, err
		}
		if on.Valid {
			d := on.Time.UTC()
			e.CompletedOn = &d
		}
		k := SessionKey{}
		if len(f.Sessions) > 0 {
			k = f.Sessions[n]
		}
		page := out[k]
		page.Total = total
		page.Items = append(page.Items, e)
		out[k] = page
	}
	return out, rows.Err()
}

// EnrolmentInput is one row a company writes: an employee's enrolment in a
// session, with its status, and completedOn exactly when completed.
type EnrolmentInput struct {
	TrainingID  string
	SessionID   string
	EmployeeRef string
	Status      string
	CompletedOn *time.Time
}

// DefaultMaxRows bounds the rows of one write.
const DefaultMaxRows = 5_000

// Write records a company's enrolments, completions and cancellations, all
// or nothing: the rows go through the importer as an enrolments file of
// that company, so that every check of DESIGN.md applies (the employee is
// the company's, the session exists, completedOn is given exactly when
// completed and is not before the session's start nor, for a company
// token, after today) and no session ends overbooked. A bad row fails the
// whole write with an error naming each row (1-based) and field.
func (s *Service) Write(ctx context.Context, siren string, rows []EnrolmentInput, today time.Time, maxRows int) (*importer.KindReport, error) {
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	if len(rows) == 0 {
		return nil, domain.Invalid("enrolments", "nothing to write: give enrolments")
	}
	if len(rows) > maxRows {
		return nil, domain.Invalid("enrolments", "at most %d enrolments in one write, got %d", maxRows, len(rows))
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"training_id", "session_id", "siren", "employee_ref", "status", "completed_on"})
	for _, r := range rows {
		on := ""
		if r.CompletedOn != nil {
			on = r.CompletedOn.Format(time.DateOnly)
		}
		_ = w.Write([]string{r.TrainingID, r.SessionID, siren, r.EmployeeRef, r.Status, on})
	}
	w.Flush() // a bytes.Buffer does not fail
	src := importer.UploadSource("enrolments.csv", int64(b.Len()), bytes.NewReader(b.Bytes()))
	rep, err := importer.Import(ctx, s.DB, []importer.Source{src}, importer.Options{OnlySiren: siren, Today: today, MaxErrors: 20,
		BeforeWrite: s.BeforeWrite})
	if err != nil {
		if err == importer.ErrBusy {
			return nil, domain.Errorf(domain.CodeConflict, "an import is running; try again when it ends")
		}
		return nil, fmt.Errorf("enrolments: %w", err)
	}
	if !rep.Committed {
		return nil, writeError(rep)
	}
	for _, k := range rep.Kinds {
		if k.Kind == "enrolments" {
			return &k, nil
		}
	}
	return &importer.KindReport{Kind: "enrolments"}, nil
}

// fieldNames maps the importer's columns to the input's fields.
var fieldNames = map[string]string{
	"training_id": "trainingId", "session_id": "sessionId", "siren": "employeeRef", "employee_ref": "employeeRef",
	"status": "status", "completed_on": "completedOn",
}

// writeError words an import report's errors in the API's terms.
func writeError(rep *importer.Report) error {
	var parts []string
	field := "enrolments"
	for _, e := range rep.Errors {
		where := "enrolments"
		if e.Line > 1 {
			where += fmt.Sprintf(" row %d", e.Line-1)
		}
		if f, ok := fieldNames[e.Column]; ok {
			where += ", " + f
			if field == "enrolments" && e.Line > 1 {
				field = fmt.Sprintf("enrolments[%d].%s", e.Line-2, f)
			}
		}
		parts = append(parts, where+": "+e.Reason)
	}
	msg := "nothing was written: " + strings.Join(parts, "; ")
	if rep.ErrorCount > len(rep.Errors) {
		msg += fmt.Sprintf("; and %d more", rep.ErrorCount-len(rep.Errors))
	}
	return domain.Invalid(field, "%s", msg)
}
