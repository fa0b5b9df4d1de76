package importer

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gpec-project/gpec/internal/csvio"
)

// An XLSX workbook is one source for its caller and one source per sheet
// for the import: expandWorkbooks replaces it by its sheets, each of which
// opens as a csvio.Reader over that sheet, named "book.xlsx[sheet]" in the
// report and its errors. The kind of a sheet is its name; a workbook with a
// single sheet may instead be named after its kind, as a CSV file is.

// openReader opens a source as rows: a sheet of a workbook, or a CSV file.
// The returned closer releases it.
func openReader(src Source) (*csvio.Reader, io.Closer, *csvio.Error) {
	if src.sheet != nil {
		return src.sheet()
	}
	rc, err := src.Open()
	if err != nil {
		return nil, nil, &csvio.Error{File: src.Name, Reason: "cannot open the file"}
	}
	rd, err := csvio.NewReader(src.Name, rc)
	if err != nil {
		rc.Close()
		if e, ok := err.(*csvio.Error); ok {
			return nil, nil, e
		}
		return nil, nil, &csvio.Error{File: src.Name, Reason: "cannot read the file"}
	}
	return rd, rc, nil
}

// expandWorkbooks replaces each XLSX source by one source per non-blank
// sheet; other sources pass unchanged. A workbook that cannot be read, and
// an old binary .xls, are reported as errors and left out.
func expandWorkbooks(sources []Source, opts csvio.WorkbookOptions) ([]Source, []RowError) {
	var out []Source
	var errs []RowError
	for _, src := range sources {
		head, err := peek(src)
		if err != nil {
			out = append(out, src) // sniff reports it
			continue
		}
		switch {
		case csvio.IsLegacyExcel(head):
			errs = append(errs, RowError{File: src.Name, Reason: "an old Excel (.xls) file: save it as .xlsx (Excel workbook) or as CSV"})
			continue
		case !csvio.IsWorkbook(head):
			out = append(out, src)
			continue
		}
		sheets, e := workbookSheets(src, opts)
		if e != nil {
			errs = append(errs, *e)
			continue
		}
		if len(sheets) == 0 {
			errs = append(errs, RowError{File: src.Name, Reason: "the workbook has no sheet with a header row"})
			continue
		}
		for _, sh := range sheets {
			out = append(out, sheetSource(src, sh, len(sheets) == 1, opts))
		}
	}
	return out, errs
}

// peek reads a source's first bytes.
func peek(src Source) ([]byte, error) {
	rc, err := src.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := bufio.NewReaderSize(rc, 16).Peek(8)
	if err != nil && err != io.EOF {
		return nil, err
	}
	return b, nil
}

func openWorkbook(src Source, opts csvio.WorkbookOptions) (*csvio.Workbook, *csvio.Error) {
	rc, err := src.Open()
	if err != nil {
		return nil, &csvio.Error{File: src.Name, Reason: "cannot open the file"}
	}
	defer rc.Close()
	wb, err := csvio.OpenWorkbook(src.Name, rc, opts)
	if err != nil {
		if e, ok := err.(*csvio.Error); ok {
			return nil, e
		}
		return nil, &csvio.Error{File: src.Name, Reason: "not a readable XLSX workbook"}
	}
	return wb, nil
}

// workbookSheets lists the sheets that hold something: blank sheets (the
// "Sheet2" a new workbook has) are left out.
func workbookSheets(src Source, opts csvio.WorkbookOptions) ([]string, *csvio.Error) {
	wb, e := openWorkbook(src, opts)
	if e != nil {
		return nil, e
	}
	defer wb.Close()
	var out []string
	for _, sh := range wb.Sheets() {
		rd, err := wb.Reader(sh)
		if err == nil && len(rd.Header()) > 0 {
			out = append(out, sh)
		}
	}
	return out, nil
}

// sheetSource is one sheet of a workbook as a source. Its kind comes from
// the sheet's name, or the workbook's when it is the only sheet.
func sheetSource(book Source, sheet string, only bool, opts csvio.WorkbookOptions) Source {
	s := Source{Name: csvio.SheetName(book.Name, sheet), Size: 0, Open: book.Open, kindName: sheet}
	if only && kindFromName(sheet) == "" {
		s.kindName = book.Name
	}
	s.sheet = func() (*csvio.Reader, io.Closer, *csvio.Error) {
		wb, e := openWorkbook(book, opts)
		if e != nil {
			return nil, nil, e
		}
		rd, err := wb.Reader(sheet)
		if err != nil {
			wb.Close()
			if ce, ok := err.(*csvio.Error); ok {
				return nil, nil, ce
			}
			return nil, nil, &csvio.Error{File: s.Name, Reason: "cannot read the sheet"}
		}
		return rd, wb, nil
	}
	return s
}

