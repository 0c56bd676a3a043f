package entra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

var t0 = time.Date(2025, 5, 14, 10, 0, 0, 0, time.UTC)

// audit is a directoryAudit as Graph v1.0 returns one.
func audit(i int, at time.Time) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("Directory_%04d_ABC12_%d", i, i), "category": "GroupManagement", "correlationId": fmt.Sprintf("c-%d", i),
		"result": "success", "resultReason": "", "activityDisplayName": "Add member to group", "activityDateTime": at.Format("2006-01-02T15:04:05.0000000Z"),
		"loggedByService": "Core Directory", "operationType": "Assign",
		"initiatedBy": map[string]any{"user": map[string]any{"id": "9f0c", "displayName": "Ops Admin", "userPrincipalName": "ops.admin@example.org", "ipAddress": "203.0.113.9"}, "app": nil},
		"targetResources": []any{
			map[string]any{"id": janeID, "displayName": nil, "type": "User", "userPrincipalName": "jane.doe@example.org", "modifiedProperties": []any{}},
			map[string]any{"id": groupID, "displayName": "Finance Admins", "type": "Group", "modifiedProperties": []any{}},
		},
		"additionalDetails": []any{},
	}
}

// signIn is a signIn as Graph v1.0 returns one.
func signIn(i int, at time.Time) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("66ea54eb-6301-4ee5-be62-ff5a759b%04d", i), "createdDateTime": at.Format(time.RFC3339),
		"userDisplayName": "Jane Doe", "userPrincipalName": "jane.doe@example.org", "userId": janeID,
		"appId": "de8bc8b5-d9f9-48b1-a8ad-b748da725064", "appDisplayName": "Graph Explorer", "ipAddress": "131.107.159.37",
		"clientAppUsed": "Browser", "correlationId": "d79f5bee-5860-4832-928f-3133e22ae912", "conditionalAccessStatus": "notApplied",
		"isInteractive": true, "riskDetail": "none", "riskLevelAggregated": "none", "riskState": "none",
		"status":   map[string]any{"errorCode": 0, "failureReason": nil, "additionalDetails": nil},
		"location": map[string]any{"city": "Redmond", "state": "Washington", "countryOrRegion": "US"},
	}
}

func ids(evs []schemas.IdentityEvent) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.EventID)
	}
	return out
}

