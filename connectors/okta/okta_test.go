package okta

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

// sleeps records the client's waits instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) bool {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err() == nil
}

func fast(c *connectors.Client, s *sleeps) {
	c.MinBackoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	c.Sleep = s.sleep
}

func testConfig(f *fakeOkta) Config {
	return Config{URL: f.srv.URL, APIToken: "test-token", PageSize: 2}
}

// seed is an org: four users in every state that matters, a built-in group, two groups
// (one paged), an app, a super administrator and an API token.
func seed(f *fakeOkta) {
	f.addUser("00ujane", "jane.doe@example.com", "Jane", "Doe", "ACTIVE")
	f.addUser("00ubob", "bob@example.com", "Bob", "Smith", "SUSPENDED")
	f.addUser("00ugone", "gone@example.com", "Gone", "Person", "DEPROVISIONED")
	f.addUser("00ulock", "lock@example.com", "Locked", "Out", "LOCKED_OUT")
	f.addUser("00uadmin", "admin@example.com", "Ada", "Admin", "ACTIVE")
	f.addGroup("00geveryone", "Everyone", "BUILT_IN", "00ujane", "00ubob", "00ulock", "00uadmin")
	f.addGroup("00gfin", "Finance Approvers", "OKTA_GROUP", "00ujane", "00ubob", "00ulock")
	f.addGroup("00gadm", "Okta Admins", "APP_GROUP", "00uadmin")
	f.addApp("0oasfdc", "salesforce", "Salesforce.com", "00ujane", "00uadmin", "00ulock")
	f.addRole("00uadmin", "ra1super", "SUPER_ADMIN", "Super Organization Administrator")
	f.addRole("00ujane", "ra1help", "HELP_DESK_ADMIN", "Help Desk Administrator")
	f.addToken("00Tabc123", "ci-token", "00uadmin")
}

func snapshot(t *testing.T, s *Snapshotter) map[string]connectors.Holding {
	t.Helper()
	got := map[string]connectors.Holding{}
	if err := s.Snapshot(context.Background(), func(h connectors.Holding) error {
		if _, dup := got[h.Principal.ID]; dup {
			t.Errorf("holder %s emitted twice", h.Principal.ID)
		}
		got[h.Principal.ID] = h
		return nil
	}); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return got
}

func keys(h connectors.Holding) []string {
	var out []string
	for _, g := range h.Grants {
		out = append(out, schemas.EntitlementKey(g.Entitlement.System, g.Entitlement.ID, g.Entitlement.Name))
	}
	slices.Sort(out)
	return out
}

