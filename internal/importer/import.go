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
	// Today is the day of the write, which dates a company's needs and
	// bounds its assessments' dates (DESIGN.md, "Dated rows"); the zero
	// value means today (UTC).
	Today time.Time
	// DryRun checks everything, reports what would change, and writes nothing.
	DryRun bool
	// MaxErrors caps Report.Errors (default 1000); ErrorCount counts them all.
	MaxErrors int
	// Progress, when set, receives a note every ProgressEvery rows of each
	// file (default 100,000), at each file's end, and at each phase.
	Progress      func(Progress)
	ProgressEvery int64
	// MaxXLSXBytes caps the uncompressed size of an XLSX workbook (default
	// 2 GiB): a zip bomb is refused before it fills the disk.
	MaxXLSXBytes int64
	// BeforeWrite, when set, is called in the import's transaction before
	// each merge into a non-empty table of a kind tied to companies, with
	// the companies of its rows when they are at most BeforeWriteCompanies
	// (the figures derived around a few companies' writes keep what those
	// companies were before them: analytics.KeepStepsPrior).
	BeforeWrite BeforeWriteFunc
}

// BeforeWriteFunc is Options.BeforeWrite: it may read and write in tx,
// where nothing of the companies sirens is written yet.
type BeforeWriteFunc func(ctx context.Context, tx *sql.Tx, sirens []string) error

// BeforeWriteCompanies bounds the companies of a merge that Options.BeforeWrite
// hears of: the rollups record the companies of a statement of at most 50
// (gpec_rollup_mark), and derive around none of a larger one.
const BeforeWriteCompanies = 50

// ErrBusy is returned when another import holds the import lock: imports run
// one at a time so that their referential checks see a stable database.
var ErrBusy = errors.New("another import is running; try again when it ends")

// importLock is the advisory lock key of imports ("gpei" in ASCII).
const importLock = 0x67706569

