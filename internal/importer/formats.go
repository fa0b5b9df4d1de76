package importer

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gpec-project/gpec/internal/csvio"
	"github.com/gpec-project/gpec/internal/ident"
)

// Decisions where DESIGN.md is silent:
//   - Header names are trimmed and case-insensitive ("Siren" = "siren").
//   - Columns that map to NOT NULL data are required in the header; nullable
//     ones may be left out, which means null for every row (the file is the
//     truth for the rows it names: re-importing without "website" clears it).
//   - Cells are trimmed; a blank cell is null. A leading quote before '=',
//     '+', '-' or '@' is dropped (see csvio.Clean), so exports round-trip.
//   - A header-only file is a valid, empty import; an empty file is an error.
//   - Decimals accept a decimal comma ("12,5") as French spreadsheets write it.
//   - themes are '|'-separated; each theme is trimmed and empty ones dropped.
//   - An undated need's horizon year is 2000–2200 (DESIGN.md); a dated
//     one's is from the year of its declared_on to 2200, so history may
//     hold horizons now past.
//   - assessed_on and declared_on are key columns that may be empty: the
//     empty date is part of the key (two undated rows of a key are
//     duplicates). A company token's needs get today's date when it gives
//     none and are refused with another; its assessments are refused when
//     dated after today, and dated today when it gives none (a company's
//     writes are answers to its poles' campaigns).
//   - role_families (extra kind): [code], title, parent_code (another family).
//   - A company token's completions (enrolments.completed_on) are refused
//     when dated after today, like its assessments. Companies may import
//     enrolments of their own employees, not sessions (a pole or an
//     administrator publishes those).

// column is one column of a format.
type column struct {
	name     string
	sqlType  string // type of the staging column
	required bool   // in the header, and non-empty in every row
	key      bool   // part of the natural key
	parse    func(string) (any, error)
}

// check is a referential rule run in SQL over the staging table (alias s):
// rows matching cond are bad, reported under column with value and reason
// (SQL expressions).
type check struct {
	column, value, reason, cond string
}

// format is one file kind: its columns, the checks Go and SQL make, and how
// its rows merge into the schema.
type format struct {
	kind  string
	table string // target table
	cols  []column
	// rowCheck checks rules across cells of one row, on parsed values indexed
	// like cols; it names the column at fault.
	rowCheck func(v []any) (col string, err error)
	// companyRow, when set, applies a member company's own rules to a row it
	// writes (DESIGN.md, "Dated rows"), given today as YYYY-MM-DD; it may
	// fill a cell (a date left empty) and names the column at fault.
	companyRow func(v []any, today string) (col string, err error)
	// sirenCol names the column that ties a row to a company, for
	// Options.OnlySiren (its first 9 characters); "" refuses the kind to a
	// company-scoped caller.
	sirenCol string
	checks   []check
	merge    merge
}

// merge says how good staged rows become rows of the target table: sel
// computes the target's key columns then its other columns (cols) from the
// staging table s and the tables of join, which resolve codes to ids. The
// key is a unique key of the target. See run.merge for the statements.
type merge struct {
	key, cols, sel []string
	join           string
	// nullKeys are the key columns that may be null (the dates of dated
	// rows); null equals null in them (NULLS NOT DISTINCT).
	nullKeys []string
}

func (m *merge) nullable(col string) bool {
	for _, k := range m.nullKeys {
		if k == col {
			return true
		}
	}
	return false
}

func (f *format) colNames() []string {
	n := make([]string, len(f.cols))
	for i, c := range f.cols {
		n[i] = c.name
	}
	return n
}

func (f *format) required() []string {
	var n []string
	for _, c := range f.cols {
		if c.required {
			n = append(n, c.name)
		}
	}
	return n
}

func (f *format) keys() []string {
	var n []string
	for _, c := range f.cols {
		if c.key {
			n = append(n, c.name)
		}
	}
	return n
}

func (f *format) index(name string) int {
	for i, c := range f.cols {
		if c.name == name {
			return i
		}
	}
	panic("importer: no column " + name + " in " + f.kind)
}

// Cell parsers: each receives a non-empty, cleaned cell.

func text(s string) (any, error) { return s, nil }

func code(s string) (any, error) { return s, ident.Code(s) }

