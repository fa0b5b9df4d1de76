package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/analytics"
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
	c := newCLI("import", "gpec import [-dry-run] [-siren S] PATH…", `
Imports CSV files, or every CSV file of folders, in one transaction: with one
bad row nothing is written. Prints a report of every bad row (file, line,
column, reason) and of rows inserted, updated and unchanged. Exits with
status 1 when any row is rejected, with -dry-run too (so that a script can
validate a file with it), else 0.`).withDataDir()
	dry := c.Bool("dry-run", false, "check everything and report what would change, writing nothing")
	siren := c.String("siren", "", "accept only rows of this company (what a company token may import)")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.NArg() == 0 {
		return usagef("no file or folder to import")
	}
	return importPaths(ctx, c.Args(), *dry, *siren)
}

func importPaths(ctx context.Context, paths []string, dry bool, siren string) error {
	src, err := importer.SourcesFromPaths(paths...)
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
	opts := importer.Options{DryRun: dry, OnlySiren: siren, BeforeWrite: analytics.KeepStepsPrior}
	var show func(importer.Progress)
	var again func(p importer.Progress, el time.Duration)
	if isTerminal(os.Stderr) {
		show = progressBar()
		again = func(p importer.Progress, _ time.Duration) { p.Done = false; show(p) }
	} else {
		show = importer.LogProgress(os.Stderr)
		again = func(p importer.Progress, el time.Duration) {
			fmt.Fprintf(os.Stderr, "%8s still %s\n", el.Round(100*time.Millisecond), stepLine(p))
		}
	}
	hb := newHeartbeat(5*time.Second, again)
	opts.Progress = hb.wrap(show)
	rep, err := importer.Import(ctx, d, src, opts)
	hb.Stop()
	if err != nil {
		return err
	}
	fmt.Print(rep.String())
	if rep.ErrorCount > 0 || (!rep.Committed && !rep.DryRun) {
		return exitCode(1)
	}
	return nil
}

func runExportCmd(ctx context.Context, args []string) error {
	c := newCLI("export", "gpec export [-data-dir DIR] OUT", `
Writes every kind of data as CSV files into the folder OUT, in the import
formats (gpec import OUT loads them back).`).withDataDir()
	if err := c.parse(args); err != nil {
		return err
	}
	if c.NArg() != 1 {
		return usagef("give one output folder")
	}
	out := c.Arg(0)
	if strings.HasPrefix(out, "-") {
		return usagef("output folder %q looks like a flag; flags go before it", out)
	}
	d, _, stop, err := database(ctx, poolOptions())
	if err != nil {
		return err
	}
	defer stop()
	if err := export.Export(ctx, d, out); err != nil {
		return err
	}
	fmt.Printf("exported %s into %s\n", strings.Join(export.Kinds(), ", "), out)
	return nil
}

func runSeedCmd(ctx context.Context, args []string) error {
	c := newCLI("seed", "gpec seed [-scale small|medium|national] [-seed N] [-out DIR] [-import]", `
Writes a deterministic synthetic dataset as CSV files in the import formats:
the same scale and seed always write the same files.`).withDataDir()
	scaleName := c.String("scale", "small", "small, medium or national")
	seedN := c.Int64("seed", 1, "random seed: the same seed writes the same files")
	out := c.String("out", "", "output folder (default DATA/seed-SCALE-SEED in the data folder)")
	doImport := c.Bool("import", false, "import the files into the database afterwards")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.NArg() > 0 {
		return usagef("unexpected argument %q", c.Arg(0))
	}
	scale, err := seed.ParseScale(*scaleName)
	if err != nil {
		return usagef("%v", err)
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
	return importPaths(ctx, []string{dir}, false, "")
}
