package export

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/csvio"
)

// kindQuery is how one kind is read back: its header (the import columns,
// in DESIGN.md order) and a query yielding those columns as text, NULL for
// an empty cell, ordered by the natural key.
type kindQuery struct {
	kind   string
	header []string
	query  string
}

const day = `'YYYY-MM-DD'`

// kinds are in dependency order, the same as the importer's.
var kinds = []kindQuery{
	{"territories", []string{"level", "code", "name", "parent_code"},
		`SELECT level, code, name, parent_code FROM territories
		 ORDER BY CASE level WHEN 'region' THEN 1 WHEN 'department' THEN 2 ELSE 3 END, code`},
	{"role_families", []string{"code", "title", "parent_code"},
		`SELECT code, title, parent_code FROM role_families ORDER BY code`},
	{"roles", []string{"code", "title", "family"},
		`SELECT code, title, family FROM roles ORDER BY code`},
	{"skills", []string{"code", "name", "kind", "category"},
		`SELECT code, name, kind, category FROM skills ORDER BY code`},
	{"role_skills", []string{"role_code", "skill_code", "level", "essential"},
		`SELECT r.code, k.code, rs.level::text, rs.essential::text FROM role_skills rs
		 JOIN roles r ON r.id = rs.role_id JOIN skills k ON k.id = rs.skill_id ORDER BY r.code, k.code`},
	{"poles", []string{"id", "name", "kind", "region_code", "themes", "website"},
		`SELECT id, name, kind, region_code, NULLIF(array_to_string(themes, '|'), ''), website FROM poles ORDER BY id`},
	{"companies", []string{"siren", "name", "naf", "founded_year"},
		`SELECT siren, name, naf, founded_year::text FROM companies ORDER BY siren`},
	{"memberships", []string{"pole_id", "siren", "since", "until"},
		`SELECT pole_id, siren, to_char(since, ` + day + `), to_char(until, ` + day + `) FROM memberships
		 ORDER BY pole_id, siren, since`},
	{"campaigns", []string{"pole_id", "id", "title", "opens_on", "closes_on", "reference_date", "horizons"},
		`SELECT pole_id, id, title, to_char(opens_on, ` + day + `), to_char(closes_on, ` + day + `),
		        to_char(reference_date, ` + day + `), array_to_string(horizons, '|')
		 FROM campaigns ORDER BY pole_id, id`},
	{"sites", []string{"siret", "siren", "name", "territory_code"},
		`SELECT siret, siren, name, territory_code FROM sites ORDER BY siret`},
	{"employees", []string{"siren", "employee_ref", "siret", "role_code", "birth_year", "entry_date", "exit_date"},
		`SELECT e.siren, e.employee_ref, e.siret, r.code, e.birth_year::text,
		        to_char(e.entry_date, ` + day + `), to_char(e.exit_date, ` + day + `)
		 FROM employees e JOIN roles r ON r.id = e.role_id ORDER BY e.siren, e.employee_ref`},
	{"employee_skills", []string{"siren", "employee_ref", "skill_code", "assessed_on", "level"},
		`SELECT e.siren, e.employee_ref, k.code, to_char(es.assessed_on, ` + day + `), es.level::text FROM employee_skills es
		 JOIN employees e ON e.id = es.employee_id JOIN skills k ON k.id = es.skill_id
		 ORDER BY e.siren, e.employee_ref, k.code, es.assessed_on NULLS FIRST`},
	{"needs", []string{"siret", "role_code", "horizon_year", "declared_on", "headcount"},
		`SELECT n.siret, r.code, n.horizon_year::text, to_char(n.declared_on, ` + day + `), n.headcount::text FROM needs n
		 JOIN roles r ON r.id = n.role_id ORDER BY n.siret, r.code, n.horizon_year, n.declared_on NULLS FIRST`},
	{"trainings", []string{"id", "provider", "title", "territory_code", "modality", "duration_hours", "cost_eur"},
		`SELECT id, provider, title, territory_code, modality, duration_hours::text, cost_eur::text
		 FROM trainings ORDER BY id`},
	{"training_skills", []string{"training_id", "skill_code", "level"},
		`SELECT ts.training_id, k.code, ts.level::text FROM training_skills ts
		 JOIN skills k ON k.id = ts.skill_id ORDER BY ts.training_id, k.code`},
	{"training_sessions", []string{"training_id", "session_id", "start_date", "end_date", "territory_code", "seats"},
		`SELECT training_id, session_id, to_char(start_date, ` + day + `), to_char(end_date, ` + day + `), territory_code, seats::text
		 FROM training_sessions ORDER BY training_id, session_id`},
	{"enrolments", []string{"training_id", "session_id", "siren", "employee_ref", "status", "completed_on"},
		`SELECT en.training_id, en.session_id, e.siren, e.employee_ref, en.status, to_char(en.completed_on, ` + day + `)
		 FROM enrolments en JOIN employees e ON e.id = en.employee_id
		 ORDER BY en.training_id, en.session_id, e.siren, e.employee_ref`},
	{"projects", []string{"id", "pole_id", "title", "funding", "start_year", "end_year"},
		`SELECT id, pole_id, title, funding, start_year::text, end_year::text FROM projects ORDER BY id`},
	{"project_partners", []string{"project_id", "siren", "role"},
		`SELECT project_id, siren, role FROM project_partners ORDER BY project_id, siren`},
	{"project_needs", []string{"project_id", "siret", "role_code", "year", "headcount"},
		`SELECT n.project_id, n.siret, r.code, n.year::text, n.headcount::text FROM project_needs n
		 JOIN roles r ON r.id = n.role_id ORDER BY n.project_id, n.siret, r.code, n.year`},
}

