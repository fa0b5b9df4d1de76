package release

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/secrecy"
)

// AuditViolation is a primary cell the attacker bounds too tightly.
type AuditViolation struct {
	Cell   string // e.g. department 29 × role_family "M18"
	Reason secrecy.Reason
	secrecy.Violation
}

func (v AuditViolation) String() string {
	up := "∞"
	if !v.Unbounded {
		up = fmt.Sprint(v.Upper)
	}
	return fmt.Sprintf("%s (%s, headcount %d): bounded to [%d, %s]; must reach %d and %d",
		v.Cell, v.Reason, v.Value, v.Lower, up, max(0, v.Value-v.Margin), v.Value+v.Margin)
}

// AuditReport is the outcome of an audit.
type AuditReport struct {
	Primary    int // hidden primary cells bounded
	Hidden     int
	Violations []AuditViolation
	// Inconsistent lists keys whose hiding or headcount differ between
	// horizons (there must be none: one pattern for the whole release).
	Inconsistent []string
	Stats        secrecy.AuditStats
}

// Passed tells whether the release meets the protection requirement.
func (r *AuditReport) Passed() bool { return len(r.Violations) == 0 && len(r.Inconsistent) == 0 }

// Summary says why an audit failed, naming at most n cells.
func (r *AuditReport) Summary(n int) string {
	var parts []string
	if len(r.Inconsistent) > 0 {
		parts = append(parts, fmt.Sprintf("%d cells differ between horizons, e.g. %s", len(r.Inconsistent), r.Inconsistent[0]))
	}
	if len(r.Violations) > 0 {
		parts = append(parts, fmt.Sprintf("%d primary cells not protected", len(r.Violations)))
		for i, v := range r.Violations {
			if i == n {
				break
			}
			parts = append(parts, v.String())
		}
	}
	return strings.Join(parts, "; ")
}

// storedCell is a key of a stored release, at its first horizon.
type storedCell struct {
	Dimension  string  `db:"dimension"`
	Level      string  `db:"level"`
	Code       string  `db:"code"`
	ParentCode string  `db:"parent_code"`
	Value      string  `db:"value_code"`
	Headcount  int     `db:"headcount"`
	Suppressed bool    `db:"suppressed"`
	Reason     *string `db:"reason"`
}

// Audit reruns the protection audit of a stored release: for every hidden
// primary cell, the attacker's tightest bounds over every published figure
// of the release (secrecy.Linked.Audit), and the check that the pattern and
// the headcounts are the same at every horizon. It reads nothing but the
// release.
func Audit(ctx context.Context, db sqlx.QueryerContext, id int64, rules secrecy.ReleaseRules) (*AuditReport, error) {
	rel, err := Get(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if rel == nil {
		return nil, domain.Errorf(domain.CodeNotFound, "no release %d", id)
	}
	rep := &AuditReport{}
	var odd []string
	if err := sqlx.SelectContext(ctx, db, &odd, `
SELECT format('%s %s %s %s', level, code, dimension, value_code) FROM release_cells WHERE release_id = $1
GROUP BY dimension, level, code, value_code
HAVING count(DISTINCT (suppressed, coalesce(reason, ''), headcount)) > 1 OR count(*) <> $2
ORDER BY 1 LIMIT 20`, id, len(rel.HorizonsArr)); err != nil {
		return nil, fmt.Errorf("release: audit horizons: %w", err)
	}
	rep.Inconsistent = odd
	if len(rel.HorizonsArr) == 0 {
		return rep, nil
	}
	var cells []storedCell
	if err := sqlx.SelectContext(ctx, db, &cells, `
SELECT dimension, level, code, parent_code, value_code, headcount, suppressed, reason FROM release_cells
WHERE release_id = $1 AND horizon = $2`, id, rel.HorizonsArr[0]); err != nil {
		return nil, fmt.Errorf("release: audit cells: %w", err)
	}
	fam := map[string]string{}
	var raw []byte
	if err := sqlx.GetContext(ctx, db, &raw, `SELECT coalesce(family_domains, '{}'::jsonb) FROM releases WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("release: audit families: %w", err)
	}
	if err := json.Unmarshal(raw, &fam); err != nil {
		return nil, fmt.Errorf("release: audit families: %w", err)
	}
	m := make(map[key]*entry, len(cells))
	for _, c := range cells {
		m[key{c.Dimension, c.Level, c.Code, c.Value}] = &entry{key: key{c.Dimension, c.Level, c.Code, c.Value},
			parent: c.ParentCode, headcount: c.Headcount, suppressed: c.Suppressed, reason: reasonOf(c.Reason)}
	}
	list := sortedEntries(m)
	l, _, err := linked(list, fam, rules)
	if err != nil {
		return nil, err
	}
	for i, e := range list {
		l.Cells[i].Hidden = e.suppressed
		if e.suppressed {
			rep.Hidden++
			l.Cells[i].Reason = e.reason
			if e.reason != secrecy.Secondary {
				l.Cells[i].Primary = e.reason
				rep.Primary++
			}
		}
	}
	vs, st, err := l.Audit()
	rep.Stats = st
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		e := list[v.Cell]
		rep.Violations = append(rep.Violations, AuditViolation{Cell: e.describe(), Reason: e.reason, Violation: v})
	}
	return rep, nil
}

func reasonOf(p *string) secrecy.Reason {
	if p == nil {
		return ""
	}
	return secrecy.Reason(*p)
}
