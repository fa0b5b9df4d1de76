package csvio

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Clean trims a cell's surrounding spaces and removes the quote that export
// adds in front of a formula-like value, so that export → import gives the
// same value back. An empty result means null.
func Clean(s string) string {
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
