package importer

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/gpec-project/gpec/internal/csvio"
)

// Source is one input file. Open may be called more than once (the kind is
// sniffed from the header before the rows are streamed), and each call must
// return the file from its start. Size, when known, lets progress show a
// fraction.
type Source struct {
	Name string
	Size int64
	Open func() (io.ReadCloser, error)

	// Set on the sources of a workbook's sheets (see expandWorkbooks):
	// kindName is the name the kind is read from, sheet opens the rows.
	kindName string
	sheet    func() (*csvio.Reader, io.Closer, *csvio.Error)
}

// SourcesFromFS turns the *.csv files of an fs.FS's root into sources, in
// name order: the reference data embedded in the binary (refdata.Files).
func SourcesFromFS(fsys fs.FS) ([]Source, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []Source
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".csv" {
			continue
		}
		name := e.Name()
		var size int64
		if info, err := e.Info(); err == nil {
			size = info.Size()
		}
		out = append(out, Source{Name: name, Size: size, Open: func() (io.ReadCloser, error) { return fsys.Open(name) }})
	}
	return out, nil
}

// SourcesFromPaths turns files and folders into sources; a folder gives its
// *.csv, *.xlsx and *.xml (LHÉO) files (not its subfolders), in name order.
func SourcesFromPaths(paths ...string) ([]Source, error) {
	var out []Source
	add := func(p string, size int64) {
		out = append(out, Source{Name: p, Size: size, Open: func() (io.ReadCloser, error) { return os.Open(p) }})
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		if !st.IsDir() {
			add(p, st.Size())
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		var names []string
		for _, e := range entries {
			if ext := filepath.Ext(e.Name()); !e.IsDir() && (strings.EqualFold(ext, ".csv") || strings.EqualFold(ext, ".xlsx") || isLHEO(e.Name())) {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			fp := filepath.Join(p, n)
			st, err := os.Stat(fp)
			if err != nil {
				return nil, fmt.Errorf("import: %w", err)
			}
			add(fp, st.Size())
		}
	}
	return out, nil
}

var numericPrefix = regexp.MustCompile(`^[0-9]+[-_. ]*`)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// UploadSource makes a source of an uploaded file held by the HTTP layer;
// each Open rewinds it, since the kind is sniffed before the rows are read.
func UploadSource(name string, size int64, f io.ReadSeeker) Source {
	return Source{Name: name, Size: size, Open: func() (io.ReadCloser, error) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return io.NopCloser(f), nil
	}}
}