func TestSnapshot(t *testing.T) {
	f := newFakeOkta(t)
	seed(f)
	// A 503 on the second page of a group's members, and a 429 on the first app listing.
	f.fault("/api/v1/groups/00gfin/users", 2, 503)
	f.fault("/api/v1/apps", 1, 429)
	s, err := NewSnapshotter(testConfig(f), f.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	var sl sleeps
	fast(s.Client, &sl)
	got := snapshot(t, s)

	want := map[string]struct {
		status connectors.Status
		keys   []string
	}{
		"jane.doe@example.com": {connectors.StatusActive, []string{"okta|okta:00gfin", "okta|okta:0oasfdc", "okta|okta:role:help desk administrator"}},
		"bob@example.com":      {connectors.StatusSuspended, []string{"okta|okta:00gfin"}},
		"gone@example.com":     {connectors.StatusDeprovisioned, nil},
		"lock@example.com":     {connectors.StatusActive, []string{"okta|okta:00gfin", "okta|okta:0oasfdc"}},
		"admin@example.com":    {connectors.StatusActive, []string{"okta|okta:00gadm", "okta|okta:0oasfdc", "okta|okta:role:super administrator"}},
	}
	if len(got) != len(want) {
		t.Fatalf("holders %v, want %d", mapKeys(got), len(want))
	}
	for id, w := range want {
		h := got[id]
		if h.Status != w.status {
			t.Errorf("%s: status %s, want %s", id, h.Status, w.status)
		}
		if k := keys(h); !slices.Equal(k, w.keys) {
			t.Errorf("%s: grants %v, want %v", id, k, w.keys)
		}
	}
	admin := got["admin@example.com"]
	for _, g := range admin.Grants {
		if g.Entitlement.Kind == schemas.EntitlementRole {
			if g.Entitlement.Privilege != schemas.PrivilegeAdmin || !g.Entitlement.Wildcard {
				t.Errorf("super admin role %+v: want ADMIN and wildcard", g.Entitlement)
			}
		}
		if g.Entitlement.Kind == schemas.EntitlementApp && (g.GrantedAt == nil || !g.GrantedAt.Equal(time.Date(2024, 4, 2, 8, 0, 0, 0, time.UTC))) {
			t.Errorf("app grant time %v, want the app user's created", g.GrantedAt)
		}
	}
	if len(admin.Credentials) != 1 {
		t.Fatalf("admin credentials %+v, want the API token", admin.Credentials)
	}
	c := admin.Credentials[0]
	if c.ID != "okta:00Tabc123" || c.Kind != schemas.CredentialAPIToken || c.Owner == nil || c.Owner.ID != "admin@example.com" ||
		c.CreatedAt == nil || c.ExpiresAt == nil || c.LastUsedAt == nil || !c.LastUsedAt.Equal(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("credential %+v", c)
	}
	if got["jane.doe@example.com"].Principal.SourceID != "00ujane" || *got["jane.doe@example.com"].Principal.DisplayName != "Jane Doe" {
		t.Errorf("principal %+v", got["jane.doe@example.com"].Principal)
	}
	// Paging followed to the end: users in pages of two (2 pages of 4 active users, plus
	// the deprovisioned search), and the faulted pages asked again.
	if n := f.calls["/api/v1/groups/00gfin/users"]; n != 3 {
		t.Errorf("group members asked %d times, want 2 pages + 1 retry", n)
	}
	if n := f.calls["/api/v1/users"]; n != 3 {
		t.Errorf("users asked %d times, want 2 pages and the deprovisioned search", n)
	}
	if !slices.Contains(sl.d, 2*time.Second) {
		t.Errorf("waits %v: want the 429's Retry-After of 2s", sl.d)
	}
	if f.calls["/api/v1/users/00ugone/roles"] != 0 {
		t.Error("asked a deprovisioned user's roles")
	}
	for _, r := range f.requests {
		if strings.Contains(r, "offset") {
			t.Errorf("built an offset: %s", r)
		}
	}
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestSnapshotMeetsEvents: the grants a snapshot lists carry the keys of the grants that
// ingest makes of the System Log events of the same memberships, held by the same
// principal.
func TestSnapshotMeetsEvents(t *testing.T) {
	f := newFakeOkta(t)
	seed(f)
	s, _ := NewSnapshotter(testConfig(f), f.srv.Client())
	var sl sleeps
	fast(s.Client, &sl)
	got := snapshot(t, s)
	jane, admin := userTarget("00ujane", "jane.doe@example.com", "Jane Doe"), userTarget("00uadmin", "admin@example.com", "Ada Admin")
	events := []struct {
		name string
		ev   map[string]any
		who  string
	}{
		{"group.user_membership.add", logEvent("e1", "group.user_membership.add", nil, jane,
			map[string]any{"id": "00gfin", "type": "UserGroup", "alternateId": "unknown", "displayName": "Finance Approvers"}), "jane.doe@example.com"},
		{"application.user_membership.add", logEvent("e2", "application.user_membership.add", nil, jane,
			map[string]any{"id": "0oasfdc", "type": "AppInstance", "alternateId": "Salesforce.com", "displayName": "Salesforce.com"}), "jane.doe@example.com"},
		{"user.account.privilege.grant", logEvent("e3", "user.account.privilege.grant", map[string]any{"privilegeGranted": "Super administrator"}, admin), "admin@example.com"},
		{"user.account.privilege.grant help desk", logEvent("e4", "user.account.privilege.grant", map[string]any{"privilegeGranted": "Help Desk Administrator"}, jane), "jane.doe@example.com"},
	}
	for _, e := range events {
		evs, err := ingest.ParseOkta(mustJSON(e.ev), time.Now())
		if err != nil || len(evs) != 1 || evs[0].Entitlement == nil || evs[0].Subject == nil {
			t.Fatalf("%s: parse %v %+v", e.name, err, evs)
		}
		ent := evs[0].Entitlement
		key := schemas.EntitlementKey(ent.System, ent.ID, ent.Name)
		h := got[evs[0].Subject.ID]
		if evs[0].Subject.ID != e.who || !slices.Contains(keys(h), key) {
			t.Errorf("%s: event key %s of %s; the snapshot lists %v for %s", e.name, key, evs[0].Subject.ID, keys(h), e.who)
		}
	}
	// The API token: system.api_token.create names it as a Token target.
	evs, err := ingest.ParseOkta(mustJSON(logEvent("e5", "system.api_token.create", nil,
		map[string]any{"id": "00Tabc123", "type": "Token", "alternateId": "unknown", "displayName": "ci-token"})), time.Now())
	if err != nil || evs[0].Credential == nil {
		t.Fatalf("token event: %v %+v", err, evs)
	}
	if id := got["admin@example.com"].Credentials[0].ID; id != evs[0].Credential.ID {
		t.Errorf("snapshot credential %s, event credential %s", id, evs[0].Credential.ID)
	}
}

func logEvent(uuid, typ string, debug map[string]any, targets ...map[string]any) map[string]any {
	if debug == nil {
		debug = map[string]any{}
	}
	return map[string]any{"uuid": uuid, "published": "2025-05-14T09:12:44.318Z", "eventType": typ, "version": "0",
		"actor":   map[string]any{"id": "00uadmin", "type": "User", "alternateId": "admin@example.com", "displayName": "Ada Admin"},
		"outcome": map[string]any{"result": "SUCCESS"}, "target": targets, "debugContext": map[string]any{"debugData": debug}}
}

// recorder is a Sink that keeps what reached it and, once, cancels the run right after
// its n-th produce: the events are on Kafka, the cursor not yet saved.
type recorder struct {
	ids      []string
	produced int
	killAt   int
	cancel   context.CancelFunc
}

func (r *recorder) Produce(ctx context.Context, evs []schemas.IdentityEvent) error {
	for _, e := range evs {
		r.ids = append(r.ids, e.EventID)
	}
	r.produced++
	if r.produced == r.killAt && r.cancel != nil {
		r.cancel()
		return ctx.Err()
	}
	return nil
}

func TestPullExactlyOnceAcrossRestart(t *testing.T) {
	f := newFakeOkta(t)
	for i := 1; i <= 7; i++ {
		f.addLog(ids(i), "user.session.start", "2025-05-14T09:00:0"+string(rune('0'+i))+".000Z")
	}
	f.addLog("old", "user.session.start", "2025-05-13T09:00:00.000Z") // stored late, read too: order is by storage
	f.fault("/api/v1/logs", 3, 500)                                   // a 5xx on the third call
	cfg := testConfig(f)
	cfg.Start = "2025-05-14T00:00:00Z"
	p, err := NewPuller(cfg, f.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	var sl sleeps
	fast(p.Client, &sl)
	store := &connectors.MemoryCursors{}
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{killAt: 2, cancel: cancel}
	opts := connectors.PullOptions{Name: "okta", Once: true, RetryMin: time.Millisecond}
	if err := connectors.RunPull(ctx, p, store, rec, opts); err != nil {
		t.Fatal(err)
	}
	if len(rec.ids) != 4 {
		t.Fatalf("before the kill %v, want two pages of two", rec.ids)
	}
	saved, _ := store.Load(context.Background(), "okta")
	if !strings.Contains(saved, "after=2") {
		t.Fatalf("saved cursor %q: want the first page's next link", saved)
	}
	// Restart: the second page comes again, then the rest, then caught up.
	if err := connectors.RunPull(context.Background(), p, store, rec, opts); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, id := range rec.ids {
		counts[id]++
	}
	for i := 1; i <= 7; i++ {
		id := "okta:" + ids(i)
		want := 1
		if i == 3 || i == 4 {
			want = 2 // the page delivered before the kill and again after it
		}
		if counts[id] != want {
			t.Errorf("%s arrived %d times, want %d (all: %v)", id, counts[id], want, rec.ids)
		}
	}
	if counts["okta:old"] != 1 {
		t.Errorf("the late-stored record arrived %d times", counts["okta:old"])
	}
	caught, _ := store.Load(context.Background(), "okta")
	// Caught up: an empty page keeps the cursor, and a record stored later is read from it.
	page, err := p.Pull(context.Background(), caught)
	if err != nil || page.More || page.Cursor != caught || len(page.Events) != 0 {
		t.Fatalf("empty page %+v %v: want the cursor kept and More false", page, err)
	}
	f.addLog("late", "group.user_membership.add", "2025-05-14T10:00:00.000Z")
	page, err = p.Pull(context.Background(), caught)
	if err != nil || len(page.Events) != 1 || page.Events[0].EventID != "okta:late" || !page.More || page.Cursor == caught {
		t.Fatalf("after a new record %+v %v", page, err)
	}
	if page.Newest.IsZero() {
		t.Error("Newest not set")
	}
	first := f.requests[0]
	if !strings.Contains(first, "since=2025-05-14T00%3A00%3A00.000Z") || !strings.Contains(first, "sortOrder=ASCENDING") || !strings.Contains(first, "limit=2") {
		t.Errorf("first request %s", first)
	}
}

func ids(i int) string { return "0000000" + string(rune('0'+i)) + "-log" }

// A System Log record ingest refuses is in its page's Failed with its bytes as Okta sent
// them, RunPull dead-letters it before moving the cursor, and the page's good records
// still arrive.
func TestPullDeadLettersARefusedRecord(t *testing.T) {
	f := newFakeOkta(t)
	f.addLog(ids(1), "user.session.start", "2025-05-14T09:00:01.000Z")
	f.addLog(ids(2), "", "2025-05-14T09:00:02.000Z") // no eventType: ingest refuses it
	f.addLog(ids(3), "user.session.start", "2025-05-14T09:00:03.000Z")
	cfg := testConfig(f)
	cfg.Start = "2025-05-14T00:00:00Z"
	p, err := NewPuller(cfg, f.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	page, err := p.Pull(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 || page.Events[0].EventID != "okta:"+ids(1) {
		t.Errorf("the page's good record: %+v", page.Events)
	}
	if len(page.Failed) != 1 {
		t.Fatalf("%d records in Failed, want the one without eventType", len(page.Failed))
	}
	got := page.Failed[0]
	if !strings.Contains(string(got.Raw), `"uuid":"`+ids(2)+`"`) || !errors.Is(got.Err, ingest.ErrMissingField) {
		t.Errorf("Failed %s: %v, want the record's bytes and a missing field", got.Raw, got.Err)
	}

	var dead []connectors.Failed
	rec := &recorder{}
	opts := connectors.PullOptions{Name: "okta", Once: true, RetryMin: time.Millisecond,
		DeadLetter: func(_ context.Context, f connectors.Failed) error { dead = append(dead, f); return nil }}
	if err := connectors.RunPull(context.Background(), p, &connectors.MemoryCursors{}, rec, opts); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.ids, []string{"okta:" + ids(1), "okta:" + ids(3)}) {
		t.Errorf("produced %v, want the two good records", rec.ids)
	}
	if len(dead) != 1 || !strings.Contains(string(dead[0].Raw), ids(2)) {
		t.Errorf("dead-lettered %d records, want the refused one", len(dead))
	}
}

func TestPullRateLimits(t *testing.T) {
	f := newFakeOkta(t)
	f.addLog("a", "user.session.start", "2025-05-14T09:00:00.000Z")
	f.addLog("b", "user.session.start", "2025-05-14T09:00:01.000Z")
	f.addLog("c", "user.session.start", "2025-05-14T09:00:02.000Z")
	now := time.Date(2025, 5, 14, 12, 0, 0, 0, time.UTC)
	f.remaining, f.reset = 0, now.Add(30*time.Second).Unix() // no calls left until the reset
	f.fault("/api/v1/logs", 2, 429)
	cfg := testConfig(f)
	cfg.Start = "2025-05-14T00:00:00Z"
	p, _ := NewPuller(cfg, f.srv.Client())
	var sl sleeps
	fast(p.Client, &sl)
	p.Client.Now = func() time.Time { return now }
	page, err := p.Pull(context.Background(), "")
	if err != nil || len(page.Events) != 2 {
		t.Fatalf("%+v %v", page, err)
	}
	page, err = p.Pull(context.Background(), page.Cursor)
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("%+v %v", page, err)
	}
	// The second call waited for the reset (remaining 0), the 429 said Retry-After 2s.
	if !slices.Contains(sl.d, 31*time.Second) || !slices.Contains(sl.d, 2*time.Second) {
		t.Errorf("waits %v: want the reset's 31s and the Retry-After's 2s", sl.d)
	}
}

func TestSSWS401IsPermanent(t *testing.T) {
	f := newFakeOkta(t)
	f.addLog("a", "user.session.start", "2025-05-14T09:00:00.000Z")
	cfg := testConfig(f)
	cfg.APIToken = "revoked-token"
	p, _ := NewPuller(cfg, f.srv.Client())
	var sl sleeps
	fast(p.Client, &sl)
	err := connectors.RunPull(context.Background(), p, &connectors.MemoryCursors{}, &recorder{}, connectors.PullOptions{Name: "okta", Once: true, RetryMin: time.Millisecond})
	if !errors.Is(err, connectors.ErrPermanent) {
		t.Fatalf("err %v, want ErrPermanent", err)
	}
	if strings.Contains(err.Error(), "revoked-token") || strings.Contains(err.Error(), "since=") {
		t.Errorf("the error shows the token or the query: %v", err)
	}
	if f.calls["/api/v1/logs"] != 1 {
		t.Errorf("a refused token was tried %d times", f.calls["/api/v1/logs"])
	}
}

func TestBearerRenewedFromFile(t *testing.T) {
	f := newFakeOkta(t)
	seed(f)
	file := filepath.Join(t.TempDir(), "okta-token")
	os.WriteFile(file, []byte("expired\n"), 0o600)
	f.token = "Bearer renewed"
	// Whatever renews the token writes the file while the old one is being refused.
	f.on401 = func() { os.WriteFile(file, []byte("renewed\n"), 0o600) }
	cfg := Config{URL: f.srv.URL, AccessTokenFile: file}
	s, err := NewSnapshotter(cfg, f.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	var sl sleeps
	fast(s.Client, &sl)
	if got := snapshot(t, s); len(got) != 5 {
		t.Errorf("holders %v", mapKeys(got))
	}
	// A refused token and no newer one in the file: permanent.
	f.token, f.on401 = "Bearer other", nil
	err = s.Snapshot(context.Background(), func(connectors.Holding) error { return nil })
	if !errors.Is(err, connectors.ErrPermanent) || strings.Contains(err.Error(), "renewed") {
		t.Errorf("err %v", err)
	}
}

func TestForeignLinksRefused(t *testing.T) {
	f := newFakeOkta(t)
	p, _ := NewPuller(testConfig(f), f.srv.Client())
	for _, c := range []string{"https://evil.example.com/api/v1/logs?after=1", f.srv.URL + "/api/v1/users", "http://" + strings.TrimPrefix(f.srv.URL, "https://") + "/api/v1/logs"} {
		if _, err := p.Pull(context.Background(), c); !errors.Is(err, connectors.ErrPermanent) {
			t.Errorf("cursor %s: err %v, want ErrPermanent", c, err)
		}
	}
	if len(f.requests) != 0 {
		t.Errorf("requests %v", f.requests)
	}
}

func TestNoAPITokensEndpoint(t *testing.T) {
	f := newFakeOkta(t)
	seed(f)
	f.noTokens = true
	s, _ := NewSnapshotter(testConfig(f), f.srv.Client())
	var sl sleeps
	fast(s.Client, &sl)
	if got := snapshot(t, s); len(got["admin@example.com"].Credentials) != 0 || len(got) != 5 {
		t.Errorf("%+v", got["admin@example.com"])
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "t")
	os.WriteFile(tokenFile, []byte("x"), 0o600)
	cases := []struct {
		name string
		c    Config
		want []string
	}{
		{"ok", Config{URL: "https://acme.okta.com", APIToken: "x"}, nil},
		{"ok file", Config{URL: "https://acme.okta.com/", AccessTokenFile: tokenFile, PageSize: 1000, Start: "2025-01-01T00:00:00Z"}, nil},
		{"empty", Config{}, []string{"connectors.okta.url: required", "connectors.okta.api_token: required"}},
		{"http", Config{URL: "http://acme.okta.com", APIToken: "x"}, []string{"connectors.okta.url: must be https"}},
		{"path", Config{URL: "https://acme.okta.com/api/v1", APIToken: "x"}, []string{"connectors.okta.url: the org's base URL only"}},
		{"both", Config{URL: "https://acme.okta.com", APIToken: "x", AccessToken: "y"}, []string{"connectors.okta.api_token: set an API token or an OAuth access token, not both"}},
		{"both files", Config{URL: "https://acme.okta.com", APIToken: "x", APITokenFile: tokenFile}, []string{"connectors.okta.api_token: set api_token or api_token_file"}},
		{"missing file", Config{URL: "https://acme.okta.com", APITokenFile: filepath.Join(dir, "nope")}, []string{"connectors.okta.api_token_file: no such file"}},
		{"page", Config{URL: "https://acme.okta.com", APIToken: "x", PageSize: 5000}, []string{"connectors.okta.page_size: must be between 1 and 1000"}},
		{"start", Config{URL: "https://acme.okta.com", APIToken: "x", Start: "yesterday"}, []string{"connectors.okta.start: not an RFC 3339 time"}},
		{"backfill", Config{URL: "https://acme.okta.com", APIToken: "x", Backfill: config.Duration(-time.Hour)}, []string{"connectors.okta.backfill: must be positive"}},
	}
	for _, tc := range cases {
		errs := tc.c.Validate("connectors.okta")
		if len(errs) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, errs, tc.want)
			continue
		}
		for i, e := range errs {
			if !strings.HasPrefix(e.Error(), tc.want[i]) {
				t.Errorf("%s: %q, want it to start %q", tc.name, e, tc.want[i])
			}
			if strings.Contains(e.Error(), "x\"") {
				t.Errorf("%s: the error shows a secret: %v", tc.name, e)
			}
		}
	}
	_, err := NewPuller(Config{URL: "https://acme.okta.com"}, nil)
	if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "connectors.okta.api_token") {
		t.Errorf("NewPuller: %v", err)
	}
}

func TestParseLinks(t *testing.T) {
	cases := map[string]string{
		`<https://a.okta.com/api/v1/users?limit=2>; rel="self", <https://a.okta.com/api/v1/users?after=00u2&limit=2>; rel="next"`: "https://a.okta.com/api/v1/users?after=00u2&limit=2",
		`<https://a.okta.com/x?q=a,b>; rel=next`:       "https://a.okta.com/x?q=a,b",
		`<https://a.okta.com/self>; rel="self"`:        "",
		`<https://a/x>; title="a, b"; rel="prev next"`: "https://a/x",
		`garbage`:       "",
		`<unterminated`: "",
	}
	for v, want := range cases {
		h := map[string][]string{"Link": {v}}
		if got := nextLink(h); got != want {
			t.Errorf("%s: %q, want %q", v, got, want)
		}
	}
	// Okta sends self and next as two headers too.
	h := map[string][]string{"Link": {`<https://a/self>; rel="self"`, `<https://a/next>; rel="next"`}}
	if got := nextLink(h); got != "https://a/next" {
		t.Errorf("two headers: %q", got)
	}
}

func TestISODuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"P30D": 720 * time.Hour, "PT12H": 12 * time.Hour, "P1DT30M": 24*time.Hour + 30*time.Minute, "P2W": 336 * time.Hour} {
		if d, ok := isoDuration(s); !ok || d != want {
			t.Errorf("%s: %v %v", s, d, ok)
		}
	}
	for _, s := range []string{"", "P", "PT", "P1M", "30D", "P1Y", "PD", "P99999999999D"} {
		if d, ok := isoDuration(s); ok {
			t.Errorf("%s: %v, want refused", s, d)
		}
	}
}
