package dashboard_test

// Browser tests: the real server on a test database with the demo seed,
// driven in headless Chromium through chromedp. They check that each view
// draws the figures the API answers to the same query, that the language
// switches, that a hidden cell is drawn hatched, and that a token without
// the right sees the API's error. Without a Chromium binary they skip
// (CI installs Debian's chromium, see .ci/run).
//
// DASHBOARD_SCREENSHOTS=DIR writes a screenshot of each view into DIR
// (docs/dashboard holds the committed ones).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
	"github.com/gpec-project/gpec/internal/testdb/demodata"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// chromiumPath finds a Chromium or Chrome binary, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium binary found (chromium, chromium-browser, google-chrome or $CHROMIUM): the dashboard's browser tests need one; on Debian: apt-get install chromium")
	return ""
}

// demo loads the reference data and the small seeded dataset, as `gpec serve` does.
func demo(t *testing.T, d *sqlx.DB) { demodata.Load(t, d) }

func token(t *testing.T, d *sqlx.DB, role auth.Role, scope auth.Scope) string {
	t.Helper()
	tok, _, err := auth.Create(context.Background(), d, role, scope, time.Time{}, "browser test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// gql asks the running server what the page asks it, with the same token.
func gql(t *testing.T, base, tok, query string, vars map[string]any, out any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r gqlResponse
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if len(r.Errors) > 0 {
			t.Fatalf("API errors: %+v", r.Errors)
		}
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// browser starts a fresh headless Chromium (a new profile each time) and
// returns a tab's context.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	// Start the browser on this context: the first run's context is the
	// browser's lifetime, and later steps run under shorter ones.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	return ctx
}

// do runs steps, each batch within 20 s: a wait that never ends fails
// with what the page shows instead.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('main').innerText.slice(0, 800)`))
		t.Fatalf("%v; the page shows:\n%s", err, text)
	}
}

// eval runs a JavaScript expression in the page and decodes its JSON value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// signIn opens the dashboard, pastes the token and waits for a view.
func signIn(t *testing.T, ctx context.Context, base, tok string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/dashboard/"),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", tok),
		chromedp.Click("form.token-form button"),
		chromedp.WaitReady("#panel[data-ready]"))
}

// waitView waits for the panel to show the named state, and checks that
// the browser refused nothing under the page's CSP.
func waitView(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	do(t, ctx, chromedp.WaitReady(`#panel[data-ready]`))
	if got := eval[string](t, ctx, `document.getElementById('panel').dataset.ready`); got != want {
		// The errors first (they may be at the end of a long page), then the page's start.
		text := eval[string](t, ctx, `[...document.querySelectorAll('#panel .error')].map((e) => e.innerText).join('\n') + '\n---\n' + document.getElementById('panel').innerText.slice(0, 600)`)
		t.Fatalf("view %q, want %q; the page shows:\n%s", got, want, text)
	}
	if v := eval[[]string](t, ctx, `window.gpecCSPViolations`); len(v) > 0 {
		t.Fatalf("the page's CSP refused: %v", v)
	}
}

