package refdata

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io/fs"
	"slices"
)

//go:embed data/*.csv
var embedded embed.FS

// Kinds lists the importable kinds in an order where every file only names
// codes of the files before it (parents before children).
var Kinds = []string{"territories", "poles", "role_families", "roles", "skills", "role_skills"}

// Files returns the importable reference CSVs, one <kind>.csv per entry of
// Kinds, at the root of the returned file system.
func Files() fs.FS {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		panic(err) // "data" is a valid, embedded path: cannot happen
	}
	return importable{sub}
}

// importable hides the files that are not import kinds (naf_roles.csv), so
// that a caller can import every file of Files without a list of exceptions.
type importable struct{ fsys fs.FS }

func isImportable(name string) bool {
	return slices.ContainsFunc(Kinds, func(k string) bool { return k+".csv" == name })
}

func (f importable) Open(name string) (fs.File, error) {
	if name != "." && !isImportable(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	file, err := f.fsys.Open(name)
	if err != nil || name != "." {
		return file, err
	}
	return importableDir{file.(fs.ReadDirFile)}, nil
}

func (f importable) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	entries, err := fs.ReadDir(f.fsys, ".")
	return filterEntries(entries), err
}

type importableDir struct{ fs.ReadDirFile }

func (d importableDir) ReadDir(n int) ([]fs.DirEntry, error) {
	entries, err := d.ReadDirFile.ReadDir(n)
	return filterEntries(entries), err
}

func filterEntries(entries []fs.DirEntry) []fs.DirEntry {
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return !isImportable(e.Name()) })
}

// Table is one embedded CSV with its columns addressed by name.
type Table struct {
	Header []string
	Rows   [][]string
}

// Column returns the index of a column, or an error naming the file's
// columns, so that a renamed column fails at load rather than reading "".
func (t *Table) Column(name string) (int, error) {
	if i := slices.Index(t.Header, name); i >= 0 {
		return i, nil
	}
	return -1, fmt.Errorf("refdata: no column %q in %v", name, t.Header)
}

// ReadTable reads one embedded CSV by its base name: a kind of Kinds, or
// "naf_roles".
func ReadTable(name string) (*Table, error) {
	raw, err := embedded.ReadFile("data/" + name + ".csv")
	if err != nil {
		return nil, fmt.Errorf("refdata: %w", err)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("refdata: %s.csv: %w", name, err)
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("refdata: %s.csv is empty", name)
	}
	return &Table{Header: records[0], Rows: records[1:]}, nil
}

// NAFRole says that a NAF rév. 2 division (two digits, "25") employs a ROME
// role, per ROME's arborescence_secteur_naf.
type NAFRole struct {
	Division string
	Title    string
	RoleCode string
}

// NAFRoles returns every (division, role) pair, sorted by division then role.
func NAFRoles() ([]NAFRole, error) {
	t, err := ReadTable("naf_roles")
	if err != nil {
		return nil, err
	}
	cols := make([]int, 3)
	for i, c := range []string{"naf_division", "naf_title", "role_code"} {
		if cols[i], err = t.Column(c); err != nil {
			return nil, err
		}
	}
	out := make([]NAFRole, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = NAFRole{Division: r[cols[0]], Title: r[cols[1]], RoleCode: r[cols[2]]}
	}
	return out, nil
}
