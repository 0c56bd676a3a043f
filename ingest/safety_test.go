package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

// sizeLimitProducer is a fakeProducer whose records have a size limit: an event whose raw
// payload is larger than limit is a *TooLargeError, as KafkaProducer reports one that does
// not fit even with raw truncated.
type sizeLimitProducer struct {
	fakeProducer
	limit int
}

func (p *sizeLimitProducer) ProduceBatch(ctx context.Context, evs []schemas.IdentityEvent, rejected []Rejected) error {
	for i := range evs {
		if len(evs[i].Raw) > p.limit {
			return &TooLargeError{Event: i, Bytes: len(evs[i].Raw), Limit: p.limit}
		}
	}
	return p.fakeProducer.ProduceBatch(ctx, evs, rejected)
}

func oktaEvent1(uuid, published string) string {
	return fmt.Sprintf(`{"uuid":%q,"published":%q,"eventType":"user.session.start","actor":{"id":"00u1","type":"User","alternateId":"a@example.org"}}`, uuid, published)
}

func oktaHookOf(events ...string) string {
	return `{"eventType":"com.okta.event_hook","data":{"events":[` + strings.Join(events, ",") + `]}}`
}

// TestNoInputYieldsServerError is the table of issue 11: every hostile, malformed or
// oversized input has a 4xx or a 2xx with its bad items dead-lettered, never a 5xx.
func TestNoInputYieldsServerError(t *testing.T) {
	good := oktaEvent1("g1", "2025-05-14T09:12:44.318Z")
	big := oktaEvent1("big", "2025-05-14T09:12:44.318Z")
	big = big[:len(big)-1] + `,"displayMessage":"` + strings.Repeat("x", 4096) + `"}`
	cases := []struct {
		name, path, body string
		hdr              map[string]string
		status           int
		accepted         int
		rejected         []int // rejected item indexes, dead-lettered
		contains         string
	}{
		{name: "batch with one bad event", path: "/v1/ingest/okta",
			body:   oktaHookOf(good, `{"uuid":"b","eventType":""}`, oktaEvent1("g2", "2025-05-14T09:12:45Z")),
			status: 200, accepted: 2, rejected: []int{1}, contains: "eventType"},
		{name: "event too large for a record", path: "/v1/ingest/okta", body: oktaHookOf(good, big),
			status: 200, accepted: 1, rejected: []int{1}, contains: "Kafka message limit"},
		{name: "only a too-large event", path: "/v1/ingest/okta", body: oktaHookOf(big),
			status: 400, rejected: []int{0}, contains: "Kafka message limit"},
		{name: "dated 0001-01-01", path: "/v1/ingest/okta", body: oktaHookOf(oktaEvent1("old", "0001-01-01T00:00:00Z")),
			status: 200, accepted: 1},
		{name: "dated year 9999", path: "/v1/ingest/cloudtrail",
			body:   `{"Records":[{"eventID":"e1","eventTime":"9999-12-31T23:59:59Z","eventName":"CreateUser","eventSource":"iam.amazonaws.com"}]}`,
			status: 200, accepted: 1},
		{name: "invalid UTF-8 in an id", path: "/v1/ingest/okta",
			body:   oktaHookOf(good, `{"uuid":"id-`+"\xff\xfe"+`","eventType":"user.session.start"}`),
			status: 200, accepted: 1, rejected: []int{1}, contains: "UTF-8"},
		{name: "lone surrogate escape in an id", path: "/v1/ingest/okta",
			body:   oktaHookOf(`{"uuid":"id-\ud800","eventType":"user.session.start"}`),
			status: 400, rejected: []int{0}, contains: "UTF-8"},
		{name: "number for string in Workspace", path: "/v1/ingest/google_workspace",
			body:   `{"items":[{"id":{"time":"2025-05-14T10:00:00Z","uniqueQualifier":123,"applicationName":"admin"},"actor":{"email":"a@example.org","profileId":1234567890},"events":[{"type":"GROUP_SETTINGS","name":"ADD_GROUP_MEMBER","parameters":[{"name":"USER_EMAIL","value":"b@example.org"},{"name":"GROUP_EMAIL","value":"g@example.org"},{"name":"COUNT","value":42},{"name":"IDS","multiValue":[1,"2"]}]}]}]}`,
			status: 200, accepted: 1},
		{name: "ticket event without ticket", path: "/v1/events",
			body:   `{"event_id":"t1","action":"TICKET_OPENED","category":"TICKET","occurred_at":"2025-05-14T10:00:00Z"}`,
			status: 400, rejected: []int{0}, contains: "ticket.id"},
		{name: "not JSON at all", path: "/v1/ingest/okta", body: `{"data":`, status: 400, contains: "malformed"},
		{name: "not a batch shape", path: "/v1/ingest/entra", body: `"just a string"`, status: 400, contains: "shape"},
		{name: "deeply nested", path: "/v1/ingest/servicenow", body: strings.Repeat("[", 20000) + strings.Repeat("]", 20000), status: 400},
		{name: "declared too large", path: "/v1/ingest/okta", body: good, hdr: map[string]string{"Content-Length": "99999999"}, status: 413, contains: "max_body_bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			p := &sizeLimitProducer{limit: 2048}
			h := NewHandler(cfg, p, nil, nil)
			req := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			if cl := c.hdr["Content-Length"]; cl != "" {
				fmt.Sscan(cl, &req.ContentLength)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), c.contains) {
				t.Errorf("answer %s does not mention %q", rec.Body, c.contains)
			}
			if c.accepted > 0 || len(c.rejected) > 0 {
				var ans answerBody
				if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
					t.Fatal(err)
				}
				if ans.Accepted != c.accepted || ans.Rejected != len(c.rejected) || !slices.Equal(ans.RejectedIndexes, c.rejected) || len(ans.Errors) != len(c.rejected) {
					t.Errorf("answer %s, want accepted %d rejected %v", rec.Body, c.accepted, c.rejected)
				}
			}
			if p.count() != c.accepted {
				t.Errorf("produced %d events, want %d", p.count(), c.accepted)
			}
			var deadIdx []int
			for _, d := range p.dead {
				deadIdx = append(deadIdx, d.Index)
				if len(d.Raw) == 0 || !strings.Contains(c.body, string(d.Raw)) {
					t.Errorf("dead letter %d does not carry the item's bytes: %q", d.Index, d.Raw)
				}
			}
			if !slices.Equal(deadIdx, c.rejected) {
				t.Errorf("dead-lettered %v, want %v", deadIdx, c.rejected)
			}
		})
	}
}

