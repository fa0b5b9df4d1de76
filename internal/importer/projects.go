package importer

import (
	"errors"
	"math"

	"github.com/gpec-project/gpec/internal/ident"
)

// Decisions where DESIGN.md is silent, for the project kinds:
//   - A project's years are 1900–2200 and a project need's headcount is a
//     whole number, 0 or more (as a need's).
//   - A partner's role is `leader` or `partner`, lower case.
//   - The project kinds are an administrator's: a company account may not
//     import them (a project binds several companies).
//   - Re-importing a project with other years or another pole is refused
//     when a need it already has falls outside the new years, or a partner
//     it already has has no membership in the new pole.

// The guide's words for the project kinds (see formats_doc.go).
func init() {
	kindDocs["projects"] = kindDoc{
		about: "A collaborative R&D project of a pole (FUI, ANR, European programme…), over its years. Its needs add to the figures asked with includeProjects.",
		rules: []string{
			"`end_year` is not before `start_year`.",
			"Re-importing a project is refused when a need it has would fall outside its new years, or a partner it has has no membership row in its new pole.",
			"An administrator's kind: a company account may not import it.",
		},
		cols: map[string]string{
			"id":         "The project's id (1–64 characters), e.g. `drone-leger`.",
			"pole_id":    "The pole the project belongs to.",
			"title":      "Its title.",
			"funding":    "Its funding, free text, e.g. `FUI`, `ANR`, `Europe`.",
			"start_year": "Its first year, 1900–2200.",
			"end_year":   "Its last year, 1900–2200.",
		},
		example: []map[string]string{{"id": "drone-leger", "pole_id": "lyon-meca", "title": "Drone léger", "funding": "FUI", "start_year": "2026", "end_year": "2029"}},
	}
	kindDocs["project_partners"] = kindDoc{
		about: "A partner company of a project.",
		rules: []string{
			"The company has a membership row in the project's pole, whatever its dates (a former member may be a partner).",
			"An administrator's kind: a company account may not import it.",
		},
		cols: map[string]string{
			"project_id": "The project's id.",
			"siren":      "The partner's SIREN.",
			"role":       "`leader` or `partner`.",
		},
		example: []map[string]string{{"project_id": "drone-leger", "siren": "552032534", "role": "leader"}},
	}
	kindDocs["project_needs"] = kindDoc{
		about: "A staffing need of a project: how many people in a role it needs at a partner's site in a year.",
		rules: []string{
			"The site belongs to one of the project's partners (its SIRET starts with a partner's SIREN).",
			"`year` lies within the project's years.",
			"An administrator's kind: a company account may not import it.",
		},
		cols: map[string]string{
			"project_id": "The project's id.",
			"siret":      "The partner's site.",
			"role_code":  "The role needed.",
			"year":       "The year of the need, within the project's years.",
			"headcount":  "How many people, 0 or more.",
		},
		example: []map[string]string{{"project_id": "drone-leger", "siret": "55203253400109", "role_code": "H2913", "year": "2028", "headcount": "2"}},
	}
}

// partnerRoles are DESIGN.md's partner roles.
var partnerRoles = map[string]bool{"leader": true, "partner": true}

func partnerRole(s string) (any, error) {
	if !partnerRoles[s] {
		return nil, errors.New("a partner's role is leader or partner")
	}
	return s, nil
}

const unknownProject = `'unknown project (id not in the database nor in this import)'`

var projectExists = check{"project_id", "s.project_id", unknownProject,
	`NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = s.project_id)`}