func clickTab(t *testing.T, ctx context.Context, tab, want string) {
	t.Helper()
	do(t, ctx, chromedp.Click("#tab-"+tab), chromedp.WaitReady(`#tab-`+tab+`[aria-selected="true"]`))
	waitView(t, ctx, want)
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("DASHBOARD_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// bar is one row of a bar chart as the page draws it.
type bar struct {
	Code     string
	Gap      int
	Coverage *float64
}

func bars(t *testing.T, ctx context.Context, chart string) []bar {
	t.Helper()
	return eval[[]bar](t, ctx, `[...document.querySelectorAll('#`+chart+` .bar-row')].map((g) => ({
		code: g.dataset.code,
		gap: Number(g.querySelector('.bar-gap').dataset.value),
		coverage: g.querySelector('.bar-coverage').dataset.value === '' ? null : Number(g.querySelector('.bar-coverage').dataset.value),
	}))`)
}

type skillFigures struct {
	Skill    struct{ Code string }
	Gap      int
	Coverage *float64
}

func sameBars(t *testing.T, got []bar, want []skillFigures) {
	t.Helper()
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d bars drawn, the API answers %d skills", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Code != w.Skill.Code || g.Gap != w.Gap || (g.Coverage == nil) != (w.Coverage == nil) ||
			(w.Coverage != nil && math.Abs(*g.Coverage-*w.Coverage) > 1e-9) {
			t.Fatalf("bar %d: drawn %+v, the API answers %+v", i, g, w)
		}
	}
}

// area is one territory of a map as the page draws it.
type area struct {
	Code   string
	Value  *int
	Reason string
	Fill   string
	Title  string
}

func areas(t *testing.T, ctx context.Context, mapBox string) map[string]area {
	t.Helper()
	list := eval[[]area](t, ctx, `[...document.querySelectorAll('#`+mapBox+` path.has-data')].map((p) => ({
		code: p.dataset.code,
		value: p.dataset.value === undefined ? null : Number(p.dataset.value),
		reason: p.dataset.reason || '',
		fill: p.getAttribute('fill'),
		title: p.querySelector('title').textContent,
	}))`)
	out := map[string]area{}
	for _, a := range list {
		out[a.Code] = a
	}
	return out
}

func TestDashboardInBrowser(t *testing.T) {
	chromiumPath(t) // skips before the database work when there is no Chromium
	d, _ := testdb.New(t)
	demo(t, d)
	// Fill the upcoming sessions that have enrolments to their last seat, so
	// that the pole view shows full sessions as full ("complet").
	if _, err := d.Exec(`UPDATE training_sessions s SET seats = e.n
		FROM (SELECT training_id, session_id, count(*) AS n FROM enrolments WHERE status <> 'cancelled' GROUP BY 1, 2) e
		WHERE e.training_id = s.training_id AND e.session_id = s.session_id AND s.start_date > current_date`); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(d, server.Config{LoaderWait: 2 * time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	defer srv.Close()
	base := srv.URL
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := noFollow.Get(base + "/dashboard"); err != nil || (res.StatusCode != http.StatusMovedPermanently && res.StatusCode != http.StatusTemporaryRedirect) || res.Header.Get("Location") != "/dashboard/" {
		t.Fatalf("GET /dashboard: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	var siren string
	if err := d.Get(&siren, `SELECT m.siren FROM memberships m JOIN companies c USING (siren)
		WHERE m.pole_id = 'aerospace-valley' AND (m.until IS NULL OR m.until > current_date) ORDER BY c.name LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	poleTok := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	companyTok := token(t, d, auth.RoleCompany, auth.Scope{Siren: siren})
	obsTok := token(t, d, auth.RoleObservatory, auth.Scope{Territory: &auth.Territory{Level: "region", Code: "76"}})
	adminTok := token(t, d, auth.RoleAdmin, auth.Scope{})
	horizon := time.Now().Year() + 3

	t.Run("pole manager", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, base, poleTok)
		waitView(t, ctx, "pole")
		if role := eval[string](t, ctx, `document.getElementById('who').dataset.role`); role != "pole" {
			t.Fatalf("token recognised as %q, want pole", role)
		}
		if href := eval[string](t, ctx, `location.href`); strings.Contains(href, poleTok) || strings.Contains(href, "token") {
			t.Fatalf("the token is in the address: %s", href)
		}
		if kept := eval[string](t, ctx, `sessionStorage.getItem('gpec.dashboard.token')`); kept != poleTok {
			t.Fatal("the token is not kept in sessionStorage")
		}

		var answer struct {
			Pole struct {
				Members  struct{ TotalCount int }
				Strategy struct{ CriticalSkills []skillFigures }
			}
		}
		gql(t, base, poleTok, `query($h: Int!) { pole(id: "aerospace-valley") { members(first: 1) { totalCount }
			strategy(horizon: $h, withPlan: true) { criticalSkills(first: 12) { skill { code } gap coverage } } } }`, map[string]any{"h": horizon}, &answer)
		sameBars(t, bars(t, ctx, "critical-skills"), answer.Pole.Strategy.CriticalSkills)
		if got := eval[string](t, ctx, `document.querySelector('[data-kpi=members] .kpi-value').textContent`); got != fmt.Sprint(answer.Pole.Members.TotalCount) {
			t.Fatalf("members KPI %q, the API answers %d", got, answer.Pole.Members.TotalCount)
		}

		var agg struct {
			TerritorialAggregates struct {
				Cells []struct {
					TerritoryCode, DimensionCode string
					RoleGap                      *int
				}
			}
		}
		gql(t, base, poleTok, `query($h: Int!) { territorialAggregates(level: department, dimension: pole, horizon: $h) {
			cells { territoryCode dimensionCode roleGap } } }`, map[string]any{"h": horizon}, &agg)
		drawn := areas(t, ctx, "pole-map")
		n := 0
		for _, c := range agg.TerritorialAggregates.Cells {
			if c.DimensionCode != "aerospace-valley" {
				continue
			}
			n++
			a, ok := drawn[c.TerritoryCode]
			if len(c.TerritoryCode) == 3 {
				continue // overseas: listed, not drawn
			}
			if !ok || a.Value == nil || c.RoleGap == nil || *a.Value != *c.RoleGap {
				t.Fatalf("department %s: drawn %+v, the API answers roleGap %v", c.TerritoryCode, a, c.RoleGap)
			}
			if a.Fill == "" || strings.HasPrefix(a.Fill, "url(") {
				t.Fatalf("department %s is not coloured: fill %q", c.TerritoryCode, a.Fill)
			}
		}
		if n == 0 || len(drawn) > n {
			t.Fatalf("%d departments drawn with data, the API answers %d", len(drawn), n)
		}
		checkPolePlanAndCampaigns(t, ctx, base, poleTok, horizon)
		screenshot(t, ctx, "pole-fr")

		// English, and back: same figures, other words.
		do(t, ctx, chromedp.Click("#lang"), chromedp.WaitReady(`html[lang="en"]`))
		waitView(t, ctx, "pole")
		if got := eval[string](t, ctx, `document.getElementById('tab-pole').textContent + '|' + document.querySelector('#critical-skills').closest('section').querySelector('h3').textContent`); got != "Pole|Critical skills" {
			t.Fatalf("after switching to English the page reads %q", got)
		}
		sameBars(t, bars(t, ctx, "critical-skills"), answer.Pole.Strategy.CriticalSkills)
		screenshot(t, ctx, "pole-en")
		do(t, ctx, chromedp.Click("#lang"), chromedp.WaitReady(`html[lang="fr"]`))
		waitView(t, ctx, "pole")
		if got := eval[string](t, ctx, `document.getElementById('tab-pole').textContent + '|' + document.getElementById('lang').textContent`); got != "Pôle|English" {
			t.Fatalf("back in French the page reads %q", got)
		}

		// Keyboard: the map's territories with data take the focus and say their figure.
		do(t, ctx, chromedp.Focus(`#pole-map path.has-data`))
		if got := eval[string](t, ctx, `document.querySelector('#pole-map .map-info').textContent`); !strings.Contains(got, ":") {
			t.Fatalf("focusing a department shows %q", got)
		}

		// The CSP check above can fail: an inline script is refused and noted.
		eval[bool](t, ctx, `(() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.append(s); return true; })()`)
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.gpecCSPViolations.length > 0`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
			t.Fatalf("no CSP violation noted for an inline script: %v", err)
		}
		if v := eval[[]string](t, ctx, `window.gpecCSPViolations.splice(0)`); len(v) != 1 || !strings.HasPrefix(v[0], "script-src") || eval[bool](t, ctx, `window.ran === 1`) {
			t.Fatalf("an inline script was not refused by the CSP: %v", v)
		}

		// A pole manager has no right to releases' aggregates: the view says so, not a broken page.
		clickTab(t, ctx, "observatory", observatoryState(t, base, poleTok))
	})

	t.Run("first view under 1 s", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, base, poleTok)
		waitView(t, ctx, "pole")
		// A visit with the token already in the tab: navigation to the first view drawn.
		best := math.Inf(1)
		for i := 0; i < 3; i++ {
			do(t, ctx, chromedp.Reload(), chromedp.WaitReady("#panel[data-ready]"))
			ms := eval[float64](t, ctx, `window.gpecFirstViewMs`)
			t.Logf("load %d: first view drawn %.0f ms after navigation", i+1, ms)
			best = math.Min(best, ms)
		}
		// The bound holds on a machine that is not busy with other work; on
		// an overloaded one (load average above its cores) only a gross
		// regression fails, and the log says why.
		limit := 1000.0
		if load, ok := loadAverage(); ok && load > float64(runtime.NumCPU()) {
			t.Logf("load average %.1f on %d cores: judging against 5 s instead of 1 s", load, runtime.NumCPU())
			limit = 5000
		}
		if best > limit {
			t.Fatalf("the first view took %.0f ms at best, want under %.0f ms", best, limit)
		}
	})

	t.Run("company", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, base, companyTok)
		waitView(t, ctx, "company")
		var answer struct {
			Company struct {
				Sites     []struct{ Department struct{ Code string } }
				SkillGaps []skillFigures
			}
		}
		gql(t, base, companyTok, `query($s: String!, $h: Int!) { company(siren: $s) { sites { department { code } }
			skillGaps(horizon: $h, first: 12) { skill { code } gap coverage } } }`, map[string]any{"s": siren, "h": horizon}, &answer)
		sameBars(t, bars(t, ctx, "company-skills"), answer.Company.SkillGaps)
		drawn := areas(t, ctx, "company-map")
		for _, s := range answer.Company.Sites {
			if _, ok := drawn[s.Department.Code]; !ok && len(s.Department.Code) == 2 {
				t.Fatalf("site department %s not on the map (%v)", s.Department.Code, drawn)
			}
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('#sites li').length`); n != len(answer.Company.Sites) {
			t.Fatalf("%d sites listed, the API answers %d", n, len(answer.Company.Sites))
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('#trainings-near tbody tr').length`); n != len(answer.Company.SkillGaps) {
			t.Fatalf("%d rows of trainings near, want %d", n, len(answer.Company.SkillGaps))
		}
		screenshot(t, ctx, "company")

		// The pole's view is not this token's to read: the API's own error shows.
		clickTab(t, ctx, "pole", "pole-error")
		pole := eval[string](t, ctx, `document.getElementById('pole').value`)
		want := gql(t, base, companyTok, `query($id: ID!) { pole(id: $id) { members(first: 1) { totalCount } } }`, map[string]any{"id": pole}, nil)
		if len(want.Errors) == 0 {
			t.Fatal("the API lets a company read its pole's members")
		}
		shown := eval[string](t, ctx, `[...document.querySelectorAll('#panel .api-error')].map((e) => e.dataset.code + ' ' + e.textContent).join('\n')`)
		if !strings.Contains(shown, want.Errors[0].Message) || !strings.Contains(shown, "FORBIDDEN") {
			t.Fatalf("the page shows %q, the API answers %q", shown, want.Errors[0].Message)
		}
		screenshot(t, ctx, "company-forbidden")
	})

	// Each demo role in each view: the view, or the API's own refusal.
	t.Run("each role, each view", func(t *testing.T) {
		type want struct{ role, pole, company string }
		for _, c := range []struct {
			name, tok string
			want
		}{
			{"admin", adminTok, want{"admin", "pole", "company"}},
			{"pole manager", poleTok, want{"pole", "pole", "company"}},
			{"company", companyTok, want{"company", "pole-error", "company"}},
			{"observatory", obsTok, want{"observatory", "pole-error", "company-error"}},
		} {
			ctx := browser(t)
			signIn(t, ctx, base, c.tok)
			if role := eval[string](t, ctx, `document.getElementById('who').dataset.role`); role != c.role {
				t.Fatalf("%s: token recognised as %q", c.name, role)
			}
			for _, v := range []struct{ tab, state string }{{"pole", c.pole}, {"company", c.company}, {"observatory", observatoryState(t, base, c.tok)}} {
				clickTab(t, ctx, v.tab, v.state)
				if strings.HasSuffix(v.state, "-error") {
					codes := eval[[]string](t, ctx, `[...document.querySelectorAll('#panel .api-error')].map((e) => e.dataset.code)`)
					if len(codes) == 0 || codes[0] != "FORBIDDEN" {
						t.Fatalf("%s in the %s view: error codes %v, want the API's FORBIDDEN", c.name, v.tab, codes)
					}
				}
			}
			if c.name == "admin" {
				clickTab(t, ctx, "pole", "pole")
				screenshot(t, ctx, "admin-pole")
			}
		}
	})

	t.Run("bad token", func(t *testing.T) {
		ctx := browser(t)
		do(t, ctx,
			chromedp.Navigate(base+"/dashboard/"),
			chromedp.WaitVisible("#token"),
			chromedp.SendKeys("#token", "gpec_notatoken"),
			chromedp.Click("form.token-form button"),
			chromedp.WaitVisible(".token-form .api-error"))
		if code := eval[string](t, ctx, `document.querySelector('.token-form .api-error').dataset.code`); code != "UNAUTHENTICATED" {
			t.Fatalf("a bad token shows error code %q", code)
		}
		if kept := eval[bool](t, ctx, `sessionStorage.getItem('gpec.dashboard.token') === null`); !kept {
			t.Fatal("a refused token stays in sessionStorage")
		}
	})

	t.Run("observatory", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, base, obsTok)
		if !hasReleases(t, base, obsTok) {
			// Without the release API the page says so clearly, then there is nothing more to check.
			waitView(t, ctx, "observatory-none")
			if n := eval[int](t, ctx, `document.querySelectorAll('#no-release-api').length`); n != 1 {
				t.Fatal("no notice that the server has no releases")
			}
			screenshot(t, ctx, "observatory-no-releases")
			t.Skip("this server's schema has no releases field: the release view is checked once the release API is merged")
		}
		release := publishedRelease(t, base, adminTok, obsTok)
		do(t, ctx, chromedp.Reload())
		waitView(t, ctx, "observatory")
		checkReleaseMap(t, ctx, base, obsTok, release)
		screenshot(t, ctx, "observatory")
		// An observatory reads no row: the pole view shows the API's refusal.
		clickTab(t, ctx, "pole", "pole-error")
	})
}

// loadAverage is the machine's 1-minute load average, where the system
// tells it (Linux).
func loadAverage() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	return v, err == nil
}

// observatoryState is the state the observatory view ends in for tok: no
// release API, or the API's answer (none readable, an error, a view).
func observatoryState(t *testing.T, base, tok string) string {
	t.Helper()
	if !hasReleases(t, base, tok) {
		return "observatory-none"
	}
	r := gql(t, base, tok, `{ releases(first: 50) { edges { node { status } } } }`, nil, nil)
	if len(r.Errors) > 0 {
		return "observatory-error"
	}
	if !strings.Contains(string(r.Data), `"PUBLISHED"`) {
		return "observatory-none"
	}
	return "observatory"
}

// hasReleases tells whether the server's schema has the release API.
func hasReleases(t *testing.T, base, tok string) bool {
	t.Helper()
	r := gql(t, base, tok, `{ releases(first: 1) { totalCount } }`, nil, nil)
	for _, e := range r.Errors {
		if strings.Contains(e.Message, `Cannot query field "releases"`) {
			return false
		}
	}
	return true
}

type release struct {
	ID            string
	ReferenceDate string
	Horizons      []int
}

// publishedRelease builds a release as an admin and waits until it is
// published and readable by the observatory.
func publishedRelease(t *testing.T, base, adminTok, obsTok string) release {
	t.Helper()
	var created struct{ CreateRelease struct{ ID string } }
	gql(t, base, adminTok, `mutation($d: Date!) { createRelease(date: $d) { id } }`, map[string]any{"d": time.Now().Format("2006-01-02")}, &created)
	deadline := time.Now().Add(90 * time.Second)
	for {
		var r struct {
			Release *struct {
				release
				Status string
			}
		}
		gql(t, base, adminTok, `query($id: ID!) { release(id: $id) { id referenceDate horizons status } }`, map[string]any{"id": created.CreateRelease.ID}, &r)
		if r.Release != nil && r.Release.Status == "PUBLISHED" {
			return r.Release.release
		}
		if r.Release != nil && r.Release.Status == "FAILED" {
			t.Fatal("the release build failed")
		}
		if time.Now().After(deadline) {
			t.Fatal("the release is not published after 90 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkReleaseMap compares the drawn map with the API's table for the
// view's defaults (departments, no dimension, the middle horizon,
// headcount), and checks that hidden cells are hatched with their reason.
func checkReleaseMap(t *testing.T, ctx context.Context, base, tok string, rel release) {
	t.Helper()
	h := rel.Horizons[min(1, len(rel.Horizons)-1)]
	var answer struct {
		Release struct {
			Table struct {
				TerritoryTotals []struct {
					TerritoryCode string
					Headcount     *int
					Suppressed    bool
					Reason        *string
				}
			}
		}
	}
	gql(t, base, tok, `query($id: ID!, $h: Int!) { release(id: $id) { table(level: department, horizon: $h) {
		territoryTotals { territoryCode headcount suppressed reason } } } }`, map[string]any{"id": rel.ID, "h": h}, &answer)
	drawn := areas(t, ctx, "release-map")
	if len(answer.Release.Table.TerritoryTotals) == 0 {
		t.Fatal("the release has no department of the observatory's territory")
	}
	for _, c := range answer.Release.Table.TerritoryTotals {
		if len(c.TerritoryCode) == 3 {
			continue
		}
		a, ok := drawn[c.TerritoryCode]
		if !ok {
			t.Fatalf("department %s not drawn", c.TerritoryCode)
		}
		if c.Suppressed {
			if !strings.HasPrefix(a.Fill, "url(#") || c.Reason == nil || a.Reason != *c.Reason || !strings.Contains(a.Title, *c.Reason) {
				t.Fatalf("hidden department %s drawn %+v, the API answers reason %v", c.TerritoryCode, a, c.Reason)
			}
			continue
		}
		if a.Value == nil || c.Headcount == nil || *a.Value != *c.Headcount {
			t.Fatalf("department %s: drawn %+v, the API answers headcount %v", c.TerritoryCode, a, c.Headcount)
		}
	}
	rows := eval[int](t, ctx, `document.querySelectorAll('#release-table tbody tr').length`)
	if rows != len(answer.Release.Table.TerritoryTotals)+1 {
		t.Fatalf("%d table rows, want %d territories and the total", rows, len(answer.Release.Table.TerritoryTotals))
	}
}

// checkPolePlanAndCampaigns compares the pole view's gap after the plan,
// the opportunities' upcoming sessions, the campaigns' follow-up and the
// gap trend with the API's answers to the same questions.
func checkPolePlanAndCampaigns(t *testing.T, ctx context.Context, base, tok string, horizon int) {
	t.Helper()
	var answer struct {
		Pole struct {
			Strategy struct {
				CriticalSkills []struct {
					Skill        struct{ Code string }
					GapAfterPlan *int
				}
				SharedTrainingOpportunities []struct {
					Department struct{ Code string }
					Skill      struct{ Code string }
					Sessions   []struct {
						StartDate string
						FreeSeats *int
					}
				}
			}
			Campaigns []struct {
				ID       string
				FollowUp struct {
					ResponseRate   *float64
					NonRespondents []struct{ Siren string }
				}
			}
			Trend struct {
				Points []struct{ AsOf string }
				Skills []struct {
					Skill  struct{ Code string }
					Points []struct{ Gap struct{ Value int } }
				}
			}
		}
	}
	gql(t, base, tok, `query($h: Int!) { pole(id: "aerospace-valley") {
		strategy(horizon: $h, withPlan: true) { criticalSkills(first: 12) { skill { code } gapAfterPlan }
			sharedTrainingOpportunities(first: 15) { department { code } skill { code } sessions(first: 3) { startDate freeSeats } } }
		campaigns { id followUp { responseRate nonRespondents { siren } } }
		trend(first: 6) { points { asOf } skills { skill { code } points { gap { value } } } } } }`, map[string]any{"h": horizon}, &answer)
	p := answer.Pole

	// The gap after the plan, bar by bar.
	plan := eval[[]string](t, ctx, `[...document.querySelectorAll('#critical-skills .bar-row')].map((g) => g.dataset.code + '=' + g.querySelector('.bar-plan').dataset.value)`)
	if len(plan) != len(p.Strategy.CriticalSkills) {
		t.Fatalf("%d plan bars drawn, the API answers %d skills", len(plan), len(p.Strategy.CriticalSkills))
	}
	for i, c := range p.Strategy.CriticalSkills {
		want := c.Skill.Code + "="
		if c.GapAfterPlan != nil {
			want += fmt.Sprint(*c.GapAfterPlan)
		}
		if plan[i] != want {
			t.Fatalf("plan bar %d: drawn %q, the API answers %q", i, plan[i], want)
		}
	}
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#critical-skills .legend')].map((e) => e.textContent).join('|')`); got != "Écart|Écart après le plan de formation" {
		t.Fatalf("the plan bars' legend reads %q", got)
	}

	// Upcoming sessions of each opportunity: start date and free seats, "complet" when full.
	type sess struct {
		Start, Free, Text string
	}
	drawn := eval[map[string][]sess](t, ctx, `Object.fromEntries([...document.querySelectorAll('#opportunities tbody tr')].map((tr) => [tr.dataset.key,
		[...tr.querySelectorAll('li.session')].map((li) => ({ start: li.dataset.start, free: li.dataset.free, text: li.querySelector('strong').textContent }))]))`)
	if len(drawn) != len(p.Strategy.SharedTrainingOpportunities) {
		t.Fatalf("%d opportunities drawn, the API answers %d", len(drawn), len(p.Strategy.SharedTrainingOpportunities))
	}
	sessions, full := 0, 0
	for _, o := range p.Strategy.SharedTrainingOpportunities {
		key := o.Department.Code + "|" + o.Skill.Code
		got := drawn[key]
		if len(got) != len(o.Sessions) {
			t.Fatalf("opportunity %s: %d sessions listed, the API answers %d", key, len(got), len(o.Sessions))
		}
		for i, w := range o.Sessions {
			free := ""
			if w.FreeSeats != nil {
				free = fmt.Sprint(*w.FreeSeats)
			}
			if got[i].Start != w.StartDate || got[i].Free != free {
				t.Fatalf("opportunity %s session %d: listed %+v, the API answers %s with %s free seats", key, i, got[i], w.StartDate, free)
			}
			if w.FreeSeats != nil && *w.FreeSeats == 0 {
				full++
				if got[i].Text != "complet" {
					t.Fatalf("opportunity %s session %d is full, the page says %q", key, i, got[i].Text)
				}
			}
			sessions++
		}
	}
	if full == 0 {
		t.Fatal("no full session among the opportunities' sessions: the test's data does not check \"complet\"")
	}
	t.Logf("%d opportunities, %d upcoming sessions listed (%d full)", len(drawn), sessions, full)

	// Campaigns: response rate and non-respondents per campaign.
	type row struct{ ID, Rate, Non string }
	rows := eval[[]row](t, ctx, `[...document.querySelectorAll('#campaigns tbody tr')].map((tr) => ({ id: tr.dataset.id, rate: tr.dataset.rate, non: tr.dataset.non }))`)
	if len(rows) != len(p.Campaigns) {
		t.Fatalf("%d campaigns listed, the API answers %d", len(rows), len(p.Campaigns))
	}
	for i, c := range p.Campaigns {
		rate := ""
		if c.FollowUp.ResponseRate != nil {
			rate = fmt.Sprint(*c.FollowUp.ResponseRate)
		}
		gotRate := rows[i].Rate
		if gotRate != "" && rate != "" {
			var g float64
			fmt.Sscan(gotRate, &g)
			if math.Abs(g-*c.FollowUp.ResponseRate) < 1e-12 {
				gotRate = rate
			}
		}
		if rows[i].ID != c.ID || gotRate != rate || rows[i].Non != fmt.Sprint(len(c.FollowUp.NonRespondents)) {
			t.Fatalf("campaign %d: listed %+v, the API answers %s rate %s, %d non-respondents", i, rows[i], c.ID, rate, len(c.FollowUp.NonRespondents))
		}
	}
	want := "none"
	if len(p.Campaigns) > 0 {
		want = "shown"
	}
	if got := eval[string](t, ctx, `document.getElementById('campaigns-box').dataset.campaigns || ''`); got != want {
		t.Fatalf("campaigns: the page says %q, want %q", got, want)
	}

	// The trend: one small chart per skill, its gap at each campaign.
	if len(p.Campaigns) > 0 {
		lines := eval[[]string](t, ctx, `[...document.querySelectorAll('#gap-trend svg.trend')].map((s) => s.dataset.code + '=' + s.dataset.values)`)
		if len(lines) != len(p.Trend.Skills) {
			t.Fatalf("%d trend charts drawn, the API answers %d skills", len(lines), len(p.Trend.Skills))
		}
		for i, k := range p.Trend.Skills {
			vals := make([]string, len(k.Points))
			for j, pt := range k.Points {
				vals[j] = fmt.Sprint(pt.Gap.Value)
			}
			if w := k.Skill.Code + "=" + strings.Join(vals, ","); lines[i] != w {
				t.Fatalf("trend %d: drawn %q, the API answers %q", i, lines[i], w)
			}
		}
		t.Logf("%d campaigns, trend of %d skills over %d points", len(p.Campaigns), len(lines), len(p.Trend.Points))
	}
}
