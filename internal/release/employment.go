package release

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/secrecy"
)

// MinEmploymentCompanies is the fewest companies a territory's employment
// indicators are published for (DESIGN.md).
const MinEmploymentCompanies = 5

// empRow is one territory's employment indicators in a release.
type empRow struct {
	Level, Code, Parent, Name      string
	Companies, Created, Maintained int
	Suppressed                     bool
	Reason                         secrecy.Reason
}

// EmploymentRule returns why a territory's indicators are withheld, or "":
// FREQUENCY under MinEmploymentCompanies companies, GROUP_DISCLOSURE when a
// share is 0, 1, 1/n or (n−1)/n (every member's status told, or every one
// but the reader's own).
func EmploymentRule(companies, created, maintained int) secrecy.Reason {
	n := companies
	if n < MinEmploymentCompanies {
		return secrecy.Frequency
	}
	for _, k := range []int{created, maintained} {
		if k == 0 || k == 1 || k == n-1 || k == n {
			return secrecy.GroupDisclosure
		}
	}
	return ""
}

// employment computes the indicators of year for France, every region and
// every department with a member's site, then applies EmploymentRule and a
// secondary rule: in each group (a region with its departments, France with
// its regions) a single withheld territory would be told by the others and
// the parent, so a second one is withheld, the one with the fewest companies
// (the parent last).
func employment(ctx context.Context, q sqlx.QueryerContext, year int) ([]*empRow, error) {
	var rows []*empRow
	var country *empRow
	for _, level := range []string{domain.LevelRegion, domain.LevelDepartment} {
		res, err := aggregates.Employment(ctx, q, aggregates.EmploymentQuery{Level: level, Year: year})
		if err != nil {
			return nil, fmt.Errorf("release: employment: %w", err)
		}
		for _, t := range res.Territories {
			rows = append(rows, empRowOf(t))
		}
		country = empRowOf(res.Total)
	}
	if country == nil {
		return nil, nil
	}
	rows = append(rows, country)
	var parents []struct {
		Code   string `db:"code"`
		Parent string `db:"parent"`
	}
	if err := sqlx.SelectContext(ctx, q, &parents, `SELECT code, coalesce(parent_code, '') AS parent FROM territories WHERE level = 'department'`); err != nil {
		return nil, fmt.Errorf("release: employment parents: %w", err)
	}
	regionOf := map[string]string{}
	for _, p := range parents {
		regionOf[p.Code] = p.Parent
	}
	groups := map[string][]*empRow{} // parent code -> children, parent last
	byCode := map[string]*empRow{}
	for _, r := range rows {
		switch r.Level {
		case domain.LevelDepartment:
			r.Parent = regionOf[r.Code]
			groups[r.Parent] = append(groups[r.Parent], r)
		case domain.LevelRegion:
			r.Parent = aggregates.CountryCode
			groups[aggregates.CountryCode] = append(groups[aggregates.CountryCode], r)
			byCode[r.Code] = r
		}
		if why := EmploymentRule(r.Companies, r.Created, r.Maintained); why != "" {
			r.Suppressed, r.Reason = true, why
		}
	}
	byCode[aggregates.CountryCode] = country
	var order []string
	for p, ch := range groups {
		slices.SortFunc(ch, func(a, b *empRow) int {
			return cmp.Or(cmp.Compare(a.Companies, b.Companies), cmp.Compare(a.Code, b.Code))
		})
		if parent := byCode[p]; parent != nil {
			groups[p] = append(ch, parent)
		}
		order = append(order, p)
	}
	slices.Sort(order)
	for changed := true; changed; {
		changed = false
		for _, p := range order {
			hidden := 0
			for _, r := range groups[p] {
				if r.Suppressed {
					hidden++
				}
			}
			if hidden != 1 {
				continue
			}
			for _, r := range groups[p] {
				if !r.Suppressed {
					r.Suppressed, r.Reason, changed = true, secrecy.Secondary, true
					break
				}
			}
		}
	}
	for _, r := range rows {
		if r.Level == aggregates.CountryLevel {
			r.Code = aggregates.CountryCode
		}
	}
	return rows, nil
}

func empRowOf(c aggregates.EmploymentCell) *empRow {
	deref := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	return &empRow{Level: c.TerritoryLevel, Code: c.TerritoryCode, Name: c.TerritoryName,
		Companies: deref(c.Companies), Created: deref(c.Created), Maintained: deref(c.Maintained)}
}

func insertEmployment(ctx context.Context, tx *sqlx.Tx, id int64, year int, rows []*empRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	level, code, parent, name, reason := strs(n), strs(n), strs(n), strs(n), strs(n)
	companies, created, maintained := ints(n), ints(n), ints(n)
	suppressed := make(pq.BoolArray, 0, n)
	for _, r := range rows {
		level, code, parent, name, reason = append(level, r.Level), append(code, r.Code), append(parent, r.Parent), append(name, r.Name), append(reason, string(r.Reason))
		companies, created, maintained = append(companies, int64(r.Companies)), append(created, int64(r.Created)), append(maintained, int64(r.Maintained))
		suppressed = append(suppressed, r.Suppressed)
	}
	if _, err := tx.ExecContext(ctx, `
INSERT INTO release_employment (release_id, year, level, code, parent_code, name, companies, created, maintained, suppressed, reason)
SELECT $1, $2, u.* FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::int[], $10::bool[], $11::text[]) AS u`,
		id, year, level, code, parent, name, companies, created, maintained, suppressed, nullIfEmpty(reason)); err != nil {
		return fmt.Errorf("release: store employment: %w", err)
	}
	return nil
}
