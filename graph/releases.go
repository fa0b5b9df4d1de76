package graph

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/graph/model"
	"github.com/gpec-project/gpec/internal/access"
	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/page"
	"github.com/gpec-project/gpec/internal/release"
)

// releasesOnly names the release an observatory should read instead of live
// aggregates.
func releasesOnly(ctx context.Context, db *sqlx.DB, err error) error {
	if errors.Is(err, access.ErrReleasesOnly) {
		return release.ObservatoryForbidden(ctx, db)
	}
	return err
}

func listReleases(ctx context.Context, db *sqlx.DB, first *int, after *string) (*page.Connection[*release.Release], error) {
	publishedOnly, err := access.Releases(ctx)
	if err != nil {
		return nil, err
	}
	a, err := page.Parse(first, after)
	if err != nil {
		return nil, err
	}
	rows, total, err := release.List(ctx, db, publishedOnly, a.Offset, a.Limit)
	if err != nil {
		return nil, err
	}
	return page.Build(a, rows, total), nil
}

// readableRelease returns a release the caller may read, or nil.
func readableRelease(ctx context.Context, db *sqlx.DB, id string) (*release.Release, error) {
	publishedOnly, err := access.Releases(ctx)
	if err != nil {
		return nil, err
	}
	n, err := release.ParseID(id)
	if err != nil {
		return nil, err
	}
	rel, err := release.Get(ctx, db, n)
	if err != nil || rel == nil || (publishedOnly && rel.Status != release.Published) {
		return nil, err
	}
	return rel, nil
}

// createRelease records the release and builds it in the background: the
// mutation answers at once with status BUILDING.
func createRelease(ctx context.Context, db *sqlx.DB, date time.Time) (*release.Release, error) {
	if err := access.Admin(ctx); err != nil {
		return nil, err
	}
	age, err := release.RetirementAgeSetting()
	if err != nil {
		return nil, err
	}
	rel, err := release.Create(ctx, db, date, age)
	if err != nil {
		return nil, err
	}
	go func() {
		// Not the request's context: the build outlives the response. Its
		// failure is kept with the release (status FAILED, failure).
		_ = release.Build(context.WithoutCancel(ctx), db, rel.ID, release.Options{})
	}()
	return rel, nil
}

func deleteRelease(ctx context.Context, db *sqlx.DB, tables *release.Tables, id string) (bool, error) {
	if err := access.Admin(ctx); err != nil {
		return false, err
	}
	n, err := release.ParseID(id)
	if err != nil {
		return false, err
	}
	ok, err := release.Delete(ctx, db, n)
	if ok {
		tables.Forget(n)
	}
	return ok, err
}

// releaseTable answers from tables when it holds the table: rel was read by
// this request (readableRelease), so a deleted release is never served.
func releaseTable(ctx context.Context, db *sqlx.DB, tables *release.Tables, rel *release.Release, level string, parent *model.TerritoryInput, dimension *aggregates.Dimension, horizon int) (*aggregates.Result, error) {
	q := release.TableQuery{Level: level, Horizon: horizon}
	var err error
	if q.Parent, err = territoryKey("parent", parent); err != nil {
		return nil, err
	}
	if err := access.ReleaseTable(ctx, &q.Parent); err != nil {
		return nil, err
	}
	if dimension != nil {
		q.Dimension = *dimension
	}
	if rel.Status != release.Published && access.Admin(ctx) != nil {
		return nil, domain.Errorf(domain.CodeForbidden, "%s is not published", rel.Name())
	}
	return tables.Table(ctx, db, rel, q)
}

func releaseEmployment(ctx context.Context, db *sqlx.DB, rel *release.Release, level string, parent *model.TerritoryInput) (*aggregates.EmploymentResult, error) {
	p, err := territoryKey("parent", parent)
	if err != nil {
		return nil, err
	}
	if err := access.ReleaseTable(ctx, &p); err != nil {
		return nil, err
	}
	if rel.Status != release.Published && access.Admin(ctx) != nil {
		return nil, domain.Errorf(domain.CodeForbidden, "%s is not published", rel.Name())
	}
	return release.Employment(ctx, db, rel, level, p)
}
