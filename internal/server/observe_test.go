package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// lockedBuffer collects log lines written from request goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("a log line is not JSON: %s", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func TestMetricsAndRequestLogs(t *testing.T) {
	d, _ := testdb.New(t)
	fixture(t, d, 1)
	var logs lockedBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ts := httptest.NewServer(server.New(d, server.Config{Log: log}).Handler())
	defer ts.Close()
	company := token(t, d, auth.RoleCompany, auth.Scope{Siren: "732829320"})
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})

	ok := send(t, ts.URL, http.MethodPost, "/graphql", "application/json", admin, query(`query Poles { poles { totalCount } }`))
	send(t, ts.URL, http.MethodPost, "/graphql", "application/json", company, query(`query Members { pole(id: "aerospace-valley") { members { totalCount } } }`))
	send(t, ts.URL, http.MethodPost, "/graphql", "application/json", admin, query(`{ __typename }`+strings.Repeat(" ", 2<<20)))
	send(t, ts.URL, http.MethodPost, "/graphql", "application/json", "", query(`query Anon { __typename }`))
	if ok.status != 200 || len(ok.Errors) > 0 {
		t.Fatalf("%d %s", ok.status, ok.body)
	}

	t.Run("Metrics", func(t *testing.T) {
		res, err := http.Get(ts.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, want := range []string{
			`gpec_graphql_requests_total{operation="Poles",outcome="ok"} 1`,
			`gpec_graphql_requests_total{operation="Members",outcome="FORBIDDEN"} 1`,
			`gpec_graphql_requests_total{operation="(none)",outcome="PAYLOAD_TOO_LARGE"} 1`,
			`gpec_graphql_requests_total{operation="(none)",outcome="UNAUTHENTICATED"} 1`,
			`gpec_graphql_request_duration_seconds_bucket{operation="Poles",result="ok",le="+Inf"} 1`,
			`gpec_http_requests_total{code="413",route="graphql"} 1`,
			`go_sql_max_open_connections{db_name="primary"} 8`,
			`go_sql_in_use_connections{db_name="primary"}`,
			`go_sql_wait_count_total{db_name="primary"}`,
			`go_goroutines `,
			`process_resident_memory_bytes `,
		} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
	t.Run("Logs", func(t *testing.T) {
		var requests []map[string]any
		for _, l := range logs.lines(t) {
			if l["msg"] == "request" {
				requests = append(requests, l)
			}
		}
		if len(requests) != 4 {
			t.Fatalf("%d request lines, want 4", len(requests))
		}
		first := requests[0]
		for k, v := range map[string]any{"route": "graphql", "operation": "Poles", "outcome": "ok", "status": float64(200), "role": "admin"} {
			if first[k] != v {
				t.Errorf("%s = %v, want %v (%v)", k, first[k], v, first)
			}
		}
		if first["request_id"] == "" || first["token_id"] == nil || first["duration_ms"] == nil {
			t.Errorf("missing fields: %v", first)
		}
		if requests[1]["outcome"] != "FORBIDDEN" || requests[1]["role"] != "company" {
			t.Errorf("second: %v", requests[1])
		}
		if requests[2]["outcome"] != "PAYLOAD_TOO_LARGE" || requests[2]["status"] != float64(413) {
			t.Errorf("third: %v", requests[2])
		}
		logs.mu.Lock()
		all := logs.b.String()
		logs.mu.Unlock()
		for _, secret := range []string{admin, company, admin[:20]} {
			if strings.Contains(all, secret) {
				t.Fatal("a token appears in the logs")
			}
		}
	})
	t.Run("SeparateListener", func(t *testing.T) {
		s := server.New(d, server.Config{SeparateMetrics: true, Log: quiet})
		if r := get(t, s.Handler(), "", "/metrics"); r.Code == 200 {
			t.Fatal("/metrics served on the API listener with SeparateMetrics")
		}
		rec := httptest.NewRecorder()
		s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "go_sql_open_connections") {
			t.Fatalf("MetricsHandler: %d", rec.Code)
		}
	})
}
