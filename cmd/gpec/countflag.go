package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
)

// countFlag defines the flag -name, a count (0 or more) whose default the
// environment variable env sets (README's configuration table), else def.
// The returned function, called after parsing, gives the value or says
// which setting is wrong: the variable's or the flag's.
func countFlag(fs *flag.FlagSet, name, env string, def int, usage string) func() (int, error) {
	var bad error
	if v := os.Getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad = fmt.Errorf("%s=%q: not a count (0 or more)", env, v)
		} else {
			def = n
		}
	}
	n := fs.Int(name, def, usage)
	return func() (int, error) {
		switch {
		case bad != nil:
			return 0, bad
		case *n < 0:
			return 0, usagef("-%s must be 0 or more, got %d", name, *n)
		}
		return *n, nil
	}
}

// offWhenZero turns a count flag's 0 ("disables") into the negative bound
// server.Config reads as none.
func offWhenZero(get func() (int, error)) func() (int, error) {
	return func() (int, error) {
		n, err := get()
		if err == nil && n == 0 {
			return -1, nil
		}
		return n, err
	}
}
