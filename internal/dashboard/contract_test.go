package dashboard_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gpec-project/gpec/internal/dashboard"
)

// releaseAPI answers the dashboard's observatory queries with fixed
// figures in the shapes of the release API's contract (releases, release,
// table), so that the page's drawing of a release, hidden cells included,
// is checked before that API is in this branch; TestDashboardInBrowser
// checks it against the real server once it is.
func releaseAPI(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query     string
		Variables map[string]any
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	w.Header().Set("Content-Type", "application/json")
	dimCode, dimLabel := any(nil), any(nil)
	if req.Variables["dim"] == "role_family" {
		dimCode, dimLabel = "H29", "Mécanique, travail des métaux"
	}
	cell := func(code, name string, headcount any, suppressed bool, reason any) map[string]any {
		return map[string]any{"territoryCode": code, "territoryName": name, "dimensionCode": dimCode, "dimensionLabel": dimLabel,
			"companies": headcount, "headcount": headcount, "departures": headcount, "target": headcount, "roleGap": headcount,
			"required": nil, "qualified": nil, "gap": nil, "suppressed": suppressed, "reason": reason}
	}
	var out any
	switch {
	case strings.Contains(req.Query, "companies(first: 2)"):
		out = map[string]any{"data": nil, "errors": []any{map[string]any{"message": "your token may not list companies", "extensions": map[string]any{"code": "FORBIDDEN"}}}}
	case strings.Contains(req.Query, "releases(first: 50)"):
		out = map[string]any{"data": map[string]any{"releases": map[string]any{"totalCount": 1, "edges": []any{map[string]any{"node": map[string]any{
			"id": "r1", "referenceDate": "2026-06-30", "status": "PUBLISHED", "horizons": []int{2027, 2029, 2031}, "dimensions": []string{"none", "role_family"}}}}}}}
	case strings.Contains(req.Query, "DashboardRelease") && dimCode != nil:
		cells := []any{cell("31", "Haute-Garonne", 50, false, nil), cell("09", "Ariège", nil, true, "DOMINANCE")}
		out = map[string]any{"data": map[string]any{"release": map[string]any{"id": "r1", "referenceDate": "2026-06-30", "table": map[string]any{
			"cells": cells, "dimensionTotals": []any{cell("76", "Occitanie", 80, false, nil)},
			"territoryTotals": []any{}, "total": cell("76", "Occitanie", 320, false, nil),
		}}}}
	case strings.Contains(req.Query, "DashboardRelease"):
		out = map[string]any{"data": map[string]any{"release": map[string]any{"id": "r1", "referenceDate": "2026-06-30", "table": map[string]any{
			"cells": []any{}, "dimensionTotals": []any{},
			"territoryTotals": []any{
				cell("31", "Haute-Garonne", 140, false, nil),
				cell("34", "Hérault", 61, false, nil),
				cell("09", "Ariège", nil, true, "FREQUENCY"),
				cell("11", "Aude", nil, true, "SECONDARY"),
			},
			"total": cell("76", "Occitanie", 320, false, nil),
		}}}}
	default:
		out = map[string]any{"data": nil, "errors": []any{map[string]any{"message": "unexpected query", "extensions": map[string]any{"code": "BAD_USER_INPUT"}}}}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// grabDownload clicks the button and returns the file it would save,
// caught before the browser saves it.
func grabDownload(t *testing.T, ctx context.Context, button string) (string, []byte) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
		const url = URL.createObjectURL, click = HTMLAnchorElement.prototype.click;
		let blob = null, name = null;
		URL.createObjectURL = (b) => { blob = b; return url(b); };
		HTMLAnchorElement.prototype.click = function () { name = this.download; };
		try { document.getElementById('`+button+`').click(); } finally { URL.createObjectURL = url; HTMLAnchorElement.prototype.click = click; }
		const bytes = new Uint8Array(await blob.arrayBuffer());
		let bin = '';
		for (const b of bytes) bin += String.fromCharCode(b);
		return [name, btoa(bin)]; })()`, chromedp.EvalAwaitPromise))
	if err != nil || len(got) != 2 {
		t.Fatalf("downloading with #%s: %v %v", button, got, err)
	}
	b, err := base64.StdEncoding.DecodeString(got[1])
	if err != nil {
		t.Fatal(err)
	}
	return got[0], b
}

func TestObservatoryViewOnReleaseContract(t *testing.T) {
	chromiumPath(t)
	mux := http.NewServeMux()
	mux.Handle("/dashboard/", dashboard.Handler("/dashboard/", "/graphql"))
	mux.HandleFunc("/graphql", releaseAPI)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := browser(t)
	signIn(t, ctx, srv.URL, "gpec_observatory")
	waitView(t, ctx, "observatory")
	drawn := areas(t, ctx, "release-map")
	if a := drawn["31"]; a.Value == nil || *a.Value != 140 || strings.HasPrefix(a.Fill, "url(") {
		t.Fatalf("Haute-Garonne drawn %+v, want 140, coloured", a)
	}
	for code, reason := range map[string]string{"09": "FREQUENCY", "11": "SECONDARY"} {
		a := drawn[code]
		if a.Value != nil || a.Reason != reason || !strings.HasPrefix(a.Fill, "url(#") || !strings.Contains(a.Title, reason) {
			t.Fatalf("hidden department %s drawn %+v, want hatched with reason %s", code, a, reason)
		}
	}
	if len(drawn) != 4 {
		t.Fatalf("%d departments drawn with data, want 4", len(drawn))
	}
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll('#release-table tbody tr')].map((r) => r.innerText.replace(/\s+/g, ' ').trim())`)
	want := []string{"31 Haute-Garonne 140", "34 Hérault 61", "09 Ariège — masqué (moins de 3 entreprises — FREQUENCY)", "11 Aude — masqué (secret secondaire — SECONDARY)", "76 Occitanie 320"}
	if strings.Join(rows, "|") != strings.Join(want, "|") {
		t.Fatalf("table rows:\n%q\nwant\n%q", rows, want)
	}
	// The CSV is what the table shows.
	csvName, csvBytes := grabDownload(t, ctx, "csv")
	csvText := string(csvBytes)
	if !strings.HasSuffix(csvName, ".csv") {
		t.Fatalf("CSV file name %q", csvName)
	}
	for _, line := range []string{
		"release_reference_date,level,territory_code,territory_name,dimension,dimension_code,horizon,measure,value,suppressed,reason",
		"2026-06-30,department,31,Haute-Garonne,none,,2029,headcount,140,false,",
		"2026-06-30,department,09,Ariège,none,,2029,headcount,,true,FREQUENCY",
		"2026-06-30,total,76,Occitanie,none,,2029,headcount,320,false,",
	} {
		if !strings.Contains(csvText, line+"\r\n") {
			t.Fatalf("CSV lacks %q:\n%s", line, csvText)
		}
	}
	screenshot(t, ctx, "observatory-contract")

	// The same table as a workbook.
	xlsxName, xlsxBytes := grabDownload(t, ctx, "xlsx")
	zr, err := zip.NewReader(bytes.NewReader(xlsxBytes), int64(len(xlsxBytes)))
	if err != nil || !strings.HasSuffix(xlsxName, ".xlsx") {
		t.Fatalf("XLSX %q: %v", xlsxName, err)
	}
	var sheet string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc) // checks each entry's CRC
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if f.Name == "xl/worksheets/sheet1.xml" {
			sheet = string(b)
		}
	}
	for _, part := range []string{`<t xml:space="preserve">Haute-Garonne</t>`, `<v>140</v>`, `<t xml:space="preserve">FREQUENCY</t>`, `<t xml:space="preserve">Ariège</t>`} {
		if !strings.Contains(sheet, part) {
			t.Fatalf("the workbook's sheet lacks %s:\n%s", part, sheet)
		}
	}

	// A dimension value: its cells, hidden ones hatched, and the CSV names the value.
	choose := func(id, value string) {
		t.Helper()
		eval[bool](t, ctx, `(() => { const s = document.getElementById('`+id+`'); s.value = '`+value+`';
			document.getElementById('panel').removeAttribute('data-ready'); s.dispatchEvent(new Event('change')); return true; })()`)
		do(t, ctx, chromedp.WaitReady(`#panel[data-ready]`))
	}
	choose("dimension", "role_family")
	choose("dimvalue", "v:H29")
	waitView(t, ctx, "observatory")
	drawn = areas(t, ctx, "release-map")
	if a := drawn["31"]; len(drawn) != 2 || a.Value == nil || *a.Value != 50 || drawn["09"].Reason != "DOMINANCE" || !strings.HasPrefix(drawn["09"].Fill, "url(#") {
		t.Fatalf("role family H29 drawn %+v", drawn)
	}
	if title := eval[string](t, ctx, `document.getElementById('view-title').textContent`); !strings.Contains(title, "Mécanique, travail des métaux") {
		t.Fatalf("the title does not name the value shown: %q", title)
	}
}
