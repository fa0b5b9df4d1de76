package seed

// luhnValid tells whether a string of digits passes the Luhn checksum that
// SIREN and SIRET numbers carry.
func luhnValid(digits string) bool {
	if digits == "" {
		return false
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		c := digits[len(digits)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// luhnComplete appends the check digit that makes body Luhn-valid.
func luhnComplete(body string) string {
	for d := byte('0'); d <= '9'; d++ {
		if s := body + string(d); luhnValid(s) {
			return s
		}
	}
	panic("luhnComplete: not digits: " + body)
}