func with(check func(string) error) func(string) (any, error) {
	return func(s string) (any, error) { return s, check(s) }
}

func intIn(lo, hi int64, reason string) func(string) (any, error) {
	return func(s string) (any, error) {
		v, err := csvio.ParseInt(s)
		if err != nil {
			return nil, err
		}
		if v < lo || v > hi {
			return nil, errors.New(reason)
		}
		return v, nil
	}
}

func level(check func(int) error) func(string) (any, error) {
	return func(s string) (any, error) {
		v, err := csvio.ParseInt(s)
		if err != nil {
			return nil, err
		}
		if v < -1<<31 || v > 1<<31-1 {
			return nil, check(-1)
		}
		return v, check(int(v))
	}
}

// date normalises to YYYY-MM-DD, so that the row checks compare dates as
// strings and staging reads them whatever the session's DateStyle.
func date(s string) (any, error) {
	if csvio.IsISODate(s) {
		return s, nil // already in the form below
	}
	d, err := csvio.ParseDate(s)
	if err != nil {
		return nil, err
	}
	return d.Format(time.DateOnly), nil
}

// isoDate gives a parsed date cell (either accepted spelling) as
// YYYY-MM-DD, which compares as text; "" when it does not parse.
func isoDate(s string) string {
	if csvio.IsISODate(s) {
		return s
	}
	t, err := csvio.ParseDate(s)
	if err != nil {
		return ""
	}
	return t.Format("2006-01-02")
}

// needHorizon is DESIGN.md's rule on a need's horizon: a dated need's is at
// least the year of its declared_on, an undated one's any year 2000–2200.
func needHorizon(v []any) (string, error) {
	h, ok := v[2].(int64)
	if !ok {
		return "", nil
	}
	d, _ := v[3].(string)
	if d == "" {
		if h < 2000 {
			return "horizon_year", errors.New("an undated need's horizon year is between 2000 and 2200")
		}
		return "", nil
	}
	iso := isoDate(d)
	if iso == "" {
		return "", nil
	}
	if y, _ := strconv.Atoi(iso[:4]); h < int64(y) {
		return "horizon_year", errors.New("a need's horizon year is not before the year it is declared (" + iso[:4] + ")")
	}
	return "", nil
}

func boolean(s string) (any, error) { return csvio.ParseBool(s) }

// maxHorizons bounds a campaign's horizons (the table's CHECK agrees).
const maxHorizons = 20

// horizonList reads a campaign's '|'-separated horizon years, trimmed, in
// the order given, as "2027|2029"; duplicates are refused.
func horizonList(s string) (any, error) {
	var out []string
	seen := map[int64]bool{}
	for _, t := range strings.Split(s, "|") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		y, err := csvio.ParseInt(t)
		if err != nil || y < 1900 || y > 2200 {
			return nil, errors.New("horizons are years between 1900 and 2200, separated by |")
		}
		if seen[y] {
			return nil, errors.New("horizon " + t + " is given twice")
		}
		seen[y] = true
		out = append(out, strconv.FormatInt(y, 10))
	}
	if len(out) > maxHorizons {
		return nil, errors.New("at most " + strconv.Itoa(maxHorizons) + " horizons")
	}
	if len(out) == 0 {
		return nil, nil
	}
	return strings.Join(out, "|"), nil
}

// CheckCampaign applies DESIGN.md's rules to a campaign's dates and horizons
// (dates as YYYY-MM-DD, reference "" for the default closes_on, horizons
// '|'-separated or "" for the defaults): closes_on >= opens_on, a reference
// date on or after closes_on, and each horizon at least the year of the
// reference date. It names the column at fault. The campaign package checks
// a campaign opened through the API with it too.
func CheckCampaign(opens, closes, reference, horizons string) (string, error) {
	if closes < opens {
		return "closes_on", errors.New("closes_on is before opens_on")
	}
	if reference != "" && reference < closes {
		return "reference_date", errors.New("the reference date is before closes_on")
	}
	ref := reference
	if ref == "" {
		ref = closes
	}
	if len(ref) < 4 {
		return "", nil
	}
	year, _ := strconv.Atoi(ref[:4])
	for _, h := range strings.Split(horizons, "|") {
		if h == "" {
			continue
		}
		if y, _ := strconv.Atoi(h); y < year {
			return "horizons", errors.New("horizon " + h + " is before the year of the reference date (" + ref[:4] + ")")
		}
	}
	return "", nil
}

