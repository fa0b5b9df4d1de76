package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/export"
	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/seed"
)

func init() {
	register("import", "import CSV or LHÉO XML files, or folders of them, all-or-nothing: import [-dry-run] [-siren S] PATH…", runImportCmd)
	register("export", "export every kind as CSV files into a folder: export DIR", runExportCmd)
	register("seed", "write a synthetic dataset as CSV files: seed -scale small|medium|national [-seed N] [-out DIR] [-import]", runSeedCmd)
}

// isTerminal tells whether f is a terminal, for a progress bar rather than log lines.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one line per file on a terminal.
func progressBar() func(importer.Progress) {
	start := time.Now()
	return func(p importer.Progress) {
		el := time.Since(start).Round(time.Second)
		if p.File == "" {
			fmt.Fprintf(os.Stderr, "\r\033[K%6s %-9s %s", el, p.Phase, p.Kind)
			if p.Done {
				fmt.Fprintln(os.Stderr)
			}
			return
		}
		frac := 0.0
		if p.Size > 0 {
			frac = float64(p.Bytes) / float64(p.Size)
		}
		const width = 30
		n := int(frac * width)
		fmt.Fprintf(os.Stderr, "\r\033[K%6s %-9s %-16s [%s%s] %3.0f%% %d rows", el, p.Phase, p.Kind,
			strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*frac, p.Rows)
		if p.Done {
			fmt.Fprintln(os.Stderr)
		}
	}
}

func runImportCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dry := fs.Bool("dry-run", false, "check everything and report what would change, writing nothing")
	siren := fs.String("siren", "", "accept only rows of this company (what a company token may import)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: gpec import [-dry-run] [-siren S] PATH…")
	}
	src, err := importer.SourcesFromPaths(fs.Args()...)
	if err != nil {
		return err
	}
	d, _, stop, err := database(ctx, poolOptions())
	if err != nil {
		return err
	}
	defer stop()
	if err := bootstrap(ctx, d, false); err != nil {
		return err
	}
	opts := importer.Options{DryRun: *dry, OnlySiren: *siren}
	if isTerminal(os.Stderr) {
		opts.Progress = progressBar()
	} else {
		opts.Progress = importer.LogProgress(os.Stderr)
	}
	rep, err := importer.Import(ctx, d, src, opts)
	if err != nil {
		return err
	}
	fmt.Print(rep.String())
	if !rep.Committed && !rep.DryRun {
		return exitCode(1)
	}
	return nil
}

func runExportCmd(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: gpec export DIR")
	}
	d, _, stop, err := database(ctx, poolOptions())
	if err != nil {
		return err
	}
	defer stop()
	if err := export.Export(ctx, d, args[0]); err != nil {
		return err
	}
	fmt.Printf("exported %s into %s\n", strings.Join(export.Kinds(), ", "), args[0])
	return nil
}

func runSeedCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	scaleName := fs.String("scale", "small", "small, medium or national")
	seedN := fs.Int64("seed", 1, "random seed: the same seed writes the same files")
	out := fs.String("out", "", "output folder (default GPEC_DATA_DIR/seed-SCALE-SEED)")
	doImport := fs.Bool("import", false, "import the files into the database afterwards")
	if err := fs.Parse(args); err != nil {
		return err
	}
	scale, err := seed.ParseScale(*scaleName)
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(dataDir(), fmt.Sprintf("seed-%s-%d", scale, *seedN))
	}
	start := time.Now()
	sum, err := seed.Generate(ctx, dir, scale, *seedN, func(s string) { fmt.Fprintln(os.Stderr, s) })
	if err != nil {
		return err
	}
	for _, f := range sum.Files {
		fmt.Printf("%-16s %10d rows %12d bytes  %s\n", f.Kind, f.Rows, f.Bytes, f.Path)
	}
	fmt.Printf("generated in %s\n", time.Since(start).Round(time.Millisecond))
	if !*doImport {
		return nil
	}
	return runImportCmd(ctx, []string{dir})
}