// kindFromName recognises "employees.csv", "07_employees.csv",
// "Employee_Skills.CSV", a sheet named "employees", and a name with a
// suffix after the kind such as "employees-2025.csv" or "needs_v2.csv";
// "" when the name says nothing. The longest kind wins ("employee_skills"
// over "employees" is not an issue; "employees_x" is employees).
func kindFromName(name string) string {
	base := strings.ToLower(filepath.Base(name))
	if ext := filepath.Ext(base); ext == ".csv" || ext == ".xlsx" || ext == ".txt" || ext == ".tsv" {
		base = strings.TrimSuffix(base, ext)
	}
	base = numericPrefix.ReplaceAllString(base, "")
	base = strings.NewReplacer("-", "_", " ", "_", ".", "_").Replace(strings.TrimSpace(base))
	if _, ok := byKind[base]; ok {
		return base
	}
	best := ""
	for k := range byKind {
		if strings.HasPrefix(base, k+"_") && len(k) > len(best) {
			best = k
		}
	}
	return best
}

// kindFromHeader lists the kinds whose required columns the header has and
// whose columns include all of the header's.
func kindFromHeader(header []string) []string {
	var matches []string
	for _, f := range formats {
		if missing, unknown := fit(f, header); len(missing) == 0 && len(unknown) == 0 {
			matches = append(matches, f.kind)
		}
	}
	return matches
}

// fit compares a header with a kind: its required columns the header lacks,
// and the header's columns the kind does not have.
func fit(f *format, header []string) (missing, unknown []string) {
	for _, r := range f.required() {
		if !contains(header, r) {
			missing = append(missing, r)
		}
	}
	for _, h := range header {
		if h != "" && !contains(f.colNames(), h) {
			unknown = append(unknown, h)
		}
	}
	return missing, unknown
}

// closestKind is the kind sharing the most columns with the header (then
// the fewest missing ones); "" when no kind shares any.
func closestKind(header []string) (kind string, missing, unknown []string) {
	type cand struct {
		f                *format
		common, nmissing int
	}
	var cs []cand
	for _, f := range formats {
		common := 0
		for _, h := range header {
			if contains(f.colNames(), h) {
				common++
			}
		}
		m, _ := fit(f, header)
		if common > 0 {
			cs = append(cs, cand{f, common, len(m)})
		}
	}
	if len(cs) == 0 {
		return "", nil, nil
	}
	sort.SliceStable(cs, func(i, j int) bool {
		return cs[i].common > cs[j].common || (cs[i].common == cs[j].common && cs[i].nmissing < cs[j].nmissing)
	})
	missing, unknown = fit(cs[0].f, header)
	return cs[0].f.kind, missing, unknown
}

// sniff opens a source and tells its kind: the kind its name says when the
// header fits it, else the one kind the header fits, else the kind its name
// says (binding then reports what is missing), else an error naming the
// kind the header looks closest to and what it lacks.
func sniff(src Source) (string, *csvio.Error) {
	rd, c, e := openReader(src)
	if e != nil {
		return "", e
	}
	defer c.Close()
	named := src.kindName
	if named == "" {
		named = src.Name
	}
	byName := kindFromName(named)
	fits := kindFromHeader(rd.Header())
	switch {
	case byName != "" && contains(fits, byName):
		return byName, nil
	case len(fits) == 1:
		return fits[0], nil
	case len(fits) > 1:
		return "", &csvio.Error{File: src.Name, Line: 1, Reason: "the columns fit several kinds (" + strings.Join(fits, ", ") +
			"): name the file after its kind (e.g. " + fits[0] + ".csv)"}
	case byName != "":
		return byName, nil
	}
	reason := "cannot tell which kind of file this is: name it after its kind (e.g. employees.csv) or use the columns of one kind"
	if k, missing, unknown := closestKind(rd.Header()); k != "" {
		reason = fmt.Sprintf("cannot tell which kind of file this is: its columns look closest to kind %s", k)
		if len(missing) > 0 {
			reason += ", which lacks " + strings.Join(missing, ", ")
		}
		if len(unknown) > 0 {
			reason += ", and has unknown columns " + strings.Join(unknown, ", ")
		}
		reason += " (see the import guide, or name the file after its kind)"
	}
	return "", &csvio.Error{File: src.Name, Line: 1, Reason: reason}
}
