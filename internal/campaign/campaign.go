package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/importer"
)

// Campaign is a pole's yearly survey, as stored: ReferenceDateGiven and
// HorizonsGiven are nil when the defaults apply.
type Campaign struct {
	PoleID             string
	ID                 string
	Title              string
	OpensOn            time.Time
	ClosesOn           time.Time
	ReferenceDateGiven *time.Time
	HorizonsGiven      []int
}

// Key is a campaign's natural key.
type Key struct{ PoleID, ID string }

// Key returns c's key.
func (c *Campaign) Key() Key { return Key{c.PoleID, c.ID} }

// ReferenceDate is the date of the campaign's figures: the one given, else
// closes_on.
func (c *Campaign) ReferenceDate() time.Time {
	if c.ReferenceDateGiven != nil {
		return *c.ReferenceDateGiven
	}
	return c.ClosesOn
}

// Horizons are the campaign's horizons: those given, else Y+1, Y+3, Y+5
// where Y is the year of the reference date.
func (c *Campaign) Horizons() []int {
	if len(c.HorizonsGiven) > 0 {
		return c.HorizonsGiven
	}
	y := c.ReferenceDate().Year()
	return []int{y + 1, y + 3, y + 5}
}

// HasHorizon tells whether h is one of the campaign's horizons.
func (c *Campaign) HasHorizon(h int) bool {
	for _, x := range c.Horizons() {
		if x == h {
			return true
		}
	}
	return false
}

// Service answers campaign questions from PostgreSQL.
type Service struct {
	DB     *sqlx.DB
	Engine *analytics.Engine
	// Today is the day of writes (the date of a company's needs); nil is
	// domain.Today.
	Today func() time.Time
}

func (s *Service) today() time.Time {
	if s.Today != nil {
		return s.Today()
	}
	return domain.Today()
}

const campaignColumns = `c.pole_id, c.id, c.title, c.opens_on, c.closes_on, c.reference_date, c.horizons`

func scanCampaign(r interface{ Scan(...any) error }, extra ...any) (*Campaign, error) {
	var c Campaign
	var ref sql.NullTime
	var hs pq.Int64Array
	if err := r.Scan(append([]any{&c.PoleID, &c.ID, &c.Title, &c.OpensOn, &c.ClosesOn, &ref, &hs}, extra...)...); err != nil {
		return nil, err
	}
	c.OpensOn, c.ClosesOn = c.OpensOn.UTC(), c.ClosesOn.UTC()
	if ref.Valid {
		t := ref.Time.UTC()
		c.ReferenceDateGiven = &t
	}
	for _, h := range hs {
		c.HorizonsGiven = append(c.HorizonsGiven, int(h))
	}
	return &c, nil
}

// ByPoles lists the campaigns of each pole in DESIGN.md's order (reference
// date, then id), in one statement.
func (s *Service) ByPoles(ctx context.Context, poleIDs []string) (map[string][]*Campaign, error) {
	out := make(map[string][]*Campaign, len(poleIDs))
	rows, err := s.DB.QueryxContext(ctx, `SELECT `+campaignColumns+` FROM campaigns c
WHERE c.pole_id = ANY($1::text[])
ORDER BY c.pole_id, coalesce(c.reference_date, c.closes_on), c.id COLLATE "C"`, pq.Array(poleIDs))
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out[c.PoleID] = append(out[c.PoleID], c)
	}
	return out, rows.Err()
}

// Get returns the campaigns of keys (absent keys have no entry), in one
// statement.
func (s *Service) Get(ctx context.Context, keys []Key) (map[Key]*Campaign, error) {
	poles, ids := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		poles[i], ids[i] = k.PoleID, k.ID
	}
	rows, err := s.DB.QueryxContext(ctx, `SELECT `+campaignColumns+`
FROM unnest($1::text[], $2::text[]) AS k(pole_id, id) JOIN campaigns c ON c.pole_id = k.pole_id AND c.id = k.id`,
		pq.Array(poles), pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	defer rows.Close()
	out := map[Key]*Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out[c.Key()] = c
	}
	return out, rows.Err()
}

// OpenInput is a new campaign; ReferenceDate and Horizons are optional.
type OpenInput struct {
	PoleID        string
	ID            string
	Title         string
	OpensOn       time.Time
	ClosesOn      time.Time
	ReferenceDate *time.Time
	Horizons      []int
}

// Open stores a new campaign of a pole after DESIGN.md's checks (those of
// a campaigns row); an existing key is a conflict, an unknown pole not found.
// The caller has checked that the principal may open it.
func (s *Service) Open(ctx context.Context, in OpenInput) (*Campaign, error) {
	if err := ident.PoleID(in.PoleID); err != nil {
		return nil, domain.Invalid("poleId", "poleId: %v", err)
	}
	if err := ident.Code(in.ID); err != nil {
		return nil, domain.Invalid("id", "id: %v", err)
	}
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || len([]rune(in.Title)) > 1000 {
		return nil, domain.Invalid("title", "title: 1 to 1000 characters")
	}
	var hs []string
	seen := map[int]bool{}
	for _, h := range in.Horizons {
		if h < 1900 || h > 2200 {
			return nil, domain.Invalid("horizons", "horizons: years between 1900 and 2200, got %d", h)
		}
		if seen[h] {
			return nil, domain.Invalid("horizons", "horizons: %d is given twice", h)
		}
		seen[h] = true
		hs = append(hs, strconv.Itoa(h))
	}
	if len(hs) > 20 {
		return nil, domain.Invalid("horizons", "horizons: at most 20")
	}
	ref := ""
	if in.ReferenceDate != nil {
		ref = in.ReferenceDate.Format(time.DateOnly)
	}
	if col, err := importer.CheckCampaign(in.OpensOn.Format(time.DateOnly), in.ClosesOn.Format(time.DateOnly), ref, strings.Join(hs, "|")); err != nil {
		field := map[string]string{"closes_on": "closesOn", "reference_date": "referenceDate", "horizons": "horizons"}[col]
		return nil, domain.Invalid(field, "%s: %v", field, err)
	}
	var horizons any
	if len(in.Horizons) > 0 {
		horizons = pq.Array(in.Horizons)
	}
	var refArg any
	if ref != "" {
		refArg = ref
	}
	row := s.DB.QueryRowxContext(ctx, `
INSERT INTO campaigns (pole_id, id, title, opens_on, closes_on, reference_date, horizons)
SELECT p.id, $2, $3, $4::date, $5::date, $6::date, $7::int[] FROM poles p WHERE p.id = $1
ON CONFLICT (pole_id, id) DO NOTHING
RETURNING pole_id, id, title, opens_on, closes_on, reference_date, horizons`,
		in.PoleID, in.ID, in.Title, in.OpensOn.Format(time.DateOnly), in.ClosesOn.Format(time.DateOnly), refArg, horizons)
	c, err := scanCampaign(row)
	if errors.Is(err, sql.ErrNoRows) {
		var exists bool
		if err := s.DB.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM poles WHERE id = $1)`, in.PoleID); err != nil {
			return nil, fmt.Errorf("open campaign: %w", err)
		}
		if !exists {
			return nil, domain.Errorf(domain.CodeNotFound, "no pole %s", in.PoleID)
		}
		return nil, domain.Errorf(domain.CodeConflict, "pole %s already has a campaign %s", in.PoleID, in.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("open campaign: %w", err)
	}
	return c, nil
}
