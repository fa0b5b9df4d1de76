// Package importer owns bulk imports of the CSV formats of DESIGN.md (plus
// role_families), from CSV files or XLSX sheets (read by csvio), and the
// import guide (docs/import.md) and templates generated from its format
// table: it recognises each file's kind, checks every row's types
// and formats in Go while streaming, stages rows with COPY into temporary
// tables inside one transaction, and merges set-based on the natural keys
// (UPDATE of the changed rows, INSERT of the new ones), checking the
// referential rules set-based in SQL to report the bad rows when the merge
// is refused. An import is all-or-nothing and its Report lists every bad row.
//
// Decisions where DESIGN.md is silent are written in formats.go and in the
// comments of Import.
package importer
