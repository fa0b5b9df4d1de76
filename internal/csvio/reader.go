package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Error is one problem of an input file, located for its user: the physical
// line where the record starts (the header is line 1), the column's header
// name, the cell's value as read, and why it is refused.
type Error struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %s", e.Column)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ": value %q", e.Value)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// maxHeader bounds the header line: a header longer than this is not one of
// gpec's formats, and the bound keeps detection streaming.
const maxHeader = 64 * 1024

// Reader streams the records of one CSV file or one XLSX sheet. Create it
// with NewReader (or Workbook.Reader), bind the columns with Bind, then call
// Next until io.EOF.
type Reader struct {
	file      string
	counter   *countingReader
	dec       *decoder
	cr        *csv.Reader
	sheet     *sheetRows // set for an XLSX sheet, instead of counter, dec and cr
	header    []string
	delimiter rune
	rec       []string
	line      int
	rows      int64
	// Records are split by Next itself (see nextPlain) while fast holds:
	// br is the buffer cr reads from, numLine the physical lines read so
	// far. From the first line with a quote on, cr reads the rest of
	// the file, its line numbers shifted by lineBase.
	fast     bool
	br       *bufio.Reader
	numLine  int
	lineBase int
	long     []byte // a line longer than br's buffer
}

// plainRecords lets tests turn Next's own splitting off.
var plainRecords = true

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// NewReader reads the header of file (its name, for errors) from r, detecting
// encoding and delimiter. An empty file is an error: a header row is required.
func NewReader(file string, r io.Reader) (*Reader, error) {
	cr := &countingReader{r: r}
	dec := newDecoder(cr)
	br := bufio.NewReaderSize(dec, maxHeader)
	delim, err := sniffDelimiter(br)
	if err != nil {
		return nil, &Error{File: file, Line: 1, Reason: err.Error()}
	}
	c := csv.NewReader(br)
	c.Comma = delim
	c.FieldsPerRecord = -1 // short and long rows are reported by Next, with the line
	c.ReuseRecord = true
	rd := &Reader{file: file, counter: cr, dec: dec, cr: c, delimiter: delim, br: br}
	h, err := c.Read()
	if err == io.EOF {
		return nil, &Error{File: file, Line: 1, Reason: "empty file: a header row is required"}
	}
	if err != nil {
		return nil, rd.parseError(err)
	}
	rd.setHeader(h)
	// csv.NewReader reads br itself (bufio.NewReader returns a big
	// enough *bufio.Reader unchanged): after the header, br is at the
	// first record's line, which the header's last line tells.
	last := len(h) - 1
	rd.numLine, _ = c.FieldPos(last)
	rd.fast = plainRecords && !strings.Contains(h[last], "\n")
	return rd, nil
}

func (r *Reader) setHeader(h []string) {
	r.header = make([]string, len(h))
	for i, name := range h {
		r.header[i] = strings.ToLower(strings.TrimSpace(name))
	}
}

// sniffDelimiter looks at the header line, outside quotes, for ',' or ';',
// else a tab. A header with none has one column; one with both ',' and ';'
// is refused, since no column name of the formats contains either.
func sniffDelimiter(br *bufio.Reader) (rune, error) {
	for size := 4096; ; size *= 2 {
		if size > maxHeader {
			size = maxHeader
		}
		b, err := br.Peek(size)
		commas, semis, tabs, inQuotes, done := 0, 0, 0, false, false
		for _, c := range b {
			switch {
			case c == '"':
				inQuotes = !inQuotes
			case inQuotes:
			case c == '\n' || c == '\r':
				done = true
			case c == ',':
				commas++
			case c == ';':
				semis++
			case c == '\t':
				tabs++
			}
			if done {
				break
			}
		}
		if done || err != nil {
			if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
				return 0, err
			}
			switch {
			case commas > 0 && semis > 0:
				return 0, errors.New("the header mixes ',' and ';': use one delimiter")
			case semis > 0:
				return ';', nil
			case commas == 0 && tabs > 0:
				// Excel's "Unicode text" and "Text (tab-delimited)".
				return '\t', nil
			}
			return ',', nil
		}
		if size == maxHeader {
			return 0, fmt.Errorf("header line longer than %d bytes", maxHeader)
		}
	}
}

// File is the name errors carry.
func (r *Reader) File() string { return r.file }

// Header is the normalised header: names trimmed and lower-cased.
func (r *Reader) Header() []string { return r.header }

// Delimiter is the detected delimiter.
func (r *Reader) Delimiter() rune { return r.delimiter }

// Encoding is the detected encoding so far (EncodingUTF8 until a non-ASCII
// byte decides it); EncodingXLSX for a sheet.
func (r *Reader) Encoding() string {
	if r.sheet != nil {
		return EncodingXLSX
	}
	return r.dec.encoding()
}

// BytesRead counts the raw bytes consumed from the source, for progress;
// 0 for a sheet, whose bytes are compressed in the workbook.
func (r *Reader) BytesRead() int64 {
	if r.counter == nil {
		return 0
	}
	return r.counter.n
}

// Rows counts the records returned by Next so far, bad ones included.
func (r *Reader) Rows() int64 { return r.rows }

// Line is the physical line where the current record starts.
func (r *Reader) Line() int { return r.line }

// Record is the current record's cells, raw; valid until the next call to Next.
func (r *Reader) Record() []string { return r.rec }