// projectFormats returns the formats of projects, project_partners and
// project_needs. The database refuses what the checks below report (see
// migration 0012): the checks run only when a merge fails, to name the rows.
func projectFormats() (projects, partners, needs *format) {
	projects = &format{
		kind: "projects", table: "projects",
		cols: []column{
			{name: "id", sqlType: "text", required: true, key: true, parse: code},
			{name: "pole_id", sqlType: "text", required: true, parse: with(ident.PoleID)},
			{name: "title", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "funding", sqlType: "text", parse: nonEmptyText(maxText)},
			{name: "start_year", sqlType: "bigint", required: true, parse: intIn(1900, 2200, "a project's year is between 1900 and 2200")},
			{name: "end_year", sqlType: "bigint", required: true, parse: intIn(1900, 2200, "a project's year is between 1900 and 2200")},
		},
		rowCheck: func(v []any) (string, error) {
			start, ok1 := v[4].(int64)
			end, ok2 := v[5].(int64)
			if ok1 && ok2 && end < start {
				return "end_year", errors.New("end_year is before start_year")
			}
			return "", nil
		},
		checks: []check{
			{"pole_id", "s.pole_id", `'unknown pole'`, `NOT EXISTS (SELECT 1 FROM poles p WHERE p.id = s.pole_id)`},
			{"start_year", "s.start_year || '–' || s.end_year",
				`'the project already has a need in ' || (SELECT min(n.year) FROM project_needs n WHERE n.project_id = s.id
				   AND n.year NOT BETWEEN s.start_year AND s.end_year) || ', outside these years'`,
				`EXISTS (SELECT 1 FROM project_needs n WHERE n.project_id = s.id AND n.year NOT BETWEEN s.start_year AND s.end_year)`},
			{"pole_id", "s.pole_id",
				`'partner ' || (SELECT min(pp.siren) FROM project_partners pp WHERE pp.project_id = s.id AND NOT EXISTS (
				   SELECT 1 FROM memberships m WHERE m.pole_id = s.pole_id AND m.siren = pp.siren)) ||
				 ' of the project has no membership in this pole'`,
				`EXISTS (SELECT 1 FROM project_partners pp WHERE pp.project_id = s.id AND NOT EXISTS (
				   SELECT 1 FROM memberships m WHERE m.pole_id = s.pole_id AND m.siren = pp.siren))`},
		},
		merge: merge{
			key:  []string{"id"},
			cols: []string{"pole_id", "title", "funding", "start_year", "end_year"},
			sel:  []string{"s.id", "s.pole_id", "s.title", "s.funding", "s.start_year", "s.end_year"},
		},
	}
	partners = &format{
		kind: "project_partners", table: "project_partners",
		cols: []column{
			{name: "project_id", sqlType: "text", required: true, key: true, parse: code},
			{name: "siren", sqlType: "text", required: true, key: true, parse: with(ident.Siren)},
			{name: "role", sqlType: "text", required: true, parse: partnerRole},
		},
		checks: []check{
			projectExists,
			companyExists,
			{"siren", "s.siren",
				`'the company has no membership in the project''s pole ' || (SELECT p.pole_id FROM projects p WHERE p.id = s.project_id)`,
				`NOT EXISTS (SELECT 1 FROM projects p JOIN memberships m ON m.pole_id = p.pole_id
				             WHERE p.id = s.project_id AND m.siren = s.siren)`},
		},
		merge: merge{
			key:  []string{"project_id", "siren"},
			cols: []string{"role"},
			sel:  []string{"s.project_id", "s.siren", "s.role"},
		},
	}
	needs = &format{
		kind: "project_needs", table: "project_needs",
		cols: []column{
			{name: "project_id", sqlType: "text", required: true, key: true, parse: code},
			{name: "siret", sqlType: "text", required: true, key: true, parse: with(ident.Siret)},
			{name: "role_code", sqlType: "text", required: true, key: true, parse: code},
			{name: "year", sqlType: "bigint", required: true, key: true, parse: intIn(1900, 2200, "a year is between 1900 and 2200")},
			{name: "headcount", sqlType: "bigint", required: true, parse: intIn(0, math.MaxInt32, "a headcount is a whole number, 0 or more")},
		},
		checks: []check{
			projectExists,
			siteExists,
			roleExists,
			{"year", "s.year",
				`'the year lies outside the project''s years (' || (SELECT p.start_year || '–' || p.end_year FROM projects p WHERE p.id = s.project_id) || ')'`,
				`EXISTS (SELECT 1 FROM projects p WHERE p.id = s.project_id AND s.year NOT BETWEEN p.start_year AND p.end_year)`},
			{"siret", "s.siret",
				`'the site''s company (SIREN ' || left(s.siret, 9) || ') is not a partner of project ' || s.project_id`,
				`NOT EXISTS (SELECT 1 FROM project_partners pp WHERE pp.project_id = s.project_id AND pp.siren = left(s.siret, 9))`},
		},
		merge: merge{
			key:  []string{"project_id", "siret", "role_id", "year"},
			cols: []string{"headcount"},
			sel:  []string{"s.project_id", "s.siret", "r.id", "s.year", "s.headcount"},
			join: `JOIN roles r ON r.code = s.role_code`,
		},
	}
	return projects, partners, needs
}
