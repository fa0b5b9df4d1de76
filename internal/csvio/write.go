package csvio

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Format is how a table is downloaded.
type Format string

// Download formats. FormatCSV, the default, is for programs: ',' and UTF-8
// without BOM, as before, so that scripts reading the header do not get a
// BOM glued to its first name. FormatExcel and FormatExcelFR are for
// people opening the file in Excel by double-click: Excel reads a CSV as
// UTF-8 only when it starts with a BOM (without it, accents are garbled),
// and French Excel splits on ';' and reads decimals with a comma, so
// FormatExcelFR is ';', BOM and decimal comma. FormatXLSX is a workbook of
// one sheet, figures as numbers. gpec's import reads all four back.
const (
	FormatCSV     Format = "csv"
	FormatExcel   Format = "excel"
	FormatExcelFR Format = "excel-fr"
	FormatXLSX    Format = "xlsx"
)

// Formats lists the formats, for messages.
var Formats = []Format{FormatCSV, FormatExcel, FormatExcelFR, FormatXLSX}

// ParseFormat reads a format name; "" is FormatCSV. ok is false for an
// unknown name.
func ParseFormat(s string) (Format, bool) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "":
		return FormatCSV, true
	case FormatCSV, FormatExcel, FormatExcelFR, FormatXLSX:
		return f, true
	}
	return "", false
}