func decimal(intDigits, scale int, positive bool) func(string) (any, error) {
	return func(s string) (any, error) {
		v, err := csvio.ParseDecimal(s, intDigits, scale)
		if err == nil && positive && strings.Trim(v, "0.") == "" {
			err = errors.New("must be greater than 0")
		}
		return v, err
	}
}

func nonEmptyText(max int) func(string) (any, error) {
	return func(s string) (any, error) {
		if utf8.RuneCountInString(s) > max {
			return nil, errors.New("too long")
		}
		return s, nil
	}
}

func themes(s string) (any, error) {
	var out []string
	for _, t := range strings.Split(s, "|") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return strings.Join(out, "|"), nil
}

func siretOf(siretCol, sirenCol string, f func() *format) func(v []any) (string, error) {
	return func(v []any) (string, error) {
		ff := f()
		siret, _ := v[ff.index(siretCol)].(string)
		siren, _ := v[ff.index(sirenCol)].(string)
		if siret != "" && siren != "" {
			if err := ident.SiretOf(siret, siren); err != nil {
				return siretCol, errors.New("the site belongs to another company: its SIRET does not start with the SIREN " + siren)
			}
		}
		return "", nil
	}
}

const maxText = 1000

// parentLevel is the level a staged territory's parent_code names.
const parentLevel = `(CASE s.level WHEN 'department' THEN 'region' ELSE 'department' END)`

// Reasons of the SQL checks; a literal SQL string each.
const (
	unknownCompany = `'unknown company (SIREN not in the database nor in this import)'`
	unknownSite    = `'unknown site (SIRET not in the database nor in this import)'`
	unknownRole    = `'unknown role code'`
	unknownSkill   = `'unknown skill code'`
)

var (
	companyExists = check{"siren", "s.siren", unknownCompany,
		`NOT EXISTS (SELECT 1 FROM companies c WHERE c.siren = s.siren)`}
	siteExists = check{"siret", "s.siret", unknownSite,
		`NOT EXISTS (SELECT 1 FROM sites t WHERE t.siret = s.siret)`}
	roleExists = check{"role_code", "s.role_code", unknownRole,
		`NOT EXISTS (SELECT 1 FROM roles r WHERE r.code = s.role_code)`}
	skillExists = check{"skill_code", "s.skill_code", unknownSkill,
		`NOT EXISTS (SELECT 1 FROM skills k WHERE k.code = s.skill_code)`}
	placeExists = check{"territory_code", "s.territory_code", `'unknown territory (department or commune not in the database nor in this import)'`,
		`NOT EXISTS (SELECT 1 FROM territories t WHERE t.code = s.territory_code
		   AND t.level = CASE WHEN length(s.territory_code) = 5 THEN 'commune' ELSE 'department' END)`}
)

var formats []*format

// byKind finds a format by its kind name.
var byKind = map[string]*format{}

