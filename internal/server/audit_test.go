package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/server"
	"github.com/gpec-project/gpec/internal/testdb"
)

// The GraphQL over HTTP conformance audits of graphql-http (vendored in
// testdata/graphql-http, run by testdata/audit.js with Node) all pass
// against /graphql: no error, no warning, no notice. The server runs with
// its default limits, the audits paced under the default rate limit (10
// requests per second, bursts of 40), as a client of a deployed server
// would see it.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("SKIPPED: no `node` in PATH, so the GraphQL over HTTP audit (graphql-http's serverAudits) did not run; install Node 18 or later (Debian: apt-get install nodejs) to run it")
	}
	d, _ := testdb.New(t)
	ts := httptest.NewServer(server.New(d, server.Config{Log: quiet}).Handler())
	defer ts.Close()
	admin := token(t, d, auth.RoleAdmin, auth.Scope{})

	script, err := filepath.Abs(filepath.Join("testdata", "audit.js"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, ts.URL+"/graphql")
	cmd.Env = append(cmd.Environ(), "GPEC_AUDIT_TOKEN="+admin, "GPEC_AUDIT_PACE_MS=100")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", node, script, err, out, stderr.String())
	}

	counts := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var a struct {
			ID, Name, Status, Reason string
			HTTPStatus               int
			Body                     string
		}
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("not an audit result: %q", sc.Text())
		}
		counts[a.Status]++
		if a.Status == "ok" {
			t.Logf("%s ok: %s", a.ID, a.Name)
			continue
		}
		t.Errorf("%s %s: %s: %s (HTTP %d: %s)", a.ID, a.Status, a.Name, a.Reason, a.HTTPStatus, a.Body)
	}
	total := counts["ok"] + counts["warn"] + counts["notice"] + counts["error"]
	// graphql-http 1.23.1 has 61 server audits.
	if total != 61 {
		t.Errorf("%d audits ran, want the 61 of graphql-http 1.23.1", total)
	}
	t.Logf("%d audits: %d ok, %d errors, %d warnings, %d notices", total, counts["ok"], counts["error"], counts["warn"], counts["notice"])
}
