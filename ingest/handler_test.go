package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

// fakeProducer records acknowledged batches and dead letters; err, when set, fails every
// batch.
type fakeProducer struct {
	mu      sync.Mutex
	batches [][]schemas.IdentityEvent
	dead    []Rejected
	err     error
}

func (p *fakeProducer) Produce(ctx context.Context, evs []schemas.IdentityEvent) error {
	return p.ProduceBatch(ctx, evs, nil)
}

func (p *fakeProducer) ProduceBatch(_ context.Context, evs []schemas.IdentityEvent, rejected []Rejected) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	if len(evs) > 0 {
		p.batches = append(p.batches, evs)
	}
	p.dead = append(p.dead, rejected...)
	return nil
}

func (p *fakeProducer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, b := range p.batches {
		n += len(b)
	}
	return n
}

func newTestHandler(t *testing.T, cfg Config) (http.Handler, *fakeProducer, *prometheus.Registry) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	p := &fakeProducer{}
	reg := prometheus.NewRegistry()
	return NewHandler(cfg, p, reg, nil), p, reg
}

func do(h http.Handler, method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func errBody(t *testing.T, rec *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.Error == "" {
		t.Fatalf("status %d: body %q is not a JSON error", rec.Code, rec.Body.String())
	}
	return b
}

func TestHandlerAcceptsEverySource(t *testing.T) {
	h, p, reg := newTestHandler(t, Config{})
	files := map[string]string{"okta": "okta_hook.json", "entra": "entra_eventhubs.json", "cloudtrail": "cloudtrail_records.json",
		"google_workspace": "workspace_multi.json", "servicenow": "servicenow_change.json", "jira_sm": "jira_updated.json"}
	total := 0
	for src, file := range files {
		body, _ := os.ReadFile(filepath.Join("testdata", file))
		rec := do(h, "POST", "/v1/ingest/"+src, string(body), nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", src, rec.Code, rec.Body)
		}
		// Okta ignores the body of its hook's answer; every source gets the counts.
		var ans answerBody
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil || ans.Accepted == 0 || ans.Rejected != 0 {
			t.Errorf("%s: answer %q", src, rec.Body)
		}
	}
	total = p.count()
	if total != 3+2+5+3+2+1 {
		t.Errorf("produced %d events", total)
	}
	if got := counterValue(t, reg, "tollgate_ingest_events_total", "cloudtrail"); got != 5 {
		t.Errorf("events metric = %v", got)
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name, source string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "source" && l.GetValue() == source {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("metric %s{source=%s} not found", name, source)
	return 0
}

func TestHandlerBadInput(t *testing.T) {
	h, p, _ := newTestHandler(t, Config{MaxBodyBytes: 1024})
	cases := []struct {
		name, method, path, body, ctype string
		status                          int
		index                           int // -1: no index
		contains                        string
	}{
		{"malformed", "POST", "/v1/ingest/okta", `{"data":`, "", 400, -1, "malformed"},
		{"wrong shape", "POST", "/v1/ingest/okta", `{"hello":"world"}`, "", 400, -1, "shape"},
		{"missing sys_id", "POST", "/v1/ingest/servicenow", `[{"number":"INC1"}]`, "", 400, 0, "sys_id"},
		{"empty batch", "POST", "/v1/ingest/entra", `{"records":[]}`, "", 400, -1, "no events"},
		{"unknown source", "POST", "/v1/ingest/salesforce", `{}`, "", 404, -1, "unknown source"},
		{"too large", "POST", "/v1/ingest/cloudtrail", `{"Records":[` + strings.Repeat(" ", 2000) + `]}`, "", 413, -1, "larger"},
		{"content type", "POST", "/v1/ingest/cloudtrail", `{}`, "application/x-www-form-urlencoded", 415, -1, "not JSON"},
		{"canonical bad enum", "POST", "/v1/events", `{"event_id":"x","action":"FLY"}`, "", 400, 0, "action"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{}
			if c.ctype != "" {
				hdr["Content-Type"] = c.ctype
			}
			rec := do(h, c.method, c.path, c.body, hdr)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			b := errBody(t, rec)
			if !strings.Contains(b.Error, c.contains) {
				t.Errorf("error %q does not mention %q", b.Error, c.contains)
			}
			if (c.index < 0) != (b.Index == nil) || (b.Index != nil && *b.Index != c.index) {
				t.Errorf("index = %v, want %d", b.Index, c.index)
			}
		})
	}
	if p.count() != 0 {
		t.Errorf("bad requests produced %d events", p.count())
	}
}

// plainProducer has no ProduceBatch: nothing can keep a rejected item.
type plainProducer struct{ fakeProducer }

func (p *plainProducer) Produce(ctx context.Context, evs []schemas.IdentityEvent) error {
	return p.fakeProducer.Produce(ctx, evs)
}

func TestHandlerWithoutDeadLettersIsAllOrNothing(t *testing.T) {
	p := &plainProducer{}
	h := NewHandler(Config{}, struct{ Producer }{p}, nil, nil)
	two := `{"data":{"events":[{"uuid":"a","eventType":"user.session.start"},{"uuid":"b","eventType":""}]}}`
	rec := do(h, "POST", "/v1/ingest/okta", two, nil)
	if b := errBody(t, rec); rec.Code != 400 || b.Index == nil || *b.Index != 1 || p.count() != 0 {
		t.Fatalf("status %d body %s, produced %d", rec.Code, rec.Body, p.count())
	}
}

func TestHandlerAuth(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "okta")
	os.WriteFile(secretFile, []byte("okta-secret\n"), 0o600)
	h, p, _ := newTestHandler(t, Config{Sources: map[string]SourceAuth{
		"okta":       {SecretFile: secretFile},
		"servicenow": {Mode: AuthSecret, Header: "X-Tollgate-Token", Secret: "sn"},
		"jira_sm":    {Mode: AuthHMAC, Secret: "k"},
	}})
	okta := `{"uuid":"a","eventType":"user.session.start"}`
	if rec := do(h, "POST", "/v1/ingest/okta", okta, nil); rec.Code != 401 {
		t.Errorf("no secret: %d", rec.Code)
	}
	if rec := do(h, "POST", "/v1/ingest/okta", okta, map[string]string{"Authorization": "wrong"}); rec.Code != 401 {
		t.Errorf("wrong secret: %d", rec.Code)
	}
	if rec := do(h, "POST", "/v1/ingest/okta", okta, map[string]string{"Authorization": "okta-secret"}); rec.Code != 200 {
		t.Errorf("right secret: %d %s", rec.Code, rec.Body)
	}
	sn := `{"sys_id":"s","number":"INC0000001"}`
	if rec := do(h, "POST", "/v1/ingest/servicenow", sn, map[string]string{"Authorization": "sn"}); rec.Code != 401 {
		t.Errorf("secret in wrong header: %d", rec.Code)
	}
	if rec := do(h, "POST", "/v1/ingest/servicenow", sn, map[string]string{"X-Tollgate-Token": "sn"}); rec.Code != 200 {
		t.Errorf("servicenow: %d %s", rec.Code, rec.Body)
	}
	jira := `{"timestamp":1,"webhookEvent":"jira:issue_created","issue":{"id":"1","key":"A-1","fields":{}}}`
	if rec := do(h, "POST", "/v1/ingest/jira_sm", jira, map[string]string{DefaultHMACHeader: Sign([]byte("k"), []byte(jira+" "))}); rec.Code != 401 {
		t.Errorf("bad hmac: %d", rec.Code)
	}
	if rec := do(h, "POST", "/v1/ingest/jira_sm", jira, map[string]string{DefaultHMACHeader: Sign([]byte("k"), []byte(jira))}); rec.Code != 200 {
		t.Errorf("good hmac: %d %s", rec.Code, rec.Body)
	}
	if p.count() != 3 {
		t.Errorf("produced %d", p.count())
	}
	// Okta verification: challenge echoed, secret still required.
	rec := do(h, "GET", "/v1/ingest/okta", "", map[string]string{"X-Okta-Verification-Challenge": "abc", "Authorization": "okta-secret"})
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"verification":"abc"}` {
		t.Errorf("verification: %d %s", rec.Code, rec.Body)
	}
	if rec := do(h, "GET", "/v1/ingest/okta", "", map[string]string{"X-Okta-Verification-Challenge": "abc"}); rec.Code != 401 {
		t.Errorf("verification without secret: %d", rec.Code)
	}
}

func TestHandlerKafkaUnavailable(t *testing.T) {
	h, p, _ := newTestHandler(t, Config{})
	p.err = fmt.Errorf("produce: %w", ErrUnavailable)
	rec := do(h, "POST", "/v1/ingest/okta", `{"uuid":"a","eventType":"user.session.start"}`, nil)
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("status %d retry-after %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	errBody(t, rec)
	p.err = nil
	if rec := do(h, "POST", "/v1/ingest/okta", `{"uuid":"a","eventType":"user.session.start"}`, nil); rec.Code != 200 || p.count() != 1 {
		t.Fatalf("retry: %d, %d events", rec.Code, p.count())
	}
}

func TestHandlerCloudEventsModes(t *testing.T) {
	h, p, _ := newTestHandler(t, Config{})
	structured, _ := os.ReadFile("testdata/generic_cloudevent.json")
	rec := do(h, "POST", "/v1/events", string(structured), map[string]string{"Content-Type": "application/cloudevents+json; charset=UTF-8"})
	if rec.Code != 200 {
		t.Fatalf("structured: %d %s", rec.Code, rec.Body)
	}
	data := `{"action":"ACCESS_REVOKE","subject":{"id":"x@example.org","source_id":"x","type":"HUMAN"}}`
	hdr := map[string]string{"Ce-Specversion": "1.0", "Ce-Id": "b-1", "Ce-Source": "/hr", "Ce-Type": "t", "Ce-Time": "2025-05-14T13:00:00Z"}
	if rec := do(h, "POST", "/v1/events", data, hdr); rec.Code != 200 {
		t.Fatalf("binary: %d %s", rec.Code, rec.Body)
	}
	delete(hdr, "Ce-Id")
	if rec := do(h, "POST", "/v1/events", data, hdr); rec.Code != 400 {
		t.Fatalf("binary without ce-id: %d", rec.Code)
	}
	if p.count() != 2 || p.batches[1][0].EventID != "generic:b-1" {
		t.Errorf("batches %+v", p.batches)
	}
}

// panicProducer proves the recover middleware: a bug answers 500, the server lives on.
type panicProducer struct{}

func (panicProducer) Produce(context.Context, []schemas.IdentityEvent) error { panic("boom") }

func TestHandlerRecovers(t *testing.T) {
	h := NewHandler(Config{}, panicProducer{}, prometheus.NewRegistry(), nil)
	rec := do(h, "POST", "/v1/ingest/okta", `{"uuid":"a","eventType":"user.session.start"}`, nil)
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	errBody(t, rec)
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Sources: map[string]SourceAuth{"okta": {SecretFile: "/nonexistent/okta"}}}, "ingest.sources.okta.secret_file: open /nonexistent/okta"},
		{Config{Sources: map[string]SourceAuth{"salesforce": {Secret: "x"}}}, "ingest.sources.salesforce: unknown source"},
		{Config{Sources: map[string]SourceAuth{"entra": {Mode: "magic"}}}, "ingest.sources.entra.mode"},
		{Config{Sources: map[string]SourceAuth{"entra": {Mode: AuthHMAC}}}, "ingest.sources.entra.secret: required"},
		{Config{MaxBodyBytes: -1}, "ingest.max_body_bytes"},
		{Config{ReadTimeout: -1}, "ingest.read_timeout: must be positive"},
		{Config{ReadTimeout: config.Duration(time.Second), ReadHeaderTimeout: config.Duration(time.Minute)}, "ingest.read_header_timeout: 1m0s is longer than ingest.read_timeout"},
		{Config{MaxConnections: -3}, "ingest.max_connections"},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate() = %v, want %q", err, c.want)
		}
	}
	var ok Config
	if err := ok.Validate(); err != nil || ok.Listen != ":8080" || ok.MaxBodyBytes != 5<<20 || ok.JiraRequestTypeField != "customfield_10010" {
		t.Errorf("defaults: %v %+v", err, ok)
	}
}

func TestSend(t *testing.T) {
	h, p, _ := newTestHandler(t, Config{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	dir := t.TempDir()
	var lines bytes.Buffer
	for i := 0; i < 150; i++ {
		fmt.Fprintf(&lines, `{"uuid":"u%d","eventType":"user.session.start"}`+"\n", i)
	}
	lines.WriteString(`{"data":{"events":[{"uuid":"hook","eventType":"user.session.start"}]}}` + "\n")
	jsonl := filepath.Join(dir, "okta.jsonl")
	os.WriteFile(jsonl, lines.Bytes(), 0o600)
	hook := filepath.Join(dir, "hook.json")
	body, _ := os.ReadFile("testdata/okta_hook.json")
	os.WriteFile(hook, body, 0o600)
	sum, err := Send(context.Background(), srv.URL, SourceOkta, []string{jsonl, hook}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 2 || sum.Requests != 4 || sum.Payloads != 152 || sum.Events != 154 || sum.Rejected != 0 || p.count() != 154 {
		t.Errorf("summary %+v, produced %d", sum, p.count())
	}
	// One bad event among good ones: stored, counted and named, and Send says so.
	mixed := filepath.Join(dir, "mixed.json")
	os.WriteFile(mixed, []byte(`{"data":{"events":[{"uuid":"m1","eventType":"user.session.start"},{"uuid":"m2"}]}}`), 0o600)
	sum, err = Send(context.Background(), srv.URL, SourceOkta, []string{mixed}, srv.Client())
	if err != nil || sum.Events != 1 || sum.Rejected != 1 || len(sum.Rejections) != 1 || sum.Rejections[0].Index != 1 ||
		!strings.Contains(sum.Rejections[0].Error, "eventType") {
		t.Errorf("mixed: %+v, %v", sum, err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"data":{"events":[{"uuid":"x"}]}}`), 0o600)
	_, err = Send(context.Background(), srv.URL, SourceOkta, []string{bad}, srv.Client())
	if !errors.Is(err, errRejected) || !strings.Contains(err.Error(), "event 0") {
		t.Errorf("bad file: %v", err)
	}
}

