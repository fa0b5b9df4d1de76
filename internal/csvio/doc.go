// Package csvio owns gpec's one CSV reader: the bytes-to-cells layer of the
// import formats of DESIGN.md. It detects the encoding (UTF-8 with or without
// BOM, else Windows-1252) and the delimiter (',' or ';', from the header
// line), binds columns by header name (trimmed, case-insensitive, order
// free), streams records with the physical line where each starts, and
// parses cells (null, dates, booleans, integers, decimals). Every error is an
// *Error naming file, line, column, value and reason.
//
// It also owns the spreadsheet formula neutralisation shared by import and
// export: a cell that would start with '=', '+', '-' or '@' is written with a
// leading single quote, and that quote is stripped again on reading.
package csvio
