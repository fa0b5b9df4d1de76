package server_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/xuri/excelize/v2"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

const bom = "\uFEFF"

func TestDownloadFormats(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 3)
	c := newClient(t, d, server.Config{})
	agg := "/aggregates.csv?level=department&parent=region:76&horizon=2029"

	t.Run("CSVUnchanged", func(t *testing.T) {
		rec := get(t, c.h, c.token, agg)
		if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "kind,territory_level,") || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("%d %q %.100s", rec.Code, rec.Header(), rec.Body.String())
		}
	})
	t.Run("ExcelFR", func(t *testing.T) {
		rec := get(t, c.h, c.token, agg+"&format=excel-fr")
		body := rec.Body.String()
		if rec.Code != 200 || !strings.HasPrefix(body, bom+"kind;territory_level;") {
			t.Fatalf("%d %.100q", rec.Code, body)
		}
		// As Excel reads it: strip the BOM, split on ';'.
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, bom)))
		r.Comma = ';'
		rows, err := r.ReadAll()
		if err != nil || len(rows) < 2 || len(rows[0]) != 18 || rows[len(rows)-1][0] != "grand_total" {
			t.Fatalf("%v %q", err, rows)
		}
	})
	t.Run("XLSX", func(t *testing.T) {
		for _, path := range []string{strings.Replace(agg, ".csv", ".xlsx", 1), agg + "&format=xlsx"} {
			rec := get(t, c.h, c.token, path)
			if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), ".xlsx") {
				t.Fatalf("%s: %d %q", path, rec.Code, rec.Header())
			}
			f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := f.GetRows("aggregates")
			f.Close()
			if err != nil || rows[0][0] != "kind" || rows[len(rows)-1][0] != "grand_total" {
				t.Fatalf("%v %q", err, rows)
			}
		}
		if rec := get(t, c.h, c.token, agg+"&format=ods"); rec.Code != 400 {
			t.Errorf("format=ods: %d", rec.Code)
		}
	})
	t.Run("ExportRoundTrip", func(t *testing.T) {
		// Every format of an export imports back into the same rows.
		for _, path := range []string{"/export/sites.csv", "/export/sites.csv?format=excel-fr", "/export/sites.xlsx", "/export/trainings.csv?format=excel-fr"} {
			rec := get(t, c.h, c.token, path)
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
			}
			name := strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "/export/")
			rep, err := importer.Import(t.Context(), d, []importer.Source{importer.UploadSource(name, int64(rec.Body.Len()), bytes.NewReader(rec.Body.Bytes()))}, importer.Options{DryRun: true})
			if err != nil || rep.ErrorCount != 0 || len(rep.Kinds) != 1 || rep.Kinds[0].Unchanged != rep.Kinds[0].Rows || rep.Kinds[0].Rows == 0 {
				t.Fatalf("%s re-imported: %v\n%s", path, err, rep)
			}
		}
		if rec := get(t, c.h, c.token, "/export/sites.json"); rec.Code != 404 {
			t.Errorf("/export/sites.json: %d", rec.Code)
		}
		rec := get(t, c.h, c.token, "/export/trainings.csv?format=excel-fr")
		if !strings.Contains(rec.Body.String(), ";1200,5;") && !strings.Contains(rec.Body.String(), ";1200,50") {
			t.Errorf("cost_eur without a decimal comma: %s", rec.Body.String())
		}
	})
}

func TestTemplatesEndpoint(t *testing.T) {
	d, _ := testdb.New(t)
	h := server.New(d, server.Config{}).Handler()
	rec := get(t, h, "", "/templates/employees.csv")
	header, rows, _ := importer.Template("employees")
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), strings.Join(header, ",")+"\n"+strings.Join(rows[0], ",")+"\n") {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
	rec = get(t, h, "", "/templates/needs.xlsx")
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("%d: %v", rec.Code, err)
	}
	got, _ := f.GetRows("needs")
	f.Close()
	if len(got) < 2 || got[0][0] != "siret" {
		t.Fatalf("needs.xlsx rows %q", got)
	}
	rec = get(t, h, "", "/templates/all.xlsx")
	f, err = excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("%d: %v", rec.Code, err)
	}
	if sheets := f.GetSheetList(); len(sheets) != len(importer.Kinds()) || sheets[0] != "territories" {
		t.Errorf("all.xlsx sheets %q", sheets)
	}
	f.Close()
	for path, code := range map[string]int{"/templates/nope.csv": 404, "/templates/all.csv": 404, "/templates/needs": 400, "/templates/needs.csv?format=xml": 400} {
		if rec := get(t, h, "", path); rec.Code != code {
			t.Errorf("%s: %d, want %d", path, rec.Code, code)
		}
	}
}

// mutate runs the downloadLink mutation and returns the link.
func downloadLink(t *testing.T, h http.Handler, tok, target string) (string, gqlResponse) {
	t.Helper()
	res := postAs(t, h, tok, fmt.Sprintf(`mutation { downloadLink(url: %q) { url expiresAt } }`, target))
	var data struct {
		DownloadLink struct{ URL, ExpiresAt string }
	}
	if len(res.Errors) == 0 {
		if err := json.Unmarshal(res.Data, &data); err != nil {
			t.Fatal(err)
		}
	}
	return data.DownloadLink.URL, res
}

