package release

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/secrecy"
)

// Status of a release.
type Status string

// The statuses (ReleaseStatus in the API).
const (
	Building  Status = "BUILDING"
	Published Status = "PUBLISHED"
	Failed    Status = "FAILED"
)

// HorizonOffsets are the horizons of a release: year(D) + each.
var HorizonOffsets = []int{1, 3, 5}

// Dimensions of a release besides the territories' totals: every dimension
// of the live aggregates.
func Dimensions() []aggregates.Dimension {
	var ds []aggregates.Dimension
	for _, d := range aggregates.Dimensions() {
		if d != aggregates.DimensionNone {
			ds = append(ds, d)
		}
	}
	return ds
}

// RetirementAgeEnv names the setting of the retirement age of new releases.
const RetirementAgeEnv = "GPEC_RELEASE_RETIREMENT_AGE"

// RetirementAgeSetting returns the retirement age of new releases: the
// GPEC_RELEASE_RETIREMENT_AGE setting, else DESIGN.md's default (64).
func RetirementAgeSetting() (int, error) {
	s := os.Getenv(RetirementAgeEnv)
	if s == "" {
		return aggregates.DefaultRetirementAge, nil
	}
	a, err := strconv.Atoi(s)
	if err != nil || a < 1 || a > 120 {
		return 0, fmt.Errorf("%s must be a whole number between 1 and 120, got %q", RetirementAgeEnv, s)
	}
	return a, nil
}

// Release is one release's row. The API reads it through its methods.
type Release struct {
	ID              int64           `db:"id"`
	ReferenceDate   time.Time       `db:"reference_date"`
	Status          Status          `db:"status"`
	ProgressRaw     float64         `db:"progress"`
	HorizonsArr     pq.Int64Array   `db:"horizons"`
	RetirementAge   int             `db:"retirement_age"`
	Created         time.Time       `db:"created_at"`
	BuildSecondsRaw sql.NullFloat64 `db:"build_seconds"`
	CellCountRaw    sql.NullInt64   `db:"cell_count"`
	HiddenPrimaryN  sql.NullInt64   `db:"hidden_primary"`
	HiddenSecondN   sql.NullInt64   `db:"hidden_secondary"`
	HiddenHeadcount sql.NullInt64   `db:"hidden_headcount"`
	TotalHeadcount  sql.NullInt64   `db:"total_headcount"`
	SizeBytes       sql.NullInt64   `db:"size_bytes"`
	Failure         sql.NullString  `db:"failure"`
}

// Progress is 0..1 while BUILDING, else nil.
func (r *Release) Progress() *float64 {
	if r.Status != Building {
		return nil
	}
	p := r.ProgressRaw
	return &p
}

// CreatedAt is the creation time in RFC 3339.
func (r *Release) CreatedAt() string { return r.Created.UTC().Format(time.RFC3339) }

// BuildSeconds is the build's duration, audit included; nil while building.
func (r *Release) BuildSeconds() *float64 { return nullFloat(r.BuildSecondsRaw) }

// CellCount is the number of cells; nil until built.
func (r *Release) CellCount() *int { return nullInt(r.CellCountRaw) }

// HiddenPrimary is the number of hidden primary keys; nil until built.
func (r *Release) HiddenPrimary() *int { return nullInt(r.HiddenPrimaryN) }

// HiddenSecondary is the number of hidden secondary keys; nil until built.
func (r *Release) HiddenSecondary() *int { return nullInt(r.HiddenSecondN) }

func nullFloat(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	return &v.Float64
}

