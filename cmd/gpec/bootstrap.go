package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/migrate"
	"github.com/gpec-project/gpec/internal/refdata"
	"github.com/gpec-project/gpec/internal/seed"
)

// runImport imports sources and turns a rejected import into an error
// carrying its report. It says every few seconds which step it is in.
func runImport(ctx context.Context, d *sqlx.DB, what string, sources []importer.Source) (*importer.Report, error) {
	progress, stop := quietProgress(os.Stderr, "importing "+what, 5*time.Second)
	defer stop()
	rep, err := importer.Import(ctx, d, sources, importer.Options{Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", what, err)
	}
	if !rep.Committed {
		return rep, fmt.Errorf("importing %s: rejected, nothing written:\n%s", what, rep.String())
	}
	return rep, nil
}

func count(ctx context.Context, d *sqlx.DB, table string) (int, error) {
	var n int
	err := d.GetContext(ctx, &n, "SELECT count(*) FROM "+table)
	return n, err
}

// bootstrap migrates the database, loads the reference data when the
// database has none, and with demo the small synthetic dataset when it has
// no company yet: what a first `gpec serve` needs to be explorable.
func bootstrap(ctx context.Context, d *sqlx.DB, demo bool) error {
	if did, err := migrate.Up(ctx, d.DB); err != nil {
		return err
	} else if len(did) > 0 {
		fmt.Fprintf(os.Stderr, "gpec: applied migrations %v\n", did)
	}
	n, err := count(ctx, d, "roles")
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(os.Stderr, "gpec: loading the reference data (INSEE territories, poles, ROME roles and skills)…")
		src, err := importer.SourcesFromFS(refdata.Files())
		if err != nil {
			return err
		}
		if _, err := runImport(ctx, d, "the reference data", src); err != nil {
			return err
		}
	}
	if !demo {
		return nil
	}
	if n, err = count(ctx, d, "companies"); err != nil || n > 0 {
		return err
	}
	dir := filepath.Join(dataDir(), "demo-small")
	fmt.Fprintf(os.Stderr, "gpec: generating the small demo dataset into %s…\n", dir)
	scale, _ := seed.ParseScale("small")
	if _, err := seed.Generate(ctx, dir, scale, 1, nil); err != nil {
		return err
	}
	src, err := importer.SourcesFromPaths(dir)
	if err != nil {
		return err
	}
	rep, err := runImport(ctx, d, "the demo dataset", src)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gpec: demo dataset loaded in %.1f s\n", rep.Seconds)
	return nil
}
