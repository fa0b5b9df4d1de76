package importer

import (
	"bytes"
	"encoding/binary"

	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/gpec-project/gpec/internal/csvio"
	"github.com/gpec-project/gpec/internal/testdb"
)

// TestGuideUpToDate fails when docs/import.md is not what the format table
// gives: the guide cannot drift from the importer.
func TestGuideUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", filepath.FromSlash(GuidePath))
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run `%s` to write it)", GuidePath, err, RegenerateGuide)
	}
	if string(got) != Guide() {
		t.Fatalf("%s differs from the importer's format table: run `%s` and commit the result", GuidePath, RegenerateGuide)
	}
}

// TestGuideCoversFormats checks that every kind and column of the format
// table has its words, and that the words name nothing the table lacks.
func TestGuideCoversFormats(t *testing.T) {
	for _, f := range formats {
		d, ok := kindDocs[f.kind]
		if !ok {
			t.Errorf("kind %s has no entry in kindDocs (formats_doc.go): add its description, columns and example, then run `%s`", f.kind, RegenerateGuide)
			continue
		}
		if d.about == "" || len(d.example) == 0 {
			t.Errorf("kind %s: kindDocs needs an about and an example row", f.kind)
		}
		for _, c := range f.cols {
			if d.cols[c.name] == "" {
				t.Errorf("column %s of %s has no description in kindDocs (formats_doc.go)", c.name, f.kind)
			}
		}
		for name := range d.cols {
			if !contains(f.colNames(), name) {
				t.Errorf("kindDocs describes column %s, which %s does not have", name, f.kind)
			}
		}
		for i, ex := range d.example {
			for name := range ex {
				if !contains(f.colNames(), name) {
					t.Errorf("example %d of %s has column %s, which the kind does not have", i+1, f.kind, name)
				}
			}
		}
	}
	for k := range kindDocs {
		if byKind[k] == nil {
			t.Errorf("kindDocs documents kind %s, which the format table does not have", k)
		}
	}
}

// exampleFiles are the guide's examples, one template per kind.
func exampleFiles(t *testing.T, f csvio.Format) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, k := range Kinds() {
		var b bytes.Buffer
		if err := WriteTemplate(&b, k, f); err != nil {
			t.Fatal(err)
		}
		out[k+f.Ext()] = b.Bytes()
	}
	return out
}

func byteSources(files map[string][]byte) []Source {
	m := map[string]string{}
	for n, b := range files {
		m[n] = string(b)
	}
	return sources(m)
}

// TestGuideExamplesImport imports every example of the guide, as the
// templates give them, into an empty database: each must be valid, and
// together they are a consistent dataset.
func TestGuideExamplesImport(t *testing.T) {
	d, _ := testdb.New(t)
	rep := mustImport(t, d, byteSources(exampleFiles(t, csvio.FormatCSV)), Options{})
	for _, kr := range rep.Kinds {
		if want := int64(len(kindDocs[kr.Kind].example)); kr.Inserted != want {
			t.Errorf("%s: %d rows inserted, want the %d of the example", kr.Kind, kr.Inserted, want)
		}
	}
	var exit string
	if err := d.Get(&exit, `SELECT entry_date::text FROM employees WHERE employee_ref = 'E002'`); err != nil || exit != "2021-04-13" {
		t.Errorf("13/04/2021 stored as %q (%v)", exit, err)
	}
}

