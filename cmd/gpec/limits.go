package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/limits"
)

// limitFlags defines serve's flags for every request limit, each with an
// environment variable that sets its default (README's configuration
// table lists them). The returned function, called after fs.Parse, gives
// the configurations, or the first environment variable that does not
// parse.
func limitFlags(fs *flag.FlagSet) func() (limits.Config, auth.Config, error) {
	lim := limits.Defaults()
	au := auth.DefaultConfig()
	var bad error
	envInt := func(p *int, flagName, env, usage string) {
		def := *p
		if v := os.Getenv(env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil && bad == nil {
				bad = fmt.Errorf("%s=%q: not an integer", env, v)
			}
			if err == nil {
				def = n
			}
		}
		fs.IntVar(p, flagName, def, usage+" (env "+env+"; 0 disables)")
	}
	envFloat := func(p *float64, flagName, env, usage string) {
		def := *p
		if v := os.Getenv(env); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil && bad == nil {
				bad = fmt.Errorf("%s=%q: not a number", env, v)
			}
			if err == nil {
				def = n
			}
		}
		fs.Float64Var(p, flagName, def, usage+" (env "+env+"; 0 disables)")
	}
	envDur := func(p *time.Duration, flagName, env, usage string) {
		def := *p
		if v := os.Getenv(env); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil && bad == nil {
				bad = fmt.Errorf("%s=%q: not a duration such as 30s", env, v)
			}
			if err == nil {
				def = d
			}
		}
		fs.DurationVar(p, flagName, def, usage+" (env "+env+")")
	}
	var bodyBytes int
	bodyBytes = int(lim.MaxBodyBytes)
	search := limits.DefaultStringLengths["search"]

	envInt(&lim.MaxDepth, "max-depth", "GPEC_MAX_DEPTH", "deepest field nesting, fragments expanded")
	envInt(&lim.MaxIntrospectionDepth, "max-introspection-depth", "GPEC_MAX_INTROSPECTION_DEPTH", "deepest nesting under __schema and __type")
	envInt(&lim.MaxCost, "max-cost", "GPEC_MAX_COST", "largest estimated cost of one operation")
	envFloat(&lim.CostPerSecond, "cost-per-second", "GPEC_COST_PER_SECOND", "cost a token may spend per second")
	envInt(&lim.MaxInFlight, "max-in-flight", "GPEC_MAX_IN_FLIGHT", "requests a token may have running at once")
	envInt(&lim.MaxAliases, "max-aliases", "GPEC_MAX_ALIASES", "aliased fields in one document")
	envInt(&lim.MaxFields, "max-fields", "GPEC_MAX_FIELDS", "fields in one document, as written and expanded")
	envInt(&lim.MaxTokens, "max-tokens", "GPEC_MAX_TOKENS", "lexer tokens in one document")
	envDur(&lim.Timeout, "request-timeout", "GPEC_REQUEST_TIMEOUT", "deadline of one request (0 disables)")
	envInt(&bodyBytes, "max-body-bytes", "GPEC_MAX_BODY_BYTES", "largest JSON body or GET query string")
	envInt(&lim.MaxStringLength, "max-string-length", "GPEC_MAX_STRING_LENGTH", "longest string argument (identifiers have their own length)")
	envInt(&search, "max-search-length", "GPEC_MAX_SEARCH_LENGTH", "longest search argument")
	envInt(&lim.MaxVariablesBytes, "max-variables-bytes", "GPEC_MAX_VARIABLES_BYTES", "largest variables, as JSON")
	envInt(&lim.MaxVariablesDepth, "max-variables-depth", "GPEC_MAX_VARIABLES_DEPTH", "deepest nesting of variables")
	envInt(&lim.MaxOperationNameLength, "max-operation-name", "GPEC_MAX_OPERATION_NAME", "longest operationName")
	envInt(&lim.MaxAnswerRows, "max-answer-rows", "GPEC_MAX_ANSWER_ROWS", "needs and assessments in one answerCampaign")
	envInt(&lim.MaxEnrolmentRows, "max-enrolment-rows", "GPEC_MAX_ENROLMENT_ROWS", "enrolments in one writeEnrolments")
	envFloat(&au.Rate, "rate-limit", "GPEC_RATE_LIMIT", "requests per second per token (or per address without one)")
	envInt(&au.Burst, "rate-burst", "GPEC_RATE_BURST", "requests a token may send at once above the rate")
	envDur(&au.CacheTTL, "auth-cache-ttl", "GPEC_AUTH_CACHE_TTL", "how long a verified token is reused (revocations apply at once anyway; negative disables)")
	return func() (limits.Config, auth.Config, error) {
		lim.MaxBodyBytes = int64(bodyBytes)
		lim.StringLengths = map[string]int{}
		for k, v := range limits.DefaultStringLengths {
			lim.StringLengths[k] = v
		}
		lim.StringLengths["search"] = search
		return lim, au, bad
	}
}
