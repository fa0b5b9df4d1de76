package main

import (
	"flag"
	"io"
	"testing"

	"github.com/gpec-project/gpec/internal/store"
)

// TestCompanyCacheFlag: the bound of the companies pages kept comes from
// the flag, else from GPEC_COMPANY_CACHE_ROWS, else the default; 0 keeps
// none (server.Config's -1, since its 0 means the default); a bad setting
// is an error naming it.
func TestCompanyCacheFlag(t *testing.T) {
	parse := func(env string, args ...string) (int, error) {
		t.Setenv("GPEC_COMPANY_CACHE_ROWS", env)
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		get := companyCacheFlag(fs)
		if err := fs.Parse(args); err != nil {
			return 0, err
		}
		return get()
	}
	for _, c := range []struct {
		env  string
		args []string
		want int
	}{
		{"", nil, store.DefaultCompanyCacheRows},
		{"500", nil, 500},
		{"500", []string{"-company-cache-rows", "1"}, 1},
		{"", []string{"-company-cache-rows", "0"}, -1},
		{"0", nil, -1},
	} {
		got, err := parse(c.env, c.args...)
		if err != nil || got != c.want {
			t.Errorf("env %q args %v: %d, %v; want %d", c.env, c.args, got, err, c.want)
		}
	}
	for _, c := range []struct {
		env  string
		args []string
	}{{"many", nil}, {"-3", nil}, {"", []string{"-company-cache-rows", "-1"}}} {
		if _, err := parse(c.env, c.args...); err == nil {
			t.Errorf("env %q args %v: no error", c.env, c.args)
		}
	}
}
