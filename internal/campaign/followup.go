package campaign

import (
	"context"
	"fmt"

	"github.com/lib/pq"
)

// Member is a member company of a campaign, with whether it answered.
type Member struct {
	Siren      string
	Name       string
	Respondent bool
}

// FollowUp is DESIGN.md's follow-up of a campaign: the members (active
// membership on the reference date), ordered by name then SIREN, and who
// answered within the window.
type FollowUp struct {
	Members []Member
}

// Respondents counts the members that answered.
func (f FollowUp) Respondents() int {
	n := 0
	for _, m := range f.Members {
		if m.Respondent {
			n++
		}
	}
	return n
}

// ResponseRate is respondents / members, nil without members.
func (f FollowUp) ResponseRate() *float64 {
	if len(f.Members) == 0 {
		return nil
	}
	r := float64(f.Respondents()) / float64(len(f.Members))
	return &r
}

// NonRespondents are the members that did not answer, by name then SIREN.
func (f FollowUp) NonRespondents() []Member {
	out := []Member{}
	for _, m := range f.Members {
		if !m.Respondent {
			out = append(out, m)
		}
	}
	return out
}

// followUpSQL lists, for the campaigns keyed by ($1 pole ids, $2 ids), their
// members on the reference date and whether each answered: a need of one
// of its sites declared, or an assessment of one of its employees (active
// or not) made, between opens_on and closes_on inclusive. Each EXISTS stops
// at the first dated row found.
const followUpSQL = `
WITH c AS (
  SELECT (k.ord - 1)::int AS no, c.pole_id, c.opens_on, c.closes_on, coalesce(c.reference_date, c.closes_on) AS ref
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(pole_id, id, ord)
  JOIN campaigns c ON c.pole_id = k.pole_id AND c.id = k.id
),
member AS (
  SELECT DISTINCT c.no, m.siren
  FROM c JOIN memberships m ON m.pole_id = c.pole_id AND m.since <= c.ref AND (m.until IS NULL OR c.ref < m.until)
)
SELECT mb.no, mb.siren, co.name,
       EXISTS (SELECT 1 FROM sites s JOIN needs n ON n.siret = s.siret
               WHERE s.siren = mb.siren AND n.declared_on BETWEEN c.opens_on AND c.closes_on)
    OR EXISTS (SELECT 1 FROM employees e JOIN employee_skills es ON es.employee_id = e.id
               WHERE e.siren = mb.siren AND es.assessed_on BETWEEN c.opens_on AND c.closes_on) AS respondent
FROM member mb JOIN c ON c.no = mb.no JOIN companies co ON co.siren = mb.siren
ORDER BY mb.no, co.name, mb.siren`

// FollowUps returns the follow-up of every campaign of keys, in one
// statement; unknown keys get an empty follow-up.
func (s *Service) FollowUps(ctx context.Context, keys []Key) (map[Key]FollowUp, error) {
	poles, ids := make([]string, len(keys)), make([]string, len(keys))
	out := make(map[Key]FollowUp, len(keys))
	for i, k := range keys {
		poles[i], ids[i] = k.PoleID, k.ID
		out[k] = FollowUp{Members: []Member{}}
	}
	rows, err := s.DB.QueryxContext(ctx, followUpSQL, pq.Array(poles), pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("campaign follow-up: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var no int
		var m Member
		if err := rows.Scan(&no, &m.Siren, &m.Name, &m.Respondent); err != nil {
			return nil, err
		}
		f := out[keys[no]]
		f.Members = append(f.Members, m)
		out[keys[no]] = f
	}
	return out, rows.Err()
}
