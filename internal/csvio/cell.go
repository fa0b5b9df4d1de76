package csvio

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Clean trims a cell's surrounding spaces and removes the quote that export
// adds in front of a formula-like value, so that export → import gives the
// same value back. An empty result means null.
func Clean(s string) string {
	// Most cells start and end with a visible ASCII character other than
	// a quote: nothing to trim or remove (TrimSpace was a twentieth of a
	// national import's reading time).
	if n := len(s); n > 0 && s[0] > ' ' && s[0] < utf8.RuneSelf && s[0] != '\'' &&
		s[n-1] > ' ' && s[n-1] < utf8.RuneSelf {
		return s
	}
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '\'' {
		i := 1
		for i < len(s) && s[i] == '\'' {
			i++
		}
		if i < len(s) && isFormulaStart(s[i]) {
			return s[1:]
		}
	}
	return s
}

func isFormulaStart(c byte) bool { return c == '=' || c == '+' || c == '-' || c == '@' }

// Neutralise prefixes a single quote to a value a spreadsheet would run as a
// formula (starting with '=', '+', '-' or '@'), and to a value already made
// of quotes before such a character, so Clean can tell them apart.
func Neutralise(s string) string {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	if i < len(s) && isFormulaStart(s[i]) {
		return "'" + s
	}
	return s
}

// ParseInt reads an integer cell.
func ParseInt(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("not an integer")
	}
	return v, nil
}

// ParseDate reads a date cell: YYYY-MM-DD, or DD/MM/YYYY as French
// spreadsheets write it (day first: 03/04/2021 is the 3rd of April). Day
// and month may have one digit in the French form (3/4/2021), as Excel
// shows them with some formats; the year always has four.
func ParseDate(s string) (time.Time, error) {
	if y, m, d, ok := isoDate(s); ok {
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
	}
	if strings.IndexByte(s, '/') >= 0 {
		d, err := time.Parse("2/1/2006", s)
		if err != nil || len(s) < 8 || len(s) > 10 || s[len(s)-5] != '/' {
			return time.Time{}, errors.New("not a date (YYYY-MM-DD or DD/MM/YYYY)")
		}
		return d, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != 10 {
		return time.Time{}, errors.New("not a date (YYYY-MM-DD or DD/MM/YYYY)")
	}
	return d, nil
}

// ParseBool reads a boolean cell: true/false, 1/0, oui/non (any case).
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1", "oui":
		return true, nil
	case "false", "0", "non":
		return false, nil
	}
	return false, errors.New("not a boolean (true/false, 1/0, oui/non)")
}

// ParseDecimal reads a non-negative decimal cell with at most scale decimals
// and intDigits digits before the point, and returns it normalised ("12.5").
// A decimal comma is accepted, as French spreadsheets write it.
func ParseDecimal(s string, intDigits, scale int) (string, error) {
	s = strings.Replace(s, ",", ".", 1)
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" || !digits(ip) || (fp != "" && !digits(fp)) || strings.HasSuffix(s, ".") {
		return "", errors.New("not a decimal number (e.g. 12.5)")
	}
	ip = strings.TrimLeft(ip, "0")
	if ip == "" {
		ip = "0"
	}
	if len(ip) > intDigits {
		return "", errors.New("number too large")
	}
	if len(fp) > scale {
		return "", errors.New("too many decimals (at most " + strconv.Itoa(scale) + ")")
	}
	if fp == "" {
		return ip, nil
	}
	return ip + "." + fp, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// IsISODate tells whether s is a valid date written YYYY-MM-DD, the form
// ParseDate normalises to, checked without time.Parse (a national import
// parses some 15 million of them).
func IsISODate(s string) bool {
	_, _, _, ok := isoDate(s)
	return ok
}

// isoDate reads YYYY-MM-DD as time.Parse(time.DateOnly) does: any
// four-digit year, a month 01-12 and a day that exists in that month.
func isoDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	num := func(b string) (int, bool) {
		v := 0
		for i := 0; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