// wantIDs are the event ids ingest gives the records.
func wantIDs(t *testing.T, objs ...map[string]any) map[string]bool {
	t.Helper()
	want := map[string]bool{}
	for _, o := range objs {
		b, _ := json.Marshal(o)
		evs, err := ingest.ParseEntra(b, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids(evs) {
			want[id] = true
		}
	}
	return want
}

func newTestPuller(t *testing.T, f *fakeGraph, waits *[]time.Duration) *Puller {
	t.Helper()
	c := f.config()
	c.Start = t0.Add(-time.Hour)
	c.Overlap = config.Duration(5 * time.Minute)
	p := must(NewPuller(context.Background(), c, nil))
	quickClient(p.Client(), waits)
	return p
}

// killingSink takes every page, and once the page numbered killAt is on "Kafka" it
// cancels the run before RunPull can save that page's cursor: a crash between produce
// and commit.
type killingSink struct {
	pages  [][]string
	killAt int
	cancel context.CancelFunc
}

func (s *killingSink) Produce(ctx context.Context, evs []schemas.IdentityEvent) error {
	s.pages = append(s.pages, ids(evs))
	if len(s.pages) == s.killAt {
		s.cancel()
		return ctx.Err()
	}
	return nil
}

func TestPullEveryRecordOnceAcrossAKill(t *testing.T) {
	f := newFakeGraph(t)
	var audits, signIns []map[string]any
	for i := range 7 {
		audits = append(audits, audit(i, t0.Add(time.Duration(i)*time.Minute)))
	}
	audits = append(audits, audit(99, t0.Add(3*time.Minute))) // two records at one time
	for i := range 3 {
		signIns = append(signIns, signIn(i, t0.Add(time.Duration(i)*time.Second)))
	}
	f.set("auditLogs/directoryAudits", audits...)
	f.set("auditLogs/signIns", signIns...)
	// 429 on the first call, then page one, then a 503 on page two.
	f.faults["auditLogs/directoryAudits"] = []int{http.StatusTooManyRequests, 0, http.StatusServiceUnavailable}
	f.faults["auditLogs/signIns"] = []int{0}
	want := wantIDs(t, append(audits, signIns...)...)

	var waits []time.Duration
	p := newTestPuller(t, f, &waits)
	store := &connectors.MemoryCursors{}
	ctx, cancel := context.WithCancel(context.Background())
	sink := &killingSink{killAt: 2, cancel: cancel}
	if err := connectors.RunPull(ctx, p, store, sink, connectors.PullOptions{Name: "entra", Once: true, RetryMin: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if len(sink.pages) != 2 {
		t.Fatalf("the first run produced %d pages before the kill, want 2", len(sink.pages))
	}
	redelivered := sink.pages[1]

	sink2 := &killingSink{}
	p2 := newTestPuller(t, f, &waits) // a restarted process: new puller, same cursor store
	if err := connectors.RunPull(context.Background(), p2, store, sink2, connectors.PullOptions{Name: "entra", Once: true, RetryMin: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, page := range append(sink.pages, sink2.pages...) {
		for _, id := range page {
			count[id]++
		}
	}
	for id := range want {
		if count[id] == 0 {
			t.Errorf("record %s never produced", id)
		}
	}
	for id, n := range count {
		if !want[id] {
			t.Errorf("produced %s, which is no record", id)
		}
		if n > 1 && !(n == 2 && contains(redelivered, id)) {
			t.Errorf("record %s produced %d times; only the killed page's records may come twice", id, n)
		}
	}
	if !containsWait(waits, 2*time.Second) {
		t.Errorf("the 429's Retry-After was not honoured: %v", waits)
	}
	if len(f.faults["auditLogs/directoryAudits"]) != 0 {
		t.Errorf("scripted faults left unserved: %v", f.faults)
	}

	// A later poll: records already read (inside the overlap) are skipped by id, a late
	// record inside the overlap and the new ones are produced once.
	late := audit(50, t0.Add(5*time.Minute+30*time.Second))
	newer := audit(51, t0.Add(20*time.Minute))
	f.set("auditLogs/directoryAudits", append(append(audits, late), newer)...)
	sink3 := &killingSink{}
	if err := connectors.RunPull(context.Background(), p2, store, sink3, connectors.PullOptions{Name: "entra", Once: true}); err != nil {
		t.Fatal(err)
	}
	var again []string
	for _, page := range sink3.pages {
		again = append(again, page...)
	}
	sort.Strings(again)
	wantAgain := ids(must(ingest.ParseEntra(must(json.Marshal([]any{late, newer})), time.Now())))
	sort.Strings(wantAgain)
	if strings.Join(again, ",") != strings.Join(wantAgain, ",") {
		t.Errorf("the second poll produced %v, want only the late and the new record %v", again, wantAgain)
	}
	// The query asked for the overlap before the cursor, oldest first.
	if !f.sawQuery("auditLogs/directoryAudits", "activityDateTime ge 2025-05-14T10:01:00Z", "activityDateTime asc") {
		t.Errorf("no poll from the cursor (10:06) minus the 5m overlap, ascending: %v", f.requests)
	}
	if !f.sawQuery("auditLogs/signIns", "createdDateTime ge ", "createdDateTime asc") {
		t.Errorf("sign-ins not filtered by createdDateTime: %v", f.requests)
	}
}

// A record ingest refuses is in its page's Failed with its bytes as Graph sent them,
// RunPull dead-letters it before moving the cursor, the page's good records still arrive,
// and the next poll's overlap does not dead-letter it again.
func TestPullDeadLettersARefusedRecord(t *testing.T) {
	f := newFakeGraph(t)
	bad := audit(1, t0.Add(time.Minute))
	bad["activityDisplayName"] = "" // no activity: ingest refuses it
	good := []map[string]any{audit(0, t0), audit(2, t0.Add(2*time.Minute))}
	f.set("auditLogs/directoryAudits", good[0], bad, good[1])
	var waits []time.Duration
	p := newTestPuller(t, f, &waits)
	p.logs, p.Log = []string{LogDirectoryAudits}, discard

	page, err := p.Pull(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := ids(must(ingest.ParseEntra(must(json.Marshal(good[0])), time.Now())))
	if strings.Join(ids(page.Events), ",") != strings.Join(want, ",") {
		t.Errorf("the page's good record: %v, want %v", ids(page.Events), want)
	}
	if len(page.Failed) != 1 {
		t.Fatalf("%d records in Failed, want the one without an activity", len(page.Failed))
	}
	got := page.Failed[0]
	if !strings.Contains(string(got.Raw), `"id":"Directory_0001_ABC12_1"`) || !errors.Is(got.Err, ingest.ErrMissingField) {
		t.Errorf("Failed %s: %v, want the record's bytes and a missing field", got.Raw, got.Err)
	}

	var dead []connectors.Failed
	sink := &killingSink{}
	opts := connectors.PullOptions{Name: "entra", Once: true, RetryMin: time.Millisecond,
		DeadLetter: func(_ context.Context, f connectors.Failed) error { dead = append(dead, f); return nil }}
	store := &connectors.MemoryCursors{}
	if err := connectors.RunPull(context.Background(), p, store, sink, opts); err != nil {
		t.Fatal(err)
	}
	// The next round polls the overlap again: the refused record is read, and skipped.
	if err := connectors.RunPull(context.Background(), p, store, sink, opts); err != nil {
		t.Fatal(err)
	}
	var produced []string
	for _, pg := range sink.pages {
		produced = append(produced, pg...)
	}
	sort.Strings(produced)
	wantAll := ids(must(ingest.ParseEntra(must(json.Marshal(good)), time.Now())))
	sort.Strings(wantAll)
	if strings.Join(produced, ",") != strings.Join(wantAll, ",") {
		t.Errorf("produced %v, want the two good records once %v", produced, wantAll)
	}
	if len(dead) != 1 || !strings.Contains(string(dead[0].Raw), "Directory_0001_ABC12_1") {
		t.Errorf("dead-lettered %d records, want the refused one once", len(dead))
	}
}

func TestPullRestartsAnExpiredNextLink(t *testing.T) {
	f := newFakeGraph(t)
	var audits []map[string]any
	for i := range 4 {
		audits = append(audits, audit(i, t0.Add(time.Duration(i)*time.Minute)))
	}
	f.set("auditLogs/directoryAudits", audits...)
	c := f.config()
	c.Logs = []string{LogDirectoryAudits}
	c.Start = t0.Add(-time.Hour)
	p := must(NewPuller(context.Background(), c, nil))
	var waits []time.Duration
	quickClient(p.Client(), &waits)
	page, err := p.Pull(context.Background(), "")
	if err != nil || !page.More || len(page.Events) != 2 {
		t.Fatalf("first page: %d events, more %v, %v", len(page.Events), page.More, err)
	}
	f.fault("auditLogs/directoryAudits", http.StatusBadRequest) // the skip token expired
	f.revokeAll()                                               // and the token too
	// The poll starts again from the cursor's time: the records of the first page come
	// again and are skipped by id, the rest arrive once.
	var rest []string
	for cur, more := page.Cursor, true; more; {
		pg, err := p.Pull(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, ids(pg.Events)...)
		cur, more = pg.Cursor, pg.More
	}
	if len(rest) != 2 || contains(ids(page.Events), rest[0]) || contains(ids(page.Events), rest[1]) {
		t.Errorf("after the restart of the poll: %v, want the two records after the first page", rest)
	}
	if f.tokens != 2 {
		t.Errorf("%d tokens, want a renewal after the 401", f.tokens)
	}
}

func TestPullStopsOnPermanentRefusal(t *testing.T) {
	f := newFakeGraph(t)
	f.set("auditLogs/directoryAudits")
	f.faults["auditLogs/directoryAudits"] = []int{http.StatusForbidden}
	c := f.config()
	c.Logs = []string{LogDirectoryAudits}
	p := must(NewPuller(context.Background(), c, nil))
	err := connectors.RunPull(context.Background(), p, &connectors.MemoryCursors{}, &recordSink{}, connectors.PullOptions{Name: "entra", Once: true})
	if !errors.Is(err, connectors.ErrPermanent) {
		t.Fatalf("a 403 (permission not consented): %v, want ErrPermanent", err)
	}
}

func (f *fakeGraph) sawQuery(path string, parts ...string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.requests {
		if !strings.HasPrefix(r, path+"?") {
			continue
		}
		q, _ := url.ParseQuery(strings.TrimPrefix(r, path+"?"))
		all := q.Get("$filter") + " " + q.Get("$orderby")
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(all, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
