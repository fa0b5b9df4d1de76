package importer

//go:generate go run ../../cmd/gpec template -guide -o ../../docs/import.md

import (
	"fmt"
	"io"
	"strings"

	"github.com/gpec-project/gpec/internal/csvio"
)

// GuidePath is the import guide's place in the repository, written by
// Guide and checked against it by a test.
const GuidePath = "docs/import.md"

// RegenerateGuide is the command that rewrites GuidePath from the format
// table, for the messages of tests that find it stale.
const RegenerateGuide = "go generate ./internal/importer"

// typeNames names the staging types for people.
var typeNames = map[string]string{
	"text":    "text",
	"bigint":  "integer",
	"date":    "date",
	"boolean": "boolean",
	"numeric": "decimal",
}

// Template is the header of a kind's file and its example rows (cells in
// header order, empty where the example leaves a column out); ok is false
// for an unknown kind.
func Template(kind string) (header []string, rows [][]string, ok bool) {
	f, ok := byKind[kind]
	if !ok {
		return nil, nil, false
	}
	header = f.colNames()
	for _, ex := range kindDocs[kind].example {
		row := make([]string, len(header))
		for i, c := range header {
			row[i] = ex[c]
		}
		rows = append(rows, row)
	}
	return header, rows, true
}

// About is a kind's one-paragraph description; "" for an unknown kind.
func About(kind string) string { return kindDocs[kind].about }

// Guide renders the import guide, docs/import.md, from the format table and
// its words (formats_doc.go): every kind, its columns, key, types, accepted
// values and checks, and an example each.
func Guide() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("<!-- Generated from the importer's format table by `%s`; do not edit. -->\n\n", RegenerateGuide)
	w("# Import guide\n\n")
	w("gpec imports one file per kind of data, CSV or XLSX: `gpec import FILE|FOLDER…` or the `importFiles` mutation. "+
		"To start a file, `gpec template KIND` (or `gpec template -format xlsx KIND`) and `GET /templates/KIND.csv` "+
		"(or `.xlsx`) give an empty file with its header and example rows, those of this guide; "+
		"`gpec template %s` and `GET /templates/%s.xlsx` give one workbook with a sheet per kind.\n\n", AllKinds, AllKinds)
	w("## Every file\n\n")
	for _, rule := range generalRules {
		w("- %s\n", rule)
	}
	w("\n## Kinds\n\n")
	w("Files may come in any order; they are merged in this order, each kind after the kinds its rows name.\n\n")
	w("| kind | key | one row is |\n|---|---|---|\n")
	for _, f := range formats {
		w("| [%s](#%s) | %s | %s |\n", f.kind, f.kind, strings.Join(f.keys(), ", "), cell(firstSentence(kindDocs[f.kind].about)))
	}
	for _, f := range formats {
		d := kindDocs[f.kind]
		w("\n## %s\n\n", f.kind)
		if d.about != "" {
			w("%s\n\n", d.about)
		}
		w("Key: %s. A row whose key exists already replaces it; re-importing a file changes nothing.\n\n", strings.Join(backquote(f.keys()), " + "))
		w("| column | required | type | meaning and accepted values |\n|---|---|---|---|\n")
		for _, c := range f.cols {
			req := "no (empty: none)"
			if c.required {
				req = "yes"
			}
			if c.key {
				req += ", key"
			}
			w("| `%s` | %s | %s | %s |\n", c.name, req, typeNames[c.sqlType], cell(d.cols[c.name]))
		}
		checks := append([]string(nil), d.rules...)
		for _, c := range f.checks {
			checks = append(checks, fmt.Sprintf("`%s` names something of the database or of the same import; otherwise the row is refused as %s.", c.column, checkReason(c.reason)))
		}
		if f.sirenCol != "" {
			checks = append(checks, fmt.Sprintf("A company account may import this kind, for its own company only (by `%s`).", f.sirenCol))
		}
		if len(checks) > 0 {
			w("\nChecks:\n\n")
			for _, c := range checks {
				w("- %s\n", c)
			}
		}
		header, rows, _ := Template(f.kind)
		w("\nExample (`%s.csv`):\n\n```csv\n%s", f.kind, csvLine(header))
		for _, r := range rows {
			w("%s", csvLine(r))
		}
		w("```\n")
	}
	return b.String()
}

