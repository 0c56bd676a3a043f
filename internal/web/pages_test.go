package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/auditor/auditortest"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
)

// hostile is a principal id written to break out of SQL strings and HTML.
const hostile = `eve'); DROP TABLE findings; --<script>alert(1)</script>@corp.example`

// console is a loopback console over a real engine holding auditortest's scenario and an
// unticketed admin grant to the hostile principal.
type console struct {
	h  http.Handler
	a  *auditor.Auditor
	at time.Time
}

func newConsole(t testing.TB) *console {
	t.Helper()
	ctx := context.Background()
	store := clickhousetest.Embedded(t)
	if _, err := clickhouse.Migrate(ctx, store, clickhouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	now := auditortest.T0.Add(time.Hour)
	a, err := auditor.New(store, auditor.DefaultConfig(), auditor.Options{Clock: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ev := auditortest.Events{Seq: 1000} // ids after the scenario's
	evs := append(auditortest.Scenario(), ev.IAM(schemas.ActionAccessGrant, auditortest.T0, schemas.LaneServiceDesk, auditortest.Admin,
		auditortest.Human(hostile), auditortest.Group("<b>Super Administrator</b>", schemas.PrivilegeAdmin)))
	if _, err := a.WriteBatch(ctx, evs); err != nil {
		t.Fatal(err)
	}
	dlq := kafka.Message{Time: now, Key: []byte("k1"), Value: []byte("{\"not\":\"avro\"\x00\xff<script>"), Headers: []kafka.Header{
		{Key: tkafka.DLQHeaderStage, Value: []byte("router")}, {Key: tkafka.DLQHeaderError, Value: []byte("decode: bad magic byte")},
		{Key: tkafka.DLQHeaderTopic, Value: []byte("tollgate.events")}, {Key: tkafka.DLQHeaderPartition, Value: []byte("2")},
		{Key: tkafka.DLQHeaderOffset, Value: []byte("41")}}}
	s, err := New(Options{Auditor: a, DefaultActor: "tester",
		Query: func(ctx context.Context, sql string) (*clickhouse.QueryResult, error) {
			return clickhouse.RunReadOnly(ctx, store, sql, nil)
		},
		DeadLetters: func(context.Context, int) ([]kafka.Message, error) { return []kafka.Message{dlq}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Mount(mux)
	return &console{h: (*Auth)(nil).Wrap(mux), a: a, at: now}
}

func (c *console) get(t testing.TB, target string) (int, string) {
	t.Helper()
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.URL, r.RequestURI = u, target
	r.RemoteAddr, r.Host = "127.0.0.1:4000", "127.0.0.1:8079"
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

func (c *console) post(t testing.TB, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.RemoteAddr, r.Host = "127.0.0.1:4000", "127.0.0.1:8079"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	return w
}

func (c *console) finding(t testing.TB, kind, principal string) schemas.Finding {
	t.Helper()
	fs, err := c.a.Findings(context.Background(), auditor.FindingFilter{Kind: kind, Principal: principal, Status: schemas.FindingOpen})
	if err != nil || len(fs) != 1 {
		t.Fatalf("%s of %s: %v %v", kind, principal, fs, err)
	}
	return fs[0]
}

func TestFindingsPageListsBySeverityWithFilters(t *testing.T) {
	c := newConsole(t)
	code, body := c.get(t, "/ui/findings")
	if code != 200 {
		t.Fatalf("findings page: %d %s", code, body)
	}
	// Most severe first.
	var sevs []string
	for _, part := range strings.Split(body, `<span class="sev sev-`)[1:] {
		sevs = append(sevs, part[:strings.Index(part, `"`)])
	}
	rank := map[string]int{"critical": 0, "high": 1, "medium": 2, "low": 3}
	if len(sevs) < 5 || !slices.IsSortedFunc(sevs, func(a, b string) int { return rank[a] - rank[b] }) || sevs[0] == sevs[len(sevs)-1] {
		t.Fatalf("severities in page order %v", sevs)
	}
	// The hostile principal is data, not markup.
	if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("the principal was not escaped:\n%s", body)
	}
	if !strings.Contains(body, `id="lane-chart"`) || !strings.Contains(body, "SERVICE_DESK") {
		t.Fatalf("no lane chart:\n%s", body)
	}
	_, body = c.get(t, "/ui/findings?severity=MEDIUM")
	if strings.Contains(body, "UNTICKETED_ACCESS_CHANGE</a>") || !strings.Contains(body, "NHI_NO_OWNER</a>") {
		t.Fatalf("severity filter:\n%s", body)
	}
	_, body = c.get(t, "/ui/findings?kind=SELF_APPROVED")
	if strings.Count(body, "data-finding=") != 1 || !strings.Contains(body, "carol@corp.example") {
		t.Fatalf("kind filter: %d rows", strings.Count(body, "data-finding="))
	}
	_, body = c.get(t, "/ui/findings?principal="+url.QueryEscape(hostile))
	if strings.Count(body, "data-finding=") != 2 { // UNTICKETED and OVER_BROAD
		t.Fatalf("principal filter on the hostile id: %d rows\n%s", strings.Count(body, "data-finding="), body)
	}
	code, body = c.get(t, "/ui/findings?kind=NOPE&status=maybe")
	if code != 200 || !strings.Contains(body, `kind &#34;NOPE&#34; is not a finding kind`) || !strings.Contains(body, "status &#34;MAYBE&#34; is not OPEN") {
		t.Fatalf("bad filters: %d\n%s", code, body)
	}
}

func TestFindingPageShowsEvidenceTicketGrantAndRecordsTriage(t *testing.T) {
	c := newConsole(t)
	f := c.finding(t, auditor.KindSelfApproved, "carol@corp.example")
	page := "/ui/findings/" + f.FindingID
	code, body := c.get(t, page)
	if code != 200 {
		t.Fatalf("finding page: %d", code)
	}
	for _, want := range []string{auditor.Advice(auditor.KindSelfApproved), "Ticket RITM0200", "crm-users", `id="grant"`, "okta:crm-users", "TICKET_APPROVED", "finding raised: SELF_APPROVED", `value="tester"`} {
		if !strings.Contains(body, want) {
			t.Errorf("finding page lacks %q", want)
		}
	}
	// An incomplete decision is refused naming the field, and nothing is recorded.
	w := c.post(t, page+"/triage", url.Values{"by": {"sam"}, "action": {"FALSE_POSITIVE"}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "FALSE_POSITIVE needs a reason") {
		t.Fatalf("false positive without a reason: %d\n%s", w.Code, w.Body.String())
	}
	w = c.post(t, page+"/triage", url.Values{"by": {"sam"}, "action": {"ACCEPT_RISK"}, "reason": {"migration"}, "until": {"not a date"}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "until: ") {
		t.Fatalf("accept risk with a bad date: %d", w.Code)
	}
	w = c.post(t, page+"/triage", url.Values{"by": {"sam"}, "action": {"ACCEPT_RISK"}, "reason": {"vendor migration"}, "until": {c.at.AddDate(0, 1, 0).Format(time.DateOnly)}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), page+"?done=") {
		t.Fatalf("accept risk: %d %q", w.Code, w.Header().Get("Location"))
	}
	st, err := c.a.Triages(context.Background(), []string{f.FindingID})
	if err != nil || st[f.FindingID].State != auditor.TriageAcceptRisk || len(st[f.FindingID].Decision) != 1 || st[f.FindingID].Latest.Actor != "sam" {
		t.Fatalf("triage after the form: %+v %v", st, err)
	}
	_, body = c.get(t, page)
	if !strings.Contains(body, "triage: ACCEPT_RISK") || !strings.Contains(body, "vendor migration") {
		t.Fatalf("the decision is not on the page:\n%s", body)
	}
	_, list := c.get(t, "/ui/findings?triage=ACCEPT_RISK")
	if strings.Count(list, "data-finding=") != 1 {
		t.Fatalf("triage filter: %d rows", strings.Count(list, "data-finding="))
	}
	if code, _ := c.get(t, "/ui/findings/does-not-exist"); code != http.StatusNotFound {
		t.Fatalf("unknown finding: %d", code)
	}
	if w := c.post(t, "/ui/findings/does-not-exist/triage", url.Values{"by": {"sam"}, "action": {"ACKNOWLEDGE"}}); w.Code != http.StatusNotFound {
		t.Fatalf("triage of an unknown finding: %d", w.Code)
	}
}

func TestPrincipalAndQueuePages(t *testing.T) {
	c := newConsole(t)
	code, body := c.get(t, "/ui/principal?id="+url.QueryEscape("carol@corp.example"))
	if code != 200 || !strings.Contains(body, "SELF_APPROVED") || !strings.Contains(body, "okta:crm-users") || !strings.Contains(body, "RITM0200") {
		t.Fatalf("principal page: %d\n%s", code, body)
	}
	if !strings.Contains(body, "No other account is joined") {
		t.Fatalf("principal page of an account joined to nothing:\n%s", body)
	}
	// An identity correction shows on the page of every account it joins, with its reason.
	if _, err := c.a.ChangeIdentity(context.Background(), auditor.IdentityChange{Account: "arn:aws:iam::1:user/carol", Identity: "carol@corp.example",
		Reason: "HR record <script>", Actor: "kim"}); err != nil {
		t.Fatal(err)
	}
	code, body = c.get(t, "/ui/principal?id="+url.QueryEscape("arn:aws:iam::1:user/carol"))
	if code != 200 || !strings.Contains(body, "<code>carol@corp.example</code>") || !strings.Contains(body, "HR record &lt;script&gt; (kim)") ||
		!strings.Contains(body, "manual") {
		t.Fatalf("principal page of a joined account: %d\n%s", code, body)
	}
	code, body = c.get(t, "/ui/principal?id="+url.QueryEscape(hostile))
	if code != 200 || strings.Contains(body, "<b>Super") || !strings.Contains(body, "&lt;b&gt;Super Administrator&lt;/b&gt;") {
		t.Fatalf("hostile principal page: %d\n%s", code, body)
	}
	for _, bad := range []string{"/ui/principal?id=a%0Ab", "/ui/principal?id=%FF%FE", "/ui/findings?principal=%0A", "/ui/findings/x%0Ay"} {
		if code, _ := c.get(t, bad); code != http.StatusBadRequest {
			t.Errorf("%s answered %d, want 400 (no lookup of a value that cannot be an id)", bad, code)
		}
	}
	code, body = c.get(t, "/ui/queues")
	if code != 200 || !strings.Contains(body, "decode: bad magic byte") || !strings.Contains(body, "tollgate.events/2@41") || strings.Contains(body, "<script>") {
		t.Fatalf("queues page: %d\n%s", code, body)
	}
}

// FuzzConsolePages: no path or query, however hostile, makes a console page answer 5xx;
// every value reaches the engine quoted.
func FuzzConsolePages(f *testing.F) {
	c := newConsole(f)
	for _, s := range []string{"/ui/findings?principal=" + url.QueryEscape(hostile), "/ui/findings/abc", "/ui/principal?id=%27",
		"/ui/findings?kind=%00&severity=%ff", "/ui/principal?id=" + url.QueryEscape(`\' OR 1=1 --`), "/ui/queues", "/ui/findings?status=all&triage=untriaged"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(u.Path, "/ui/") || strings.HasPrefix(u.Path, "/ui/oidc") {
			return
		}
		if code, body := c.get(t, u.RequestURI()); code >= 500 {
			t.Fatalf("%s answered %d:\n%s", target, code, body)
		}
	})
}
