package ident

import (
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"
)

// LaPosteSiren is the one SIREN whose SIRETs do not follow Luhn: theirs pass
// when the sum of their digits is a multiple of 5.
const LaPosteSiren = "356000000"

// MaxCodeLen bounds role, skill, training and employee codes (DESIGN.md: 1–64).
const MaxCodeLen = 64

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// luhn reports whether a string of ASCII digits passes the Luhn checksum.
func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Siren checks a SIREN: 9 digits passing Luhn.
func Siren(s string) error {
	if len(s) != 9 || !allDigits(s) {
		return errors.New("a SIREN is 9 digits")
	}
	if !luhn(s) {
		return errors.New("invalid SIREN (checksum)")
	}
	return nil
}

// Siret checks a SIRET: 14 digits, a valid SIREN as its first 9, Luhn over
// all 14 — or, for La Poste, a digit sum that is a multiple of 5.
func Siret(s string) error {
	if len(s) != 14 || !allDigits(s) {
		return errors.New("a SIRET is 14 digits")
	}
	if err := Siren(s[:9]); err != nil {
		return fmt.Errorf("the first 9 digits of a SIRET are its SIREN: %w", err)
	}
	if s[:9] == LaPosteSiren {
		sum := 0
		for i := 0; i < len(s); i++ {
			sum += int(s[i] - '0')
		}
		if sum%5 != 0 {
			return errors.New("invalid SIRET (La Poste: digit sum not a multiple of 5)")
		}
		return nil
	}
	if !luhn(s) {
		return errors.New("invalid SIRET (checksum)")
	}
	return nil
}

// SiretOf checks that siret belongs to the company siren (its first 9 digits).
func SiretOf(siret, siren string) error {
	if len(siret) < 9 || siret[:9] != siren {
		return fmt.Errorf("SIRET does not start with the company's SIREN %s", siren)
	}
	return nil
}

// Territory levels, from the root of the tree down.
const (
	LevelRegion     = "region"
	LevelDepartment = "department"
	LevelCommune    = "commune"
)

var (
	regionCode     = regexp.MustCompile(`^[0-9]{2}$`)
	departmentCode = regexp.MustCompile(`^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$`)
	communeCode    = regexp.MustCompile(`^([0-9]{2}|2A|2B)[0-9]{3}$`)
)

// TerritoryLevel checks a level name.
func TerritoryLevel(level string) error {
	switch level {
	case LevelRegion, LevelDepartment, LevelCommune:
		return nil
	}
	return errors.New("level must be region, department or commune")
}

// TerritoryCode checks an INSEE code at a level: region 2 digits; department
// 01–95, 2A, 2B, 971–976; commune 5 characters (2 digits or 2A/2B, then 3).
func TerritoryCode(level, code string) error {
	switch level {
	case LevelRegion:
		if !regionCode.MatchString(code) {
			return errors.New("a region code is 2 digits")
		}
	case LevelDepartment:
		if !departmentCode.MatchString(code) {
			return errors.New("a department code is 01–95, 2A, 2B or 971–976")
		}
	case LevelCommune:
		if !communeCode.MatchString(code) {
			return errors.New("a commune code is 5 characters (e.g. 69123, 2A004)")
		}
	default:
		return TerritoryLevel(level)
	}
	return nil
}

// ParentLevel is the level a territory's parent_code names ("" for a region).
func ParentLevel(level string) string {
	switch level {
	case LevelDepartment:
		return LevelRegion
	case LevelCommune:
		return LevelDepartment
	}
	return ""
}

// PlaceLevel tells the level of a site's or a training's territory_code: a
// commune (5 characters) or a department (2–3 characters), and checks it.
func PlaceLevel(code string) (string, error) {
	if len(code) == 5 {
		return LevelCommune, TerritoryCode(LevelCommune, code)
	}
	if err := TerritoryCode(LevelDepartment, code); err != nil {
		return "", errors.New("territory_code must be a department (e.g. 69, 2A, 974) or a commune (e.g. 69123)")
	}
	return LevelDepartment, nil
}

var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// PoleID checks a pole id: a lower-case slug such as aerospace-valley.
func PoleID(s string) error {
	if len(s) > MaxCodeLen || !slug.MatchString(s) {
		return errors.New("a pole id is a slug of lower-case letters, digits and single hyphens, at most 64 characters (e.g. aerospace-valley)")
	}
	return nil
}

// Code checks a role, skill, training or employee code: free text of 1–64
// characters (never assume the ROME shape).
func Code(s string) error {
	if n := utf8.RuneCountInString(s); n < 1 || n > MaxCodeLen {
		return errors.New("a code is 1 to 64 characters")
	}
	return nil
}

// Proficiency checks an employee's level of a skill: 0 (none) to 4 (expert).
func Proficiency(level int) error {
	if level < 0 || level > 4 {
		return errors.New("a proficiency level is 0 to 4")
	}
	return nil
}

// RequiredLevel checks the level a role requires, or a training teaches: 1 to 4.
func RequiredLevel(level int) error {
	if level < 1 || level > 4 {
		return errors.New("a required level is 1 to 4")
	}
	return nil
}

// Horizon checks a horizon year for analytics: a calendar year later than or
// equal to the year of the reference date asOf.
func Horizon(year int, asOf time.Time) error {
	if year < asOf.Year() {
		return fmt.Errorf("the horizon must be %d or later (the year of the reference date)", asOf.Year())
	}
	if year > 2200 {
		return errors.New("the horizon must be 2200 or earlier")
	}
	return nil
}

// NeedYear checks a declared need's horizon year as stored: plausible
// calendar years only; past horizons stay importable as history.
func NeedYear(year int) error {
	if year < 1900 || year > 2200 {
		return errors.New("a horizon year is between 1900 and 2200")
	}
	return nil
}

// Modality checks a training's modality.
func Modality(s string) error {
	switch s {
	case "onsite", "remote", "blended":
		return nil
	}
	return errors.New("modality must be onsite, remote or blended")
}

// PoleKind checks a pole's kind.
func PoleKind(s string) error {
	switch s {
	case "competitiveness_pole", "cluster":
		return nil
	}
	return errors.New("kind must be competitiveness_pole or cluster")
}

// SkillKind checks a skill's kind.
func SkillKind(s string) error {
	switch s {
	case "know_how", "knowledge", "soft":
		return nil
	}
	return errors.New("kind must be know_how, knowledge or soft")
}

var naf = regexp.MustCompile(`^[0-9]{2}\.[0-9]{2}[A-Z]$`)

// NAF checks an activity code of the NAF rév. 2 nomenclature, e.g. 25.62B.
func NAF(s string) error {
	if !naf.MatchString(s) {
		return errors.New("a NAF code looks like 25.62B")
	}
	return nil
}

// CompleteLuhn appends the check digit that makes a string of digits pass
// Luhn: how generators and tests make valid SIRENs and SIRETs.
func CompleteLuhn(digits string) string {
	for c := byte('0'); c <= '9'; c++ {
		if s := digits + string(c); luhn(s) {
			return s
		}
	}
	panic("unreachable: one of ten digits always completes a Luhn sum")
}
