package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"time"
)

// AnswerFigures is answer.json: a member company's answer to its poles'
// campaigns (the answerCampaign mutation) timed end to end, repeated on the
// same dataset, which the runner restores after each answer.
type AnswerFigures struct {
	Started     string    `json:"started"`
	Load        string    `json:"loadBefore"`
	LoadAfter   string    `json:"loadAfter"`
	Siren       string    `json:"siren"`
	Needs       int       `json:"needs"`
	Assessments int       `json:"assessments"`
	BodyBytes   int       `json:"bodyBytes"`
	Ms          []float64 `json:"ms"`
	P50         float64   `json:"p50ms"`
	Max         float64   `json:"maxms"`
	// Error is the refusal, when the service did not accept the answer.
	Error string `json:"error,omitempty"`
}

const answerMutation = `mutation Answer($needs: [NeedAnswerInput!], $assessments: [AssessmentAnswerInput!]) {
  answerCampaign(needs: $needs, assessments: $assessments) {
    needs { rows inserted updated unchanged rejected }
    assessments { rows inserted updated unchanged rejected }
  }
}`

// runAnswer times a company's answer of -needs needs and -assessments
// assessments -n times. Its rows are new ones (needs dated today, as the
// API dates them, and assessments dated today): after each answer the
// runner deletes them and sets data_version back to its value before the
// answer, in one transaction, so that the dataset — and the rollups built
// from it, valid for that version — are exactly as before. The server must
// not rebuild rollups meanwhile (gpec bench serve -refresh=false), else a
// build of the answer's version would drop them.
func runAnswer(args []string) error {
	fs := flag.NewFlagSet("answer", flag.ContinueOnError)
	gpecURL := fs.String("gpec", "http://127.0.0.1:8092/graphql", "gpec endpoint (bench serve -refresh=false)")
	token := fs.String("token", "", "the company's token")
	siren := fs.String("siren", "", "the company")
	dbURL := fs.String("db", "", "database URL (rows and data_version restored)")
	needs := fs.Int("needs", 200, "needs in the answer")
	assessments := fs.Int("assessments", 2000, "assessments in the answer")
	n := fs.Int("n", 5, "answers timed")
	out := fs.String("out", "answer.json", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := sql.Open("postgres", *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	res := &AnswerFigures{Started: time.Now().UTC().Format(time.RFC3339), Load: loadAvg(), Siren: *siren}
	// The server dates the answer's rows by its UTC day.
	today := time.Now().UTC()
	day := today.Format(time.DateOnly)
	vars, nn, na, err := answerRows(ctx, db, *siren, day, today.Year(), *needs, *assessments)
	if err != nil {
		return err
	}
	res.Needs, res.Assessments = nn, na
	body, _ := json.Marshal(map[string]any{"query": answerMutation, "variables": vars})
	res.BodyBytes = len(body)
	// The answer's rows must all be new: a row dated today already stored
	// would be changed, and deleting it afterwards would not restore it.
	var existing int
	if err := db.QueryRowContext(ctx, `SELECT
  (SELECT count(*) FROM needs n JOIN sites s ON s.siret = n.siret WHERE s.siren = $1 AND n.declared_on = $2::date) +
  (SELECT count(*) FROM employee_skills es JOIN employees e ON e.id = es.employee_id
   WHERE e.siren = $1 AND es.assessed_on = $2::date)`, *siren, day).Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		return fmt.Errorf("company %s already has %d rows dated today: the answer would change them and the runner could not restore them", *siren, existing)
	}
	for i := 0; i < *n; i++ {
		var version, change int64
		if err := db.QueryRowContext(ctx, `SELECT (SELECT version FROM data_version), (SELECT coalesce(max(id), 0) FROM rollup_changes)`).Scan(&version, &change); err != nil {
			return err
		}
		t0 := time.Now()
		status, reply, err := postGraphQL(*gpecURL, *token, body)
		el := time.Since(t0)
		restoreErr := restoreAnswer(ctx, db, *siren, day, version, change)
		if err != nil {
			return err
		}
		if restoreErr != nil {
			return fmt.Errorf("restoring the dataset after answer %d: %w", i+1, restoreErr)
		}
		var r struct {
			Data struct {
				Answer *struct {
					Needs, Assessments struct{ Rows, Inserted int }
				} `json:"answerCampaign"`
			} `json:"data"`
			Errors []struct {
				Message string `json:"message"`
			} `json:"errors"`
		}
		if json.Unmarshal(reply, &r) != nil || status != 200 || len(r.Errors) > 0 || r.Data.Answer == nil {
			msg := fmt.Sprintf("status %d: %.300s", status, reply)
			if len(r.Errors) > 0 {
				msg = fmt.Sprintf("status %d: %s", status, r.Errors[0].Message)
			}
			res.Error = msg
			fmt.Fprintf(os.Stderr, "runner: answer refused: %s\n", msg)
			break
		}
		if a := r.Data.Answer; a.Needs.Inserted != nn || a.Assessments.Inserted != na {
			return fmt.Errorf("answer %d wrote %d needs and %d assessments, want %d and %d new", i+1,
				a.Needs.Inserted, a.Assessments.Inserted, nn, na)
		}
		ms := float64(el.Microseconds()) / 1000
		res.Ms = append(res.Ms, ms)
		fmt.Fprintf(os.Stderr, "runner: answer %d of %d needs + %d assessments: %.0f ms (load %s)\n", i+1, nn, na, ms, loadAvg())
	}
	if len(res.Ms) > 0 {
		s := append([]float64(nil), res.Ms...)
		sort.Float64s(s)
		res.P50, res.Max = s[len(s)/2], s[len(s)-1]
	}
	res.LoadAfter = loadAvg()
	b, _ := json.MarshalIndent(res, "", "  ")
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

// answerRows builds the answer's variables from the company's data: needs
// for (site, role, horizon) keys over its sites, the roles it employs and
// the next five years; assessments of its active employees' essential
// skills, one level above their current one (capped at 4).
func answerRows(ctx context.Context, db *sql.DB, siren, day string, year, needs, assessments int) (map[string]any, int, int, error) {
	var ns, as []map[string]any
	rows, err := db.QueryContext(ctx, `
SELECT s.siret, r.code, h.y, (count(e.id) + h.y % 3)::int
FROM sites s
JOIN employees e ON e.siret = s.siret
JOIN roles r ON r.id = e.role_id
CROSS JOIN generate_series($2::int + 1, $2::int + 5) AS h(y)
WHERE s.siren = $1
GROUP BY s.siret, r.code, h.y
ORDER BY h.y, s.siret, r.code COLLATE "C"
LIMIT $3`, siren, year, needs)
	if err != nil {
		return nil, 0, 0, err
	}
	for rows.Next() {
		var siret, role string
		var y, hc int
		if err := rows.Scan(&siret, &role, &y, &hc); err != nil {
			rows.Close()
			return nil, 0, 0, err
		}
		ns = append(ns, map[string]any{"siret": siret, "roleCode": role, "horizonYear": y, "headcount": hc})
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `
SELECT e.employee_ref, sk.code,
       least(4, coalesce((SELECT es.level FROM employee_skills es WHERE es.employee_id = e.id AND es.skill_id = rs.skill_id
                          ORDER BY es.assessed_on DESC NULLS LAST LIMIT 1), 0) + 1)
FROM employees e
JOIN role_skills rs ON rs.role_id = e.role_id AND rs.essential
JOIN skills sk ON sk.id = rs.skill_id
WHERE e.siren = $1 AND e.entry_date <= $3::date AND (e.exit_date IS NULL OR e.exit_date > $3::date)
ORDER BY e.employee_ref, sk.code COLLATE "C"
LIMIT $2`, siren, assessments, day)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref, skill string
		var level int
		if err := rows.Scan(&ref, &skill, &level); err != nil {
			return nil, 0, 0, err
		}
		as = append(as, map[string]any{"employeeRef": ref, "skillCode": skill, "level": level})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, err
	}
	if len(ns) < needs || len(as) < assessments {
		return nil, 0, 0, fmt.Errorf("company %s gives %d needs and %d assessments, fewer than the %d and %d asked", siren, len(ns), len(as), needs, assessments)
	}
	return map[string]any{"needs": ns, "assessments": as}, len(ns), len(as), nil
}

// restoreAnswer deletes the rows an answer wrote (dated today, of the
// company) and sets data_version back, in one transaction: the trigger of
// the deletes bumps the version, the last statements restore it and drop
// the rollup changes recorded since change (the answer's and the deletes').
func restoreAnswer(ctx context.Context, db *sql.DB, siren, day string, version, change int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	for _, q := range []string{
		`DELETE FROM needs n USING sites s WHERE s.siret = n.siret AND s.siren = $1 AND n.declared_on = $2::date`,
		`DELETE FROM employee_skills es USING employees e WHERE e.id = es.employee_id AND e.siren = $1 AND es.assessed_on = $2::date`,
	} {
		if _, err := tx.ExecContext(ctx, q, siren, day); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE data_version SET version = $1`, version); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM rollup_changes WHERE id > $1`, change); err != nil {
		return err
	}
	return tx.Commit()
}

// postGraphQL sends one request and returns the status and the body.
func postGraphQL(url, token string, body []byte) (int, []byte, error) {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}
