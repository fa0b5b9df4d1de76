package main

import (
	"flag"
	"io"
	"testing"

	"github.com/gpec-project/gpec/internal/release"
	"github.com/gpec-project/gpec/internal/rollup"
	"github.com/gpec-project/gpec/internal/store"
)

// TestCountFlags: each count setting comes from its flag, else from its
// environment variable, else its default; 0 gives what its consumer reads
// as none (the caches' -1, since their 0 means the default; the
// Refresher's 0 becomes -1 in refresher); a bad setting is an error naming
// it.
func TestCountFlags(t *testing.T) {
	for _, f := range []struct {
		name, env string
		define    func(*flag.FlagSet) func() (int, error)
		def, zero int
	}{
		{"company-cache-rows", "GPEC_COMPANY_CACHE_ROWS", companyCacheFlag, store.DefaultCompanyCacheRows, -1},
		{"release-cache-cells", "GPEC_RELEASE_CACHE_CELLS", releaseCacheFlag, release.DefaultCacheCells, -1},
		{"rollup-campaign-keys", "GPEC_ROLLUP_CAMPAIGN_KEYS", campaignKeysFlag, rollup.DefaultMaxCampaignKeys, 0},
		{"rollup-yield", "GPEC_ROLLUP_YIELD", yieldFlag, rollup.DefaultYield, 0},
	} {
		parse := func(env string, args ...string) (int, error) {
			t.Setenv(f.env, env)
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			get := f.define(fs)
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
			{"", nil, f.def},
			{"12", nil, 12},
			{"12", []string{"-" + f.name, "4"}, 4},
			{"", []string{"-" + f.name, "0"}, f.zero},
			{"0", nil, f.zero},
		} {
			got, err := parse(c.env, c.args...)
			if err != nil || got != c.want {
				t.Errorf("%s: env %q args %v: %d, %v; want %d", f.name, c.env, c.args, got, err, c.want)
			}
		}
		for _, c := range []struct {
			env  string
			args []string
		}{{"many", nil}, {"-3", nil}, {"", []string{"-" + f.name, "-1"}}} {
			if _, err := parse(c.env, c.args...); err == nil {
				t.Errorf("%s: env %q args %v: no error", f.name, c.env, c.args)
			}
		}
	}
	if got := refresher(nil, 0, 0).MaxCampaignKeys; got >= 0 {
		t.Errorf("0 campaign keys gives MaxCampaignKeys %d, want < 0 (none)", got)
	}
	if got := refresher(nil, 7, 0).MaxCampaignKeys; got != 7 {
		t.Errorf("7 campaign keys gives MaxCampaignKeys %d", got)
	}
}
