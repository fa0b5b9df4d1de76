package csvio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// utf16File encodes s as Excel's "Unicode text" does: a BOM, then UTF-16.
func utf16File(s string, order binary.ByteOrder) []byte {
	var b bytes.Buffer
	units := append([]uint16{0xFEFF}, utf16.Encode([]rune(s))...)
	for _, u := range units {
		var p [2]byte
		order.PutUint16(p[:], u)
		b.Write(p[:])
	}
	return b.Bytes()
}

func TestUTF16(t *testing.T) {
	text := "siren\tname\r\n552032534\tSoudures du Rhône 𝄞 €\r\n"
	for name, c := range map[string]struct {
		order binary.ByteOrder
		enc   string
	}{"LE": {binary.LittleEndian, EncodingUTF16LE}, "BE": {binary.BigEndian, EncodingUTF16BE}} {
		t.Run(name, func(t *testing.T) {
			// One byte at a time: code units and surrogate pairs are cut between reads.
			r, rows, errs := readAll(t, iotest.OneByteReader(bytes.NewReader(utf16File(text, c.order))))
			if len(errs) != 0 || len(rows) != 1 {
				t.Fatalf("rows %v errs %v", rows, errs)
			}
			if strings.Join(r.Header(), "|") != "siren|name" || r.Delimiter() != '\t' || r.Encoding() != c.enc {
				t.Fatalf("header %q delimiter %q encoding %s", r.Header(), r.Delimiter(), r.Encoding())
			}
			if rows[0].cells[1] != "Soudures du Rhône 𝄞 €" || rows[0].line != 2 {
				t.Errorf("row %q at line %d", rows[0].cells, rows[0].line)
			}
		})
	}
	t.Run("ErrLoneSurrogate", func(t *testing.T) {
		b := utf16File("a\nx\n", binary.LittleEndian)
		b = append(b, 0x00, 0xD8, 'y', 0, '\n', 0) // a high surrogate alone, then "y\n"
		_, rows, _ := readAll(t, bytes.NewReader(b))
		if len(rows) != 2 || rows[1].cells[0] != "\uFFFDy" {
			t.Fatalf("rows %v", rows)
		}
	})
}

func TestFrenchDates(t *testing.T) {
	for in, want := range map[string]string{"13/04/2021": "2021-04-13", "3/4/2021": "2021-04-03", "2021-04-13": "2021-04-13", "29/02/2024": "2024-02-29"} {
		d, err := ParseDate(in)
		if err != nil || d.Format("2006-01-02") != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"29/02/2023", "04/13/2021", "13/04/21", "13-04-2021", "2021/04/13", "13/04/20211"} {
		if _, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) accepted", in)
		}
	}
}

