package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestUpPipeline wires the whole of `tollgate up` as the verb does (it runs here, outside
// the race-checked packages, because the race runtime crashes at exit once the ClickHouse
// engine is loaded) — embedded broker,
// registry and engine, ingest, router, auditor, console — posts vendor events over HTTP and
// waits until they are routed, stored and audited, then stops it.
func TestUpPipeline(t *testing.T) {
	dir := t.TempDir()
	cfg, err := app.LoadConfig(config.Source{Sets: []string{
		"up.data_dir=" + dir, "up.kafka_addr=127.0.0.1:0", "up.registry_addr=127.0.0.1:0",
		"auditor.flush_interval=100ms", "shutdown_timeout=20s",
	}})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stack, err := app.StartStack(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	admin := app.NewAdmin()
	deps, err := app.NewDeps(ctx, cfg, log, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer deps.Producer.Close()
	admin.AddCheck("clickhouse", func(ctx context.Context) error { return stack.Engine.Exec(ctx, "SELECT 1") })
	g := app.NewGroup(log, cfg.ShutdownTimeout.D())
	mux := app.IngestHandler(deps)
	if err := app.AddRouter(ctx, g, deps); err != nil {
		t.Fatal(err)
	}
	run, err := app.AddAuditor(ctx, g, deps, stack.Engine)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := app.OpenQueryStore(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer qs.Close()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ch, err := app.NewConsole(ctx, cfg, qs, run.Auditor, log)
	if err != nil {
		t.Fatal(err)
	}
	console := httptest.NewServer(ch)
	defer console.Close()
	// The console is not on the ingest listener.
	resp, err := http.Post(srv.URL+"/v1/console/query", "text/plain", strings.NewReader("SELECT 1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("console query on the ingest listener answered %d, want 404", resp.StatusCode)
	}
	done := make(chan error, 1)
	go func() { done <- g.Run() }()

	// An Okta admin-role grant with no ticket behind it, and a failed sign-in.
	hook := `{"data":{"events":[
	 {"uuid":"up-1","published":"2025-05-14T09:12:44.318Z","eventType":"user.account.privilege.grant","outcome":{"result":"SUCCESS"},
	  "actor":{"id":"00uA","type":"User","alternateId":"ops.admin@example.org"},
	  "target":[{"id":"00uT","type":"User","alternateId":"j.doe@example.org","displayName":"Jane Doe"}],
	  "debugContext":{"debugData":{"privilegeGranted":"Super administrator"}}},
	 {"uuid":"up-2","published":"2025-05-14T09:13:00.000Z","eventType":"user.session.start","outcome":{"result":"FAILURE"},
	  "actor":{"id":"00uT","type":"User","alternateId":"j.doe@example.org"}}]}}`
	resp, err = http.Post(srv.URL+"/v1/ingest/okta", "application/json", strings.NewReader(hook))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ingest answered %d", resp.StatusCode)
	}
	deadline := time.Now().Add(60 * time.Second)
	var lanes string
	for {
		res := consoleQuery(t, console.URL, "SELECT event_id, lane FROM events FINAL ORDER BY event_id")
		lanes = fmt.Sprint(res.Rows)
		if len(res.Rows) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events not visible in time; have %s", lanes)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(lanes, "okta:up-1 lane:SERVICE_DESK") || !strings.Contains(lanes, "okta:up-2 lane:OBSERVE") {
		t.Fatalf("lanes %s", lanes)
	}
	var findings []map[string]any
	for {
		resp, err := http.Get(console.URL + "/v1/console/findings?status=OPEN")
		if err != nil {
			t.Fatal(err)
		}
		findings = nil
		_ = json.NewDecoder(resp.Body).Decode(&findings)
		resp.Body.Close()
		if len(findings) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	kinds := map[string]bool{}
	for _, f := range findings {
		kinds[fmt.Sprint(f["kind"])] = true
	}
	if !kinds["UNTICKETED_ACCESS_CHANGE"] || !kinds["OVER_BROAD_GRANT"] {
		t.Fatalf("open findings %v, want UNTICKETED_ACCESS_CHANGE and OVER_BROAD_GRANT for the unticketed admin grant", kinds)
	}
	// A filter that cannot be an id is a bad request, not a failed lookup.
	for _, q := range []string{"principal=%FF%FE", "id=a%0Ab", "kind=%00"} {
		resp, err := http.Get(console.URL + "/v1/console/findings?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("findings?%s answered %d, want 400", q, resp.StatusCode)
		}
	}
	// findings show: the console finds a finding by the prefix the table prints, and its
	// evidence events by id.
	id := fmt.Sprint(findings[0]["finding_id"])
	resp, err = http.Get(console.URL + "/v1/console/findings?id=" + id[:10])
	if err != nil {
		t.Fatal(err)
	}
	var one []schemas.Finding
	_ = json.NewDecoder(resp.Body).Decode(&one)
	resp.Body.Close()
	if len(one) != 1 || one[0].FindingID != id || len(one[0].EventIDs) == 0 {
		t.Fatalf("findings?id=%s gave %+v, want finding %s", id[:10], one, id)
	}
	var b strings.Builder
	ev := consoleQuery(t, console.URL, auditor.EvidenceSQL(one[0].EventIDs))
	if err := writeFindingDetail(&b, one[0], ev, auditor.TriageState{}); err != nil || !strings.Contains(b.String(), "user.account.privilege.grant") || !strings.Contains(b.String(), "what to do") {
		t.Fatalf("finding detail %v:\n%s", err, b.String())
	}
	// findings ack: a JSON decision through the console is recorded and shows in the
	// detail; a form post (what another site's page can make a browser send) is refused.
	form, err := http.Post(console.URL+"/v1/console/triage", "application/x-www-form-urlencoded",
		strings.NewReader(`{"finding_id":"`+id+`","action":"ACKNOWLEDGE","actor":"mallory"}`))
	if err != nil {
		t.Fatal(err)
	}
	form.Body.Close()
	if form.StatusCode != http.StatusForbidden {
		t.Fatalf("a form-encoded triage post answered %d, want 403", form.StatusCode)
	}
	c := app.NewConsoleClient(console.URL)
	if _, err := c.Triage(ctx, auditor.TriageDecision{FindingID: id, Action: auditor.TriageAcknowledge, Actor: "sam"}); err != nil {
		t.Fatalf("ack through the console: %v", err)
	}
	st, err := c.Triages(ctx, []string{id})
	if err != nil || st[id].State != auditor.TriageAcknowledge || len(st[id].Decision) != 1 || st[id].Decision[0].Actor != "sam" {
		t.Fatalf("triage after ack: %+v %v (the form post must not have been recorded)", st, err)
	}
	b.Reset()
	if err := writeFindingDetail(&b, one[0], ev, st[id]); err != nil || !strings.Contains(b.String(), "ACKNOWLEDGE by sam") || !strings.Contains(b.String(), "triage decisions (1)") {
		t.Fatalf("finding detail after ack %v:\n%s", err, b.String())
	}
	// identities map/list through the console: the correction is stored with who made it,
	// listed by the principals view, and a hostile or form-encoded one is refused.
	if _, err := c.ChangeIdentity(ctx, auditor.IdentityChange{Account: "arn:aws:iam::1:user/sam", Identity: "sam@corp.example", Reason: "HR record", Actor: "soc"}); err != nil {
		t.Fatalf("identities map through the console: %v", err)
	}
	ps, err := c.Principals(ctx, "arn:aws:iam::1:user/sam")
	if err != nil || len(ps) != 1 || ps[0].Identity != "sam@corp.example" || len(ps[0].Accounts) != 1 || ps[0].Accounts[0].Source != auditor.AliasManual ||
		!strings.Contains(ps[0].Accounts[0].Reason, "HR record (soc)") {
		t.Fatalf("identities list: %+v %v", ps, err)
	}
	if _, err := c.ChangeIdentity(ctx, auditor.IdentityChange{Account: "x\x1b[2J", Identity: "y", Reason: "r", Actor: "soc"}); err == nil || !strings.Contains(err.Error(), "control characters") {
		t.Fatalf("a control character in an account: %v", err)
	}
	form, err = http.Post(console.URL+"/v1/console/identities", "text/plain", strings.NewReader(`{"account":"a","identity":"b","reason":"r","actor":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	form.Body.Close()
	if form.StatusCode != http.StatusForbidden {
		t.Fatalf("a text/plain identity post answered %d, want 403", form.StatusCode)
	}
	b.Reset()
	if err := writePrincipals(&b, "table", ps); err != nil || !strings.Contains(b.String(), "sam@corp.example") || !strings.Contains(b.String(), "manual") {
		t.Fatalf("identities table %v:\n%s", err, b.String())
	}
	if _, ok := admin.Ready(ctx); !ok {
		res, _ := admin.Ready(ctx)
		t.Fatalf("not ready while running: %v", res)
	}
	cancel() // what a signal does: every actor drains and returns
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run group: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("services did not stop")
	}
	if _, err := os.Stat(filepath.Join(dir, "kafka")); err != nil {
		t.Fatalf("broker data not under the data dir: %v", err)
	}
}

func consoleQuery(t *testing.T, base, sql string) *app.QueryResult {
	t.Helper()
	resp, err := http.Post(base+"/v1/console/query", "text/plain", bytes.NewReader([]byte(sql)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res app.QueryResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	return &res
}
