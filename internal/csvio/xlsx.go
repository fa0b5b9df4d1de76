package csvio

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// XLSX workbooks are read with excelize: it is maintained, reads the
// worksheets as a stream of rows (a big sheet is unzipped to a temporary
// file rather than into memory), and renders each cell as the sheet shows
// it, which is what a person preparing the file sees.

// IsWorkbook tells from a file's first bytes whether it is a zip archive,
// as an XLSX workbook is.
func IsWorkbook(head []byte) bool { return bytes.HasPrefix(head, []byte("PK\x03\x04")) }

// IsLegacyExcel tells whether a file's first bytes are those of an old
// binary Excel (.xls) or other OLE document, which gpec does not read.
func IsLegacyExcel(head []byte) bool {
	return bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
}

// WorkbookOptions bound what opening a workbook may cost.
type WorkbookOptions struct {
	// MaxUnzipped caps the workbook's total uncompressed size (a zip bomb
	// is refused); default 2 GiB.
	MaxUnzipped int64
}

// Workbook is an open XLSX file.
type Workbook struct {
	file string
	f    *excelize.File
}

// OpenWorkbook reads a workbook from r (file is its name, for errors). A
// workbook is a zip, which needs random access: excelize keeps the
// compressed file in memory and unzips big sheets to temporary files.
func OpenWorkbook(file string, r io.Reader, opts WorkbookOptions) (*Workbook, error) {
	if opts.MaxUnzipped <= 0 {
		opts.MaxUnzipped = 2 << 30
	}
	f, err := excelize.OpenReader(r, excelize.Options{
		UnzipSizeLimit: opts.MaxUnzipped,
		// Excel's built-in short date format (number format 14) follows the
		// reader's locale; read it as ISO so that the date parser gets one
		// form. Dates formatted dd/mm/yyyy come as such, also accepted.
		ShortDatePattern: "yyyy-mm-dd",
	})
	if err != nil {
		reason := "not a readable XLSX workbook"
		if strings.Contains(err.Error(), "size") {
			reason = fmt.Sprintf("the workbook unzips to more than %d bytes", opts.MaxUnzipped)
		}
		return nil, &Error{File: file, Reason: reason}
	}
	return &Workbook{file: file, f: f}, nil
}

// Close releases the workbook's temporary files.
func (w *Workbook) Close() error { return w.f.Close() }

// Sheets lists the workbook's sheets, in tab order.
func (w *Workbook) Sheets() []string { return w.f.GetSheetList() }

// SheetName is how errors name a sheet of a workbook: "book.xlsx[employees]".
func SheetName(file, sheet string) string { return file + "[" + sheet + "]" }

// sheetRows streams one sheet's rows.
type sheetRows struct {
	rows *excelize.Rows
	n    int // rows read, blank ones included: the sheet's row number
}

// next returns the next row that has a non-blank cell, and its row number;
// io.EOF at the end.
func (s *sheetRows) next() ([]string, int, error) {
	for s.rows.Next() {
		s.n++
		cells, err := s.rows.Columns()
		if err != nil {
			return nil, s.n, err
		}
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				return cells, s.n, nil
			}
		}
	}
	if err := s.rows.Error(); err != nil {
		return nil, s.n, err
	}
	return nil, s.n, io.EOF
}

// Reader streams the rows of one sheet like a CSV file's records: the first
// row with a value is the header, blank rows are skipped, and lines are the
// sheet's row numbers. Errors name the file as SheetName(file, sheet). Blank
// sheets give an *Error like an empty file.
func (w *Workbook) Reader(sheet string) (*Reader, error) {
	name := SheetName(w.file, sheet)
	rows, err := w.f.Rows(sheet)
	if err != nil {
		return nil, &Error{File: name, Reason: "cannot read the sheet"}
	}
	sr := &sheetRows{rows: rows}
	h, _, err := sr.next()
	if err == io.EOF {
		return nil, &Error{File: name, Line: 1, Reason: "empty sheet: a header row is required"}
	}
	if err != nil {
		return nil, &Error{File: name, Reason: "cannot read the sheet"}
	}
	// Trailing blank header cells are formatting, not columns.
	for len(h) > 0 && strings.TrimSpace(h[len(h)-1]) == "" {
		h = h[:len(h)-1]
	}
	rd := &Reader{file: name, sheet: sr, delimiter: '\t'}
	rd.setHeader(h)
	return rd, nil
}

// nextRow is Next for a sheet. A row's missing trailing cells are empty
// (a sheet does not store them); cells beyond the header must be blank.
func (r *Reader) nextRow() error {
	cells, line, err := r.sheet.next()
	if err == io.EOF {
		return io.EOF
	}
	r.rows++
	r.line = line
	if err != nil {
		return &Error{File: r.file, Line: line, Reason: "cannot read the row"}
	}
	for len(cells) > len(r.header) && strings.TrimSpace(cells[len(cells)-1]) == "" {
		cells = cells[:len(cells)-1]
	}
	if len(cells) > len(r.header) {
		return &Error{File: r.file, Line: line, Reason: fmt.Sprintf(
			"long row: a value in column %d where the header has %d columns", len(cells), len(r.header))}
	}
	for len(cells) < len(r.header) {
		cells = append(cells, "")
	}
	r.rec = cells
	return nil
}
