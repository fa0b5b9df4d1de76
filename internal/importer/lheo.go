package importer

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/lheo"
)

// isLHEO tells whether a source is an LHÉO XML file (by its extension).
func isLHEO(name string) bool { return strings.EqualFold(filepath.Ext(name), ".xml") }

// expandLHEO converts each LHÉO source into three CSV sources (its
// trainings, training_sessions and training_skills), written to temporary
// files as the XML is read, so that a large feed converts in bounded
// memory; the importer then checks and merges them like any file. Problems
// are reported on the XML file, with their element and line; a file with
// problems gives no sources. cleanup removes the temporary files.
func expandLHEO(ctx context.Context, db *sqlx.DB, sources []Source, rep *Report) (out []Source, cleanup func(), err error) {
	var tmp []string
	cleanup = func() {
		for _, p := range tmp {
			os.Remove(p)
		}
	}
	var ref *lheo.Referential
	for _, src := range sources {
		if !isLHEO(src.Name) {
			out = append(out, src)
			continue
		}
		if ref == nil {
			if ref, err = loadReferential(ctx, db); err != nil {
				return nil, cleanup, err
			}
		}
		files := make([]*os.File, 3)
		for i := range files {
			if files[i], err = os.CreateTemp("", "gpec-lheo-*.csv"); err != nil {
				return nil, cleanup, fmt.Errorf("lheo: %w", err)
			}
			tmp = append(tmp, files[i].Name())
		}
		rc, err := src.Open()
		if err != nil {
			return nil, cleanup, fmt.Errorf("lheo: %w", err)
		}
		_, problems, more, err := lheo.Convert(rc, ref, lheo.Writers{
			Trainings: csv.NewWriter(files[0]), Sessions: csv.NewWriter(files[1]), Skills: csv.NewWriter(files[2])})
		rc.Close()
		for _, f := range files {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = cerr
			}
		}
		if err != nil {
			return nil, cleanup, fmt.Errorf("lheo: %w", err)
		}
		for _, p := range problems {
			rep.addError(RowError{File: src.Name, Line: p.Line, Column: p.Element, Reason: p.Reason})
		}
		if more > 0 {
			rep.addError(RowError{File: src.Name, Reason: fmt.Sprintf("and %d more bad entries", more)})
		}
		if len(problems) > 0 {
			continue
		}
		for i, kind := range []string{"trainings", "training_sessions", "training_skills"} {
			path := files[i].Name()
			st, err := os.Stat(path)
			if err != nil {
				return nil, cleanup, fmt.Errorf("lheo: %w", err)
			}
			out = append(out, Source{Name: src.Name + "/" + kind + ".csv", Size: st.Size(),
				Open: func() (io.ReadCloser, error) { return os.Open(path) }})
		}
	}
	return out, cleanup, nil
}

// loadReferential reads what an LHÉO conversion checks codes against.
func loadReferential(ctx context.Context, db *sqlx.DB) (*lheo.Referential, error) {
	ref := &lheo.Referential{Departments: map[string]bool{}, Communes: map[string]bool{},
		RoleSkills: map[string]map[string]int{}, HasSkills: map[string]bool{}}
	rows, err := db.QueryContext(ctx, `SELECT level, code FROM territories WHERE level IN ('department', 'commune')`)
	if err != nil {
		return nil, fmt.Errorf("lheo: %w", err)
	}
	for rows.Next() {
		var level, code string
		if err := rows.Scan(&level, &code); err != nil {
			rows.Close()
			return nil, err
		}
		if level == "commune" {
			ref.Communes[code] = true
		} else {
			ref.Departments[code] = true
		}
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT r.code, s.code, rs.level FROM role_skills rs
		JOIN roles r ON r.id = rs.role_id JOIN skills s ON s.id = rs.skill_id WHERE rs.essential`)
	if err != nil {
		return nil, fmt.Errorf("lheo: %w", err)
	}
	for rows.Next() {
		var role, skill string
		var level int
		if err := rows.Scan(&role, &skill, &level); err != nil {
			rows.Close()
			return nil, err
		}
		if ref.RoleSkills[role] == nil {
			ref.RoleSkills[role] = map[string]int{}
		}
		ref.RoleSkills[role][skill] = level
	}
	rows.Close()
	// Roles without essential skills are known codes too.
	var roles []string
	if err := db.SelectContext(ctx, &roles, `SELECT code FROM roles`); err != nil {
		return nil, fmt.Errorf("lheo: %w", err)
	}
	for _, r := range roles {
		if ref.RoleSkills[r] == nil {
			ref.RoleSkills[r] = map[string]int{}
		}
	}
	var trained []string
	if err := db.SelectContext(ctx, &trained, `SELECT DISTINCT training_id FROM training_skills`); err != nil {
		return nil, fmt.Errorf("lheo: %w", err)
	}
	for _, t := range trained {
		ref.HasSkills[t] = true
	}
	return ref, nil
}
