package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gpec-project/gpec/internal/csvio"
	"github.com/gpec-project/gpec/internal/importer"
)

func init() {
	register("template", "write an empty import file of a kind (header and example rows), or the import guide", runTemplate)
}

// runTemplate needs no database: the templates and the guide come from the
// importer's format table.
func runTemplate(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: gpec template [-format csv|excel|excel-fr|xlsx] [-o FILE] KIND\n"+
			"       gpec template [-o FILE] all   (one XLSX workbook, a sheet per kind)\n"+
			"       gpec template -guide [-o FILE]\n\nkinds: %s\n\nflags:\n", strings.Join(importer.Kinds(), ", "))
		fs.PrintDefaults()
	}
	format := fs.String("format", "csv", "csv, excel (BOM), excel-fr (';', BOM, decimal comma) or xlsx")
	out := fs.String("o", "", "write to FILE instead of standard output (default for xlsx: KIND.xlsx)")
	guide := fs.Bool("guide", false, "write the import guide (Markdown) instead of a template")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *guide {
		if fs.NArg() != 0 {
			return errors.New("-guide takes no kind")
		}
		return writeOut(*out, func(w io.Writer) error {
			_, err := io.WriteString(w, importer.Guide())
			return err
		})
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("one KIND expected")
	}
	kind := fs.Arg(0)
	formatSet := false
	fs.Visit(func(fl *flag.Flag) { formatSet = formatSet || fl.Name == "format" })
	if kind == importer.AllKinds && !formatSet {
		*format = string(csvio.FormatXLSX) // every kind in one file is a workbook
	}
	f, ok := csvio.ParseFormat(*format)
	if !ok {
		return fmt.Errorf("unknown -format %q: one of %v", *format, csvio.Formats)
	}
	write := func(w io.Writer) error { return importer.WriteTemplate(w, kind, f) }
	if kind == importer.AllKinds {
		if f != csvio.FormatXLSX {
			return errors.New("all kinds make one workbook: use -format xlsx")
		}
		write = importer.WriteWorkbookTemplate
	} else if _, _, ok := importer.Template(kind); !ok {
		return fmt.Errorf("no file kind %q; kinds: %s", kind, strings.Join(importer.Kinds(), ", "))
	}
	if f == csvio.FormatXLSX && *out == "" {
		*out = kind + ".xlsx" // a workbook on a terminal is noise
	}
	if err := writeOut(*out, write); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(os.Stderr, "wrote %s\n", *out)
	}
	return nil
}

// writeOut runs write on FILE (created or truncated) or on standard output.
func writeOut(path string, write func(io.Writer) error) error {
	if path == "" {
		return write(os.Stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