// TestHandlerDropsTheInventoryAttribute: only tollgate's connectors mark events as
// observed state; a sender that sets the attribute (to pass a grant off as a snapshot,
// which the rules about changes do not judge) has it removed.
func TestHandlerDropsTheInventoryAttribute(t *testing.T) {
	h, p, _ := newTestHandler(t, Config{})
	body := `{"specversion":"1.0","id":"evt-9","source":"/x","type":"t","time":"2025-05-14T13:00:00Z","data":{"source":"GENERIC",` +
		`"source_event_type":"grant","category":"IAM","action":"ACCESS_GRANT","outcome":"SUCCESS","subject":{"id":"ann@example.org","source_id":"a","type":"HUMAN"},` +
		`"entitlement":{"id":"admins","name":"admins","kind":"GROUP","privilege":"ADMIN","system":"hr","wildcard":false},"ticket_refs":[],"ocsf":{"class_uid":0,"activity_id":0},` +
		`"attributes":{"` + schemas.InventoryAttr + `":"{\"origin\":\"snapshot\",\"system\":\"hr\"}","keep":"me"}}}`
	rec := do(h, http.MethodPost, "/v1/events", body, map[string]string{"Content-Type": "application/cloudevents+json"})
	if rec.Code != http.StatusOK || p.count() != 1 {
		t.Fatalf("answer %d %s, %d events", rec.Code, rec.Body.String(), p.count())
	}
	ev := p.batches[0][0]
	if _, ok := ev.Attributes[schemas.InventoryAttr]; ok || ev.Observed() != nil || ev.Attributes["keep"] != "me" {
		t.Fatalf("attributes after ingest: %v", ev.Attributes)
	}
}