// Next advances to the next record. It returns io.EOF at the end, and an
// *Error for a record that cannot be read (bad quoting, wrong number of
// fields); reading may go on after an *Error.
func (r *Reader) Next() error {
	if r.sheet != nil {
		return r.nextRow()
	}
	var rec []string
	var err error
	if r.fast {
		rec, err = r.nextPlain()
	} else {
		rec, err = r.cr.Read()
		if err == nil {
			r.line, _ = r.cr.FieldPos(0)
			r.line += r.lineBase
		}
	}
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			r.rows++
			r.line = pe.StartLine + r.lineBase
		}
		return r.parseError(err)
	}
	r.rows++
	r.rec = rec
	if len(rec) != len(r.header) {
		what := "short"
		if len(rec) > len(r.header) {
			what = "long"
		}
		return &Error{File: r.file, Line: r.line, Reason: fmt.Sprintf(
			"%s row: %d fields where the header has %d (delimiter %q)", what, len(rec), len(r.header), r.delimiter)}
	}
	return nil
}

// nextPlain reads the next record as encoding/csv would, splitting the
// line itself while it holds no quote: exports of millions of rows have
// none, and csv.Reader's copying and rune search were a third of their
// reading. Lines are read and numbered as csv.Reader does (\r\n read as
// \n, a \r before the end of the file dropped, empty lines skipped); the
// first line with a quote and every line after it go to cr.
func (r *Reader) nextPlain() ([]string, error) {
	for {
		line, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			r.long = append(r.long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = r.br.ReadSlice('\n')
				r.long = append(r.long, line...)
			}
			line = r.long
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(line) == 0 {
			return nil, io.EOF
		}
		r.numLine++
		orig, n := line, len(line)
		switch {
		case err == io.EOF && line[n-1] == '\r':
			line = line[:n-1]
		case n >= 2 && line[n-2] == '\r' && line[n-1] == '\n':
			line = line[:n-2]
		case line[n-1] == '\n':
			line = line[:n-1]
		}
		if len(line) == 0 {
			if err == io.EOF {
				return nil, io.EOF
			}
			continue // an empty line
		}
		if bytes.IndexByte(line, '"') >= 0 {
			// The rest of the file goes to csv.Reader, this line first,
			// as read.
			r.fast, r.lineBase = false, r.numLine-1
			first := append([]byte(nil), orig...)
			r.cr = csv.NewReader(io.MultiReader(bytes.NewReader(first), r.br))
			r.cr.Comma, r.cr.FieldsPerRecord, r.cr.ReuseRecord = r.delimiter, -1, true
			rec, err := r.cr.Read()
			if err == nil {
				r.line, _ = r.cr.FieldPos(0)
				r.line += r.lineBase
			}
			return rec, err
		}
		r.line = r.numLine
		str := string(line)
		rec := r.rec[:0]
		sep := byte(r.delimiter)
		for {
			i := strings.IndexByte(str, sep)
			if i < 0 {
				rec = append(rec, str)
				break
			}
			rec = append(rec, str[:i])
			str = str[i+1:]
		}
		return rec, nil
	}
}

func (r *Reader) parseError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		pe.StartLine += r.lineBase
		pe.Line += r.lineBase
		reason := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			reason = `a '"' inside an unquoted field (quote the whole field and double the inner quotes)`
		case errors.Is(pe.Err, csv.ErrQuote):
			reason = `unterminated or misplaced quote`
		}
		return &Error{File: r.file, Line: pe.StartLine, Reason: fmt.Sprintf("%s (line %d, character %d)", reason, pe.Line, pe.Column)}
	}
	return &Error{File: r.file, Reason: "reading failed: " + err.Error()}
}

// Binding maps the columns of a format to the positions of a file's header.
type Binding struct {
	pos  map[string]int
	Cols []string // the format's columns, in format order
}

// Bind checks the header against a format: known lists its columns, required
// those that must be present. Unknown, duplicate and missing columns are all
// reported, at line 1.
func (r *Reader) Bind(known, required []string) (*Binding, []*Error) {
	var errs []*Error
	isKnown := map[string]bool{}
	for _, k := range known {
		isKnown[k] = true
	}
	b := &Binding{pos: map[string]int{}, Cols: known}
	for i, name := range r.header {
		switch {
		case name == "":
			errs = append(errs, &Error{File: r.file, Line: 1, Reason: fmt.Sprintf("column %d has no name", i+1)})
		case !isKnown[name]:
			errs = append(errs, &Error{File: r.file, Line: 1, Column: name, Reason: "unknown column (expected: " + strings.Join(known, ", ") + ")"})
		default:
			if _, dup := b.pos[name]; dup {
				errs = append(errs, &Error{File: r.file, Line: 1, Column: name, Reason: "column appears twice"})
			}
			b.pos[name] = i
		}
	}
	for _, name := range required {
		if _, ok := b.pos[name]; !ok {
			errs = append(errs, &Error{File: r.file, Line: 1, Column: name, Reason: "missing required column"})
		}
	}
	return b, errs
}

// Position gives the position of column name in the file, -1 when the file
// lacks it: for CellAt, when a reader takes the same columns from every
// record.
func (b *Binding) Position(name string) int {
	if i, ok := b.pos[name]; ok {
		return i
	}
	return -1
}

// CellAt returns the current record's cell at position i (from
// Position), cleaned by Clean; "" when i is -1 or past the record's end.
func (r *Reader) CellAt(i int) string {
	if i < 0 || i >= len(r.rec) {
		return ""
	}
	return Clean(r.rec[i])
}

// Has tells whether the file has column name.
func (b *Binding) Has(name string) bool { _, ok := b.pos[name]; return ok }

// Cell returns the current record's cell of column name, cleaned by Clean;
// "" when the file lacks the column.
func (r *Reader) Cell(b *Binding, name string) string {
	i, ok := b.pos[name]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return Clean(r.rec[i])
}
