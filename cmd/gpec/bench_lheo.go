package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gpec-project/gpec/internal/lheo"
)

// benchLHEO writes a synthetic LHÉO feed of the test fixtures' shape (two
// actions of two sessions per offer), for timing `gpec import` on it.
func benchLHEO(args []string) error {
	fs := flag.NewFlagSet("bench lheo", flag.ContinueOnError)
	out := fs.String("out", "", "the XML file to write")
	mb := fs.Int("mb", 100, "its size in MB")
	communes := fs.String("communes", "31555,69123,75056,33063,13055", "INSEE communes of the actions (known to the database)")
	romes := fs.String("rome", "H2913,M1805,H1206,I1304", "ROME codes of the offers (known to the database)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *mb < 1 {
		return errors.New("usage: gpec bench lheo -out FILE [-mb 100] [-communes C,…] [-rome R,…]")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	n, err := lheo.Synthetic(f, int64(*mb)<<20, strings.Split(*communes, ","), strings.Split(*romes, ","))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gpec bench lheo: %d offers, %d trainings, %d sessions in %s\n", n, 2*n, 4*n, *out)
	return nil
}