// ErrUnknownKind is returned for a kind that is not a file kind.
var ErrUnknownKind = errors.New("unknown file kind")

// Kinds lists the kinds Export writes, in dependency order.
func Kinds() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.kind
	}
	return out
}

// Header is the header row of a kind's file; nil for an unknown kind.
func Header(kind string) []string {
	for _, k := range kinds {
		if k.kind == kind {
			return k.header
		}
	}
	return nil
}

// ExportKind writes one kind's file to w.
func ExportKind(ctx context.Context, db *sqlx.DB, kind string, w io.Writer) error {
	var kq *kindQuery
	for i := range kinds {
		if kinds[i].kind == kind {
			kq = &kinds[i]
		}
	}
	if kq == nil {
		return fmt.Errorf("export %q: %w", kind, ErrUnknownKind)
	}
	return snapshot(ctx, db, func(tx *sql.Tx) error { return writeKind(ctx, tx, kq, w, csvio.FormatCSV) })
}

// ExportKindAs writes one kind's file to w in a download format: the
// import format as CSV for programs, CSV for Excel, or an XLSX sheet named
// after the kind. Every one of them imports back.
func ExportKindAs(ctx context.Context, db *sqlx.DB, kind string, f csvio.Format, w io.Writer) error {
	var kq *kindQuery
	for i := range kinds {
		if kinds[i].kind == kind {
			kq = &kinds[i]
		}
	}
	if kq == nil {
		return fmt.Errorf("export %q: %w", kind, ErrUnknownKind)
	}
	return snapshot(ctx, db, func(tx *sql.Tx) error { return writeKind(ctx, tx, kq, w, f) })
}

// decimalColumns are the export columns holding decimals: numbers in a
// workbook, with a decimal comma in the French Excel dialect.
var decimalColumns = map[string]bool{"duration_hours": true, "cost_eur": true}

// Export writes every kind to dir/<kind>.csv from one consistent snapshot,
// creating dir if needed.
func Export(ctx context.Context, db *sqlx.DB, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return snapshot(ctx, db, func(tx *sql.Tx) error {
		for i := range kinds {
			if err := writeFile(ctx, tx, &kinds[i], filepath.Join(dir, kinds[i].kind+".csv")); err != nil {
				return err
			}
		}
		return nil
	})
}

func writeFile(ctx context.Context, tx *sql.Tx, kq *kindQuery, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := writeKind(ctx, tx, kq, f, csvio.FormatCSV); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// snapshot runs fn in a read-only, repeatable-read transaction, so that the
// files of one export agree with each other, with no statement timeout
// (a national employee_skills file takes longer than an API query).
func snapshot(ctx context.Context, db *sqlx.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return fn(tx)
}

// writeKind streams a kind's rows: the driver reads them from the server as
// they are scanned, never the whole result at once.
func writeKind(ctx context.Context, tx *sql.Tx, kq *kindQuery, w io.Writer, format csvio.Format) error {
	types := make([]csvio.ColumnType, len(kq.header))
	for i, h := range kq.header {
		if decimalColumns[h] {
			types[i] = csvio.Decimal
		}
	}
	tw, err := csvio.NewTableWriter(w, format, kq.kind, kq.header, types)
	if err != nil {
		return fmt.Errorf("export %s: %w", kq.kind, err)
	}
	rows, err := tx.QueryContext(ctx, kq.query)
	if err != nil {
		return fmt.Errorf("export %s: %w", kq.kind, err)
	}
	defer rows.Close()
	n := len(kq.header)
	cells := make([]sql.NullString, n)
	ptrs := make([]any, n)
	for i := range cells {
		ptrs[i] = &cells[i]
	}
	rec := make([]string, n)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("export %s: %w", kq.kind, err)
		}
		for i, c := range cells {
			rec[i] = c.String // NULL → ""; the writer neutralises text for CSV
		}
		if err := tw.Write(rec); err != nil {
			return fmt.Errorf("export %s: %w", kq.kind, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", kq.kind, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("export %s: %w", kq.kind, err)
	}
	return nil
}