// TestSpreadsheetFiles imports the same dataset as CSV, as one XLSX
// workbook per kind, as one workbook with a sheet per kind, as the French
// Excel dialect and as UTF-16 text: every form stores the same rows.
func TestSpreadsheetFiles(t *testing.T) {
	csvFiles := exampleFiles(t, csvio.FormatCSV)
	d0, _ := testdb.New(t)
	mustImport(t, d0, byteSources(csvFiles), Options{})
	want := fingerprint(t, d0)

	// One workbook, a sheet per kind, in reverse dependency order: sheets
	// are found by name.
	book := excelize.NewFile()
	kinds := Kinds()
	for i := len(kinds) - 1; i >= 0; i-- {
		header, rows, _ := Template(kinds[i])
		if _, err := book.NewSheet(kinds[i]); err != nil {
			t.Fatal(err)
		}
		for r, row := range append([][]string{header}, rows...) {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if v != "" {
					book.SetCellValue(kinds[i], cell, v)
				}
			}
		}
	}
	var wb bytes.Buffer
	if _, err := book.WriteTo(&wb); err != nil {
		t.Fatal(err)
	}
	book.Close()
	// The template workbook of every kind.
	var all bytes.Buffer
	if err := WriteWorkbookTemplate(&all); err != nil {
		t.Fatal(err)
	}

	// Excel's "Unicode text": UTF-16 with BOM, tab-separated, CRLF.
	utf16Files := map[string][]byte{}
	for _, k := range kinds {
		header, rows, _ := Template(k)
		var text strings.Builder
		for _, r := range append([][]string{header}, rows...) {
			text.WriteString(strings.Join(r, "\t") + "\r\n")
		}
		units := append([]uint16{0xFEFF}, utf16.Encode([]rune(text.String()))...)
		var buf bytes.Buffer
		for _, u := range units {
			binary.Write(&buf, binary.LittleEndian, u)
		}
		utf16Files[k+".txt"] = buf.Bytes()
	}

	for name, files := range map[string]map[string][]byte{
		"workbook per kind": exampleFiles(t, csvio.FormatXLSX),
		"sheet per kind":    {"gpec-data.xlsx": wb.Bytes()},
		"template workbook": {"all.xlsx": all.Bytes()},
		"excel-fr":          exampleFiles(t, csvio.FormatExcelFR),
		"utf-16":            utf16Files,
	} {
		t.Run(name, func(t *testing.T) {
			d, _ := testdb.New(t)
			rep := mustImport(t, d, byteSources(files), Options{})
			if got := fingerprint(t, d); got != want {
				t.Errorf("stored rows differ from the CSV import:\n%s\nwant\n%s", got, want)
			}
			if name == "sheet per kind" && (len(rep.Files) != len(kinds) || rep.Files[0].Name != "gpec-data.xlsx["+kinds[len(kinds)-1]+"]" || rep.Files[0].Encoding != csvio.EncodingXLSX) {
				t.Errorf("files %+v", rep.Files)
			}
		})
	}
}

func TestKindHints(t *testing.T) {
	d, _ := testdb.New(t)
	check := func(files map[string]string, file string, line int, column, reason string) {
		t.Helper()
		rep, err := Import(t.Context(), d, sources(files), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rep.Errors {
			if e.File == file && e.Line == line && e.Column == column && strings.Contains(e.Reason, reason) {
				return
			}
		}
		t.Errorf("no error %s:%d %s %q in\n%s", file, line, column, reason, rep)
	}
	// A name with a suffix still says the kind; the missing column is named with it.
	check(map[string]string{"employees-2025.csv": "siren,employee_ref,siret,birth_year,entry_date\n552032534,E9,55203253400109,1980,2020-01-01\n"},
		"employees-2025.csv", 1, "role_code", "missing required column (the file is read as kind employees)")
	// A name that says nothing: the closest kind and what it lacks.
	check(map[string]string{"export.csv": "siren,employee_ref,siret,birth_year,entry_date\n552032534,E9,55203253400109,1980,2020-01-01\n"},
		"export.csv", 1, "", "closest to kind employees, which lacks role_code")
	// The header decides whatever the name when it fits one kind only.
	rep, err := Import(t.Context(), d, sources(map[string]string{"liste.csv": "siren,name\n552032534,Soudures du Rhône\n"}), Options{DryRun: true})
	if err != nil || rep.ErrorCount != 0 || rep.Files[0].Kind != "companies" {
		t.Errorf("liste.csv: %v\n%s", err, rep)
	}
	// An old binary Excel file is refused as such.
	check(map[string]string{"employees.xls": "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest"}, "employees.xls", 0, "", "old Excel (.xls)")
	// A sheet's errors name the workbook and the sheet.
	var b bytes.Buffer
	if err := WriteTemplate(&b, "companies", csvio.FormatXLSX); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	f.SetCellValue("companies", "A2", "123")
	b.Reset()
	f.WriteTo(&b)
	f.Close()
	check(map[string]string{"book.xlsx": b.String()}, "book.xlsx[companies]", 2, "siren", "")
}