func TestWriteFormats(t *testing.T) {
	header := []string{"name", "headcount", "coverage"}
	types := []ColumnType{Text, Integer, Decimal}
	rows := [][]string{{"=cmd", "12", "0.4500"}, {"Rhône; Lyon", "-3", ""}}
	write := func(f Format) []byte {
		var b bytes.Buffer
		tw, err := NewTableWriter(&b, f, "aggregates", header, types)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := tw.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	t.Run("CSV", func(t *testing.T) {
		got := string(write(FormatCSV))
		want := "name,headcount,coverage\n'=cmd,12,0.4500\nRhône; Lyon,-3,\n"
		if got != want {
			t.Errorf("got %q want %q", got, want)
		}
	})
	t.Run("ExcelFR", func(t *testing.T) {
		got := write(FormatExcelFR)
		want := "\uFEFFname;headcount;coverage\n'=cmd;12;0,4500\n\"Rhône; Lyon\";-3;\n"
		if string(got) != want {
			t.Fatalf("got %q want %q", got, want)
		}
		// As Excel's conventions and the import read it: BOM, ';', decimal comma.
		r, rs, errs := readAll(t, bytes.NewReader(got))
		if len(errs) != 0 || r.Delimiter() != ';' || r.Encoding() != EncodingUTF8BOM || r.Header()[0] != "name" {
			t.Fatalf("read back: %v %q %s %q", errs, r.Delimiter(), r.Encoding(), r.Header())
		}
		if Clean(rs[0].cells[0]) != "=cmd" || rs[1].cells[0] != "Rhône; Lyon" {
			t.Errorf("cells %v", rs)
		}
		if v, err := ParseDecimal(rs[0].cells[2], 1, 4); err != nil || v != "0.4500" {
			t.Errorf("coverage %q: %v", v, err)
		}
	})
	t.Run("XLSX", func(t *testing.T) {
		b := write(FormatXLSX)
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if typ, _ := f.GetCellType("aggregates", "B2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("headcount cell type %v, want a number", typ)
		}
		if v, _ := f.GetCellValue("aggregates", "A2"); v != "=cmd" {
			t.Errorf("A2 = %q: a text cell is never a formula, and needs no quote", v)
		}
		if fm, _ := f.GetCellFormula("aggregates", "A2"); fm != "" {
			t.Errorf("A2 has formula %q", fm)
		}
		// A text column is formatted as text, so that typing 01 keeps the zero.
		id, err := f.GetColStyle("aggregates", "A")
		st, err2 := f.GetStyle(id)
		if err != nil || err2 != nil || st.NumFmt != 49 {
			t.Errorf("column A style %d %+v (%v %v), want number format 49 (text)", id, st, err, err2)
		}
		if id, _ := f.GetColStyle("aggregates", "B"); id != 0 {
			if st, _ := f.GetStyle(id); st.NumFmt == 49 {
				t.Error("the integer column B is formatted as text")
			}
		}
		wb, err := OpenWorkbook("t.xlsx", bytes.NewReader(b), WorkbookOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer wb.Close()
		rd, err := wb.Reader("aggregates")
		if err != nil {
			t.Fatal(err)
		}
		var got [][]string
		for {
			err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, append([]string(nil), rd.Record()...))
		}
		if len(got) != 2 || got[0][1] != "12" || got[0][2] != "0.45" || got[1][0] != "Rhône; Lyon" || got[1][2] != "" {
			t.Errorf("read back %q", got)
		}
	})
}

func TestWorkbookReader(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "employees")
	set := func(cell string, v any) {
		if err := f.SetCellValue("employees", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	// A title row left blank, the header on row 2, a blank row 4, a row
	// with its trailing cells missing, a date cell, a long SIRET number.
	set("A2", " SIREN")
	set("B2", "entry_date")
	set("C2", "siret")
	set("D2", "exit_date")
	set("A3", 552032534)
	set("B3", "13/04/2021")
	set("C3", 55203253400109)
	set("A5", "552032534")
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err := f.SetCellFloat("employees", "B5", 44299, 0, 64); err != nil { // 2021-04-13
		t.Fatal(err)
	}
	f.SetCellStyle("employees", "B5", "B5", date)
	set("F6", "stray")
	f.NewSheet("notes")
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	wb, err := OpenWorkbook("book.xlsx", bytes.NewReader(b.Bytes()), WorkbookOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if strings.Join(wb.Sheets(), ",") != "employees,notes" {
		t.Fatalf("sheets %q", wb.Sheets())
	}
	rd, err := wb.Reader("employees")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rd.Header(), ",") != "siren,entry_date,siret,exit_date" {
		t.Fatalf("header %q", rd.Header())
	}
	type got struct {
		line  int
		cells string
		err   string
	}
	var all []got
	for {
		err := rd.Next()
		if err == io.EOF {
			break
		}
		g := got{line: rd.Line()}
		if err != nil {
			g.err = err.Error()
		} else {
			g.cells = strings.Join(rd.Record(), "|")
		}
		all = append(all, g)
	}
	want := []got{
		{3, "552032534|13/04/2021|55203253400109|", ""},
		{5, "552032534|2021-04-13||", ""},
		{6, "", "book.xlsx[employees]:6: long row: a value in column 6 where the header has 4 columns"},
	}
	if len(all) != len(want) {
		t.Fatalf("got %+v", all)
	}
	for i := range want {
		if all[i] != want[i] {
			t.Errorf("row %d: got %+v want %+v", i, all[i], want[i])
		}
	}
	if _, err := wb.Reader("notes"); err == nil || !strings.Contains(err.Error(), "book.xlsx[notes]:1: empty sheet") {
		t.Errorf("blank sheet: %v", err)
	}
	if _, err := OpenWorkbook("x.xlsx", strings.NewReader("PK\x03\x04 not a zip"), WorkbookOptions{}); err == nil {
		t.Error("a broken zip opened")
	}
}

// TestISODateMatchesTimeParse checks the hand-written YYYY-MM-DD reader
// against time.Parse on every month and day of leap and common years, and
// on random strings of digits and dashes.
func TestISODateMatchesTimeParse(t *testing.T) {
	want := func(s string) bool {
		_, err := time.Parse(time.DateOnly, s)
		return err == nil && len(s) == 10
	}
	var cases []string
	for _, y := range []string{"0000", "1900", "1999", "2000", "2024", "2025", "2100", "9999"} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				cases = append(cases, fmt.Sprintf("%s-%02d-%02d", y, m, d))
			}
		}
	}
	cases = append(cases, "", "2024-1-01", "2024-01-1", "2024/01/01", "2024-01-01 ", " 2024-01-01", "+024-01-01", "2024-0a-01", "20240-1-01")
	r := rand.New(rand.NewPCG(16, 2))
	const alphabet = "0123456789-/ a"
	for range 20000 {
		b := []byte("2024-02-29")
		for range 1 + r.IntN(3) {
			b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got := IsISODate(s); got != want(s) {
			t.Fatalf("IsISODate(%q) = %v, time.Parse says %v", s, got, want(s))
		}
		if want(s) {
			d, err := ParseDate(s)
			if err != nil || d.Format(time.DateOnly) != s {
				t.Fatalf("ParseDate(%q) = %v, %v", s, d, err)
			}
		}
	}
}

// TestASCIIPrefix checks the word-at-a-time scan against a byte loop, with
// the first non-ASCII byte at every offset of a word.
func TestASCIIPrefix(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for n := 0; n < 40; n++ {
		for range 50 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('a' + r.IntN(26))
			}
			if n > 0 && r.IntN(4) > 0 {
				b[r.IntN(n)] = 0x80 + byte(r.IntN(128))
			}
			want := 0
			for want < len(b) && b[want] < 0x80 {
				want++
			}
			if got := asciiPrefix(b); got != want {
				t.Fatalf("asciiPrefix(%q) = %d, want %d", b, got, want)
			}
		}
	}
}
