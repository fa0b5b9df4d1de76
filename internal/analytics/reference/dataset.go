package reference

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Territory is a row of territories.
type Territory struct{ Level, Code, Name, Parent string }

// Pole is a row of poles.
type Pole struct{ ID, Name, Kind, Region string }

// Company is a row of companies.
type Company struct{ Siren, Name string }

// Site is a row of sites.
type Site struct{ Siret, Siren, TerritoryCode string }

// Membership is a row of memberships; Until is nil when open.
type Membership struct {
	PoleID, Siren string
	Since         time.Time
	Until         *time.Time
}

// Role is a row of roles.
type Role struct {
	ID          int
	Code, Title string
}

// Skill is a row of skills.
type Skill struct {
	ID               int
	Code, Name, Kind string
}

// RoleSkill is a row of role_skills.
type RoleSkill struct {
	RoleID, SkillID, Level int
	Essential              bool
}

// Employee is a row of employees; Exit is nil when still employed.
type Employee struct {
	ID                int64
	Siren, Ref, Siret string
	RoleID, BirthYear int
	Entry             time.Time
	Exit              *time.Time
}

// EmployeeSkill is a row of employee_skills; AssessedOn is nil when undated.
type EmployeeSkill struct {
	EmployeeID     int64
	SkillID, Level int
	AssessedOn     *time.Time
}

// Need is a row of needs; DeclaredOn is nil when undated.
type Need struct {
	Siret                      string
	RoleID, Horizon, Headcount int
	DeclaredOn                 *time.Time
}

// Training is a row of trainings; Duration and Cost are nil when unknown.
type Training struct {
	ID, Provider, Title, TerritoryCode, Modality string
	Duration, Cost                               *float64
}

// TrainingSkill is a row of training_skills.
type TrainingSkill struct {
	TrainingID     string
	SkillID, Level int
}

// Project is a row of projects.
type Project struct {
	ID, PoleID, Title, Funding string
	StartYear, EndYear         int
}

// ProjectPartner is a row of project_partners.
type ProjectPartner struct{ ProjectID, Siren, Role string }

// ProjectNeed is a row of project_needs.
type ProjectNeed struct {
	ProjectID, Siret        string
	RoleID, Year, Headcount int
}

// TrainingSession is a row of training_sessions; TerritoryCode is "" for
// the training's and Seats nil for no limit.
type TrainingSession struct {
	TrainingID, SessionID string
	Start, End            time.Time
	TerritoryCode         string
	Seats                 *int
}

// Enrolment is a row of enrolments; CompletedOn is set exactly when the
// status is completed.
type Enrolment struct {
	TrainingID, SessionID string
	EmployeeID            int64
	Status                string
	CompletedOn           *time.Time
}

// Dataset is a whole (small) database in memory.
type Dataset struct {
	Territories    []Territory
	Poles          []Pole
	Companies      []Company
	Sites          []Site
	Memberships    []Membership
	Roles          []Role
	Skills         []Skill
	RoleSkills     []RoleSkill
	Employees      []Employee
	EmployeeSkills []EmployeeSkill
	Needs          []Need
	Trainings      []Training
	TrainingSkills []TrainingSkill
	Projects       []Project
	Partners       []ProjectPartner
	ProjectNeeds   []ProjectNeed
	Sessions       []TrainingSession
	Enrolments     []Enrolment

	levels map[[2]int64][]EmployeeSkill // index of EmployeeSkills, built on first use
}

// CutAt returns a copy of d without the facts dated after day: the data as
// it stood then, for DESIGN.md's "the same data answers for any past date as
// it would have then" (assessments and needs by their dates; the rest is
// not dated or is read by its own dates).
func (d *Dataset) CutAt(day time.Time) *Dataset {
	c := *d
	c.levels = nil
	c.EmployeeSkills = nil
	for _, es := range d.EmployeeSkills {
		if es.AssessedOn == nil || !es.AssessedOn.After(day) {
			c.EmployeeSkills = append(c.EmployeeSkills, es)
		}
	}
	c.Needs = nil
	for _, n := range d.Needs {
		if n.DeclaredOn == nil || !n.DeclaredOn.After(day) {
			c.Needs = append(c.Needs, n)
		}
	}
	// Enrolments are undated: a completion after day was an enrolment then.
	c.Enrolments = nil
	for _, en := range d.Enrolments {
		if en.CompletedOn != nil && en.CompletedOn.After(day) {
			en.Status, en.CompletedOn = "enrolled", nil
		}
		c.Enrolments = append(c.Enrolments, en)
	}
	return &c
}

