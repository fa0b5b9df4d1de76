package campaign

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/importer"
)

// NeedInput is a need a company declares: DeclaredOn, when given, must be
// the day of the write (its needs are dated that day).
type NeedInput struct {
	Siret       string
	RoleCode    string
	HorizonYear int
	Headcount   int
	DeclaredOn  *time.Time
}

// AssessmentInput is an assessment of one of the company's employees:
// AssessedOn is its real date, not after the day of the write (nil: that
// day).
type AssessmentInput struct {
	EmployeeRef string
	SkillCode   string
	Level       int
	AssessedOn  *time.Time
}

// Answer is what an answer wrote.
type Answer struct {
	Needs       importer.KindReport
	Assessments importer.KindReport
}

// DefaultMaxAnswerRows bounds the rows of one answer (needs and
// assessments together).
const DefaultMaxAnswerRows = 20_000

// maxListedErrors bounds the row errors an error message lists.
const maxListedErrors = 20

// AnswerOf writes a member company's needs and assessments, all or nothing
// (DESIGN.md, "Dated rows"): each row is checked exactly as a row of a
// needs or employee_skills file imported by the company is — it must name
// the company's own sites and employees, its needs are dated today, its
// assessments not after today — because it is one: the rows go through the
// importer. A bad row fails the whole answer with an error naming each bad
// row (1-based, in the list given) and field. maxRows <= 0 means
// DefaultMaxAnswerRows. before is the import's Options.BeforeWrite (nil:
// none).
func AnswerOf(ctx context.Context, db *sqlx.DB, siren string, needs []NeedInput, assessments []AssessmentInput, today time.Time, maxRows int,
	before importer.BeforeWriteFunc) (*Answer, error) {
	if maxRows <= 0 {
		maxRows = DefaultMaxAnswerRows
	}
	if n := len(needs) + len(assessments); n == 0 {
		return nil, domain.Invalid("needs", "nothing to write: give needs or assessments")
	} else if n > maxRows {
		return nil, domain.Invalid("needs", "at most %d rows in one answer, got %d", maxRows, n)
	}
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	var sources []importer.Source
	if len(needs) > 0 {
		rows := [][]string{{"siret", "role_code", "horizon_year", "declared_on", "headcount"}}
		for _, n := range needs {
			rows = append(rows, []string{n.Siret, n.RoleCode, strconv.Itoa(n.HorizonYear), date(n.DeclaredOn), strconv.Itoa(n.Headcount)})
		}
		sources = append(sources, csvSource("needs", rows))
	}
	if len(assessments) > 0 {
		rows := [][]string{{"siren", "employee_ref", "skill_code", "assessed_on", "level"}}
		for _, a := range assessments {
			rows = append(rows, []string{siren, a.EmployeeRef, a.SkillCode, date(a.AssessedOn), strconv.Itoa(a.Level)})
		}
		sources = append(sources, csvSource("assessments", rows))
	}
	rep, err := importer.Import(ctx, db, sources, importer.Options{OnlySiren: siren, Today: today, MaxErrors: maxListedErrors,
		BeforeWrite: before})
	if err != nil {
		if err == importer.ErrBusy {
			return nil, domain.Errorf(domain.CodeConflict, "an import is running; try again when it ends")
		}
		return nil, fmt.Errorf("answer: %w", err)
	}
	if !rep.Committed {
		return nil, answerError(rep)
	}
	out := &Answer{}
	for _, k := range rep.Kinds {
		switch k.Kind {
		case "needs":
			out.Needs = k
		case "employee_skills":
			out.Assessments = k
		}
	}
	return out, nil
}

// csvSource is rows as a CSV file named after the input list.
func csvSource(name string, rows [][]string) importer.Source {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows) // a bytes.Buffer does not fail
	return importer.UploadSource(name+".csv", int64(b.Len()), bytes.NewReader(b.Bytes()))
}

// fieldNames maps the importer's columns to the input fields of the API.
var fieldNames = map[string]string{
	"siret": "siret", "role_code": "roleCode", "horizon_year": "horizonYear", "declared_on": "declaredOn",
	"headcount": "headcount", "siren": "employeeRef", "employee_ref": "employeeRef", "skill_code": "skillCode",
	"assessed_on": "assessedOn", "level": "level",
}

// answerError words an import report's errors in the API's terms: the list
// (needs or assessments), the row's position in it (the file's line − 1) and
// the field.
func answerError(rep *importer.Report) error {
	var parts []string
	first := ""
	for _, e := range rep.Errors {
		list := strings.TrimSuffix(e.File, ".csv")
		where := list
		if e.Line > 1 {
			where += " row " + strconv.Itoa(e.Line-1)
		}
		if e.Column != "" {
			var fields []string
			for _, c := range strings.Split(e.Column, ", ") {
				if f, ok := fieldNames[c]; ok {
					fields = append(fields, f)
				}
			}
			if len(fields) > 0 {
				where += ", " + strings.Join(fields, ", ")
				if first == "" && e.Line > 1 {
					first = fmt.Sprintf("%s[%d].%s", list, e.Line-2, fields[0])
				}
			}
		}
		parts = append(parts, where+": "+e.Reason)
	}
	msg := "nothing was written: " + strings.Join(parts, "; ")
	if rep.ErrorCount > len(rep.Errors) {
		msg += fmt.Sprintf("; and %d more", rep.ErrorCount-len(rep.Errors))
	}
	if first == "" {
		first = "needs"
	}
	return domain.Invalid(first, "%s", msg)
}
