package main

import (
	"flag"
	"io"
	"testing"
)

// TestCampaignKeysFlag: the cap on campaign rollups comes from the flag,
// else from GPEC_ROLLUP_CAMPAIGN_KEYS, else the default; 0 keeps none
// (the Refresher's -1, since its 0 means the default); a bad setting is an
// error naming it.
func TestCampaignKeysFlag(t *testing.T) {
	parse := func(env string, args ...string) (int, error) {
		t.Setenv("GPEC_ROLLUP_CAMPAIGN_KEYS", env)
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		get := campaignKeysFlag(fs)
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
		{"", nil, 30},
		{"12", nil, 12},
		{"12", []string{"-rollup-campaign-keys", "4"}, 4},
		{"", []string{"-rollup-campaign-keys", "0"}, 0},
	} {
		got, err := parse(c.env, c.args...)
		if err != nil || got != c.want {
			t.Errorf("env %q args %v: %d, %v; want %d", c.env, c.args, got, err, c.want)
		}
	}
	for _, c := range []struct {
		env  string
		args []string
	}{{"many", nil}, {"-3", nil}, {"", []string{"-rollup-campaign-keys", "-1"}}} {
		if _, err := parse(c.env, c.args...); err == nil {
			t.Errorf("env %q args %v: no error", c.env, c.args)
		}
	}
	if got := refresher(nil, 0).MaxCampaignKeys; got >= 0 {
		t.Errorf("0 campaign keys gives MaxCampaignKeys %d, want < 0 (none)", got)
	}
	if got := refresher(nil, 7).MaxCampaignKeys; got != 7 {
		t.Errorf("7 campaign keys gives MaxCampaignKeys %d", got)
	}
}