// Load reads every table the analytics read.
func Load(ctx context.Context, db *sqlx.DB) (*Dataset, error) {
	d := &Dataset{}
	type load struct {
		q    string
		scan func(*sqlx.Rows) error
	}
	var nullTime = func(t sql.NullTime) *time.Time {
		if !t.Valid {
			return nil
		}
		v := t.Time.UTC()
		return &v
	}
	loads := []load{
		{`SELECT level, code, name, coalesce(parent_code, '') FROM territories`, func(r *sqlx.Rows) error {
			var t Territory
			err := r.Scan(&t.Level, &t.Code, &t.Name, &t.Parent)
			d.Territories = append(d.Territories, t)
			return err
		}},
		{`SELECT id, name, kind, region_code FROM poles`, func(r *sqlx.Rows) error {
			var p Pole
			err := r.Scan(&p.ID, &p.Name, &p.Kind, &p.Region)
			d.Poles = append(d.Poles, p)
			return err
		}},
		{`SELECT siren, name FROM companies`, func(r *sqlx.Rows) error {
			var c Company
			err := r.Scan(&c.Siren, &c.Name)
			d.Companies = append(d.Companies, c)
			return err
		}},
		{`SELECT siret, siren, territory_code FROM sites`, func(r *sqlx.Rows) error {
			var s Site
			err := r.Scan(&s.Siret, &s.Siren, &s.TerritoryCode)
			d.Sites = append(d.Sites, s)
			return err
		}},
		{`SELECT pole_id, siren, since, until FROM memberships`, func(r *sqlx.Rows) error {
			var m Membership
			var until sql.NullTime
			err := r.Scan(&m.PoleID, &m.Siren, &m.Since, &until)
			m.Since = m.Since.UTC()
			m.Until = nullTime(until)
			d.Memberships = append(d.Memberships, m)
			return err
		}},
		{`SELECT id, code, title FROM roles`, func(r *sqlx.Rows) error {
			var x Role
			err := r.Scan(&x.ID, &x.Code, &x.Title)
			d.Roles = append(d.Roles, x)
			return err
		}},
		{`SELECT id, code, name, kind FROM skills`, func(r *sqlx.Rows) error {
			var x Skill
			err := r.Scan(&x.ID, &x.Code, &x.Name, &x.Kind)
			d.Skills = append(d.Skills, x)
			return err
		}},
		{`SELECT role_id, skill_id, level, essential FROM role_skills`, func(r *sqlx.Rows) error {
			var x RoleSkill
			err := r.Scan(&x.RoleID, &x.SkillID, &x.Level, &x.Essential)
			d.RoleSkills = append(d.RoleSkills, x)
			return err
		}},
		{`SELECT id, siren, employee_ref, siret, role_id, birth_year, entry_date, exit_date FROM employees`, func(r *sqlx.Rows) error {
			var x Employee
			var exit sql.NullTime
			err := r.Scan(&x.ID, &x.Siren, &x.Ref, &x.Siret, &x.RoleID, &x.BirthYear, &x.Entry, &exit)
			x.Entry = x.Entry.UTC()
			x.Exit = nullTime(exit)
			d.Employees = append(d.Employees, x)
			return err
		}},
		{`SELECT employee_id, skill_id, level, assessed_on FROM employee_skills`, func(r *sqlx.Rows) error {
			var x EmployeeSkill
			var on sql.NullTime
			err := r.Scan(&x.EmployeeID, &x.SkillID, &x.Level, &on)
			x.AssessedOn = nullTime(on)
			d.EmployeeSkills = append(d.EmployeeSkills, x)
			return err
		}},
		{`SELECT siret, role_id, horizon_year, headcount, declared_on FROM needs`, func(r *sqlx.Rows) error {
			var x Need
			var on sql.NullTime
			err := r.Scan(&x.Siret, &x.RoleID, &x.Horizon, &x.Headcount, &on)
			x.DeclaredOn = nullTime(on)
			d.Needs = append(d.Needs, x)
			return err
		}},
		{`SELECT id, provider, title, territory_code, modality, duration_hours::float8, cost_eur::float8 FROM trainings`, func(r *sqlx.Rows) error {
			var x Training
			var dur, cost sql.NullFloat64
			err := r.Scan(&x.ID, &x.Provider, &x.Title, &x.TerritoryCode, &x.Modality, &dur, &cost)
			if dur.Valid {
				x.Duration = &dur.Float64
			}
			if cost.Valid {
				x.Cost = &cost.Float64
			}
			d.Trainings = append(d.Trainings, x)
			return err
		}},
		{`SELECT training_id, skill_id, level FROM training_skills`, func(r *sqlx.Rows) error {
			var x TrainingSkill
			err := r.Scan(&x.TrainingID, &x.SkillID, &x.Level)
			d.TrainingSkills = append(d.TrainingSkills, x)
			return err
		}},
		{`SELECT id, pole_id, title, coalesce(funding, ''), start_year, end_year FROM projects`, func(r *sqlx.Rows) error {
			var x Project
			err := r.Scan(&x.ID, &x.PoleID, &x.Title, &x.Funding, &x.StartYear, &x.EndYear)
			d.Projects = append(d.Projects, x)
			return err
		}},
		{`SELECT project_id, siren, role FROM project_partners`, func(r *sqlx.Rows) error {
			var x ProjectPartner
			err := r.Scan(&x.ProjectID, &x.Siren, &x.Role)
			d.Partners = append(d.Partners, x)
			return err
		}},
		{`SELECT project_id, siret, role_id, year, headcount FROM project_needs`, func(r *sqlx.Rows) error {
			var x ProjectNeed
			err := r.Scan(&x.ProjectID, &x.Siret, &x.RoleID, &x.Year, &x.Headcount)
			d.ProjectNeeds = append(d.ProjectNeeds, x)
			return err
		}},
		{`SELECT training_id, session_id, start_date, end_date, coalesce(territory_code, ''), seats FROM training_sessions`, func(r *sqlx.Rows) error {
			var x TrainingSession
			var seats sql.NullInt64
			err := r.Scan(&x.TrainingID, &x.SessionID, &x.Start, &x.End, &x.TerritoryCode, &seats)
			x.Start, x.End = x.Start.UTC(), x.End.UTC()
			if seats.Valid {
				n := int(seats.Int64)
				x.Seats = &n
			}
			d.Sessions = append(d.Sessions, x)
			return err
		}},
		{`SELECT training_id, session_id, employee_id, status, completed_on FROM enrolments`, func(r *sqlx.Rows) error {
			var x Enrolment
			var on sql.NullTime
			err := r.Scan(&x.TrainingID, &x.SessionID, &x.EmployeeID, &x.Status, &on)
			x.CompletedOn = nullTime(on)
			d.Enrolments = append(d.Enrolments, x)
			return err
		}},
	}
	for _, l := range loads {
		rows, err := db.QueryxContext(ctx, l.q)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l.q, err)
		}
		for rows.Next() {
			if err := l.scan(rows); err != nil {
				rows.Close()
				return nil, err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func dates(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format("2006-01-02")
	}
	return out
}

func nullDates(ts []*time.Time) []sql.NullString {
	out := make([]sql.NullString, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = sql.NullString{String: t.Format("2006-01-02"), Valid: true}
		}
	}
	return out
}

