package importer

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
)

// copyChunk is the size of the COPY data sent per driver call: lib/pq
// flushes its own buffer at 63 KiB, so one chunk is about one network write.
const copyChunk = 32 << 10

// copyDataStmt is lib/pq's COPY … FROM STDIN statement, which also takes
// rows already in COPY's text format (its CopyData method). database/sql
// offers only one Exec per row with boxed values, which made reading a
// national employee_skills file take 54 s; with chunks it takes 9 s.
type copyDataStmt interface {
	driver.Stmt
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

var errNoCopyData = errors.New("the database driver cannot stream COPY data")

// copyIn runs copySQL on the import's connection and lets fill send chunks
// of rows in COPY's text format, each row ending with a newline. The rows
// reach the server as fill sends them; the server's verdict comes at the end.
func (im *run) copyIn(copySQL string, fill func(send func([]byte) error) error) error {
	return im.conn.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errNoCopyData
		}
		st, err := prep.PrepareContext(im.ctx, copySQL)
		if err != nil {
			return err
		}
		cd, ok := st.(copyDataStmt)
		if !ok {
			st.Close()
			return errNoCopyData
		}
		send := func(chunk []byte) error {
			// CopyData appends its own newline to the last row.
			_, err := cd.CopyData(im.ctx, string(chunk[:len(chunk)-1]))
			return err
		}
		ferr := fill(send)
		// Exec(nil) ends the COPY and returns the server's errors; it runs
		// even after a failure of fill so that the connection leaves COPY
		// mode and the transaction can roll back.
		//lint:ignore SA1019 Exec(nil) is how lib/pq ends a COPY and returns its result.
		_, err = cd.Exec(nil)
		cerr := cd.Close()
		switch {
		case ferr != nil:
			return ferr
		case err != nil:
			return err
		}
		return cerr
	})
}

// appendCopyText writes a parsed cell in COPY's text format: \N for null,
// backslash escapes for the characters that delimit rows and columns.
func appendCopyText(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, `\N`...)
	case string:
		for i := 0; i < len(x); i++ {
			switch c := x[i]; c {
			case '\\':
				b = append(b, `\\`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, c)
			}
		}
		return b
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		if x {
			return append(b, 't')
		}
		return append(b, 'f')
	}
	panic(fmt.Sprintf("importer: no COPY encoding for %T", v))
}
