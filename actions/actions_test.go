package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/actions/actionstest"
	"github.com/tollgate-io/tollgate/schemas"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func finding(id string, status schemas.FindingStatus, summary string) schemas.Finding {
	f := schemas.Finding{FindingID: id, Kind: "UNTICKETED_ACCESS_CHANGE", Severity: schemas.SeverityHigh, Status: status,
		Principal: "carol@corp.example", EventIDs: []string{"okta:1"}, Summary: summary, DetectedAt: t0,
		Controls: []string{"NIST-CSF-2.0:PR.AA-05"}}
	if status == schemas.FindingResolved {
		f.ResolvedAt = new(t0.Add(time.Hour))
	}
	return f
}

func action(ev Event, f schemas.Finding) Action {
	return Action{Event: ev, ID: f.FindingID + "." + strings.ToLower(string(f.Status)) + ".1", Finding: f}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func newSNOW(t *testing.T, fake *actionstest.ServiceNow) *ServiceNow {
	t.Helper()
	s, err := NewServiceNow(ServiceNowConfig{Name: "snow", URL: fake.URL, Username: "tollgate", Password: "pw",
		Fields: map[string]string{"assignment_group": "iam-governance"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestServiceNowOneTicketPerFinding: open creates one incident keyed by correlation_id; the
// same open delivered again, and again to a new sink (a restart: empty cache), finds it and
// creates nothing; an update adds a work note; the resolution sets state 6 with the close
// code and notes the data policy requires; a second resolution changes nothing; the finding
// open again re-opens the same incident.
func TestServiceNowOneTicketPerFinding(t *testing.T) {
	c := ctx(t)
	fake := actionstest.NewServiceNow(t, "incident", "tollgate", "pw")
	open := finding("f00d", schemas.FindingOpen, "grant without a ticket")
	s := newSNOW(t, fake)
	for range 2 {
		if err := s.Send(c, action(EventOpened, open)); err != nil {
			t.Fatal(err)
		}
	}
	if err := newSNOW(t, fake).Send(c, action(EventOpened, open)); err != nil {
		t.Fatal(err)
	}
	if fake.Creates() != 1 {
		t.Fatalf("%d incidents created, want 1", fake.Creates())
	}
	in := fake.Incidents()[0]
	if in.CorrelationID != "f00d" || !strings.Contains(in.ShortDescription, "UNTICKETED_ACCESS_CHANGE") || in.State != "1" {
		t.Fatalf("incident %+v", in)
	}
	updated := open
	updated.Summary = "grant without a ticket, twice"
	if err := newSNOW(t, fake).Send(c, action(EventUpdated, updated)); err != nil {
		t.Fatal(err)
	}
	if in := fake.Incidents()[0]; len(in.WorkNotes) != 1 || !strings.Contains(in.WorkNotes[0], "twice") || !strings.Contains(in.Description, "twice") {
		t.Fatalf("after the update %+v", in)
	}
	// The update delivered again after a restart (classified opened: nothing in memory)
	// finds its state in the description and adds nothing; a newer state adds a note.
	if err := newSNOW(t, fake).Send(c, action(EventOpened, updated)); err != nil {
		t.Fatal(err)
	}
	if in := fake.Incidents()[0]; len(in.WorkNotes) != 1 {
		t.Fatalf("a redelivered update added a note: %+v", in.WorkNotes)
	}
	newer := updated
	newer.Severity = schemas.SeverityCritical
	if err := newSNOW(t, fake).Send(c, action(EventOpened, newer)); err != nil {
		t.Fatal(err)
	}
	if in := fake.Incidents()[0]; len(in.WorkNotes) != 2 || !strings.Contains(in.Description, "CRITICAL") {
		t.Fatalf("an update seen after a restart: %+v", in)
	}
	resolved := finding("f00d", schemas.FindingResolved, "grant without a ticket")
	for range 2 {
		if err := s.Send(c, action(EventResolved, resolved)); err != nil {
			t.Fatal(err)
		}
	}
	in = fake.Incidents()[0]
	if in.State != "6" || in.CloseCode != DefaultServiceNowCloseCode || !strings.Contains(in.CloseNotes, "f00d") {
		t.Fatalf("after the resolution %+v", in)
	}
	reopened := open
	reopened.DetectedAt = t0.Add(2 * time.Hour)
	if err := newSNOW(t, fake).Send(c, action(EventOpened, reopened)); err != nil {
		t.Fatal(err)
	}
	if in := fake.Incidents()[0]; in.State != DefaultServiceNowReopenState || fake.Creates() != 1 {
		t.Fatalf("after re-opening %+v, %d created", in, fake.Creates())
	}
	// A resolution of a finding that never had a ticket asks nothing more than the lookup.
	before := fake.Requests()
	if err := s.Send(c, action(EventResolved, finding("beef", schemas.FindingResolved, "x"))); err != nil {
		t.Fatal(err)
	}
	if fake.Requests() != before+1 || fake.Creates() != 1 {
		t.Fatalf("%d requests for a resolution without ticket", fake.Requests()-before)
	}
}

// TestServiceNowAnswers: a 429's Retry-After and a 503 are retryable with their wait; a
// 401 is not, and says what ServiceNow said; a bearer token authenticates.
func TestServiceNowAnswers(t *testing.T) {
	c := ctx(t)
	fake := actionstest.NewServiceNow(t, "incident", "tollgate", "pw")
	s := newSNOW(t, fake)
	a := action(EventOpened, finding("f1", schemas.FindingOpen, "x"))
	fake.Next(actionstest.RateLimited("7"))
	err := s.Send(c, a)
	if retry, wait := Retryable(err); !retry || wait != 7*time.Second {
		t.Fatalf("429: %v → retry %v after %s", err, retry, wait)
	}
	fake.Next(actionstest.Fault{Status: 503, Body: "<html>Instance hibernating</html>"})
	if retry, _ := Retryable(s.Send(c, a)); !retry {
		t.Fatal("503 not retryable")
	}
	if err := s.Send(c, a); err != nil || fake.Creates() != 1 {
		t.Fatalf("after the faults: %v, %d created", err, fake.Creates())
	}
	bad, _ := NewServiceNow(ServiceNowConfig{Name: "snow", URL: fake.URL, Username: "tollgate", Password: "wrong"})
	err = bad.Send(c, a)
	if retry, _ := Retryable(err); retry || err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "User Not Authenticated") {
		t.Fatalf("401: %v (retry %v)", err, retry)
	}
	fake.Token = "tok"
	bearer, _ := NewServiceNow(ServiceNowConfig{Name: "snow", URL: fake.URL, Token: "tok"})
	if err := bearer.Send(c, action(EventOpened, finding("f2", schemas.FindingOpen, "y"))); err != nil || fake.Creates() != 2 {
		t.Fatalf("bearer: %v", err)
	}
	// A resolution refused by the data policy is not retried and names the fields.
	strict, _ := NewServiceNow(ServiceNowConfig{Name: "snow", URL: fake.URL, Token: "tok", CloseCode: " "})
	strict.cfg.CloseCode = ""
	err = strict.Send(c, action(EventResolved, finding("f2", schemas.FindingResolved, "y")))
	if retry, _ := Retryable(err); retry || err == nil || !strings.Contains(err.Error(), "mandatory") {
		t.Fatalf("data policy: %v", err)
	}
}

func newJSM(t *testing.T, fake *actionstest.JSM) *JSM {
	t.Helper()
	j, err := NewJSM(JSMConfig{Name: "jsm", URL: fake.URL, Email: "bot@corp.example", APIToken: "tok", ServiceDeskID: "1", RequestTypeID: "10"})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestJSMOneRequestPerFinding: as for ServiceNow, with the label lookup, internal comments
// and the Resolve transition.
func TestJSMOneRequestPerFinding(t *testing.T) {
	c := ctx(t)
	fake := actionstest.NewJSM(t, "bot@corp.example", "tok")
	open := finding("f00d", schemas.FindingOpen, "grant without a ticket")
	j := newJSM(t, fake)
	for _, s := range []*JSM{j, j, newJSM(t, fake)} {
		if err := s.Send(c, action(EventOpened, open)); err != nil {
			t.Fatal(err)
		}
	}
	if fake.Creates() != 1 {
		t.Fatalf("%d requests created, want 1", fake.Creates())
	}
	if r := fake.Requests()[0]; len(r.Labels) != 1 || r.Labels[0] != "tollgate-f00d" || !strings.Contains(r.Summary, "carol@corp.example") {
		t.Fatalf("request %+v", r)
	}
	updated := open
	updated.EventIDs = append(updated.EventIDs, "okta:2")
	if err := newJSM(t, fake).Send(c, action(EventUpdated, updated)); err != nil {
		t.Fatal(err)
	}
	resolved := finding("f00d", schemas.FindingResolved, "grant without a ticket")
	for _, s := range []*JSM{newJSM(t, fake), newJSM(t, fake)} {
		if err := s.Send(c, action(EventResolved, resolved)); err != nil {
			t.Fatal(err)
		}
	}
	r := fake.Requests()[0]
	if !r.Done() || len(r.Comments) != 2 || !strings.Contains(r.Comments[0], "okta:2") || !strings.Contains(r.Comments[1], "Resolved by tollgate") {
		t.Fatalf("after update and resolution %+v", r)
	}
	// Open again: commented, and re-opened when a reopen transition is configured.
	reopen, _ := NewJSM(JSMConfig{Name: "jsm", URL: fake.URL, Email: "bot@corp.example", APIToken: "tok", ServiceDeskID: "1", RequestTypeID: "10", ReopenTransition: "Reopen"})
	if err := reopen.Send(c, action(EventOpened, open)); err != nil {
		t.Fatal(err)
	}
	if r := fake.Requests()[0]; r.Done() || fake.Creates() != 1 {
		t.Fatalf("after re-opening %+v", r)
	}
}

// TestJSMAnswers: rate limits and 5xx are retryable, a 401 and a missing transition are
// not, each saying why.
func TestJSMAnswers(t *testing.T) {
	c := ctx(t)
	fake := actionstest.NewJSM(t, "bot@corp.example", "tok")
	j := newJSM(t, fake)
	a := action(EventOpened, finding("f1", schemas.FindingOpen, "x"))
	reset := time.Now().Add(30 * time.Second).UTC().Format(time.RFC3339)
	fake.Next(actionstest.Fault{Status: 429, Header: http.Header{"X-Ratelimit-Reset": {reset}, "X-Ratelimit-Remaining": {"0"}}})
	if retry, wait := Retryable(j.Send(c, a)); !retry || wait < 20*time.Second || wait > 31*time.Second {
		t.Fatalf("429 with X-RateLimit-Reset: retry %v after %s", retry, wait)
	}
	fake.Next(actionstest.Fault{Status: 502, Body: "bad gateway"})
	if retry, _ := Retryable(j.Send(c, a)); !retry {
		t.Fatal("502 not retryable")
	}
	bad, _ := NewJSM(JSMConfig{Name: "jsm", URL: fake.URL, Email: "bot@corp.example", APIToken: "nope", ServiceDeskID: "1", RequestTypeID: "10"})
	err := bad.Send(c, a)
	if retry, _ := Retryable(err); retry || !strings.Contains(fmt.Sprint(err), "401") || !strings.Contains(fmt.Sprint(err), "must be authenticated") {
		t.Fatalf("401: %v", err)
	}
	if err := j.Send(c, a); err != nil {
		t.Fatal(err)
	}
	wrong, _ := NewJSM(JSMConfig{Name: "jsm", URL: fake.URL, Email: "bot@corp.example", APIToken: "tok", ServiceDeskID: "1", RequestTypeID: "10", ResolveTransition: "Close"})
	err = wrong.Send(c, action(EventResolved, finding("f1", schemas.FindingResolved, "x")))
	if retry, _ := Retryable(err); retry || !strings.Contains(fmt.Sprint(err), `no transition "Close" (it offers Resolve, Pending)`) {
		t.Fatalf("missing transition: %v", err)
	}
	wrongType, _ := NewJSM(JSMConfig{Name: "jsm", URL: fake.URL, Email: "bot@corp.example", APIToken: "tok", ServiceDeskID: "1", RequestTypeID: "99"})
	err = wrongType.Send(c, action(EventOpened, finding("f2", schemas.FindingOpen, "x")))
	if retry, _ := Retryable(err); retry || !strings.Contains(fmt.Sprint(err), "request type") {
		t.Fatalf("wrong request type: %v", err)
	}
}

// TestWebhookSignatureVerifies: the receiver verifies the signature with the secret; the
// idempotency key is the ce_id; a changed body, another secret or an old timestamp fail.
func TestWebhookSignatureVerifies(t *testing.T) {
	c := ctx(t)
	secret := []byte("s3cret")
	var got struct {
		body            []byte
		sig, key, event string
	}
	status := http.StatusAccepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.body, _ = io.ReadAll(r.Body)
		got.sig, got.key, got.event = r.Header.Get(SignatureHeader), r.Header.Get(IdempotencyHeader), r.Header.Get(EventHeader)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	now := time.Now()
	w, err := NewWebhook(WebhookConfig{Name: "hook", URL: srv.URL + "/tollgate", Secret: secret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	a := action(EventOpened, finding("f1", schemas.FindingOpen, "x"))
	if err := w.Send(c, a); err != nil {
		t.Fatal(err)
	}
	if err := Verify(secret, got.sig, got.body, now, 0); err != nil {
		t.Fatalf("verify %q: %v", got.sig, err)
	}
	if got.key != a.ID || got.event != "finding.opened" || !strings.Contains(string(got.body), `"type":"finding.opened"`) || !strings.Contains(string(got.body), `"finding_id":"f1"`) {
		t.Fatalf("key %q event %q body %s", got.key, got.event, got.body)
	}
	for name, check := range map[string]error{
		"changed body": Verify(secret, got.sig, append(got.body, ' '), now, 0),
		"other secret": Verify([]byte("other"), got.sig, got.body, now, 0),
		"replayed":     Verify(secret, got.sig, got.body, now.Add(10*time.Minute), 0),
		"no signature": Verify(secret, "", got.body, now, 0),
	} {
		if !errors.Is(check, ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, check)
		}
	}
	status = http.StatusInternalServerError
	if retry, _ := Retryable(w.Send(c, a)); !retry {
		t.Fatal("500 not retryable")
	}
	status = http.StatusBadRequest
	if retry, _ := Retryable(w.Send(c, a)); retry {
		t.Fatal("400 retryable")
	}
}

// TestSlackAnswers: Slack's "ok", its 429 with Retry-After and its 4xx texts.
func TestSlackAnswers(t *testing.T) {
	c := ctx(t)
	var body string
	answers := []actionstest.Fault{{Status: 200, Body: "ok"}, actionstest.RateLimited("3"), {Status: 400, Body: "invalid_payload"},
		{Status: 404, Body: "no_service"}, {Status: 410, Body: "channel_is_archived"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		ans := answers[0]
		answers = answers[1:]
		for k, v := range ans.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(ans.Status)
		_, _ = io.WriteString(w, ans.Body)
	}))
	defer srv.Close()
	s, err := NewSlack(SlackConfig{Name: "slack", URL: srv.URL + "/services/T0/B0/secretpath"})
	if err != nil {
		t.Fatal(err)
	}
	f := finding("f1", schemas.FindingOpen, "grant of <admin> & more")
	if err := s.Send(c, action(EventOpened, f)); err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string                `json:"type"`
			Text struct{ Text string } `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil || !strings.HasPrefix(msg.Text, "[HIGH] UNTICKETED_ACCESS_CHANGE") ||
		len(msg.Blocks) != 2 || msg.Blocks[0].Type != "section" || !strings.Contains(msg.Blocks[0].Text.Text, "grant of &lt;admin&gt; &amp; more") {
		t.Fatalf("payload %s: %v", body, err)
	}
	if retry, wait := Retryable(s.Send(c, action(EventOpened, f))); !retry || wait != 3*time.Second {
		t.Fatalf("429: retry %v after %s", retry, wait)
	}
	for _, want := range []string{"invalid_payload", "no_service", "channel_is_archived"} {
		err := s.Send(c, action(EventOpened, f))
		if retry, _ := Retryable(err); retry || !strings.Contains(fmt.Sprint(err), want) || strings.Contains(fmt.Sprint(err), "secretpath") {
			t.Fatalf("%s: %v (retry %v)", want, err, retry)
		}
	}
}

// TestCheckURL: https anywhere, http only to loopback, no credentials in the URL, and the
// errors never repeat the path (a Slack webhook's secret).
func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://acme.service-now.com":                  true,
		"http://127.0.0.1:8080/hook":                    true,
		"http://localhost/hook":                         true,
		"http://[::1]:9/x":                              true,
		"http://hooks.slack.com/services/T/B/secret":    false,
		"ftp://acme.example/x":                          false,
		"https://user:pw@acme.atlassian.net":            false,
		"/relative/secret":                              false,
		"http://127.0.0.1.attacker.example/secret-path": false,
	} {
		_, err := CheckURL(raw)
		if (err == nil) != ok {
			t.Errorf("%s: %v, want ok %v", raw, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error repeats the path: %v", raw, err)
		}
	}
}

// TestRedirectToAnotherHostRefused: a sink never follows a redirect off its host, and that
// is not retried.
func TestRedirectToAnotherHostRefused(t *testing.T) {
	c := ctx(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("the other host was reached") }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/steal", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	w, _ := NewWebhook(WebhookConfig{Name: "hook", URL: srv.URL, Secret: []byte("k")})
	err := w.Send(c, action(EventOpened, finding("f1", schemas.FindingOpen, "x")))
	if retry, _ := Retryable(err); retry || !strings.Contains(fmt.Sprint(err), "another host") {
		t.Fatalf("redirect: %v (retry %v)", err, retry)
	}
}

// TestTrackerClassify: the events of a finding's life, and republishes that do nothing.
func TestTrackerClassify(t *testing.T) {
	tr := NewTracker(0)
	open := finding("f1", schemas.FindingOpen, "x")
	changed := open
	changed.Summary = "y"
	resolved := finding("f1", schemas.FindingResolved, "y")
	for i, c := range []struct {
		f    schemas.Finding
		want Event // "" for nothing to do
	}{{open, EventOpened}, {open, ""}, {changed, EventUpdated}, {changed, ""}, {resolved, EventResolved}, {resolved, ""}, {open, EventOpened}} {
		a, ok := tr.Classify(&c.f, "id")
		if got := map[bool]Event{true: a.Event}[ok]; got != c.want {
			t.Fatalf("step %d: %q, want %q", i, got, c.want)
		}
		if ok {
			tr.Done(a)
		}
	}
	tr.Forget("f1")
	if a, ok := tr.Classify(&open, "id"); !ok || a.Event != EventOpened {
		t.Fatalf("after Forget: %v %q, want opened", ok, a.Event)
	}
}

// TestRouter: kinds globs, minimum severity, events, and each sink once.
func TestRouter(t *testing.T) {
	a, b := &Slack{e: endpoint{sink: "a"}}, &Slack{e: endpoint{sink: "b"}}
	r := NewRouter([]Route{
		{Name: "high", MinSeverity: schemas.SeverityHigh, Sinks: []Sink{a}},
		{Name: "nhi", Kinds: []string{"NHI_*"}, Events: []Event{EventOpened}, Sinks: []Sink{b, a}},
	})
	names := func(f schemas.Finding, ev Event) string {
		var out []string
		for _, s := range r.Sinks(&Action{Event: ev, Finding: f}) {
			out = append(out, s.Name())
		}
		return strings.Join(out, ",")
	}
	high := finding("f", schemas.FindingOpen, "x")
	low := high
	low.Severity = schemas.SeverityLow
	nhi := low
	nhi.Kind = "NHI_NO_OWNER"
	for _, c := range []struct {
		f    schemas.Finding
		ev   Event
		want string
	}{{high, EventOpened, "a"}, {low, EventOpened, ""}, {nhi, EventOpened, "b,a"}, {nhi, EventResolved, ""}, {func() schemas.Finding { f := nhi; f.Severity = schemas.SeverityCritical; return f }(), EventOpened, "a,b"}} {
		if got := names(c.f, c.ev); got != c.want {
			t.Errorf("%s %s %s: %q, want %q", c.f.Kind, c.f.Severity, c.ev, got, c.want)
		}
	}
}

// TestRetryAfter: seconds, HTTP dates, ServiceNow's Unix and Atlassian's ISO resets.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"12"}}, 12 * time.Second},
		{http.Header{"Retry-After": {now.Add(time.Minute).Format(http.TimeFormat)}}, time.Minute},
		{http.Header{"X-Ratelimit-Reset": {fmt.Sprint(now.Add(90 * time.Second).Unix())}}, 90 * time.Second},
		{http.Header{"X-Ratelimit-Reset": {"2026-03-02T09:02:00Z"}}, 2 * time.Minute},
		{http.Header{"Retry-After": {"-5"}}, 0},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{}, 0},
	} {
		if got := RetryAfter(c.h, now); got != c.want {
			t.Errorf("%v: %s, want %s", c.h, got, c.want)
		}
	}
}
