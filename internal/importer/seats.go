package importer

import (
	"fmt"
	"strings"
)

func (im *run) has(kinds []string, kind string) bool {
	for _, k := range kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// seats refuses an import that leaves a session it touched with more
// enrolments holding a seat (every one not cancelled) than its seats
// (DESIGN.md): one error per such session, naming it, on the file that
// filled it (the enrolments file, else the sessions file that cut its
// seats). Sessions the import did not touch are not its fault.
func (im *run) seats(kinds []string) error {
	var touched []string
	file := ""
	if im.has(kinds, "enrolments") {
		touched = append(touched, `SELECT DISTINCT training_id, session_id FROM import_enrolments WHERE NOT bad`)
		file = im.filesOf(kinds, "enrolments")
	}
	if im.has(kinds, "training_sessions") {
		touched = append(touched, `SELECT DISTINCT training_id, session_id FROM import_training_sessions WHERE NOT bad`)
		if file == "" {
			file = im.filesOf(kinds, "training_sessions")
		}
	}
	rows, err := im.tx.QueryContext(im.ctx, `
SELECT ts.training_id, ts.session_id, ts.seats, count(*) AS enrolled
FROM (`+strings.Join(touched, ` UNION `)+`) t
JOIN training_sessions ts ON ts.training_id = t.training_id AND ts.session_id = t.session_id
JOIN enrolments en ON en.training_id = ts.training_id AND en.session_id = ts.session_id AND en.status <> 'cancelled'
WHERE ts.seats IS NOT NULL
GROUP BY ts.training_id, ts.session_id, ts.seats
HAVING count(*) > ts.seats
ORDER BY ts.training_id, ts.session_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var training, session string
		var seats, enrolled int
		if err := rows.Scan(&training, &session, &seats, &enrolled); err != nil {
			return err
		}
		im.rep.addError(RowError{File: file, Column: "session_id", Value: session,
			Reason: fmt.Sprintf("session %s of training %s would be overbooked: %d enrolled for %d seats", session, training, enrolled, seats)})
	}
	return rows.Err()
}

// filesOf names the files of one kind, for an error about them all.
func (im *run) filesOf(kinds []string, kind string) string {
	var names []string
	for i, k := range kinds {
		if k == kind {
			names = append(names, im.sources[i].Name)
		}
	}
	return strings.Join(names, ", ")
}