func init() {
	var territories, sites, employees, memberships, roleFamilies *format
	territories = &format{
		kind: "territories", table: "territories",
		cols: []column{
			{name: "level", sqlType: "text", required: true, key: true, parse: with(ident.TerritoryLevel)},
			{name: "code", sqlType: "text", required: true, key: true, parse: text},
			{name: "name", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "parent_code", sqlType: "text", parse: text},
		},
		rowCheck: func(v []any) (string, error) {
			lvl, _ := v[0].(string)
			if lvl == "" {
				return "", nil
			}
			if c, ok := v[1].(string); ok {
				if err := ident.TerritoryCode(lvl, c); err != nil {
					return "code", err
				}
			}
			p, _ := v[3].(string)
			pl := ident.ParentLevel(lvl)
			switch {
			case pl == "" && p != "":
				return "parent_code", errors.New("a region has no parent")
			case pl != "" && p == "":
				return "parent_code", errors.New("a " + lvl + " needs its parent " + pl + " code")
			case pl != "":
				if err := ident.TerritoryCode(pl, p); err != nil {
					return "parent_code", err
				}
			}
			return "", nil
		},
		checks: []check{{"parent_code", "s.parent_code", `'unknown parent ' || ` + parentLevel,
			`s.parent_code IS NOT NULL
			 AND NOT EXISTS (SELECT 1 FROM territories t WHERE t.level = ` + parentLevel + ` AND t.code = s.parent_code)
			 AND NOT EXISTS (SELECT 1 FROM {stage} p WHERE NOT p.bad AND p.level = ` + parentLevel + ` AND p.code = s.parent_code)`}},
		merge: merge{
			key:  []string{"level", "code"},
			cols: []string{"name", "parent_code"},
			sel:  []string{"s.level", "s.code", "s.name", "s.parent_code"},
		},
	}
	roleFamilies = &format{
		kind: "role_families", table: "role_families",
		cols: []column{
			{name: "code", sqlType: "text", required: true, key: true, parse: code},
			{name: "title", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "parent_code", sqlType: "text", parse: code},
		},
		rowCheck: func(v []any) (string, error) {
			if c, _ := v[0].(string); c != "" && v[2] == c {
				return "parent_code", errors.New("a family cannot be its own parent")
			}
			return "", nil
		},
		checks: []check{{"parent_code", "s.parent_code", `'unknown parent family'`,
			`s.parent_code IS NOT NULL
			 AND NOT EXISTS (SELECT 1 FROM role_families f WHERE f.code = s.parent_code)
			 AND NOT EXISTS (SELECT 1 FROM {stage} p WHERE NOT p.bad AND p.code = s.parent_code)`}},
		merge: merge{
			key:  []string{"code"},
			cols: []string{"title", "parent_code"},
			sel:  []string{"s.code", "s.title", "s.parent_code"},
		},
	}
	roles := &format{
		kind: "roles", table: "roles",
		cols: []column{
			{name: "code", sqlType: "text", required: true, key: true, parse: code},
			{name: "title", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "family", sqlType: "text", parse: nonEmptyText(maxText)},
		},
		merge: merge{
			key:  []string{"code"},
			cols: []string{"title", "family"},
			sel:  []string{"s.code", "s.title", "s.family"},
		},
	}
	skills := &format{
		kind: "skills", table: "skills",
		cols: []column{
			{name: "code", sqlType: "text", required: true, key: true, parse: code},
			{name: "name", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "kind", sqlType: "text", required: true, parse: with(ident.SkillKind)},
			{name: "category", sqlType: "text", parse: nonEmptyText(maxText)},
		},
		merge: merge{
			key:  []string{"code"},
			cols: []string{"name", "kind", "category"},
			sel:  []string{"s.code", "s.name", "s.kind", "s.category"},
		},
	}
	roleSkills := &format{
		kind: "role_skills", table: "role_skills",
		cols: []column{
			{name: "role_code", sqlType: "text", required: true, key: true, parse: code},
			{name: "skill_code", sqlType: "text", required: true, key: true, parse: code},
			{name: "level", sqlType: "bigint", required: true, parse: level(ident.RequiredLevel)},
			{name: "essential", sqlType: "boolean", required: true, parse: boolean},
		},
		checks: []check{roleExists, skillExists},
		merge: merge{
			key:  []string{"role_id", "skill_id"},
			cols: []string{"level", "essential"},
			sel:  []string{"r.id", "k.id", "s.level", "s.essential"},
			join: `JOIN roles r ON r.code = s.role_code JOIN skills k ON k.code = s.skill_code`,
		},
	}
	poles := &format{
		kind: "poles", table: "poles",
		cols: []column{
			{name: "id", sqlType: "text", required: true, key: true, parse: with(ident.PoleID)},
			{name: "name", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "kind", sqlType: "text", required: true, parse: with(ident.PoleKind)},
			{name: "region_code", sqlType: "text", required: true, parse: with(func(s string) error { return ident.TerritoryCode(ident.LevelRegion, s) })},
			{name: "themes", sqlType: "text", parse: themes},
			{name: "website", sqlType: "text", parse: nonEmptyText(maxText)},
		},
		checks: []check{{"region_code", "s.region_code", `'unknown region'`,
			`NOT EXISTS (SELECT 1 FROM territories t WHERE t.level = 'region' AND t.code = s.region_code)`}},
		merge: merge{
			key:  []string{"id"},
			cols: []string{"name", "kind", "region_code", "themes", "website"},
			sel:  []string{"s.id", "s.name", "s.kind", "s.region_code", "COALESCE(string_to_array(s.themes, '|'), '{}')", "s.website"},
		},
	}
	companies := &format{
		kind: "companies", table: "companies", sirenCol: "siren",
		cols: []column{
			{name: "siren", sqlType: "text", required: true, key: true, parse: with(ident.Siren)},
			{name: "name", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "naf", sqlType: "text", parse: with(ident.NAF)},
			{name: "founded_year", sqlType: "bigint", parse: intIn(1600, 2200, "a founding year is between 1600 and 2200")},
		},
		merge: merge{
			key:  []string{"siren"},
			cols: []string{"name", "naf", "founded_year"},
			sel:  []string{"s.siren", "s.name", "s.naf", "s.founded_year"},
		},
	}
	memberships = &format{
		kind: "memberships", table: "memberships",
		cols: []column{
			{name: "pole_id", sqlType: "text", required: true, key: true, parse: with(ident.PoleID)},
			{name: "siren", sqlType: "text", required: true, key: true, parse: with(ident.Siren)},
			{name: "since", sqlType: "date", required: true, key: true, parse: date},
			{name: "until", sqlType: "date", parse: date},
		},
		rowCheck: func(v []any) (string, error) {
			since, _ := v[2].(string)
			until, _ := v[3].(string)
			if since != "" && until != "" && until <= since {
				return "until", errors.New("until must be after since")
			}
			return "", nil
		},
		checks: []check{
			{"pole_id", "s.pole_id", `'unknown pole'`, `NOT EXISTS (SELECT 1 FROM poles p WHERE p.id = s.pole_id)`},
			companyExists,
		},
		merge: merge{
			key:  []string{"pole_id", "siren", "since"},
			cols: []string{"until"},
			sel:  []string{"s.pole_id", "s.siren", "s.since", "s.until"},
		},
	}
	sites = &format{
		kind: "sites", table: "sites", sirenCol: "siren",
		cols: []column{
			{name: "siret", sqlType: "text", required: true, key: true, parse: with(ident.Siret)},
			{name: "siren", sqlType: "text", required: true, parse: with(ident.Siren)},
			{name: "name", sqlType: "text", parse: nonEmptyText(maxText)},
			{name: "territory_code", sqlType: "text", required: true, parse: with(func(s string) error { _, err := ident.PlaceLevel(s); return err })},
		},
		rowCheck: siretOf("siret", "siren", func() *format { return sites }),
		checks:   []check{companyExists, placeExists},
		merge: merge{
			key:  []string{"siret"},
			cols: []string{"siren", "name", "territory_code"},
			sel:  []string{"s.siret", "s.siren", "s.name", "s.territory_code"},
		},
	}
	employees = &format{
		kind: "employees", table: "employees", sirenCol: "siren",
		cols: []column{
			{name: "siren", sqlType: "text", required: true, key: true, parse: with(ident.Siren)},
			{name: "employee_ref", sqlType: "text", required: true, key: true, parse: code},
			{name: "siret", sqlType: "text", required: true, parse: with(ident.Siret)},
			{name: "role_code", sqlType: "text", required: true, parse: code},
			{name: "birth_year", sqlType: "bigint", required: true, parse: intIn(1900, 2100, "a birth year is between 1900 and 2100")},
			{name: "entry_date", sqlType: "date", required: true, parse: date},
			{name: "exit_date", sqlType: "date", parse: date},
		},
		rowCheck: func(v []any) (string, error) {
			if col, err := siretOf("siret", "siren", func() *format { return employees })(v); err != nil {
				return col, err
			}
			entry, _ := v[5].(string)
			exit, _ := v[6].(string)
			if entry != "" && exit != "" && exit < entry {
				return "exit_date", errors.New("exit_date is before entry_date")
			}
			return "", nil
		},
		checks: []check{companyExists, siteExists, roleExists},
		merge: merge{
			key:  []string{"siren", "employee_ref"},
			cols: []string{"siret", "role_id", "birth_year", "entry_date", "exit_date"},
			sel:  []string{"s.siren", "s.employee_ref", "s.siret", "r.id", "s.birth_year", "s.entry_date", "s.exit_date"},
			join: `JOIN roles r ON r.code = s.role_code`,
		},
	}
	employeeSkills := &format{
		kind: "employee_skills", table: "employee_skills", sirenCol: "siren",
		cols: []column{
			{name: "siren", sqlType: "text", required: true, key: true, parse: with(ident.Siren)},
			{name: "employee_ref", sqlType: "text", required: true, key: true, parse: code},
			{name: "skill_code", sqlType: "text", required: true, key: true, parse: code},
			{name: "assessed_on", sqlType: "date", key: true, parse: date},
			{name: "level", sqlType: "bigint", required: true, parse: level(ident.Proficiency)},
		},
		companyRow: func(v []any, today string) (string, error) {
			// A company's assessments carry their real date, not after the
			// day of the write; without one they are dated that day.
			const col = 3
			switch d, _ := v[col].(string); {
			case d == "":
				v[col] = today
			case isoDate(d) > today:
				return "assessed_on", errors.New("an assessment cannot be dated after today (" + today + ")")
			}
			return "", nil
		},
		checks: []check{
			{"employee_ref", "s.employee_ref", `'unknown employee of company ' || s.siren`,
				`NOT EXISTS (SELECT 1 FROM employees e WHERE e.siren = s.siren AND e.employee_ref = s.employee_ref)`},
			skillExists,
		},
		merge: merge{
			key:      []string{"employee_id", "skill_id", "assessed_on"},
			nullKeys: []string{"assessed_on"},
			cols:     []string{"level"},
			sel:      []string{"e.id", "k.id", "s.assessed_on", "s.level"},
			join:     `JOIN employees e ON e.siren = s.siren AND e.employee_ref = s.employee_ref JOIN skills k ON k.code = s.skill_code`,
		},
	}
	needs := &format{
		kind: "needs", table: "needs", sirenCol: "siret",
		cols: []column{
			{name: "siret", sqlType: "text", required: true, key: true, parse: with(ident.Siret)},
			{name: "role_code", sqlType: "text", required: true, key: true, parse: code},
			{name: "horizon_year", sqlType: "bigint", required: true, key: true, parse: intIn(1900, 2200, "a horizon year is between 1900 and 2200")},
			{name: "declared_on", sqlType: "date", key: true, parse: date},
			{name: "headcount", sqlType: "bigint", required: true, parse: intIn(0, math.MaxInt32, "a headcount is a whole number, 0 or more")},
		},
		rowCheck: needHorizon,
		companyRow: func(v []any, today string) (string, error) {
			// A company's needs are dated the day it writes them.
			const col = 3
			switch d, _ := v[col].(string); {
			case d == "":
				v[col] = today
			case isoDate(d) != today:
				return "declared_on", errors.New("a company's needs are dated the day they are written (" + today + "); leave declared_on empty or give that day")
			}
			return needHorizon(v)
		},
		checks: []check{siteExists, roleExists},
		merge: merge{
			key:      []string{"siret", "role_id", "horizon_year", "declared_on"},
			nullKeys: []string{"declared_on"},
			cols:     []string{"headcount"},
			sel:      []string{"s.siret", "r.id", "s.horizon_year", "s.declared_on", "s.headcount"},
			join:     `JOIN roles r ON r.code = s.role_code`,
		},
	}
	trainings := &format{
		kind: "trainings", table: "trainings",
		cols: []column{
			{name: "id", sqlType: "text", required: true, key: true, parse: code},
			{name: "provider", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "title", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "territory_code", sqlType: "text", required: true, parse: with(func(s string) error { _, err := ident.PlaceLevel(s); return err })},
			{name: "modality", sqlType: "text", required: true, parse: with(ident.Modality)},
			{name: "duration_hours", sqlType: "numeric", parse: decimal(7, 1, true)},
			{name: "cost_eur", sqlType: "numeric", parse: decimal(10, 2, false)},
		},
		checks: []check{placeExists},
		merge: merge{
			key:  []string{"id"},
			cols: []string{"provider", "title", "territory_code", "modality", "duration_hours", "cost_eur"},
			sel:  []string{"s.id", "s.provider", "s.title", "s.territory_code", "s.modality", "s.duration_hours", "s.cost_eur"},
		},
	}
	trainingSkills := &format{
		kind: "training_skills", table: "training_skills",
		cols: []column{
			{name: "training_id", sqlType: "text", required: true, key: true, parse: code},
			{name: "skill_code", sqlType: "text", required: true, key: true, parse: code},
			{name: "level", sqlType: "bigint", required: true, parse: level(ident.RequiredLevel)},
		},
		checks: []check{
			{"training_id", "s.training_id", `'unknown training'`, `NOT EXISTS (SELECT 1 FROM trainings t WHERE t.id = s.training_id)`},
			skillExists,
		},
		merge: merge{
			key:  []string{"training_id", "skill_id"},
			cols: []string{"level"},
			sel:  []string{"s.training_id", "k.id", "s.level"},
			join: `JOIN skills k ON k.code = s.skill_code`,
		},
	}
	// Sessions and enrolments (DESIGN.md, "Training sessions"). Seats are
	// checked once every kind is merged (run.seats): an import that would
	// overbook a session is refused whole.
	trainingSessions := &format{
		kind: "training_sessions", table: "training_sessions",
		cols: []column{
			{name: "training_id", sqlType: "text", required: true, key: true, parse: code},
			{name: "session_id", sqlType: "text", required: true, key: true, parse: code},
			{name: "start_date", sqlType: "date", required: true, parse: date},
			{name: "end_date", sqlType: "date", required: true, parse: date},
			{name: "territory_code", sqlType: "text", parse: with(func(s string) error { _, err := ident.PlaceLevel(s); return err })},
			{name: "seats", sqlType: "bigint", parse: intIn(1, math.MaxInt32, "seats is a whole number, 1 or more (empty: no limit)")},
		},
		rowCheck: func(v []any) (string, error) {
			start, _ := v[2].(string)
			end, _ := v[3].(string)
			if start != "" && end != "" && isoDate(end) < isoDate(start) {
				return "end_date", errors.New("end_date is before start_date")
			}
			return "", nil
		},
		checks: []check{
			{"training_id", "s.training_id", `'unknown training'`, `NOT EXISTS (SELECT 1 FROM trainings t WHERE t.id = s.training_id)`},
			{placeExists.column, placeExists.value, placeExists.reason, `s.territory_code IS NOT NULL AND ` + placeExists.cond},
			{"start_date", "s.start_date", `'a completion of this session is dated before its start_date'`,
				`EXISTS (SELECT 1 FROM enrolments en WHERE en.training_id = s.training_id AND en.session_id = s.session_id
				   AND en.completed_on < s.start_date)`},
		},
		merge: merge{
			key:  []string{"training_id", "session_id"},
			cols: []string{"start_date", "end_date", "territory_code", "seats"},
			sel:  []string{"s.training_id", "s.session_id", "s.start_date", "s.end_date", "s.territory_code", "s.seats"},
		},
	}
	enrolments := &format{
		kind: "enrolments", table: "enrolments", sirenCol: "siren",
		cols: []column{
			{name: "training_id", sqlType: "text", required: true, key: true, parse: code},
			{name: "session_id", sqlType: "text", required: true, key: true, parse: code},
			{name: "siren", sqlType: "text", required: true, key: true, parse: with(ident.Siren)},
			{name: "employee_ref", sqlType: "text", required: true, key: true, parse: code},
			{name: "status", sqlType: "text", required: true, parse: with(EnrolmentStatus)},
			{name: "completed_on", sqlType: "date", parse: date},
		},
		rowCheck: func(v []any) (string, error) {
			status, _ := v[4].(string)
			done, _ := v[5].(string)
			return CheckCompletion(status, done != "")
		},
		companyRow: func(v []any, today string) (string, error) {
			// A company records completions that happened, as it dates
			// its assessments: not after the day of the write.
			if d, _ := v[5].(string); d != "" && isoDate(d) > today {
				return "completed_on", errors.New("a completion cannot be dated after today (" + today + ")")
			}
			return "", nil
		},
		checks: []check{
			{"session_id", "s.training_id || '/' || s.session_id", `'unknown training session'`,
				`NOT EXISTS (SELECT 1 FROM training_sessions t WHERE t.training_id = s.training_id AND t.session_id = s.session_id)`},
			{"employee_ref", "s.employee_ref", `'unknown employee of company ' || s.siren`,
				`NOT EXISTS (SELECT 1 FROM employees e WHERE e.siren = s.siren AND e.employee_ref = s.employee_ref)`},
			{"completed_on", "s.completed_on", `'completed_on is before the session''s start_date (' || (SELECT t.start_date FROM training_sessions t
				   WHERE t.training_id = s.training_id AND t.session_id = s.session_id)::text || ')'`,
				`EXISTS (SELECT 1 FROM training_sessions t WHERE t.training_id = s.training_id AND t.session_id = s.session_id
				   AND s.completed_on < t.start_date)`},
		},
		merge: merge{
			key:  []string{"training_id", "session_id", "employee_id"},
			cols: []string{"status", "completed_on"},
			sel:  []string{"s.training_id", "s.session_id", "e.id", "s.status", "s.completed_on"},
			join: `JOIN employees e ON e.siren = s.siren AND e.employee_ref = s.employee_ref`,
		},
	}
	campaigns := &format{
		kind: "campaigns", table: "campaigns",
		cols: []column{
			{name: "pole_id", sqlType: "text", required: true, key: true, parse: with(ident.PoleID)},
			{name: "id", sqlType: "text", required: true, key: true, parse: code},
			{name: "title", sqlType: "text", required: true, parse: nonEmptyText(maxText)},
			{name: "opens_on", sqlType: "date", required: true, parse: date},
			{name: "closes_on", sqlType: "date", required: true, parse: date},
			{name: "reference_date", sqlType: "date", parse: date},
			{name: "horizons", sqlType: "text", parse: horizonList},
		},
		rowCheck: func(v []any) (string, error) {
			opens, _ := v[3].(string)
			closes, _ := v[4].(string)
			ref, _ := v[5].(string)
			hs, _ := v[6].(string)
			if opens == "" || closes == "" {
				return "", nil
			}
			col, err := CheckCampaign(isoDate(opens), isoDate(closes), isoDate(ref), hs)
			return col, err
		},
		checks: []check{{"pole_id", "s.pole_id", `'unknown pole'`, `NOT EXISTS (SELECT 1 FROM poles p WHERE p.id = s.pole_id)`}},
		merge: merge{
			key:  []string{"pole_id", "id"},
			cols: []string{"title", "opens_on", "closes_on", "reference_date", "horizons"},
			sel: []string{"s.pole_id", "s.id", "s.title", "s.opens_on", "s.closes_on", "s.reference_date",
				"string_to_array(s.horizons, '|')::integer[]"},
		},
	}
	projects, projectPartners, projectNeeds := projectFormats()
	// Dependency order: a kind comes after every kind its rows name.
	formats = []*format{territories, roleFamilies, roles, skills, roleSkills, poles, companies,
		memberships, campaigns, sites, employees, employeeSkills, needs, trainings, trainingSkills, trainingSessions, enrolments,
		projects, projectPartners, projectNeeds}
	for _, f := range formats {
		byKind[f.kind] = f
	}
}

