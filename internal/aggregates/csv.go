package aggregates

import (
	"io"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/csvio"

	"github.com/gpec-project/gpec/internal/domain"
)

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{
	"kind", "territory_level", "territory_code", "territory_name",
	"dimension", "dimension_code", "dimension_label",
	"companies", "headcount", "departures", "target", "role_gap",
	"required", "qualified", "gap", "coverage", "suppressed", "reason",
}

// The kinds of CSV lines: an inner cell, a territory's total over the
// dimension, a dimension value's total over the territories, the grand total.
const (
	KindCell           = "cell"
	KindTerritoryTotal = "territory_total"
	KindDimensionTotal = "dimension_total"
	KindGrandTotal     = "grand_total"
)

// WriteCSV writes a result as CSV, UTF-8 without BOM, ',' delimiter, with
// CSVHeader: one line per cell, then the territory totals, the dimension
// totals and the grand total, each in the result's order. A null figure is an
// empty field; coverage has 4 decimals. A text field starting with '=', '+',
// '-' or '@' gets a leading single quote so that a spreadsheet does not run it
// as a formula (the rule of package export); numbers are written by strconv and
// left alone, so a negative gap stays a number. WriteTable writes the other
// download formats.
func WriteCSV(w io.Writer, d Dimension, r *Result) error {
	return WriteTable(w, csvio.FormatCSV, d, r)
}

// csvTypes are the column types of CSVHeader: figures are numbers in a
// workbook, coverage takes a decimal comma in the French dialect.
var csvTypes = func() []csvio.ColumnType {
	t := make([]csvio.ColumnType, len(CSVHeader))
	for i, h := range CSVHeader {
		switch h {
		case "companies", "headcount", "departures", "target", "role_gap", "required", "qualified", "gap":
			t[i] = csvio.Integer
		case "coverage":
			t[i] = csvio.Decimal
		}
	}
	return t
}()

// WriteTable writes a result like WriteCSV, in download format f (see
// csvio.Format): an XLSX sheet named "aggregates" has the figures as numbers.
func WriteTable(w io.Writer, f csvio.Format, d Dimension, r *Result) error {
	if d == "" {
		d = DimensionNone
	}
	tw, err := csvio.NewTableWriter(w, f, "aggregates", CSVHeader, csvTypes)
	if err != nil {
		return err
	}
	write := func(kind string, c *Cell) error {
		return tw.Write(record(kind, d, c))
	}
	for i := range r.Cells {
		if err := write(KindCell, &r.Cells[i]); err != nil {
			return err
		}
	}
	for i := range r.RowTotals {
		if err := write(KindTerritoryTotal, &r.RowTotals[i]); err != nil {
			return err
		}
	}
	for i := range r.ColumnTotals {
		if err := write(KindDimensionTotal, &r.ColumnTotals[i]); err != nil {
			return err
		}
	}
	if err := write(KindGrandTotal, &r.Total); err != nil {
		return err
	}
	return tw.Close()
}

// record is a cell's line, raw: the table writer neutralises text for CSV.
func record(kind string, d Dimension, c *Cell) []string {
	f := &c.Figures
	reason := ""
	if f.Reason != nil {
		reason = *f.Reason
	}
	coverage := ""
	if f.Coverage != nil {
		coverage = strconv.FormatFloat(*f.Coverage, 'f', 4, 64)
	}
	return []string{
		kind, c.TerritoryLevel, c.TerritoryCode, c.TerritoryName,
		string(d), deref(c.DimensionCode), deref(c.DimensionLabel),
		number(f.Companies), number(f.Headcount), number(f.Departures), number(f.Target), number(f.RoleGap),
		number(f.Required), number(f.Qualified), number(f.Gap), coverage,
		strconv.FormatBool(f.Suppressed), reason,
	}
}

func number(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Filename names the CSV export of a query after what it holds, e.g.
// gpec-aggregates_department-of-region-76_by-role-family_2029_asof-2026-11-25.csv;
// a pole scope, optional links and a retirement age other than the default
// are said too. It only uses codes, slugs and numbers, so it is always safe in
// a header.
func Filename(q Query) string {
	asOf := q.AsOf
	if asOf.IsZero() {
		asOf = domain.Today()
	}
	parts := []string{"gpec-aggregates"}
	where := q.Level + "-of-france"
	if q.Parent != nil {
		where = q.Level + "-of-" + q.Parent.Level + "-" + q.Parent.Code
	}
	parts = append(parts, where)
	if q.Dimension != "" && q.Dimension != DimensionNone {
		parts = append(parts, "by-"+strings.ReplaceAll(string(q.Dimension), "_", "-"))
	}
	if q.Scope.PoleID != "" {
		parts = append(parts, "pole-"+q.Scope.PoleID)
	}
	parts = append(parts, strconv.Itoa(q.Horizon), "asof-"+asOf.Format(time.DateOnly))
	if q.RetirementAge != 0 && q.RetirementAge != DefaultRetirementAge {
		parts = append(parts, "retirement-"+strconv.Itoa(q.RetirementAge))
	}
	if q.IncludeOptional {
		parts = append(parts, "with-optional")
	}
	return sanitizeFilename(strings.Join(parts, "_")) + ".csv"
}

// ContentDisposition is the Content-Disposition header of the CSV export.
func ContentDisposition(q Query) string {
	return ContentDispositionAs(q, ".csv")
}

// ContentDispositionAs is ContentDisposition for a file of extension ext
// (".csv", ".xlsx").
func ContentDispositionAs(q Query, ext string) string {
	name := strings.TrimSuffix(Filename(q), ".csv") + ext
	return mime.FormatMediaType("attachment", map[string]string{"filename": name})
}

// sanitizeFilename keeps [A-Za-z0-9_-]: the query is validated before an
// export, but a filename must stay safe even for a query that is not.
func sanitizeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, s)
}
