package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/csvio"
	"github.com/gpec-project/gpec/internal/ident"
)

// Options tune an import. The zero value imports everything, for an
// administrator, with no progress notes.
type Options struct {
	// OnlySiren, when set, restricts the import to one company (a
	// company-role caller): only companies, sites, employees,
	// employee_skills and needs files are accepted, and each row must belong
	// to that SIREN (for needs, by its SIRET's first 9 digits).
	OnlySiren string
	// DryRun checks everything, reports what would change, and writes nothing.
	DryRun bool
	// MaxErrors caps Report.Errors (default 1000); ErrorCount counts them all.
	MaxErrors int
	// Progress, when set, receives a note every ProgressEvery rows of each
	// file (default 100,000), at each file's end, and at each phase.
	Progress      func(Progress)
	ProgressEvery int64
}

// ErrBusy is returned when another import holds the import lock: imports run
// one at a time so that their referential checks see a stable database.
var ErrBusy = errors.New("another import is running; try again when it ends")

// importLock is the advisory lock key of imports ("gpei" in ASCII).
const importLock = 0x67706569

// bigMerge is the number of written rows after which a table's statistics
// are refreshed inside the import, so that the checks and merges of the
// kinds that follow get good plans.
const bigMerge = 50_000

// Import reads sources and, when every row is valid, writes them in one
// transaction; otherwise it writes nothing. The kinds are merged in
// dependency order whatever the order of sources. The returned error is
// for failures that are not the data's (database unreachable, ctx
// cancelled, ErrBusy); bad data is in the Report, whose Committed is false.
//
// How: each file is streamed once, checked in Go cell by cell, and COPYed
// into a temporary staging table that carries each row's file and line.
// Then, per kind, SQL marks the duplicate keys and the rows naming unknown
// codes (reporting their lines), and merges the good rows with INSERT …
// ON CONFLICT … DO UPDATE … WHERE … IS DISTINCT FROM, so that an unchanged
// row is not rewritten. Good rows are merged even when other rows are bad,
// inside the transaction that will be rolled back, so that the kinds after
// them are checked against them and only the real faults are reported.
// Memory stays bounded: a row at a time in Go, staging on the server.
func Import(ctx context.Context, db *sqlx.DB, sources []Source, opts Options) (*Report, error) {
	start := time.Now()
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = 1000
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 100_000
	}
	rep := &Report{DryRun: opts.DryRun, maxErrors: opts.MaxErrors, Files: []FileReport{}, Kinds: []KindReport{}, Errors: []RowError{}}
	defer func() {
		rep.Seconds = time.Since(start).Seconds()
		// Errors are found kind by kind; users read them file by file.
		sort.SliceStable(rep.Errors, func(i, j int) bool {
			a, b := rep.Errors[i], rep.Errors[j]
			return a.File < b.File || (a.File == b.File && a.Line < b.Line)
		})
	}()
	if opts.OnlySiren != "" {
		if err := ident.Siren(opts.OnlySiren); err != nil {
			return nil, fmt.Errorf("import: OnlySiren: %w", err)
		}
	}
	if len(sources) == 0 {
		rep.addError(RowError{Reason: "no file to import"})
		return rep, nil
	}

	// Sniff every file's kind first: the merge order depends on them all.
	kinds := make([]string, len(sources))
	for i, src := range sources {
		rep.Files = append(rep.Files, FileReport{Name: src.Name})
		k, e := sniff(src)
		if e != nil {
			rep.addError(*e)
			continue
		}
		rep.Files[i].Kind = k
		if opts.OnlySiren != "" && byKind[k].sirenCol == "" {
			rep.addError(RowError{File: src.Name, Line: 1, Reason: "a company account may import only companies, sites, employees, employee_skills and needs files, not " + k})
			continue
		}
		kinds[i] = k
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	// An import of millions of rows outlasts the API's statement timeout;
	// ctx bounds it instead.
	for _, q := range []string{
		`SET LOCAL statement_timeout = 0`,
		`SET LOCAL idle_in_transaction_session_timeout = '10min'`,
		`SET LOCAL work_mem = '64MB'`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
	}
	var locked bool
	if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1)`, importLock).Scan(&locked); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if !locked {
		return nil, ErrBusy
	}

	im := &run{ctx: ctx, tx: tx, rep: rep, opts: opts, sources: sources}
	for _, f := range formats {
		var files []int
		for i, k := range kinds {
			if k == f.kind {
				files = append(files, i)
			}
		}
		if len(files) == 0 {
			continue
		}
		if err := im.kind(f, files); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("import of %s: %w", f.kind, err)
		}
	}
	if rep.ErrorCount > 0 || opts.DryRun {
		return rep, nil // the deferred rollback undoes everything
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("import: commit: %w", err)
	}
	rep.Committed = true
	return rep, nil
}

// run is one import's state.
type run struct {
	ctx     context.Context
	tx      *sql.Tx
	rep     *Report
	opts    Options
	sources []Source
}

func (im *run) progress(p Progress) {
	if im.opts.Progress != nil {
		im.opts.Progress(p)
	}
}

func stageName(f *format) string { return "import_" + f.kind }

// kind stages, checks and merges every file of one kind.
func (im *run) kind(f *format, files []int) error {
	stage := stageName(f)
	kr := im.rep.kind(f.kind)
	ddl := []string{"file_no integer NOT NULL", "line integer NOT NULL", "bad boolean NOT NULL"}
	cols := []string{"file_no", "line", "bad"}
	for _, c := range f.cols {
		ddl = append(ddl, pq.QuoteIdentifier(c.name)+" "+c.sqlType)
		cols = append(cols, pq.QuoteIdentifier(c.name))
	}
	if _, err := im.tx.ExecContext(im.ctx, `CREATE TEMP TABLE `+stage+` (`+strings.Join(ddl, ", ")+`) ON COMMIT DROP`); err != nil {
		return err
	}
	copySQL := `COPY ` + stage + ` (` + strings.Join(cols, ", ") + `) FROM STDIN`
	for _, i := range files {
		if err := im.stageFile(f, i, copySQL, kr); err != nil {
			return err
		}
	}
	im.progress(Progress{Phase: "checking", Kind: f.kind})
	if _, err := im.tx.ExecContext(im.ctx, `ANALYZE `+stage); err != nil {
		return err
	}
	if err := im.duplicates(f, kr); err != nil {
		return err
	}
	for _, c := range f.checks {
		if err := im.check(f, c, kr); err != nil {
			return err
		}
	}
	im.progress(Progress{Phase: "merging", Kind: f.kind})
	return im.merge(f, files, kr)
}

// stageFile streams one file into the staging table, checking each cell.
func (im *run) stageFile(f *format, fileIdx int, copySQL string, kr *KindReport) error {
	src := im.sources[fileIdx]
	fr := &im.rep.Files[fileIdx]
	rc, err := src.Open()
	if err != nil {
		im.rep.addError(RowError{File: src.Name, Reason: "cannot open the file"})
		return nil
	}
	defer rc.Close()
	rd, err := csvio.NewReader(src.Name, rc)
	if err != nil {
		var ce *csvio.Error
		if errors.As(err, &ce) {
			im.rep.addError(*ce)
			return nil
		}
		return err
	}
	fr.Delimiter = string(rd.Delimiter())
	bind, errs := rd.Bind(f.colNames(), f.required())
	if len(errs) > 0 {
		for _, e := range errs {
			im.rep.addError(*e)
		}
		return nil
	}
	stmt, err := im.tx.PrepareContext(im.ctx, copySQL)
	if err != nil {
		return err
	}
	defer stmt.Close()

	fileNo := fileIdx + 1
	vals := make([]any, 3+len(f.cols))
	parsed := make([]any, len(f.cols))
	only := im.opts.OnlySiren
	note := func(done bool) {
		im.progress(Progress{Phase: "reading", Kind: f.kind, File: src.Name, Rows: rd.Rows(), Bytes: rd.BytesRead(), Size: src.Size, Done: done})
	}
	for {
		err := rd.Next()
		if err == io.EOF {
			break
		}
		kr.Rows++
		if kr.Rows%4096 == 0 {
			if err := im.ctx.Err(); err != nil {
				return err
			}
		}
		if rd.Rows()%im.opts.ProgressEvery == 0 {
			note(false)
		}
		if err != nil {
			var ce *csvio.Error
			if !errors.As(err, &ce) {
				return err
			}
			im.rep.addError(*ce)
			kr.Rejected++
			continue
		}
		line := rd.Line()
		bad := false
		fail := func(col, value, reason string) {
			im.rep.addError(RowError{File: src.Name, Line: line, Column: col, Value: value, Reason: reason})
			bad = true
		}
		for i, c := range f.cols {
			parsed[i] = nil
			raw := rd.Cell(bind, c.name)
			if raw == "" {
				if c.required {
					fail(c.name, "", "a value is required")
				}
				continue
			}
			if strings.IndexByte(raw, 0) >= 0 {
				fail(c.name, strings.ReplaceAll(raw, "\x00", `\0`), "contains a NUL character")
				continue
			}
			v, err := c.parse(raw)
			if err != nil {
				fail(c.name, raw, err.Error())
				continue
			}
			parsed[i] = v
		}
		if !bad && f.rowCheck != nil {
			if col, err := f.rowCheck(parsed); err != nil {
				fail(col, rd.Cell(bind, col), err.Error())
			}
		}
		if only != "" {
			if v := rd.Cell(bind, f.sirenCol); !strings.HasPrefix(v, only) {
				fail(f.sirenCol, v, "this row is not of company "+only+", the only one this account may import")
			}
		}
		vals[0], vals[1], vals[2] = fileNo, line, bad
		copy(vals[3:], parsed)
		if _, err := stmt.ExecContext(im.ctx, vals...); err != nil {
			return fmt.Errorf("staging %s: %w", src.Name, err)
		}
		if bad {
			kr.Rejected++
		}
	}
	if _, err := stmt.ExecContext(im.ctx); err != nil {
		return fmt.Errorf("staging %s: %w", src.Name, err)
	}
	fr.Rows = rd.Rows()
	fr.Encoding = rd.Encoding()
	note(true)
	return nil
}

// fileName maps a staged file number back to its name.
func (im *run) fileName(n int) string {
	if n >= 1 && n <= len(im.sources) {
		return im.sources[n-1].Name
	}
	return "?"
}

// duplicates marks and reports every row whose natural key an earlier row of
// the same import (any file of the kind) already has.
func (im *run) duplicates(f *format, kr *KindReport) error {
	keys := f.keys()
	var notNull, keyText []string
	for _, k := range keys {
		notNull = append(notNull, pq.QuoteIdentifier(k)+" IS NOT NULL")
		keyText = append(keyText, "s."+pq.QuoteIdentifier(k)+"::text")
	}
	stage := stageName(f)
	q := `WITH d AS (
		SELECT ctid AS rid, bad AS was_bad, row_number() OVER w AS rn,
		       first_value(file_no) OVER w AS first_file, first_value(line) OVER w AS first_line
		FROM ` + stage + ` WHERE ` + strings.Join(notNull, " AND ") + `
		WINDOW w AS (PARTITION BY ` + strings.Join(keys, ", ") + ` ORDER BY file_no, line))
	UPDATE ` + stage + ` s SET bad = true FROM d WHERE s.ctid = d.rid AND d.rn > 1
	RETURNING s.file_no, s.line, d.first_file, d.first_line, d.was_bad, concat_ws(' / ', ` + strings.Join(keyText, ", ") + `)`
	rows, err := im.tx.QueryContext(im.ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var file, line, firstFile, firstLine int
		var wasBad bool
		var value string
		if err := rows.Scan(&file, &line, &firstFile, &firstLine, &wasBad, &value); err != nil {
			return err
		}
		where := "line " + strconv.Itoa(firstLine)
		if firstFile != file {
			where = im.fileName(firstFile) + " line " + strconv.Itoa(firstLine)
		}
		im.rep.addError(RowError{File: im.fileName(file), Line: line, Column: strings.Join(keys, ", "), Value: value,
			Reason: "duplicate key: the same " + strings.Join(keys, ", ") + " as " + where})
		if !wasBad {
			kr.Rejected++
		}
	}
	return rows.Err()
}

// check marks and reports the rows failing one referential rule.
func (im *run) check(f *format, c check, kr *KindReport) error {
	stage := stageName(f)
	q := `UPDATE ` + stage + ` s SET bad = true WHERE NOT s.bad AND (` + strings.ReplaceAll(c.cond, "{stage}", stage) + `)
	RETURNING s.file_no, s.line, (` + c.value + `)::text, ` + c.reason
	rows, err := im.tx.QueryContext(im.ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var file, line int
		var value, reason sql.NullString
		if err := rows.Scan(&file, &line, &value, &reason); err != nil {
			return err
		}
		im.rep.addError(RowError{File: im.fileName(file), Line: line, Column: c.column, Value: value.String, Reason: reason.String})
		kr.Rejected++
	}
	return rows.Err()
}

// merge upserts the good rows of a kind and counts what changed. A database
// constraint that the checks above missed becomes a report error, not a raw
// SQL error: the merge runs under a savepoint.
func (im *run) merge(f *format, files []int, kr *KindReport) error {
	stage := stageName(f)
	hadErrors := im.rep.ErrorCount > 0
	if _, err := im.tx.ExecContext(im.ctx, `SAVEPOINT merge`); err != nil {
		return err
	}
	q := `WITH m AS (` + strings.ReplaceAll(f.merge, "{stage}", stage) + ` RETURNING (xmax = 0) AS inserted)
		SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m`
	var ins, upd int64
	err := im.tx.QueryRowContext(im.ctx, q).Scan(&ins, &upd)
	if err != nil {
		var pe *pq.Error
		if !errors.As(err, &pe) || im.ctx.Err() != nil {
			return err
		}
		if _, err := im.tx.ExecContext(im.ctx, `ROLLBACK TO SAVEPOINT merge`); err != nil {
			return err
		}
		// After other errors a refusal here is most likely their
		// consequence (a row naming a rejected one); report it only alone.
		if !hadErrors {
			var names []string
			for _, i := range files {
				names = append(names, im.sources[i].Name)
			}
			im.rep.addError(RowError{File: strings.Join(names, ", "), Reason: constraintReason(f.kind, pe)})
		}
		return nil
	}
	if _, err := im.tx.ExecContext(im.ctx, `RELEASE SAVEPOINT merge`); err != nil {
		return err
	}
	kr.Inserted, kr.Updated = ins, upd
	kr.Unchanged = kr.Rows - kr.Rejected - ins - upd
	if ins+upd >= bigMerge {
		if _, err := im.tx.ExecContext(im.ctx, `ANALYZE `+f.table); err != nil {
			return err
		}
	}
	return nil
}

// constraintReason words a database refusal for a user, without SQL.
func constraintReason(kind string, pe *pq.Error) string {
	reason := "the database refused the " + kind + " rows"
	if pe.Constraint != "" {
		reason += ": they break its rule " + pe.Constraint
	}
	if strings.HasPrefix(pe.Detail, "Key ") || strings.HasPrefix(pe.Detail, "Failing row contains") {
		reason += " (" + pe.Detail + ")"
	}
	return reason
}