// Enrolment statuses (DESIGN.md): a cancelled enrolment holds no seat.
const (
	StatusEnrolled  = "enrolled"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled"
)

// EnrolmentStatus checks an enrolment's status.
func EnrolmentStatus(s string) error {
	switch s {
	case StatusEnrolled, StatusCompleted, StatusCancelled:
		return nil
	}
	return errors.New("status is enrolled, completed or cancelled")
}

// CheckCompletion is DESIGN.md's rule that completed_on is given exactly
// when the status is completed; it names the column at fault. The API's
// enrolment mutations check with it too.
func CheckCompletion(status string, hasDate bool) (string, error) {
	switch {
	case status == StatusCompleted && !hasDate:
		return "completed_on", errors.New("a completed enrolment needs its completed_on")
	case status != "" && status != StatusCompleted && hasDate:
		return "completed_on", errors.New("completed_on is given only when the status is completed")
	}
	return "", nil
}

// Kinds lists the file kinds in dependency order (the order an import
// merges them, and the order of an export).
func Kinds() []string {
	k := make([]string, len(formats))
	for i, f := range formats {
		k[i] = f.kind
	}
	return k
}

// Columns lists a kind's columns in the order of DESIGN.md; nil for an
// unknown kind. Export writes them in this order.
func Columns(kind string) []string {
	f, ok := byKind[kind]
	if !ok {
		return nil
	}
	return f.colNames()
}
