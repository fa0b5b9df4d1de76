package importer

import (
	"fmt"
	"io"
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
}

// SourcesFromPaths turns files and folders into sources; a folder gives its
// *.csv and *.xml (LHÉO) files (not its subfolders), in name order.
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
			if !e.IsDir() && (strings.EqualFold(filepath.Ext(e.Name()), ".csv") || isLHEO(e.Name())) {
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

// kindFromName recognises "employees.csv", "07_employees.csv" or
// "Employee_Skills.CSV"; "" when the name says nothing.
func kindFromName(name string) string {
	base := strings.ToLower(filepath.Base(name))
	base = strings.TrimSuffix(base, filepath.Ext(base))
	base = numericPrefix.ReplaceAllString(base, "")
	base = strings.ReplaceAll(base, "-", "_")
	if _, ok := byKind[base]; ok {
		return base
	}
	return ""
}

// kindFromHeader finds the one kind whose required columns the header has
// and whose columns include all of the header's.
func kindFromHeader(header []string) (string, []string) {
	var matches []string
	for _, f := range formats {
		all := map[string]bool{}
		for _, c := range f.cols {
			all[c.name] = true
		}
		ok := true
		for _, h := range header {
			ok = ok && all[h]
		}
		for _, r := range f.required() {
			ok = ok && contains(header, r)
		}
		if ok {
			matches = append(matches, f.kind)
		}
	}
	if len(matches) == 1 {
		return matches[0], nil
	}
	return "", matches
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sniff opens a source and tells its kind, from its name or else its header.
func sniff(src Source) (string, *csvio.Error) {
	rc, err := src.Open()
	if err != nil {
		return "", &csvio.Error{File: src.Name, Reason: "cannot open the file"}
	}
	defer rc.Close()
	rd, err := csvio.NewReader(src.Name, rc)
	if err != nil {
		if e, ok := err.(*csvio.Error); ok {
			return "", e
		}
		return "", &csvio.Error{File: src.Name, Reason: "cannot read the file"}
	}
	if k := kindFromName(src.Name); k != "" {
		return k, nil
	}
	k, candidates := kindFromHeader(rd.Header())
	if k != "" {
		return k, nil
	}
	reason := "cannot tell which kind of file this is: name it after its kind (e.g. employees.csv) or use the columns of one kind"
	if len(candidates) > 1 {
		reason = "the columns fit several kinds (" + strings.Join(candidates, ", ") + "): name the file after its kind (e.g. " + candidates[0] + ".csv)"
	}
	return "", &csvio.Error{File: src.Name, Line: 1, Reason: reason}
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
