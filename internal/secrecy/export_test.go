package secrecy

// Passes reports how many secondary secrecy passes Apply ran.
func Passes(t *Table) int { return t.passes }
