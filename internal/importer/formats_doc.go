package importer

// The words of the import guide (docs/import.md) and of the templates: what
// each kind holds, what each column means and accepts, the rules that span
// cells, and a small example. They sit beside the format table rather than
// in it so that the table stays about parsing and merging; guide_test.go
// checks that every kind and column of the table has its words here and
// that every example passes the table's own checks, so neither can drift.

// kindDoc documents one file kind.
type kindDoc struct {
	// about says what one row is.
	about string
	// rules are the checks across cells or rows the parsers do not show.
	rules []string
	// cols describes each column: meaning, then accepted values.
	cols map[string]string
	// example rows, column → cell; a column left out is an empty cell.
	example []map[string]string
}

var kindDocs = map[string]kindDoc{
	"territories": {
		about: "One territory of the INSEE tree (region > department > commune). The reference data already holds every region and department; import communes, or territories a dataset needs before they are in the reference data.",
		rules: []string{
			"`code` is valid for its `level`: a region 2 digits; a department 01–95, 2A, 2B or 971–976; a commune 5 characters (e.g. 69123, 2A004).",
			"A region has no `parent_code`; a department names its region, a commune its department; that parent must exist in the database or in the same import.",
		},
		cols: map[string]string{
			"level":       "`region`, `department` or `commune`.",
			"code":        "The INSEE code at that level.",
			"name":        "The territory's name (at most 1000 characters).",
			"parent_code": "The region of a department, the department of a commune; empty for a region.",
		},
		example: []map[string]string{
			{"level": "region", "code": "84", "name": "Auvergne-Rhône-Alpes"},
			{"level": "department", "code": "69", "name": "Rhône", "parent_code": "84"},
			{"level": "commune", "code": "69123", "name": "Lyon", "parent_code": "69"},
		},
	},
	"role_families": {
		about: "A family of roles (a ROME domain or sub-domain), for grouping roles in aggregates.",
		rules: []string{"A family is not its own parent; `parent_code` names a family in the database or in the same import."},
		cols: map[string]string{
			"code":        "The family's code (1–64 characters), e.g. `H29`.",
			"title":       "The family's title.",
			"parent_code": "The family above, if any.",
		},
		example: []map[string]string{
			{"code": "H", "title": "Industrie"},
			{"code": "H29", "title": "Mécanique, travail des métaux", "parent_code": "H"},
		},
	},
	"roles": {
		about: "A role (métier), such as a ROME job sheet. The ROME 4.0 roles ship with gpec; import your own roles with codes of your own.",
		cols: map[string]string{
			"code":   "The role's code (1–64 characters, e.g. a ROME code `H2913`).",
			"title":  "The role's title.",
			"family": "The code of its role family, if any.",
		},
		example: []map[string]string{{"code": "H2913", "title": "Soudeur / Soudeuse", "family": "H29"}},
	},
	"skills": {
		about: "A skill (compétence). The ROME 4.0 skills ship with gpec.",
		cols: map[string]string{
			"code":     "The skill's code (1–64 characters).",
			"name":     "The skill's name.",
			"kind":     "`know_how`, `knowledge` or `soft`.",
			"category": "A free category, for grouping.",
		},
		example: []map[string]string{
			{"code": "S-WELD", "name": "Soudage TIG", "kind": "know_how", "category": "Soudure"},
			{"code": "S-TEAM", "name": "Travail en équipe", "kind": "soft"},
		},
	},
	"role_skills": {
		about: "A skill a role requires, and at which level.",
		cols: map[string]string{
			"role_code":  "A role's code.",
			"skill_code": "A skill's code.",
			"level":      "The level the role requires: 1 to 4.",
			"essential":  "Whether the link is essential (analytics count essential links unless `includeOptional`): `true/false`, `1/0`, `oui/non`.",
		},
		example: []map[string]string{
			{"role_code": "H2913", "skill_code": "S-WELD", "level": "3", "essential": "oui"},
			{"role_code": "H2913", "skill_code": "S-TEAM", "level": "2", "essential": "non"},
		},
	},
	"poles": {
		about: "A pôle de compétitivité or a cluster. The 46 pôles ship with gpec.",
		cols: map[string]string{
			"id":          "A slug of lower-case letters, digits and single hyphens (at most 64), e.g. `aerospace-valley`.",
			"name":        "The pole's name.",
			"kind":        "`competitiveness_pole` or `cluster`.",
			"region_code": "The INSEE code of its home region (2 digits).",
			"themes":      "Themes, `|`-separated (each trimmed, empty ones dropped).",
			"website":     "Its website.",
		},
		example: []map[string]string{{"id": "lyon-meca", "name": "Lyon Méca", "kind": "cluster", "region_code": "84", "themes": "mécanique|soudure", "website": "https://example.org"}},
	},
	"companies": {
		about: "A company (entreprise), by SIREN. A company account may import its own row only.",
		cols: map[string]string{
			"siren":        "9 digits, Luhn-valid.",
			"name":         "The company's name.",
			"naf":          "Its main activity code (NAF rév. 2), e.g. `25.62B`.",
			"founded_year": "Year founded, 1600–2200.",
		},
		example: []map[string]string{{"siren": "552032534", "name": "Soudures du Rhône", "naf": "25.62B", "founded_year": "1987"}},
	},
	"memberships": {
		about: "A company's membership of a pole over a period; a company may leave and join again (one row per period).",
		rules: []string{"`until` is after `since` (`until` is the first day the company is no longer a member)."},
		cols: map[string]string{
			"pole_id": "A pole's id.",
			"siren":   "A company's SIREN.",
			"since":   "First day of the membership.",
			"until":   "Day it ended (exclusive); empty while it lasts.",
		},
		example: []map[string]string{{"pole_id": "lyon-meca", "siren": "552032534", "since": "2019-01-01"}},
	},
	"sites": {
		about: "A site (établissement) of a company, by SIRET; jobs are located at sites.",
		rules: []string{"A site's SIRET starts with its company's SIREN."},
		cols: map[string]string{
			"siret":          "14 digits, Luhn-valid (La Poste's sites excepted), starting with the SIREN.",
			"siren":          "The company's SIREN.",
			"name":           "The site's name.",
			"territory_code": "Where the site is: a commune (5 characters, e.g. 69123) or a department (e.g. 69, 2A, 974).",
		},
		example: []map[string]string{{"siret": "55203253400109", "siren": "552032534", "name": "Atelier de Lyon", "territory_code": "69123"}},
	},
	"employees": {
		about: "A pseudonymous employee: no name, a reference of the company's own. A company account may import its own rows only.",
		rules: []string{
			"The site (`siret`) belongs to the company (`siren`).",
			"`exit_date` is not before `entry_date`.",
		},
		cols: map[string]string{
			"siren":        "The employer's SIREN.",
			"employee_ref": "The company's own pseudonymous reference (1–64 characters); never a name or a social security number.",
			"siret":        "The site the employee works at.",
			"role_code":    "The employee's role.",
			"birth_year":   "Year of birth, 1900–2100 (departures at the horizon follow from it).",
			"entry_date":   "First day in the company.",
			"exit_date":    "The day the employee left: active before it, not from it on; empty while employed.",
		},
		example: []map[string]string{
			{"siren": "552032534", "employee_ref": "E001", "siret": "55203253400109", "role_code": "H2913", "birth_year": "1966", "entry_date": "2001-03-01"},
			{"siren": "552032534", "employee_ref": "E002", "siret": "55203253400109", "role_code": "H2913", "birth_year": "1994", "entry_date": "13/04/2021", "exit_date": "2024-12-31"},
		},
	},
	"employee_skills": {
		about: "An employee's level of a skill, as assessed on a date (or undated: valid from the beginning, older than any dated row). The level at a date is that of the latest assessment on or before it; a file without `assessed_on` imports every row undated.",
		rules: []string{
			"The employee (`siren`, `employee_ref`) exists, in the database or in the same import.",
			"A key has at most one undated row; re-importing it replaces it.",
			"A company account may date its assessments up to the day of the import, not later.",
		},
		cols: map[string]string{
			"siren":        "The employer's SIREN.",
			"employee_ref": "The employee's reference in that company.",
			"skill_code":   "A skill's code.",
			"assessed_on":  "The day of the assessment (part of the key); empty: undated.",
			"level":        "0 (none) to 4 (expert).",
		},
		example: []map[string]string{
			{"siren": "552032534", "employee_ref": "E001", "skill_code": "S-WELD", "level": "2"},
			{"siren": "552032534", "employee_ref": "E001", "skill_code": "S-WELD", "assessed_on": "2024-06-12", "level": "3"},
		},
	},
	"needs": {
		about: "A site's declared need of a role at a horizon year: how many people it wants in that role then, as declared on a date (or undated: the oldest). The need at a date is the latest row of the same site, role and horizon declared on or before it; a file without `declared_on` imports every row undated.",
		rules: []string{
			"A dated need's `horizon_year` is at least the year of its `declared_on`; an undated one is 2000–2200.",
			"A company account's needs are dated the day it writes them: another `declared_on` is refused.",
		},
		cols: map[string]string{
			"siret":        "The site's SIRET.",
			"role_code":    "The role.",
			"horizon_year": "The year of the need.",
			"declared_on":  "The day the need was declared (part of the key); empty: undated.",
			"headcount":    "How many people, 0 or more (a declared 0 is a need of 0).",
		},
		example: []map[string]string{{"siret": "55203253400109", "role_code": "H2913", "horizon_year": "2030", "headcount": "4"}},
	},
	"campaigns": {
		about: "A pole's yearly survey of its members' needs and skills. Its figures are the pole's at its reference date, for each horizon; members that declare a need or an assessment dated within its window are its respondents.",
		rules: []string{
			"`closes_on` is not before `opens_on`.",
			"`reference_date`, when given, is not before `closes_on`.",
			"Horizons are distinct years, each at least the year of the reference date.",
		},
		cols: map[string]string{
			"pole_id":        "The pole's id.",
			"id":             "The campaign's id within the pole (1–64 characters), e.g. `2025`.",
			"title":          "Its title.",
			"opens_on":       "First day of the answering window.",
			"closes_on":      "Last day of the window (inclusive).",
			"reference_date": "The date of its figures; empty: `closes_on`.",
			"horizons":       "Horizon years separated by `|`; empty: Y+1, Y+3 and Y+5 where Y is the reference date's year.",
		},
		example: []map[string]string{{"pole_id": "lyon-meca", "id": "2025", "title": "Enquête besoins 2025", "opens_on": "2025-03-01", "closes_on": "30/04/2025", "horizons": "2026|2028|2030"}},
	},
	"trainings": {
		about: "A training offer (formation) and where it is given.",
		cols: map[string]string{
			"id":             "The training's id (1–64 characters), e.g. the Carif-Oref action number.",
			"provider":       "Who gives it.",
			"title":          "Its title.",
			"territory_code": "Where: a commune or a department.",
			"modality":       "`onsite`, `remote` or `blended`.",
			"duration_hours": "Length in hours, more than 0, at most one decimal (`35`, `12,5`).",
			"cost_eur":       "Cost in euros, 0 or more, at most two decimals.",
		},
		example: []map[string]string{{"id": "T-TIG-01", "provider": "AFPA", "title": "Soudure TIG — perfectionnement", "territory_code": "69", "modality": "onsite", "duration_hours": "35", "cost_eur": "1200,50"}},
	},
	"training_skills": {
		about: "A skill a training teaches, and to which level.",
		cols: map[string]string{
			"training_id": "The training's id.",
			"skill_code":  "The skill's code.",
			"level":       "The level it teaches to: 1 to 4.",
		},
		example: []map[string]string{{"training_id": "T-TIG-01", "skill_code": "S-WELD", "level": "3"}},
	},
	"training_sessions": {
		about: "A dated session of a training, where it is given and how many seats it has.",
		rules: []string{
			"The training exists, in the database or in the same import.",
			"`end_date` is not before `start_date`.",
			"A session may not move its `start_date` after a completion already recorded for it.",
			"A company account may not import sessions.",
		},
		cols: map[string]string{
			"training_id":    "The training's id.",
			"session_id":     "The session's id within the training (1–64 characters).",
			"start_date":     "First day of the session.",
			"end_date":       "Last day of the session.",
			"territory_code": "Where it is given: a commune or a department; empty: the training's place.",
			"seats":          "How many learners it takes, 1 or more; empty: no limit.",
		},
		example: []map[string]string{{"training_id": "T-TIG-01", "session_id": "2026-03", "start_date": "2026-03-02", "end_date": "06/03/2026", "territory_code": "69123", "seats": "8"}},
	},
	"enrolments": {
		about: "An employee's enrolment in a session, and its completion. A completion raises the employee's level of the skills the training teaches, from its date on, until a later assessment.",
		rules: []string{
			"The session exists, and the employee exists in its company.",
			"`completed_on` is given exactly when `status` is `completed`, and is not before the session's `start_date` (it may fall after its `end_date`).",
			"No session may end with more `enrolled` or `completed` enrolments than seats (a cancelled one holds none): the import is refused, naming the session.",
			"A company account writes its own employees' enrolments, with completions not after the day of the import.",
		},
		cols: map[string]string{
			"training_id":  "The training's id.",
			"session_id":   "The session's id.",
			"siren":        "The employer's SIREN.",
			"employee_ref": "The employee's reference in that company.",
			"status":       "`enrolled`, `completed` or `cancelled`.",
			"completed_on": "The day the employee completed the training; only with `completed`.",
		},
		example: []map[string]string{{"training_id": "T-TIG-01", "session_id": "2026-03", "siren": "552032534", "employee_ref": "E001", "status": "completed", "completed_on": "2026-03-06"}},
	},
}