// nullableStrings is a text[] with NULL elements.
type nullableStrings []sql.NullString

func (a nullableStrings) array() any { return pq.Array([]sql.NullString(a)) }

// Insert writes d into an empty, migrated database with one multi-row
// INSERT per table (unnest of arrays), keeping d's ids.
func Insert(ctx context.Context, db *sqlx.DB, d *Dataset) error {
	var stmts []struct {
		q    string
		args []any
	}
	add := func(q string, args ...any) {
		stmts = append(stmts, struct {
			q    string
			args []any
		}{q, args})
	}
	// Territories: regions first, so that the self-reference holds row by row.
	for _, level := range []string{"region", "department", "commune"} {
		var codes, names, parents []string
		for _, t := range d.Territories {
			if t.Level == level {
				codes, names, parents = append(codes, t.Code), append(names, t.Name), append(parents, t.Parent)
			}
		}
		add(`INSERT INTO territories (level, code, name, parent_code)
		     SELECT $1, c, n, nullif(p, '') FROM unnest($2::text[], $3::text[], $4::text[]) AS u(c, n, p)`,
			level, pq.Array(codes), pq.Array(names), pq.Array(parents))
	}
	{
		var a, b, c, r []string
		for _, p := range d.Poles {
			a, b, c, r = append(a, p.ID), append(b, p.Name), append(c, p.Kind), append(r, p.Region)
		}
		add(`INSERT INTO poles (id, name, kind, region_code) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
			pq.Array(a), pq.Array(b), pq.Array(c), pq.Array(r))
	}
	{
		var a, b []string
		for _, c := range d.Companies {
			a, b = append(a, c.Siren), append(b, c.Name)
		}
		add(`INSERT INTO companies (siren, name) SELECT * FROM unnest($1::text[], $2::text[])`, pq.Array(a), pq.Array(b))
	}
	{
		var a, b, c []string
		for _, s := range d.Sites {
			a, b, c = append(a, s.Siret), append(b, s.Siren), append(c, s.TerritoryCode)
		}
		add(`INSERT INTO sites (siret, siren, territory_code) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
			pq.Array(a), pq.Array(b), pq.Array(c))
	}
	{
		var a, b []string
		var since []time.Time
		var until []*time.Time
		for _, m := range d.Memberships {
			a, b, since, until = append(a, m.PoleID), append(b, m.Siren), append(since, m.Since), append(until, m.Until)
		}
		add(`INSERT INTO memberships (pole_id, siren, since, until)
		     SELECT p, s, a::date, b::date FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(p, s, a, b)`,
			pq.Array(a), pq.Array(b), pq.Array(dates(since)), nullableStrings(nullDates(until)).array())
	}
	{
		var id []int64
		var code, title []string
		for _, r := range d.Roles {
			id, code, title = append(id, int64(r.ID)), append(code, r.Code), append(title, r.Title)
		}
		add(`INSERT INTO roles (id, code, title) OVERRIDING SYSTEM VALUE
		     SELECT * FROM unnest($1::int[], $2::text[], $3::text[])`, pq.Array(id), pq.Array(code), pq.Array(title))
	}
	{
		var id []int64
		var code, name, kind []string
		for _, s := range d.Skills {
			id, code, name, kind = append(id, int64(s.ID)), append(code, s.Code), append(name, s.Name), append(kind, s.Kind)
		}
		add(`INSERT INTO skills (id, code, name, kind) OVERRIDING SYSTEM VALUE
		     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[])`,
			pq.Array(id), pq.Array(code), pq.Array(name), pq.Array(kind))
	}
	{
		var r, s, l []int64
		var e []bool
		for _, x := range d.RoleSkills {
			r, s, l, e = append(r, int64(x.RoleID)), append(s, int64(x.SkillID)), append(l, int64(x.Level)), append(e, x.Essential)
		}
		add(`INSERT INTO role_skills (role_id, skill_id, level, essential)
		     SELECT * FROM unnest($1::int[], $2::int[], $3::smallint[], $4::boolean[])`,
			pq.Array(r), pq.Array(s), pq.Array(l), pq.Array(e))
	}
	{
		var id, role, birth []int64
		var siren, ref, siret []string
		var entry []time.Time
		var exit []*time.Time
		for _, x := range d.Employees {
			id, role, birth = append(id, x.ID), append(role, int64(x.RoleID)), append(birth, int64(x.BirthYear))
			siren, ref, siret = append(siren, x.Siren), append(ref, x.Ref), append(siret, x.Siret)
			entry, exit = append(entry, x.Entry), append(exit, x.Exit)
		}
		add(`INSERT INTO employees (id, siren, employee_ref, siret, role_id, birth_year, entry_date, exit_date) OVERRIDING SYSTEM VALUE
		     SELECT i, s, r, t, ro, b, en::date, ex::date
		     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[])
		          AS u(i, s, r, t, ro, b, en, ex)`,
			pq.Array(id), pq.Array(siren), pq.Array(ref), pq.Array(siret), pq.Array(role), pq.Array(birth),
			pq.Array(dates(entry)), nullableStrings(nullDates(exit)).array())
	}
	{
		var e, s, l []int64
		var on []*time.Time
		for _, x := range d.EmployeeSkills {
			e, s, l, on = append(e, x.EmployeeID), append(s, int64(x.SkillID)), append(l, int64(x.Level)), append(on, x.AssessedOn)
		}
		add(`INSERT INTO employee_skills (employee_id, skill_id, level, assessed_on)
		     SELECT e, s, l, a::date FROM unnest($1::bigint[], $2::int[], $3::smallint[], $4::text[]) AS u(e, s, l, a)`,
			pq.Array(e), pq.Array(s), pq.Array(l), nullableStrings(nullDates(on)).array())
	}
	{
		var siret []string
		var r, h, n []int64
		var on []*time.Time
		for _, x := range d.Needs {
			siret, r, h, n = append(siret, x.Siret), append(r, int64(x.RoleID)), append(h, int64(x.Horizon)), append(n, int64(x.Headcount))
			on = append(on, x.DeclaredOn)
		}
		add(`INSERT INTO needs (siret, role_id, horizon_year, headcount, declared_on)
		     SELECT s, r, h, n, d::date FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::text[]) AS u(s, r, h, n, d)`,
			pq.Array(siret), pq.Array(r), pq.Array(h), pq.Array(n), nullableStrings(nullDates(on)).array())
	}
	{
		var id, prov, title, terr, mod []string
		var dur, cost []*float64
		for _, t := range d.Trainings {
			id, prov, title, terr, mod = append(id, t.ID), append(prov, t.Provider), append(title, t.Title), append(terr, t.TerritoryCode), append(mod, t.Modality)
			dur, cost = append(dur, t.Duration), append(cost, t.Cost)
		}
		add(`INSERT INTO trainings (id, provider, title, territory_code, modality, duration_hours, cost_eur)
		     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::numeric[])`,
			pq.Array(id), pq.Array(prov), pq.Array(title), pq.Array(terr), pq.Array(mod), floatArray(dur), floatArray(cost))
	}
	{
		var t []string
		var s, l []int64
		for _, x := range d.TrainingSkills {
			t, s, l = append(t, x.TrainingID), append(s, int64(x.SkillID)), append(l, int64(x.Level))
		}
		add(`INSERT INTO training_skills (training_id, skill_id, level)
		     SELECT * FROM unnest($1::text[], $2::int[], $3::smallint[])`, pq.Array(t), pq.Array(s), pq.Array(l))
	}
	{
		var id, pole, title, funding []string
		var start, end []int64
		for _, x := range d.Projects {
			id, pole, title, funding = append(id, x.ID), append(pole, x.PoleID), append(title, x.Title), append(funding, x.Funding)
			start, end = append(start, int64(x.StartYear)), append(end, int64(x.EndYear))
		}
		add(`INSERT INTO projects (id, pole_id, title, funding, start_year, end_year)
		     SELECT i, p, t, nullif(f, ''), s, e FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[])
		          AS u(i, p, t, f, s, e)`,
			pq.Array(id), pq.Array(pole), pq.Array(title), pq.Array(funding), pq.Array(start), pq.Array(end))
	}
	{
		var project, siren, role []string
		for _, x := range d.Partners {
			project, siren, role = append(project, x.ProjectID), append(siren, x.Siren), append(role, x.Role)
		}
		add(`INSERT INTO project_partners (project_id, siren, role) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
			pq.Array(project), pq.Array(siren), pq.Array(role))
	}
	{
		var project, siret []string
		var role, year, n []int64
		for _, x := range d.ProjectNeeds {
			project, siret = append(project, x.ProjectID), append(siret, x.Siret)
			role, year, n = append(role, int64(x.RoleID)), append(year, int64(x.Year)), append(n, int64(x.Headcount))
		}
		add(`INSERT INTO project_needs (project_id, siret, role_id, year, headcount)
		     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[])`,
			pq.Array(project), pq.Array(siret), pq.Array(role), pq.Array(year), pq.Array(n))
	}
	{
		var t, id, start, end, terr []string
		var seats []*string
		for _, x := range d.Sessions {
			t, id = append(t, x.TrainingID), append(id, x.SessionID)
			start, end, terr = append(start, x.Start.Format("2006-01-02")), append(end, x.End.Format("2006-01-02")), append(terr, x.TerritoryCode)
			var n *string
			if x.Seats != nil {
				s := fmt.Sprint(*x.Seats)
				n = &s
			}
			seats = append(seats, n)
		}
		add(`INSERT INTO training_sessions (training_id, session_id, start_date, end_date, territory_code, seats)
		     SELECT t, i, s::date, e::date, nullif(c, ''), n::int
		     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(t, i, s, e, c, n)`,
			pq.Array(t), pq.Array(id), pq.Array(start), pq.Array(end), pq.Array(terr), pq.Array(seats))
	}
	{
		var t, id, status []string
		var emp []int64
		var on []*time.Time
		for _, x := range d.Enrolments {
			t, id, emp, status, on = append(t, x.TrainingID), append(id, x.SessionID), append(emp, x.EmployeeID), append(status, x.Status), append(on, x.CompletedOn)
		}
		add(`INSERT INTO enrolments (training_id, session_id, employee_id, status, completed_on)
		     SELECT t, i, e, s, c::date FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) AS u(t, i, e, s, c)`,
			pq.Array(t), pq.Array(id), pq.Array(emp), pq.Array(status), nullableStrings(nullDates(on)).array())
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("%s: %w", s.q, err)
		}
	}
	return tx.Commit()
}

// floatArray is a numeric[] with NULL elements, as text.
func floatArray(fs []*float64) any {
	out := make([]*string, len(fs))
	for i, f := range fs {
		if f != nil {
			s := fmt.Sprintf("%g", *f)
			out[i] = &s
		}
	}
	return pq.Array(out)
}