// ContentType is the media type of a download in format f.
func (f Format) ContentType() string {
	if f == FormatXLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Ext is the file extension of format f, with its dot.
func (f Format) Ext() string {
	if f == FormatXLSX {
		return ".xlsx"
	}
	return ".csv"
}

// ColumnType says how a column's cells are written.
type ColumnType int

// Column types: text is neutralised against formulas in CSV; integers and
// decimals are numbers in XLSX, and decimals take a comma in FormatExcelFR.
const (
	Text ColumnType = iota
	Integer
	Decimal
)

// TableWriter writes one table, row by row, in a Format.
type TableWriter interface {
	// Write writes one row of raw values (not neutralised), one per column.
	Write(cells []string) error
	// Close ends the table and flushes it to the underlying writer; it
	// does not close that writer.
	Close() error
}

// NewTableWriter starts a table with header names and column types (nil:
// every column text) in format f on w; sheet names the XLSX sheet.
func NewTableWriter(w io.Writer, f Format, sheet string, header []string, types []ColumnType) (TableWriter, error) {
	if types == nil {
		types = make([]ColumnType, len(header))
	}
	if len(types) != len(header) {
		return nil, fmt.Errorf("csvio: %d column types for %d columns", len(types), len(header))
	}
	if f == FormatXLSX {
		return newXLSXWriter(w, sheet, header, types)
	}
	bw := bufio.NewWriterSize(w, 64*1024)
	if f == FormatExcel || f == FormatExcelFR {
		if _, err := bw.WriteString("\uFEFF"); err != nil {
			return nil, err
		}
	}
	cw := csv.NewWriter(bw)
	if f == FormatExcelFR {
		cw.Comma = ';'
	}
	t := &csvTable{bw: bw, cw: cw, types: types, decimalComma: f == FormatExcelFR}
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	return t, nil
}

type csvTable struct {
	bw           *bufio.Writer
	cw           *csv.Writer
	types        []ColumnType
	decimalComma bool
	rec          []string
}

func (t *csvTable) Write(cells []string) error {
	t.rec = t.rec[:0]
	for i, c := range cells {
		switch {
		case t.types[i] == Text:
			c = Neutralise(c)
		case t.types[i] == Decimal && t.decimalComma:
			c = strings.Replace(c, ".", ",", 1)
		}
		t.rec = append(t.rec, c)
	}
	return t.cw.Write(t.rec)
}

func (t *csvTable) Close() error {
	t.cw.Flush()
	if err := t.cw.Error(); err != nil {
		return err
	}
	return t.bw.Flush()
}

// WorkbookWriter writes an XLSX workbook of one or more sheets, each
// streamed row by row to a temporary file (excelize's StreamWriter), and
// the workbook on Close: memory stays bounded whatever the rows.
type WorkbookWriter struct {
	out    io.Writer
	f      *excelize.File
	sheets int
	open   *xlsxTable
	text   int // style id of the text number format, once made
}

// textStyle is the workbook's style of text cells (number format 49, "@").
func (b *WorkbookWriter) textStyle() (int, error) {
	if b.text != 0 {
		return b.text, nil
	}
	id, err := b.f.NewStyle(&excelize.Style{NumFmt: 49})
	b.text = id
	return id, err
}

// NewWorkbookWriter starts a workbook written to w on Close.
func NewWorkbookWriter(w io.Writer) *WorkbookWriter {
	return &WorkbookWriter{out: w, f: excelize.NewFile()}
}

// maxSheetName is Excel's limit on a sheet name's length.
const maxSheetName = 31

// Sheet starts the next sheet, with its header row frozen; the previous
// sheet must be closed. Closing the returned TableWriter ends the sheet.
func (b *WorkbookWriter) Sheet(name string, header []string, types []ColumnType) (TableWriter, error) {
	if types == nil {
		types = make([]ColumnType, len(header))
	}
	if len(types) != len(header) {
		return nil, fmt.Errorf("csvio: %d column types for %d columns", len(types), len(header))
	}
	if b.open != nil {
		return nil, errors.New("csvio: the previous sheet is not closed")
	}
	if name == "" {
		name = "Sheet" + strconv.Itoa(b.sheets+1)
	}
	if len(name) > maxSheetName {
		name = name[:maxSheetName]
	}
	var err error
	if b.sheets == 0 {
		err = b.f.SetSheetName("Sheet1", name)
	} else {
		_, err = b.f.NewSheet(name)
	}
	if err != nil {
		return nil, err
	}
	b.sheets++
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	// The header row stays visible while scrolling.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	// Text columns are formatted as text, so that what a person types in
	// them stays as typed: a department "01" keeps its zero, a SIRET does
	// not turn into 5.52E+13.
	textStyle, err := b.textStyle()
	if err != nil {
		return nil, err
	}
	for i, h := range header {
		if types[i] == Text {
			if err := sw.SetColStyle(i+1, i+1, textStyle); err != nil {
				return nil, err
			}
		}
		if err := sw.SetColWidth(i+1, i+1, float64(max(len(h)+2, 12))); err != nil {
			return nil, err
		}
	}
	t := &xlsxTable{book: b, sw: sw, types: types}
	hv := make([]any, len(header))
	for i, h := range header {
		hv[i] = h
	}
	if err := t.add(hv); err != nil {
		return nil, err
	}
	b.open = t
	return t, nil
}

// Close writes the workbook to the writer given to NewWorkbookWriter and
// releases its temporary files.
func (b *WorkbookWriter) Close() error {
	defer b.f.Close()
	if b.open != nil {
		if err := b.open.Close(); err != nil {
			return err
		}
	}
	_, err := b.f.WriteTo(b.out)
	return err
}

// xlsxTable is one sheet of a WorkbookWriter.
type xlsxTable struct {
	book  *WorkbookWriter
	sw    *excelize.StreamWriter
	types []ColumnType
	row   int
	vals  []any
	own   bool // the table's Close also writes the workbook
}

func newXLSXWriter(w io.Writer, sheet string, header []string, types []ColumnType) (*xlsxTable, error) {
	b := NewWorkbookWriter(w)
	tw, err := b.Sheet(sheet, header, types)
	if err != nil {
		b.f.Close()
		return nil, err
	}
	t := tw.(*xlsxTable)
	t.own = true
	return t, nil
}

func (t *xlsxTable) add(vals []any) error {
	t.row++
	cell, err := excelize.CoordinatesToCellName(1, t.row)
	if err != nil {
		return err
	}
	return t.sw.SetRow(cell, vals)
}

func (t *xlsxTable) Write(cells []string) error {
	t.vals = t.vals[:0]
	for i, c := range cells {
		var v any = c
		switch {
		case c == "":
			v = nil
		case t.types[i] == Integer:
			if n, err := strconv.ParseInt(c, 10, 64); err == nil {
				v = n
			}
		case t.types[i] == Decimal:
			if x, err := strconv.ParseFloat(c, 64); err == nil {
				v = x
			}
		}
		t.vals = append(t.vals, v)
	}
	return t.add(t.vals)
}

// Close ends the sheet; for a single-sheet table (NewTableWriter), it also
// writes the workbook.
func (t *xlsxTable) Close() error {
	if t.book.open != t {
		return nil // closed already
	}
	t.book.open = nil
	if err := t.sw.Flush(); err != nil {
		return err
	}
	if t.own {
		return t.book.Close()
	}
	return nil
}