func TestSignedDownloadLinks(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 3)
	h := server.New(d, server.Config{DownloadTTL: 2 * time.Second}).Handler()
	admin, adminTok, err := auth.Create(t.Context(), d, auth.RoleAdmin, auth.Scope{}, time.Time{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	target := "/aggregates.csv?level=department&parent=region:76&horizon=2029&format=excel-fr"
	link, res := downloadLink(t, h, admin, target)
	if len(res.Errors) > 0 || !strings.HasPrefix(link, "/aggregates.csv?") || strings.Contains(link, admin) {
		t.Fatalf("link %q %+v", link, res.Errors)
	}

	// A HEAD probes a link without spending it.
	exportLink, _ := downloadLink(t, h, admin, "/export/sites.csv")
	head := httptest.NewRequest(http.MethodHead, exportLink, nil)
	hrec := httptest.NewRecorder()
	h.ServeHTTP(hrec, head)
	if hrec.Code != 200 {
		t.Fatalf("HEAD: %d", hrec.Code)
	}
	if rec := get(t, h, "", exportLink); rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "siret,") {
		t.Fatalf("GET after HEAD: %d", rec.Code)
	}
	// Followed without any header: the file, once.
	rec := get(t, h, "", link)
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), bom+"kind;") || rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("first use: %d %.200s", rec.Code, rec.Body.String())
	}
	if rec := get(t, h, "", link); rec.Code != 401 {
		t.Fatalf("second use: %d", rec.Code)
	}

	// Another query with the same signature is refused.
	link, _ = downloadLink(t, h, admin, target)
	u, _ := url.Parse(link)
	q := u.Query()
	q.Set("horizon", "2030")
	u.RawQuery = q.Encode()
	if rec := get(t, h, "", u.String()); rec.Code != 401 {
		t.Fatalf("altered link: %d", rec.Code)
	}
	// The unaltered link still works (a refusal spends nothing).
	if rec := get(t, h, "", link); rec.Code != 200 {
		t.Fatalf("unaltered link after a forged one: %d", rec.Code)
	}

	// Not after its lifetime.
	link, _ = downloadLink(t, h, admin, "/export/sites.xlsx")
	time.Sleep(2100 * time.Millisecond)
	if rec := get(t, h, "", link); rec.Code != 401 {
		t.Fatalf("expired link: %d", rec.Code)
	}

	// A link dies with its token, and keeps its token's rights.
	link, _ = downloadLink(t, h, admin, "/export/sites.csv")
	if err := auth.Revoke(t.Context(), d, adminTok.ID); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "", link); rec.Code != 401 {
		t.Fatalf("link of a revoked token: %d", rec.Code)
	}
	manager := token(t, d, auth.RolePoleManager, auth.Scope{PoleID: "aerospace-valley"})
	link, _ = downloadLink(t, h, manager, "/export/sites.csv")
	if rec := get(t, h, "", link); rec.Code != 403 {
		t.Fatalf("manager's export link: %d", rec.Code)
	}

	// Only downloads of this API.
	for _, bad := range []string{"/graphql?query={__typename}", "https://evil.example/aggregates.csv", "/templates/../export/sites.csv"} {
		if _, res := downloadLink(t, h, manager, bad); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%s: %+v", bad, res.Errors)
		}
	}
	// A forged dl parameter is refused, not ignored.
	if rec := get(t, h, "", "/export/sites.csv?dl=AAAA.BBBB"); rec.Code != 401 {
		t.Errorf("forged: %d", rec.Code)
	}
}

func TestSchemaDownload(t *testing.T) {
	d, _ := testdb.New(t)
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: "552032534"})
	dev := server.New(d, server.Config{}).Handler()
	rec := get(t, dev, company, "/schema.graphql")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "type Pole {") || !strings.Contains(rec.Body.String(), "A pôle de compétitivité or a cluster.") || strings.Contains(rec.Body.String(), "type __Schema") {
		t.Fatalf("%d %.300s", rec.Code, rec.Body.String())
	}
	// What code generators do with it: load it as a schema.
	if _, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: rec.Body.String()}); err != nil {
		t.Fatalf("the served SDL does not load: %v", err)
	}
	if rec := get(t, dev, "", "/schema.graphql"); rec.Code != 401 {
		t.Errorf("anonymous: %d", rec.Code)
	}
	prod := server.New(d, server.Config{Production: true}).Handler()
	if rec := get(t, prod, company, "/schema.graphql"); rec.Code != 403 {
		t.Errorf("company in production: %d", rec.Code)
	}
	if rec := get(t, prod, admin, "/schema.graphql"); rec.Code != 200 {
		t.Errorf("admin in production: %d", rec.Code)
	}
}

func TestCORS(t *testing.T) {
	d, _ := testdb.New(t)
	tok := token(t, d, auth.RoleAdmin, auth.Scope{})
	preflight := func(h http.Handler, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	none := server.New(d, server.Config{}).Handler()
	if rec := preflight(none, "https://dash.example.org"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no origin configured, yet allowed: %v", rec.Header())
	}
	h := server.New(d, server.Config{CORSOrigins: []string{"https://dash.example.org"}}).Handler()
	rec := preflight(h, "https://dash.example.org")
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "https://dash.example.org" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", rec.Code, rec.Header())
	}
	if rec := preflight(h, "https://evil.example"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin allowed: %v", rec.Header())
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Origin", "https://dash.example.org")
	out := httptest.NewRecorder()
	h.ServeHTTP(out, req)
	if out.Code != 200 || out.Header().Get("Access-Control-Allow-Origin") != "https://dash.example.org" || out.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("request: %d %v", out.Code, out.Header())
	}
}