// importMaintenanceWorkMem is the import's maintenance_work_mem (index
// builds); a first load's rebuild takes more (firstload.go).
const importMaintenanceWorkMem = "256MB"

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
// Then, per kind, the good rows are merged set-based (see run.merge: an
// UPDATE of the changed rows and an INSERT of the new ones, so that an
// unchanged row is not rewritten). The merge is tried before the checks,
// since the database's keys and references refuse what they would find;
// when it fails, SQL marks the duplicate keys and the rows naming unknown
// codes (reporting their lines) and the merge runs again without them (see
// run.kind). Good rows are merged even when other rows are bad,
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

	// A workbook is one source per sheet.
	sources, wbErrs := expandWorkbooks(sources, csvio.WorkbookOptions{MaxUnzipped: opts.MaxXLSXBytes})
	for _, e := range wbErrs {
		rep.addError(e)
	}
	// LHÉO files become CSV files of trainings, sessions and skills first.
	sources, cleanup, err := expandLHEO(ctx, db, sources, rep)
	defer cleanup()
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
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
			rep.addError(RowError{File: src.Name, Line: 1, Reason: "a company account may import only companies, sites, employees, employee_skills, needs and enrolments files, not " + k})
			continue
		}
		kinds[i] = k
	}

	// One connection for the whole import: staging streams COPY data on
	// the driver connection under the transaction (see copyIn).
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	// An import of millions of rows outlasts the API's statement timeout;
	// ctx bounds it instead.
	for _, q := range []string{
		`SET LOCAL statement_timeout = 0`,
		`SET LOCAL idle_in_transaction_session_timeout = '10min'`,
		// Hash joins of the checks and merges (a staged file against
		// a million employees) stay in memory instead of in batches on disk.
		`SET LOCAL work_mem = '256MB'`,
		// Index builds after a first load (see dropSecondaryIndexes).
		`SET LOCAL maintenance_work_mem = '` + importMaintenanceWorkMem + `'`,
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

	im := &run{ctx: ctx, conn: conn, tx: tx, rep: rep, opts: opts, sources: sources}
	seatKinds := im.has(kinds, "training_sessions") || im.has(kinds, "enrolments")
	if seatKinds {
		// Seats are counted after the merges: writers of enrolments (the
		// API's mutations) wait until this import commits, so that no
		// other write slips between the count and the commit.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE enrolments IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
	}
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
		done, err := im.firstLoad(f, files)
		if err == nil && !done {
			err = im.kind(f, files)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("import of %s: %w", f.kind, err)
		}
	}
	if seatKinds && rep.ErrorCount == 0 {
		if err := im.seats(kinds); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("import: seats: %w", err)
		}
	}
	if rep.ErrorCount > 0 || opts.DryRun {
		// Nothing was written: nor was anything first-loaded.
		for i := range rep.Kinds {
			rep.Kinds[i].FirstLoad = false
		}
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
	conn    *sql.Conn
	tx      *sql.Tx
	rep     *Report
	opts    Options
	sources []Source
	loader  loader // codes to ids, for first loads
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
	// The referential checks are each a join of the whole staging table
	// (a minute for a national employee_skills file), and every rule they
	// enforce is also enforced by the merge: a code the merge's joins do
	// not resolve drops the row (counted), any other reference breaks a
	// foreign key or its statement check (an error). So the merge is tried
	// first; only when it fails do the checks run, to find and report the
	// rows at fault, and the merge runs again without them. Into an empty
	// table, the target's unique key refuses duplicate keys too, so even
	// they are searched only after a failed trial.
	empty, err := im.empty(f)
	if err != nil {
		return err
	}
	dupsDone := !empty
	if dupsDone {
		if err := im.duplicates(f, kr); err != nil {
			return err
		}
	}
	trial := empty || f.merge.join == ""
	if !trial {
		if trial, err = im.allResolve(f, kr); err != nil {
			return err
		}
	}
	if trial {
		im.progress(Progress{Phase: "merging", Kind: f.kind})
		if done, err := im.merge(f, files, kr, empty, true); done || err != nil {
			return err
		}
		im.progress(Progress{Phase: "checking", Kind: f.kind})
	}
	if !dupsDone {
		if err := im.duplicates(f, kr); err != nil {
			return err
		}
	}
	for _, c := range f.checks {
		if err := im.check(f, c, kr); err != nil {
			return err
		}
	}
	im.progress(Progress{Phase: "merging", Kind: f.kind})
	_, err = im.merge(f, files, kr, empty, false)
	return err
}

// empty tells whether a kind's table has no row yet (a first load).
func (im *run) empty(f *format) (bool, error) {
	var empty bool
	err := im.tx.QueryRowContext(im.ctx, `SELECT NOT EXISTS (SELECT 1 FROM `+f.table+`)`).Scan(&empty)
	return empty, err
}

// allResolve tells whether the merge's joins resolve every good staged row
// (one pass of hash joins, instead of one per check).
func (im *run) allResolve(f *format, kr *KindReport) (bool, error) {
	var n int64
	q := `SELECT count(*) FROM ` + stageName(f) + ` s ` + f.merge.join + ` WHERE NOT s.bad`
	if err := im.tx.QueryRowContext(im.ctx, q).Scan(&n); err != nil {
		return false, err
	}
	return n == kr.Rows-kr.Rejected, nil
}