func nullInt(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

// Horizons are the release's horizon years, ascending.
func (r *Release) Horizons() []int {
	hs := make([]int, len(r.HorizonsArr))
	for i, h := range r.HorizonsArr {
		hs[i] = int(h)
	}
	return hs
}

// HasHorizon tells whether h is one of the release's horizons.
func (r *Release) HasHorizon(h int) bool {
	for _, x := range r.HorizonsArr {
		if int(x) == h {
			return true
		}
	}
	return false
}

// HiddenHeadcountShare is the headcount of the hidden (territory, dimension,
// value) keys over the headcount of every key; nil until built.
func (r *Release) HiddenHeadcountShare() *float64 {
	if !r.HiddenHeadcount.Valid || !r.TotalHeadcount.Valid {
		return nil
	}
	s := 0.0
	if r.TotalHeadcount.Int64 > 0 {
		s = float64(r.HiddenHeadcount.Int64) / float64(r.TotalHeadcount.Int64)
	}
	return &s
}

// Name says how to refer to a release in messages and citations.
func (r *Release) Name() string {
	return fmt.Sprintf("release %d (reference date %s)", r.ID, r.ReferenceDate.Format(time.DateOnly))
}

const columns = `id, reference_date, status, progress, horizons, retirement_age, created_at, build_seconds,
  cell_count, hidden_primary, hidden_secondary, hidden_headcount, total_headcount, size_bytes, failure`

// Get returns a release, or nil.
func Get(ctx context.Context, db sqlx.QueryerContext, id int64) (*Release, error) {
	var r Release
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+columns+` FROM releases WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("release: get: %w", err)
	}
	return &r, nil
}

// List returns releases newest reference date first (then newest id),
// published ones only when publishedOnly, from offset, at most limit, and
// how many there are.
func List(ctx context.Context, db sqlx.QueryerContext, publishedOnly bool, offset, limit int) ([]*Release, int, error) {
	var rs []*Release
	if err := sqlx.SelectContext(ctx, db, &rs, `SELECT `+columns+` FROM releases
WHERE NOT $1 OR status = 'PUBLISHED'
ORDER BY reference_date DESC, id DESC OFFSET $2 LIMIT $3`, publishedOnly, offset, limit); err != nil {
		return nil, 0, fmt.Errorf("release: list: %w", err)
	}
	var total int
	if err := sqlx.GetContext(ctx, db, &total, `SELECT count(*) FROM releases WHERE NOT $1 OR status = 'PUBLISHED'`, publishedOnly); err != nil {
		return nil, 0, fmt.Errorf("release: count: %w", err)
	}
	return rs, total, nil
}

// Newest returns the newest published release, or nil.
func Newest(ctx context.Context, db sqlx.QueryerContext) (*Release, error) {
	rs, _, err := List(ctx, db, true, 0, 1)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return rs[0], nil
}

// Delete deletes a release; false when there was none.
func Delete(ctx context.Context, db sqlx.ExecerContext, id int64) (bool, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM releases WHERE id = $1`, id)
	if err != nil {
		return false, fmt.Errorf("release: delete: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ParseID reads a release id as the API and the command line give it.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, domain.Invalid("id", "a release id is a positive whole number")
	}
	return id, nil
}

// Create records a new release of date for the retirement age, with status
// BUILDING, and returns it; Build fills it.
func Create(ctx context.Context, db sqlx.QueryerContext, date time.Time, retirementAge int) (*Release, error) {
	y, m, d := date.Date()
	if date.IsZero() || y < 1901 || y > 2190 {
		return nil, domain.Invalid("date", "a release's reference date is a date between 1901 and 2190")
	}
	if retirementAge < 1 || retirementAge > 120 {
		return nil, domain.Invalid("retirementAge", "must be between 1 and 120, got %d", retirementAge)
	}
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	hs := make(pq.Int64Array, len(HorizonOffsets))
	for i, o := range HorizonOffsets {
		hs[i] = int64(y + o)
	}
	var id int64
	if err := sqlx.GetContext(ctx, db, &id, `INSERT INTO releases (reference_date, horizons, retirement_age)
VALUES ($1::date, $2, $3) RETURNING id`, day.Format(time.DateOnly), hs, retirementAge); err != nil {
		return nil, fmt.Errorf("release: create: %w", err)
	}
	return Get(ctx, db, id)
}

// DefaultRules are DESIGN.md's rules of releases.
func DefaultRules() secrecy.ReleaseRules { return secrecy.ReleaseRules{} }

// ObservatoryForbidden is the FORBIDDEN an observatory gets for live
// aggregates: it names the newest published release to read instead.
func ObservatoryForbidden(ctx context.Context, db sqlx.QueryerContext) error {
	r, err := Newest(ctx, db)
	if err != nil {
		return err
	}
	if r == nil {
		return domain.Errorf(domain.CodeForbidden, "observatory tokens read releases only, not live aggregates; no release is published yet: ask an administrator for one")
	}
	return domain.Errorf(domain.CodeForbidden, "observatory tokens read releases only, not live aggregates (nor asOf, horizons or retirement ages of their choice): read %s, e.g. release(id: \"%d\") { table(level: region, horizon: %d) { … } }, or GET /releases/%d.csv",
		r.Name(), r.ID, r.Horizons()[0], r.ID)
}
