// Package export owns writing gpec's data back as the CSV files of DESIGN.md,
// in exactly the import format: UTF-8 without BOM, ',' delimiter, a header
// row, one file per kind, rows in a deterministic order (the natural key),
// streamed from the database in one consistent snapshot. ExportKindAs also
// writes a kind for Excel (BOM; ';' and decimal comma in the French
// dialect) or as an XLSX sheet named after the kind; all of them import back.
//
// A CSV cell starting with '=', '+', '-' or '@' is written with a leading single
// quote so a spreadsheet does not run it as a formula; the importer removes
// that quote again (csvio.Clean), so export → import round-trips exactly.
// None of the numeric columns can be negative, so no number is affected.
package export
