package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/graphiql"
)

// browserOptions are serve's settings for browsers: CORS, signed download
// links, and what GraphiQL offers.
type browserOptions struct {
	cors *string
}

func browserFlags(fs *flag.FlagSet) *browserOptions {
	return &browserOptions{
		cors: fs.String("cors-origins", os.Getenv("GPEC_CORS_ORIGINS"),
			"comma-separated origins whose pages may call the API from a browser, e.g. https://dash.example.org (env GPEC_CORS_ORIGINS; default none)"),
	}
}

type browserConfig struct {
	corsOrigins    []string
	downloadSecret []byte
	downloadTTL    time.Duration
	examples       []graphiql.Example
	presets        []graphiql.HeaderPreset
}

// config reads the flags and GPEC_DOWNLOAD_SECRET / GPEC_DOWNLOAD_LINK_TTL;
// demo tokens, when given, become GraphiQL's header presets (serve gives
// them only when the page may carry tokens: a loopback listener).
func (b *browserOptions) config(demoTokens []demoToken) (browserConfig, error) {
	var c browserConfig
	for _, o := range strings.Split(*b.cors, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o != "*" && !(strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://")) {
			return c, fmt.Errorf("-cors-origins: %q is not an origin (scheme://host[:port])", o)
		}
		c.corsOrigins = append(c.corsOrigins, o)
	}
	if s := os.Getenv("GPEC_DOWNLOAD_SECRET"); s != "" {
		if len(s) < 32 {
			return c, errors.New("GPEC_DOWNLOAD_SECRET must be at least 32 characters")
		}
		c.downloadSecret = []byte(s)
	}
	c.downloadTTL = envDuration("GPEC_DOWNLOAD_LINK_TTL", 5*time.Minute)
	c.examples = graphiql.DocumentedExamples()
	for _, t := range demoTokens {
		c.presets = append(c.presets, graphiql.HeaderPreset{
			Name: t.Name, Headers: fmt.Sprintf(`{"Authorization": "Bearer %s"}`, t.Token)})
	}
	return c, nil
}