// generalRules are the rules of every file, as csvio and Import apply them.
var generalRules = []string{
	"**Kind.** A file's kind is the one its name says (`employees.csv`, `07_employees.csv`, `Employees-2025.csv`) when its columns fit it, " +
		"else the one kind its columns fit; when neither tells, the report names the kind the columns look closest to and the columns it lacks. " +
		"An XLSX workbook holds one kind per sheet, each sheet named after its kind (a workbook with one sheet may instead be named after its kind); " +
		"blank sheets are ignored. Errors name a sheet as `book.xlsx[employees]`. Old binary `.xls` files are refused: save them as `.xlsx` or CSV.",
	"**Header.** The first row names the columns, in any order, trimmed and case-insensitive. " +
		"An unknown or repeated column is an error; a required column must be there; an optional column may be left out (every row then has it empty).",
	"**Encoding.** UTF-8 with or without BOM, UTF-16 with BOM (Excel's \"Unicode text\"), or Windows-1252: detected. XLSX cells are read as the sheet shows them; the templates format their code columns as text, so that a code such as `01` keeps its leading zero (in a sheet of your own, format such columns as Text before typing).",
	"**Delimiter.** `,` or `;` (French Excel), detected from the header; else a tab (Excel's \"Unicode text\" and \"Text (tab-delimited)\").",
	"**Cells.** Trimmed; an empty cell is null. A leading `'` before `=`, `+`, `-` or `@` is dropped (exports write it so that spreadsheets do not run formulas).",
	"**Dates.** `YYYY-MM-DD`, or `DD/MM/YYYY` as French spreadsheets write them (`" + exampleFrenchDate() + "`); a date cell of an XLSX sheet is read as its date.",
	"**Booleans.** `true`/`false`, `1`/`0`, `oui`/`non`, any case.",
	"**Decimals.** A point or a comma (`12.5`, `12,5`).",
	"**All or nothing.** An import of one file or several writes everything or nothing; its report gives every bad row with its file (and sheet), line, column, value and reason.",
	"**References.** Every code a row names must exist in the database or in the same import.",
}

func exampleFrenchDate() string {
	d, _ := csvio.ParseDate("13/04/2021")
	return "13/04/2021` for `" + d.Format("2006-01-02")
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// cell escapes a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func backquote(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return out
}

// checkReason turns a check's SQL reason into words: its leading literal.
func checkReason(sqlReason string) string {
	s := strings.TrimSpace(sqlReason)
	if strings.HasPrefix(s, "'") {
		if end := strings.Index(s[1:], "'"); end >= 0 {
			s = s[1 : end+1]
		}
	}
	return "“" + strings.TrimSpace(s) + "”"
}

// csvLine writes cells as one CSV line, quoting where needed.
func csvLine(cells []string) string {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.ContainsAny(c, ",\"\n\r;") {
			c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
		b.WriteString(c)
	}
	b.WriteByte('\n')
	return b.String()
}

// WriteTemplate writes an empty file of a kind to start from: its header
// and example rows, in format f (a sheet named after the kind for XLSX, so
// that the filled workbook imports as it is).
func WriteTemplate(w io.Writer, kind string, f csvio.Format) error {
	header, rows, ok := Template(kind)
	if !ok {
		return fmt.Errorf("no file kind %q; kinds: %s", kind, strings.Join(Kinds(), ", "))
	}
	tw, err := csvio.NewTableWriter(w, f, kind, header, nil)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := tw.Write(r); err != nil {
			return err
		}
	}
	return tw.Close()
}

// AllKinds is the template name of the workbook of every kind.
const AllKinds = "all"

// WriteWorkbookTemplate writes one XLSX workbook with a sheet per kind, in
// dependency order, each with its header and example rows: filled in, it
// imports as it is.
func WriteWorkbookTemplate(w io.Writer) error {
	b := csvio.NewWorkbookWriter(w)
	for _, f := range formats {
		header, rows, _ := Template(f.kind)
		tw, err := b.Sheet(f.kind, header, nil)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := tw.Write(r); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
	}
	return b.Close()
}
