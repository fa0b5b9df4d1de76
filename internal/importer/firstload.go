package importer

import (
	"cmp"
	"errors"
	"hash/maphash"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

// A first load is the import of a big kind into its empty table, done as
// pg_restore does: the table's keys and indexes are dropped, the rows are
// COPYed straight into the table (codes resolved to ids in Go from the
// referential, already in the database), and the keys and indexes are
// built again from the data, each by one sort instead of one index
// insertion per row. A national load of 16.6 M rows thereby writes each row
// once instead of staging it first and inserting it again through the
// indexes. The references stay checked: by the tables' statement triggers
// (migrations 0004 and 0023: one join over the statement's rows, no
// per-row foreign key left on these tables), or by construction where
// the loader resolved the ids itself (employee_skills).
//
// Everything happens inside the import's transaction (PostgreSQL's DDL is
// transactional) under a savepoint: any fault (a bad cell, an unknown
// code, a duplicate key found when the key is built, a reference that
// does not hold: the statement triggers check them at the end of the COPY)
// rolls the attempt back, table and indexes as they were,
// and the kind takes the usual path, which finds and reports every bad row
// with the same messages. So a first load gives the same report as the
// usual path, and a rejected import still writes nothing.
//
// Dropping a key locks the table against readers (ACCESS EXCLUSIVE) until
// the import commits, and only that table (employees, employee_skills or
// needs); it was empty, so a reader would have seen nothing anyway and now
// waits for the data instead (the checked path's bulk load, merge's
// dropSecondaryIndexes, did the same). The lock is not waited
// for: when a reader holds the table for a second, the kind takes the usual
// path. The data_version triggers fire on COPY as on INSERT, so the rollups
// go stale exactly as after the usual path.

// direct says how the rows of a kind go straight into its table: cols are
// the table's columns in COPY order, row appends one row (COPY's text
// format, no newline) from the parsed cells, false when a code does not
// resolve or a key repeats (then the kind takes the usual path). A kind
// with flush holds rows back: its row appends whole lines, newlines
// included, of rows held before.
type direct struct {
	cols []string
	row  func(l *loader, buf []byte, v []any) ([]byte, bool)
	// flush appends the rows row held back, if any (at the end of each
	// file).
	flush func(l *loader, buf []byte) []byte
	// ordered names the index whose order the rows were sent in when
	// the loader's inOrder stays true.
	ordered string
	// skipTriggers are row checks that the direct rows meet by
	// construction; they are disabled during the load (see
	// employee_skills).
	skipTriggers []string
}

// loader holds what a first load resolves codes with.
type loader struct {
	roles, skills map[string]int64
	// employees maps the digest of each employee's siren+employee_ref (a
	// SIREN has 9 digits, so the concatenation is unambiguous) to its id;
	// nextID is the next id a first load of employees gives.
	employees map[employeeKey]int64
	nextID    int64
	key       []byte
	// The last employee looked up: the rows of one employee come
	// together, so most lookups repeat the previous one.
	lastSiren, lastRef string
	lastEmp            int64
	// run holds the assessments of runEmployee not sent yet; inOrder
	// stays true while every run's employee comes after the one before
	// (the rows were then sent in the key's order).
	runEmployee  int64
	run          []assessment
	inOrder      bool
	sentEmployee int64
}

// orderedBuildMem is the maintenance_work_mem of an index build from rows
// already in the index's order (see loadDirect).
const orderedBuildMem = "32MB"

// assessment is one row of employee_skills held back to be sent in the
// key's order.
type assessment struct {
	skill     int64
	on, level any
}

// keyOrder orders one employee's assessments as its key index does:
// skill, then date latest first, the undated last.
func keyOrder(x, y assessment) int {
	if x.skill != y.skill {
		return cmp.Compare(x.skill, y.skill)
	}
	xd, _ := x.on.(string)
	yd, _ := y.on.(string)
	switch {
	case xd == yd:
		return 0
	case xd == "":
		return 1
	case yd == "":
		return -1
	}
	return -strings.Compare(xd, yd)
}

// forgetEmployees drops the employees' ids read or given.
func (l *loader) forgetEmployees() {
	l.employees, l.lastEmp = nil, 0
}

// employee gives the id of the employee siren+ref.
func (l *loader) employee(siren, ref string) (int64, bool) {
	if l.lastEmp != 0 && siren == l.lastSiren && ref == l.lastRef {
		return l.lastEmp, true
	}
	id, ok := l.employees[l.employeeKey(siren, ref)]
	if ok {
		l.lastSiren, l.lastRef, l.lastEmp = siren, ref, id
	}
	return id, ok
}

// flushRun appends the held assessments in the order of
// employee_skills_employee_analytics: skill, then date latest first, the
// undated last.
func (l *loader) flushRun(b []byte) []byte {
	// Exports often list them in this order already: check before
	// sorting (sort.Slice's reflection was a tenth of the reader's CPU).
	if !slices.IsSortedFunc(l.run, keyOrder) {
		slices.SortFunc(l.run, keyOrder)
	}
	if len(l.run) > 0 && l.runEmployee <= l.sentEmployee {
		l.inOrder = false
	}
	l.sentEmployee = max(l.sentEmployee, l.runEmployee)
	for _, a := range l.run {
		b = strconv.AppendInt(b, l.runEmployee, 10)
		b = strconv.AppendInt(append(b, '\t'), a.skill, 10)
		b = appendCopyText(append(b, '\t'), a.on)
		b = appendCopyText(append(b, '\t'), a.level)
		b = append(b, '\n')
	}
	l.run = l.run[:0]
	return b
}

// employeeKey is a 128-bit digest of an employee's siren+employee_ref. A
// map of them holds no pointer, so the collector never scans its million
// entries, nor one string per employee (national: 199 MB peak RSS with
// strings). Two employees sharing a digest (odds about n²/2¹²⁹) read as a
// repeated key, which sends the kind to the checked path.
type employeeKey [2]uint64

var employeeSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func (l *loader) employeeKey(siren, ref string) employeeKey {
	l.key = append(append(l.key[:0], siren...), ref...)
	return employeeKey{maphash.Bytes(employeeSeeds[0], l.key), maphash.Bytes(employeeSeeds[1], l.key)}
}

var directs = map[string]*direct{
	// employees: [siren, employee_ref, siret, role_code, birth_year,
	// entry_date, exit_date]. The ids come from the identity's sequence,
	// taken in one block: COPY writes given identity values.
	"employees": {
		cols: []string{"id", "siren", "employee_ref", "siret", "role_id", "birth_year", "entry_date", "exit_date"},
		row: func(l *loader, b []byte, v []any) ([]byte, bool) {
			role, ok := l.roles[v[3].(string)]
			if !ok {
				return b, false
			}
			k := l.employeeKey(v[0].(string), v[1].(string))
			if _, dup := l.employees[k]; dup {
				return b, false
			}
			id := l.nextID
			l.nextID++
			l.employees[k] = id
			b = strconv.AppendInt(b, id, 10)
			for _, x := range v[:3] {
				b = appendCopyText(append(b, '\t'), x)
			}
			b = strconv.AppendInt(append(b, '\t'), role, 10)
			for _, x := range v[4:] {
				b = appendCopyText(append(b, '\t'), x)
			}
			return b, true
		},
	},
	// employee_skills: [siren, employee_ref, skill_code, assessed_on, level].
	// Its statement trigger checks that every row names an employee and a
	// skill by joining all the new rows; here both ids were just read from
	// those tables, in this transaction, so the trigger is skipped.
	//
	// The rows of one employee come together in exports (and in gpec's
	// own): each such run is sent in the order of the key's index
	// (employee_skills_employee_analytics: skill, then date, latest
	// first), so that when the employees' ids also ascend through the file
	// (employees listed in the same order, as exports do) the heap is
	// written in the index's order and its build's sort finds every run
	// already sorted (PostgreSQL's quicksort checks that first): at
	// national the key's build took 13.4 s from the file's order and 9.4 s
	// from the index's (one worker, 256 MB). Rows in any other order load
	// the same, at the first speed.
	"employee_skills": {
		cols: []string{"employee_id", "skill_id", "assessed_on", "level"},
		row: func(l *loader, b []byte, v []any) ([]byte, bool) {
			emp, ok := l.employee(v[0].(string), v[1].(string))
			if !ok {
				return b, false
			}
			skill, ok := l.skills[v[2].(string)]
			if !ok {
				return b, false
			}
			if emp != l.runEmployee {
				b = l.flushRun(b)
				l.runEmployee = emp
			}
			l.run = append(l.run, assessment{skill: skill, on: v[3], level: v[4]})
			return b, true
		},
		flush:        func(l *loader, b []byte) []byte { return l.flushRun(b) },
		ordered:      "employee_skills_employee_analytics",
		skipTriggers: []string{"employee_skills_refs_insert"},
	},
	// needs: [siret, role_code, horizon_year, declared_on, headcount].
	"needs": {
		cols: []string{"siret", "role_id", "horizon_year", "declared_on", "headcount"},
		row: func(l *loader, b []byte, v []any) ([]byte, bool) {
			role, ok := l.roles[v[1].(string)]
			if !ok {
				return b, false
			}
			b = appendCopyText(b, v[0])
			b = strconv.AppendInt(append(b, '\t'), role, 10)
			for _, x := range v[2:] {
				b = appendCopyText(append(b, '\t'), x)
			}
			return b, true
		},
	},
}

// firstLoadOff turns first loads off (tests compare both paths).
var firstLoadOff bool

// errNotDirect stops a first load whose rows need the usual path.
var errNotDirect = errors.New("first load: a row needs the checked path")

// firstLoad loads the files of kind f straight into its table when a first
// load applies (see above), and tells whether it did; when it did not,
// nothing of the attempt remains and the kind takes the usual path.
func (im *run) firstLoad(f *format, files []int) (bool, error) {
	d := directs[f.kind]
	if d == nil || firstLoadOff || im.opts.DryRun || im.opts.OnlySiren != "" || im.rep.ErrorCount > 0 {
		return false, nil
	}
	empty, err := im.empty(f)
	if err != nil || !empty {
		return false, err
	}
	// What the report held before, to put back when the attempt fails:
	// the usual path reports the errors again, each once.
	kr := im.rep.kind(f.kind)
	saved := *kr
	savedFiles := make([]FileReport, len(files))
	for j, i := range files {
		savedFiles[j] = im.rep.Files[i]
	}
	errCount, nErrs, truncated := im.rep.ErrorCount, len(im.rep.Errors), im.rep.ErrorsTruncated
	if _, err := im.tx.ExecContext(im.ctx, `SAVEPOINT first_load`); err != nil {
		return false, err
	}
	err = im.loadDirect(f, d, files, kr)
	if err == nil && im.rep.ErrorCount == errCount {
		_, err = im.tx.ExecContext(im.ctx, `RELEASE SAVEPOINT first_load`)
		kr.Inserted, kr.FirstLoad = kr.Rows, true
		return true, err
	}
	var pe *pq.Error
	if err != nil && !errors.Is(err, errNotDirect) && (!errors.As(err, &pe) || im.ctx.Err() != nil) {
		return false, err
	}
	if _, err := im.tx.ExecContext(im.ctx, `ROLLBACK TO SAVEPOINT first_load`); err != nil {
		return false, err
	}
	*kr = saved
	for j, i := range files {
		im.rep.Files[i] = savedFiles[j]
	}
	im.rep.ErrorCount, im.rep.Errors, im.rep.ErrorsTruncated = errCount, im.rep.Errors[:nErrs], truncated
	if f.kind == "employees" {
		im.loader.forgetEmployees() // ids of rolled-back rows
	}
	return false, nil
}

// loadDirect drops the keys and indexes of f's table, COPYs the files into
// it and builds the keys and indexes again.
func (im *run) loadDirect(f *format, d *direct, files []int, kr *KindReport) error {
	rebuild, err := im.dropKeys(f.table)
	if err != nil {
		return err
	}
	for _, t := range d.skipTriggers {
		if _, err := im.tx.ExecContext(im.ctx, `ALTER TABLE `+f.table+` DISABLE TRIGGER `+t); err != nil {
			return err
		}
		rebuild = append(rebuild, `ALTER TABLE `+f.table+` ENABLE TRIGGER `+t)
	}
	l, err := im.resolver(f.kind)
	if err != nil {
		return err
	}
	l.run, l.runEmployee, l.sentEmployee, l.inOrder = l.run[:0], 0, 0, true
	if f.kind == "employees" {
		// A block of ids from the identity's sequence; setval below
		// moves the sequence past the ids given.
		if err := im.tx.QueryRowContext(im.ctx, `SELECT nextval(pg_get_serial_sequence('employees', 'id'))`).Scan(&l.nextID); err != nil {
			return err
		}
		l.forgetEmployees()
		l.employees = map[employeeKey]int64{}
	}
	copySQL := `COPY ` + f.table + ` (` + strings.Join(d.cols, ", ") + `) FROM STDIN`
	for _, i := range files {
		err := im.readFile(f, i, kr, func(each func(row func(line int, bad bool, parsed []any) error) error) error {
			return im.copyIn(copySQL, func(send func([]byte) error) error {
				buf := make([]byte, 0, copyChunk+4096)
				err := each(func(_ int, bad bool, parsed []any) error {
					if bad {
						return errNotDirect
					}
					var ok bool
					n := len(buf)
					if buf, ok = d.row(l, buf, parsed); !ok {
						return errNotDirect
					}
					if len(buf) > n && d.flush == nil {
						buf = append(buf, '\n')
					}
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
				if d.flush != nil {
					buf = d.flush(l, buf)
				}
				if len(buf) > 0 {
					return send(buf)
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		if im.rep.ErrorCount > 0 {
			return errNotDirect // a bad file header
		}
	}
	if f.kind == "employees" && len(l.employees) > 0 {
		if _, err := im.tx.ExecContext(im.ctx, `SELECT setval(pg_get_serial_sequence('employees', 'id'), $1)`, l.nextID-1); err != nil {
			return err
		}
	}
	im.progress(Progress{Phase: "indexing", Kind: f.kind})
	// The import's maintenance_work_mem (256MB) is kept for builds from
	// rows in any order: at national, employee_skills' four builds took
	// 43 s with it and 75 s with 1GB (parallel workers, shared 2-core
	// machine). An index whose rows were written in its order sorts
	// runs that are already sorted, and small runs go faster (national
	// key of employee_skills, sorted: 9.0 s with 256MB, 6.0-6.5 s with
	// 32MB; from the file's order 32MB would be the slower).
	for _, q := range rebuild {
		inOrder := d.ordered != "" && l.inOrder && strings.Contains(q, " "+d.ordered+" ")
		if inOrder {
			q = `SET LOCAL maintenance_work_mem = '` + orderedBuildMem + `'; ` + q +
				`; SET LOCAL maintenance_work_mem = '` + importMaintenanceWorkMem + `'`
		}
		if _, err := im.tx.ExecContext(im.ctx, q); err != nil {
			return err
		}
	}
	if kr.Rows >= bigMerge {
		_, err = im.tx.ExecContext(im.ctx, `ANALYZE `+f.table)
	}
	return err
}

// resolver gives the maps a first load of kind resolves codes with, read
// from the database once per import (the employees' also kept from a first
// load of employees).
func (im *run) resolver(kind string) (*loader, error) {
	l := &im.loader
	read := func(m *map[string]int64, q string) error {
		if *m != nil {
			return nil
		}
		rows, err := im.tx.QueryContext(im.ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		*m = map[string]int64{}
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				return err
			}
			(*m)[k] = id
		}
		return rows.Err()
	}
	switch kind {
	case "employees", "needs":
		return l, read(&l.roles, `SELECT code, id FROM roles`)
	case "employee_skills":
		if err := read(&l.skills, `SELECT code, id FROM skills`); err != nil {
			return nil, err
		}
		return l, im.readEmployees(l)
	}
	return l, nil
}

// readEmployees fills l.employees from the table, when a first load of
// employees in this import did not.
func (im *run) readEmployees(l *loader) error {
	if l.employees != nil {
		return nil
	}
	rows, err := im.tx.QueryContext(im.ctx, `SELECT siren, employee_ref, id FROM employees`)
	if err != nil {
		return err
	}
	defer rows.Close()
	l.forgetEmployees()
	l.employees = map[employeeKey]int64{}
	var siren, ref string
	var id int64
	for rows.Next() {
		if err := rows.Scan(&siren, &ref, &id); err != nil {
			return err
		}
		k := l.employeeKey(siren, ref)
		if _, dup := l.employees[k]; dup {
			l.forgetEmployees()
			return errNotDirect // two employees share a digest
		}
		l.employees[k] = id
	}
	return rows.Err()
}

// dropKeys drops the primary and unique keys and the indexes of table,
// except the keys another table's foreign key needs, and returns the
// statements that build them again, keys first. Its foreign keys (none on
// the first-loaded tables since 0023) would stay: dropping one would lock
// the table it names against every reader until the import commits. The
// lock is not waited for (see above).
func (im *run) dropKeys(table string) ([]string, error) {
	var lockTimeout string
	if err := im.tx.QueryRowContext(im.ctx, `SELECT current_setting('lock_timeout')`).Scan(&lockTimeout); err != nil {
		return nil, err
	}
	if _, err := im.tx.ExecContext(im.ctx, `SET LOCAL lock_timeout = '1s'`); err != nil {
		return nil, err
	}
	var drops, rebuild []string
	rows, err := im.tx.QueryContext(im.ctx, `
SELECT 'ALTER TABLE '||c.conrelid::regclass||' DROP CONSTRAINT '||quote_ident(c.conname),
       'ALTER TABLE '||c.conrelid::regclass||' ADD CONSTRAINT '||quote_ident(c.conname)||' '||pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint r
         WHERE r.contype = 'f' AND r.confrelid = c.conrelid AND r.conindid = c.conindid)
UNION ALL
SELECT 'DROP INDEX '||i.indexrelid::regclass, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = $1::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var drop, build string
		if err := rows.Scan(&drop, &build); err != nil {
			return nil, err
		}
		drops, rebuild = append(drops, drop), append(rebuild, build)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Keys (and unique indexes) before plain indexes: a sort that finds a
	// duplicate key fails first.
	order := func(q string) int {
		if strings.Contains(q, " PRIMARY KEY ") || strings.Contains(q, " UNIQUE ") {
			return 0
		}
		return 1
	}
	sort.SliceStable(rebuild, func(i, j int) bool { return order(rebuild[i]) < order(rebuild[j]) })
	for _, q := range drops {
		if _, err := im.tx.ExecContext(im.ctx, q); err != nil {
			return nil, err
		}
	}
	_, err = im.tx.ExecContext(im.ctx, `SELECT set_config('lock_timeout', $1, true)`, lockTimeout)
	return rebuild, err
}
