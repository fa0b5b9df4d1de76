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
// Into an empty table of employees, employee_skills or needs the rows go
// straight in instead, and the table's keys and indexes are built after
// them (a first load, firstload.go); any fault sends the kind back to the
// staged path, whose report it gives.
//
// LHÉO XML files (*.xml, package lheo) are converted first, as they are
// read, into trainings, training_sessions and training_skills files that
// follow the same path; their bad entries are reported with the XML
// element and line. Once every kind is merged, no session the import
// touched may hold more enrolments than seats (seats.go).
//
// Decisions where DESIGN.md is silent are written in formats.go and in the
// comments of Import.
package importer