// stageFile streams one file into the staging table, checking each cell.
func (im *run) stageFile(f *format, fileIdx int, copySQL string, kr *KindReport) error {
	fileNo := fileIdx + 1
	return im.readFile(f, fileIdx, kr, func(each func(row func(line int, bad bool, parsed []any) error) error) error {
		return im.copyIn(copySQL, func(send func([]byte) error) error {
			// Rows are written in COPY's text format into buf and sent in
			// chunks: one driver call per chunk, not per row, is what lets
			// staging keep up with the file.
			buf := make([]byte, 0, copyChunk+4096)
			err := each(func(line int, bad bool, parsed []any) error {
				if parsed == nil {
					return nil // unreadable: reported, not staged
				}
				buf = strconv.AppendInt(buf, int64(fileNo), 10)
				buf = append(buf, '\t')
				buf = strconv.AppendInt(buf, int64(line), 10)
				buf = append(buf, '\t')
				buf = strconv.AppendBool(buf, bad)
				for _, v := range parsed {
					buf = append(buf, '\t')
					buf = appendCopyText(buf, v)
				}
				buf = append(buf, '\n')
				if len(buf) >= copyChunk {
					if err := send(buf); err != nil {
						return err
					}
					buf = buf[:0]
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(buf) > 0 {
				return send(buf)
			}
			return nil
		})
	})
}

// readFile opens one file of kind f and binds its header (reporting a bad
// one, and then calling nothing), then lets load read its rows: each calls
// row for every record, in order, with its line, whether it is bad (its
// errors already reported) and its parsed cells (nil for a record that
// could not be read). An error of row stops the reading and is returned.
func (im *run) readFile(f *format, fileIdx int, kr *KindReport, load func(each func(row func(line int, bad bool, parsed []any) error) error) error) error {
	src := im.sources[fileIdx]
	fr := &im.rep.Files[fileIdx]
	rd, rc, ce := openReader(src)
	if ce != nil {
		im.rep.addError(*ce)
		return nil
	}
	defer rc.Close()
	if rd.Encoding() != csvio.EncodingXLSX {
		fr.Delimiter = string(rd.Delimiter())
	}
	bind, errs := rd.Bind(f.colNames(), f.required())
	if len(errs) > 0 {
		for _, e := range errs {
			// Say which kind the file was taken for: a missing column
			// is the kind's.
			e.Reason += " (the file is read as kind " + f.kind + ")"
			im.rep.addError(*e)
		}
		return nil
	}
	parsed := make([]any, len(f.cols))
	// Each column's position, looked up once per file; and its last cell
	// parsed well with its value: the rows of a company or an employee
	// come together, so most cells of their columns repeat the row before
	// (parsing and boxing them again was a third of a national import's
	// parsing time). Every parse is a pure function of the cell.
	pos := make([]int, len(f.cols))
	lastRaw := make([]string, len(f.cols))
	lastVal := make([]any, len(f.cols))
	for i, c := range f.cols {
		pos[i] = bind.Position(c.name)
	}
	only := im.opts.OnlySiren
	today := im.opts.Today
	if today.IsZero() {
		today = time.Now().UTC()
	}
	todayISO := today.Format("2006-01-02")
	note := func(done bool) {
		im.progress(Progress{Phase: "reading", Kind: f.kind, File: src.Name, Rows: rd.Rows(), Bytes: rd.BytesRead(), Size: src.Size, Done: done})
	}
	each := func(row func(line int, bad bool, parsed []any) error) error {
		for {
			err := rd.Next()
			if err == io.EOF {
				return nil
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
				if err := row(rd.Line(), true, nil); err != nil {
					return err
				}
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
				raw := rd.CellAt(pos[i])
				if lastVal[i] != nil && raw == lastRaw[i] {
					parsed[i] = lastVal[i]
					continue
				}
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
				lastRaw[i], lastVal[i] = raw, v
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
				if !bad && f.companyRow != nil {
					if col, err := f.companyRow(parsed, todayISO); err != nil {
						fail(col, rd.Cell(bind, col), err.Error())
					}
				}
			}
			if bad {
				kr.Rejected++
			}
			if err := row(line, bad, parsed); err != nil {
				return err
			}
		}
	}
	if err := load(each); err != nil {
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
	var notNull, keyText, partition []string
	for _, k := range keys {
		// A key column that may be empty (a dated row's date) is part of the
		// key with its emptiness: two undated rows of a key are duplicates.
		// The window's partition and the hash below treat nulls as equal.
		if f.cols[f.index(k)].required {
			notNull = append(notNull, pq.QuoteIdentifier(k)+" IS NOT NULL")
		}
		keyText = append(keyText, "coalesce(s."+pq.QuoteIdentifier(k)+"::text, '')")
		// Equality is byte-wise whatever the collation; the C collation
		// lets the sort compare bytes (with abbreviated keys) instead of
		// calling strcoll, several times faster on millions of rows.
		if f.cols[f.index(k)].sqlType == "text" {
			partition = append(partition, pq.QuoteIdentifier(k)+` COLLATE "C"`)
		} else {
			partition = append(partition, pq.QuoteIdentifier(k))
		}
	}
	stage := stageName(f)
	// Most imports have no duplicate, and the exact query below sorts every
	// staged row on its text key. Sorting one 64-bit hash per row (a datum
	// sort) answers first: all hashes distinct means all keys distinct; a
	// shared hash (a duplicate, or rarely a collision) runs the exact query.
	var distinct bool
	if err := im.tx.QueryRowContext(im.ctx, `SELECT count(*) = count(DISTINCT hashtextextended(concat_ws(E'\x1f', `+
		strings.Join(keyText, ", ")+`), 0)) FROM `+stage+` s WHERE `+strings.Join(notNull, " AND ")).Scan(&distinct); err != nil {
		return err
	}
	if distinct {
		return nil
	}
	q := `WITH d AS (
		SELECT ctid AS rid, bad AS was_bad, row_number() OVER w AS rn,
		       first_value(file_no) OVER w AS first_file, first_value(line) OVER w AS first_line
		FROM ` + stage + ` WHERE ` + strings.Join(notNull, " AND ") + `
		WINDOW w AS (PARTITION BY ` + strings.Join(partition, ", ") + ` ORDER BY file_no, line))
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

// merge writes the good rows of a kind and counts what changed. A database
// constraint that the checks above missed becomes a report error, not a raw
// SQL error: the merge runs under a savepoint.
//
// It runs two set-based statements rather than INSERT … ON CONFLICT: an
// UPDATE … FROM of the rows whose key exists and whose values differ, then
// an INSERT of the rows whose key does not exist (an anti-join). ON CONFLICT
// probes the unique index and locks the existing row for every staged row,
// even an unchanged one, so a re-import rewrote every row's lock bits; the
// joins touch only what changes. When the table is empty (a first load)
// there is nothing to update nor to join against: one plain INSERT.
//
// A trial merge (before the checks) that fails is undone and reports
// nothing; merge tells whether it is done.
func (im *run) merge(f *format, files []int, kr *KindReport, empty, trial bool) (bool, error) {
	hadErrors := im.rep.ErrorCount > 0
	if err := im.beforeWrite(f, empty); err != nil {
		return false, err
	}
	delta, update, insert := f.merge.statements(f.table, stageName(f), empty)
	if _, err := im.tx.ExecContext(im.ctx, `SAVEPOINT merge`); err != nil {
		return false, err
	}
	var ins, upd int64
	err := func() error {
		var rebuild []string
		if empty && kr.Rows-kr.Rejected >= bulkRows {
			var err error
			if rebuild, err = im.dropSecondaryIndexes(f); err != nil {
				return err
			}
		}
		if delta != "" {
			if _, err := im.tx.ExecContext(im.ctx, delta); err != nil {
				return err
			}
			res, err := im.tx.ExecContext(im.ctx, update)
			if err != nil {
				return err
			}
			if upd, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		res, err := im.tx.ExecContext(im.ctx, insert)
		if err != nil {
			return err
		}
		if ins, err = res.RowsAffected(); err != nil {
			return err
		}
		if delta != "" {
			if _, err := im.tx.ExecContext(im.ctx, `DROP TABLE import_delta`); err != nil {
				return err
			}
		}
		for _, q := range rebuild {
			if _, err := im.tx.ExecContext(im.ctx, q); err != nil {
				return err
			}
		}
		return nil
	}()
	var pe *pq.Error
	if err != nil && (!errors.As(err, &pe) || im.ctx.Err() != nil) {
		return false, err
	}
	// A trial into an empty table must have inserted every good row: one
	// missing is a code its joins did not resolve.
	failed := err != nil || (trial && empty && ins != kr.Rows-kr.Rejected)
	if failed {
		if _, err := im.tx.ExecContext(im.ctx, `ROLLBACK TO SAVEPOINT merge`); err != nil {
			return false, err
		}
		if trial {
			return false, nil
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
		return true, nil
	}
	if _, err := im.tx.ExecContext(im.ctx, `RELEASE SAVEPOINT merge`); err != nil {
		return false, err
	}
	kr.Inserted, kr.Updated = ins, upd
	kr.Unchanged = kr.Rows - kr.Rejected - ins - upd
	if ins+upd >= bigMerge {
		if _, err := im.tx.ExecContext(im.ctx, `ANALYZE `+f.table); err != nil {
			return false, err
		}
	}
	return true, nil
}

// bulkRows is the number of rows from which a first load into an empty
// table drops its secondary indexes and builds them again after the insert.
var bulkRows int64 = 100_000

// dropSecondaryIndexes drops the non-unique indexes of an empty table that back no
// constraint, and returns the statements that create them again. Building
// an index from a sort of millions of rows is several times cheaper than
// inserting each row into it (national employee_skills, 12.9 million rows:
// 53 s of inserts with its three indexes; 26 s with the primary key only,
// plus 18 s to build the two others).
//
// DROP INDEX locks the table against readers until the import commits.
// The table was empty when the import began, so a reader meanwhile would
// have seen nothing anyway: it waits for the data instead. The lock is not
// waited for (lock_timeout): when a reader holds the table, or the import's
// role may not drop the indexes, the load keeps them and inserts row by
// row. The unique indexes stay (constraints' or not, as employee_skills'
// key): they catch duplicate keys in a trial merge.
func (im *run) dropSecondaryIndexes(f *format) ([]string, error) {
	if _, err := im.tx.ExecContext(im.ctx, `SAVEPOINT bulk`); err != nil {
		return nil, err
	}
	var names, defs []string
	var lockTimeout string
	err := func() error {
		rows, err := im.tx.QueryContext(im.ctx, `SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
			FROM pg_index i WHERE i.indrelid = $1::regclass
			  AND NOT i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
			ORDER BY 1`, f.table)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n, d string
			if err := rows.Scan(&n, &d); err != nil {
				return err
			}
			names, defs = append(names, n), append(defs, d)
		}
		if err := rows.Err(); err != nil || len(names) == 0 {
			return err
		}
		if err := im.tx.QueryRowContext(im.ctx, `SELECT current_setting('lock_timeout')`).Scan(&lockTimeout); err != nil {
			return err
		}
		if _, err := im.tx.ExecContext(im.ctx, `SET LOCAL lock_timeout = '1s'`); err != nil {
			return err
		}
		_, err = im.tx.ExecContext(im.ctx, `DROP INDEX `+strings.Join(names, ", "))
		return err
	}()
	if err != nil {
		var pe *pq.Error
		if !errors.As(err, &pe) || im.ctx.Err() != nil {
			return nil, err
		}
		// Keep the indexes; the savepoint also undoes the lock_timeout.
		_, err = im.tx.ExecContext(im.ctx, `ROLLBACK TO SAVEPOINT bulk`)
		return nil, err
	}
	if len(names) == 0 {
		_, err = im.tx.ExecContext(im.ctx, `RELEASE SAVEPOINT bulk`)
		return nil, err
	}
	if _, err := im.tx.ExecContext(im.ctx, `SELECT set_config('lock_timeout', $1, true)`, lockTimeout); err != nil {
		return nil, err
	}
	_, err = im.tx.ExecContext(im.ctx, `RELEASE SAVEPOINT bulk`)
	return defs, err
}

// statements builds the statements of a merge into table from stage. Into
// an empty table it is one INSERT. Otherwise one join of the staged rows
// with the table (delta) keeps the rows that are new or changed, which the
// UPDATE and the INSERT then read: a re-import of unchanged files joins
// once and writes nothing.
func (m *merge) statements(table, stage string, empty bool) (delta, update, insert string) {
	names := append(append([]string{}, m.key...), m.cols...)
	sel := make([]string, len(names))
	quoted := make([]string, len(names))
	fromN := make([]string, len(names))
	for i, n := range names {
		quoted[i] = pq.QuoteIdentifier(n)
		fromN[i] = "n." + quoted[i]
		sel[i] = m.sel[i] + " AS " + quoted[i]
	}
	good := `SELECT ` + strings.Join(sel, ", ") + ` FROM ` + stage + ` s ` + m.join + ` WHERE NOT s.bad`
	if empty {
		return "", "", `INSERT INTO ` + table + ` (` + strings.Join(quoted, ", ") + `) SELECT n.* FROM (` + good + `) n`
	}
	var same, set, old, nw []string
	for _, k := range m.key {
		q := pq.QuoteIdentifier(k)
		if m.nullable(k) {
			// An empty date is part of the key like a date; the other key
			// columns still hash-join, this one filters the few matches.
			same = append(same, "t."+q+" IS NOT DISTINCT FROM n."+q)
			continue
		}
		same = append(same, "t."+q+" = n."+q)
	}
	for _, c := range m.cols {
		c = pq.QuoteIdentifier(c)
		set = append(set, c+" = n."+c)
		old = append(old, "t."+c)
		nw = append(nw, "n."+c)
	}
	k0 := "t." + pq.QuoteIdentifier(m.key[0])
	delta = `CREATE TEMP TABLE import_delta ON COMMIT DROP AS
		SELECT n.*, ` + k0 + ` IS NULL AS is_new FROM (` + good + `) n
		LEFT JOIN ` + table + ` t ON ` + strings.Join(same, " AND ") + `
		WHERE ` + k0 + ` IS NULL OR (` + strings.Join(old, ", ") + `) IS DISTINCT FROM (` + strings.Join(nw, ", ") + `)`
	update = `UPDATE ` + table + ` t SET ` + strings.Join(set, ", ") + ` FROM import_delta n
		WHERE ` + strings.Join(same, " AND ") + ` AND NOT n.is_new`
	insert = `INSERT INTO ` + table + ` (` + strings.Join(quoted, ", ") + `) SELECT ` + strings.Join(fromN, ", ") + ` FROM import_delta n WHERE n.is_new`
	return delta, update, insert
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

// beforeWrite tells Options.BeforeWrite the companies of f's staged rows
// before they are merged into a non-empty table (a trial merge and the
// merge after it both call it: the hook keeps a company once); not when
// nothing will be written (a dry run, an import already rejected).
func (im *run) beforeWrite(f *format, empty bool) error {
	if im.opts.BeforeWrite == nil || empty || f.sirenCol == "" || im.opts.DryRun || im.rep.ErrorCount > 0 {
		return nil
	}
	var sirens []string
	rows, err := im.tx.QueryContext(im.ctx, `SELECT DISTINCT left(`+pq.QuoteIdentifier(f.sirenCol)+`, 9) FROM `+
		stageName(f)+` WHERE NOT bad AND `+pq.QuoteIdentifier(f.sirenCol)+` IS NOT NULL LIMIT `+strconv.Itoa(BeforeWriteCompanies+1))
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		sirens = append(sirens, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(sirens) == 0 || len(sirens) > BeforeWriteCompanies {
		return err
	}
	return im.opts.BeforeWrite(im.ctx, im.tx, sirens)
}
