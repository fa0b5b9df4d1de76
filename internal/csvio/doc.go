// Package csvio owns gpec's bytes-to-cells layer, both ways, for the import
// formats of DESIGN.md and the downloads.
//
// Reading: one reader for CSV files and XLSX sheets. For CSV it detects the
// encoding (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252)
// and the delimiter (',' or ';', else tab, from the header line); an XLSX
// workbook (excelize) gives one reader per sheet, cells as the sheet shows
// them. Either way it binds columns by header name (trimmed,
// case-insensitive, order free), streams records with the physical line (or
// sheet row) where each starts, and parses cells (null, dates YYYY-MM-DD or
// DD/MM/YYYY, booleans, integers, decimals). Every error is an *Error naming
// file (and sheet), line, column, value and reason.
//
// Writing: TableWriter writes a table as CSV for programs, CSV for Excel
// (BOM; ';' and decimal comma in the French dialect) or XLSX.
//
// It also owns the spreadsheet formula neutralisation shared by import and
// export: a CSV cell that would start with '=', '+', '-' or '@' is written
// with a leading single quote, and that quote is stripped again on reading.
package csvio