func TestTimestampsOutsideRangeFallBack(t *testing.T) {
	now := testNow
	for _, ts := range []string{"0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "9999-12-31T00:00:00Z"} {
		evs, err := ParseOkta([]byte(oktaEvent1("x", ts)), now)
		if err != nil {
			t.Fatal(err)
		}
		e := evs[0]
		if !e.OccurredAt.Equal(now) || e.Attributes[AttrOccurredAtFallback] != "true" || e.Attributes[AttrOccurredAtRejected] == "" {
			t.Errorf("%s: occurred_at %v attributes %v", ts, e.OccurredAt, e.Attributes)
		}
	}
	// An optional time the store cannot hold ("never" as 9999-12-31) is dropped, kept as an attribute.
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	ev := schemas.IdentityEvent{EventID: "generic:x", OccurredAt: now, Ticket: &schemas.Ticket{ID: "T1", AccessExpires: &far}, Attributes: map[string]string{}}
	if err := validateEvent(&ev, now); err != nil || ev.Ticket.AccessExpires != nil || ev.Attributes["dropped_ticket.access_expires"] == "" {
		t.Errorf("err %v, access_expires %v, attributes %v", err, ev.Ticket.AccessExpires, ev.Attributes)
	}
}

// TestAuthBeforeBody: a request without the shared secret is refused without reading its
// body, however large it claims to be.
func TestAuthBeforeBody(t *testing.T) {
	cfg := Config{Sources: map[string]SourceAuth{"okta": {Secret: "s"}}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h := NewHandler(cfg, &fakeProducer{}, nil, nil)
	body := &countingReader{r: strings.NewReader(strings.Repeat("x", 4<<20))}
	req := httptest.NewRequest("POST", "/v1/ingest/okta", body)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 || body.n != 0 {
		t.Fatalf("status %d after reading %d body bytes", rec.Code, body.n)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestSlowBody: a client that sends its body slower than ingest.read_timeout is answered
// 408 and holds the connection no longer.
func TestSlowBody(t *testing.T) {
	cfg := Config{ReadTimeout: config.Duration(300 * time.Millisecond), ReadHeaderTimeout: config.Duration(100 * time.Millisecond)}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(NewHandler(cfg, &fakeProducer{}, nil, nil))
	srv.Config.ReadTimeout, srv.Config.ReadHeaderTimeout = cfg.ReadTimeout.D(), cfg.ReadHeaderTimeout.D()
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/ingest/okta HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"uuid\":")
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || time.Since(start) > 3*time.Second {
		t.Fatalf("status %d after %s", resp.StatusCode, time.Since(start))
	}
}

// TestRedactionPerSource: secrets that key names alone do not reveal leave no trace in raw,
// for every source; identifiers stay.
func TestRedactionPerSource(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2ln"
	cases := []struct {
		source, body string
		secrets      []string
		keep         []string
	}{
		{SourceOkta, `{"uuid":"o1","eventType":"user.session.start","debugContext":{"debugData":{"requestUri":"/login?token=TOK123456&next=/home","pwd":"hunter2","url":"https://x.example/cb?code=AUTHCODE99&state=s"}},"displayMessage":"Authorization: Bearer abcdefghijklmnop"}`,
			[]string{"TOK123456", "hunter2", "AUTHCODE99", "abcdefghijklmnop"}, []string{"next=/home", "state=s"}},
		{SourceGoogleWorkspace, `{"id":{"time":"2025-05-14T10:00:00Z","uniqueQualifier":"1"},"actor":{"email":"a@example.org"},"events":[{"name":"CHANGE_PASSWORD","parameters":[{"name":"USER_EMAIL","value":"b@example.org"},{"name":"password","value":"S3cret!pw"},{"name":"otp","intValue":"654321"}]}]}`,
			[]string{"S3cret!pw", "654321"}, []string{"b@example.org"}},
		{SourceServiceNow, `{"sys_id":"s1","number":"INC0010001","sys_class_name":"incident","short_description":"Reset","description":"Done. Temporary password: Xyz123! and pin = 4711","sys_updated_on":"2025-05-14 10:00:00"}`,
			[]string{"Xyz123!", "4711"}, []string{"INC0010001"}},
		{SourceEntra, `{"id":"e1","activityDisplayName":"Update user","activityDateTime":"2025-05-14T10:00:00Z","targetResources":[{"id":"u","type":"User","modifiedProperties":[{"displayName":"PasswordProfile","newValue":"\"P@ssw0rd-new\""}]}],"additionalDetails":[{"key":"jwt","value":"` + jwt + `"}]}`,
			[]string{"P@ssw0rd-new", jwt}, []string{"Update user"}},
		{SourceCloudTrail, `{"eventID":"c1","eventTime":"2025-05-14T10:00:00Z","eventName":"GetObject","eventSource":"s3.amazonaws.com","userIdentity":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE"},"requestParameters":{"url":"https://b.s3.amazonaws.com/k?X-Amz-Signature=abcdef0123456789&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"},"errorMessage":"aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYZ"}`,
			[]string{"abcdef0123456789", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYZ"}, []string{"AKIAIOSFODNN7EXAMPLE"}},
		{SourceJiraSM, `{"timestamp":1715680800000,"webhookEvent":"jira:issue_updated","issue":{"id":"1","key":"ITSM-1","fields":{"summary":"Access"}},"changelog":{"items":[{"field":"password","fromString":"old-pass-1","toString":"new-pass-2"}]},"comment":{"body":"your otp: 998877, see ` + jwt + `"}}`,
			[]string{"old-pass-1", "new-pass-2", "998877", jwt}, []string{"ITSM-1"}},
		{SourceGeneric, `{"event_id":"x1","action":"SIGN_IN","attributes":{"note":"Bearer ` + jwt + `","session":"ok"}}`,
			[]string{jwt}, []string{`"session":"ok"`}},
	}
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			evs, err := Parsers(ParserOptions{})[c.source].Parse([]byte(c.body), testNow)
			if err != nil {
				t.Fatal(err)
			}
			raw := string(evs[0].Raw)
			for _, s := range c.secrets {
				if strings.Contains(raw, s) {
					t.Errorf("secret %q survived: %s", s, raw)
				}
			}
			for _, s := range c.keep {
				if !strings.Contains(raw, s) {
					t.Errorf("%q lost: %s", s, raw)
				}
			}
		})
	}
}
