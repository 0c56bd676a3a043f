package google

import (
	"context"
	"encoding/json"
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

func testConfig(f *fakeGoogle) Config {
	return Config{Credentials: config.Secret(serviceAccount(f.srv.URL + "/token")), Subject: "gadmin@example.org",
		BaseURL: f.srv.URL, PageSize: 2}
}

func seed(f *fakeGoogle) {
	f.addUser("101", "Gadmin@Example.org", "Gina Admin", false, false)
	f.addUser("102", "jane@example.org", "Jane Doe", false, false)
	f.addUser("103", "sus@example.org", "Sam Suspended", true, false)
	f.addUser("104", "arch@example.org", "Archie Ved", false, true)
	f.deleted = append(f.deleted, map[string]any{"kind": "admin#directory#user", "id": "105", "primaryEmail": "left@example.org",
		"name": map[string]any{"fullName": "Left Company"}, "deletionTime": "2025-05-10T00:00:00.000Z"})
	f.addGroup("g1", "finance-approvers@example.org",
		member("102", "jane@example.org", "MEMBER", "USER"), member("103", "sus@example.org", "MEMBER", "USER"),
		member("901", "partner@other.com", "MEMBER", "EXTERNAL"), member("g2", "helpdesk@example.org", "MEMBER", "GROUP"))
	f.addGroup("g2", "helpdesk@example.org", member("102", "jane@example.org", "OWNER", "USER"))
	f.addRole("9170516996784129", "_SEED_ADMIN_ROLE", true)
	f.addRole("9170516996784130", "_HELP_DESK_ADMIN_ROLE", false)
	f.assign("ra1", "9170516996784129", "101", "user")
	f.assign("ra2", "9170516996784130", "g2", "group")
	f.addToken("102", "1234-abc.apps.googleusercontent.com", "Expense Tracker",
		"https://www.googleapis.com/auth/drive.readonly", "openid")
	f.addToken("101", "999-admin.apps.googleusercontent.com", "Admin Tool", "https://www.googleapis.com/auth/admin.directory.user")
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
	f := newFakeGoogle(t)
	seed(f)
	f.expireFirst = true                                     // the first access token is refused once: renewed, not fatal
	f.fault("/admin/directory/v1/groups/g1/members", 2, 503) // a 5xx mid-listing
	f.fault("/admin/directory/v1/customer/my_customer/roles", 1, 429)
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
		"gadmin@example.org": {connectors.StatusActive, []string{"google_workspace|google_workspace:app:999-admin.apps.googleusercontent.com", "google_workspace|google_workspace:role:_seed_admin_role"}},
		"jane@example.org": {connectors.StatusActive, []string{"google_workspace|google_workspace:app:1234-abc.apps.googleusercontent.com",
			"google_workspace|google_workspace:group:finance-approvers@example.org", "google_workspace|google_workspace:group:helpdesk@example.org",
			"google_workspace|google_workspace:role:_help_desk_admin_role"}},
		"sus@example.org":   {connectors.StatusSuspended, []string{"google_workspace|google_workspace:group:finance-approvers@example.org"}},
		"arch@example.org":  {connectors.StatusSuspended, nil},
		"left@example.org":  {connectors.StatusDeprovisioned, nil},
		"partner@other.com": {connectors.StatusActive, []string{"google_workspace|google_workspace:group:finance-approvers@example.org"}},
	}
	if len(got) != len(want) {
		t.Fatalf("holders %v", len(got))
	}
	for id, w := range want {
		h, ok := got[id]
		if !ok {
			t.Errorf("no holder %s", id)
			continue
		}
		if h.Status != w.status {
			t.Errorf("%s: status %s, want %s", id, h.Status, w.status)
		}
		if k := keys(h); !slices.Equal(k, w.keys) {
			t.Errorf("%s: grants %v, want %v", id, k, w.keys)
		}
	}
	for _, g := range got["gadmin@example.org"].Grants {
		switch g.Entitlement.Kind {
		case schemas.EntitlementRole:
			if g.Entitlement.Privilege != schemas.PrivilegeAdmin || !g.Entitlement.Wildcard {
				t.Errorf("super admin %+v", g.Entitlement)
			}
		case schemas.EntitlementApp:
			if g.Entitlement.Privilege != schemas.PrivilegeAdmin {
				t.Errorf("an app with an admin scope %+v", g.Entitlement)
			}
		}
	}
	jane := got["jane@example.org"]
	if len(jane.Credentials) != 1 || jane.Credentials[0].ID != "google_workspace:oauth_token:1234-abc.apps.googleusercontent.com:jane@example.org" ||
		jane.Credentials[0].Owner == nil || jane.Credentials[0].Owner.ID != "jane@example.org" {
		t.Errorf("jane's credentials %+v", jane.Credentials)
	}
	if jane.Principal.SourceID != "102" || *jane.Principal.DisplayName != "Jane Doe" {
		t.Errorf("principal %+v", jane.Principal)
	}
	if n := f.calls["/admin/directory/v1/groups/g1/members"]; n != 3 {
		t.Errorf("g1 members asked %d times, want 2 pages and a retry", n)
	}
	if n := f.calls["/admin/directory/v1/users"]; n != 4 {
		t.Errorf("users asked %d times, want the refused first call, 2 pages and the deleted ones", n)
	}
	if f.issued != 2 {
		t.Errorf("tokens issued %d, want the first and its renewal", f.issued)
	}
	if !slices.Contains(sl.d, 3*time.Second) {
		t.Errorf("waits %v: want the 429's Retry-After", sl.d)
	}
}

// TestSnapshotMeetsEvents: the snapshot's grants carry the keys ingest makes of the
// Reports events of the same assignments, memberships and OAuth grants.
func TestSnapshotMeetsEvents(t *testing.T) {
	f := newFakeGoogle(t)
	seed(f)
	s, _ := NewSnapshotter(testConfig(f), f.srv.Client())
	var sl sleeps
	fast(s.Client, &sl)
	got := snapshot(t, s)
	activity := func(app, name string, actor string, params ...map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"kind": "admin#reports#activity",
			"id":     map[string]any{"time": "2025-05-14T12:00:00.000Z", "uniqueQualifier": "-44123", "applicationName": app, "customerId": "C01abcde"},
			"actor":  map[string]any{"callerType": "USER", "email": actor, "profileId": "1"},
			"events": []map[string]any{{"type": "X", "name": name, "parameters": params}}})
		return b
	}
	cases := []struct {
		name string
		body []byte
		who  string
	}{
		{"ASSIGN_ROLE", activity("admin", "ASSIGN_ROLE", "gadmin@example.org", param("ROLE_NAME", "_SEED_ADMIN_ROLE"), param("USER_EMAIL", "gadmin@example.org")), "gadmin@example.org"},
		// The older super-admin grant names no role: it is the role ASSIGN_ROLE and the Directory call _SEED_ADMIN_ROLE.
		{"GRANT_ADMIN_PRIVILEGE", activity("admin", "GRANT_ADMIN_PRIVILEGE", "gadmin@example.org", param("USER_EMAIL", "gadmin@example.org")), "gadmin@example.org"},
		{"REVOKE_ADMIN_PRIVILEGE", activity("admin", "REVOKE_ADMIN_PRIVILEGE", "gadmin@example.org", param("USER_EMAIL", "gadmin@example.org")), "gadmin@example.org"},
		{"ASSIGN_ROLE help desk", activity("admin", "ASSIGN_ROLE", "gadmin@example.org", param("ROLE_NAME", "_HELP_DESK_ADMIN_ROLE"), param("USER_EMAIL", "jane@example.org")), "jane@example.org"},
		{"ADD_GROUP_MEMBER", activity("admin", "ADD_GROUP_MEMBER", "gadmin@example.org", param("GROUP_EMAIL", "Finance-Approvers@example.org"), param("USER_EMAIL", "jane@example.org")), "jane@example.org"},
		{"token authorize", activity("token", "authorize", "jane@example.org", param("client_id", "1234-abc.apps.googleusercontent.com"), param("app_name", "Expense Tracker"),
			map[string]any{"name": "scope", "multiValue": []string{"https://www.googleapis.com/auth/drive.readonly", "openid"}}), "jane@example.org"},
	}
	for _, c := range cases {
		evs, err := ingest.ParseWorkspace(c.body, time.Now())
		if err != nil || len(evs) != 1 || evs[0].Entitlement == nil || evs[0].Subject == nil {
			t.Fatalf("%s: %v %+v", c.name, err, evs)
		}
		ent := evs[0].Entitlement
		key := schemas.EntitlementKey(ent.System, ent.ID, ent.Name)
		if evs[0].Subject.ID != c.who || !slices.Contains(keys(got[c.who]), key) {
			t.Errorf("%s: event key %s for %s; the snapshot lists %v for %s", c.name, key, evs[0].Subject.ID, keys(got[c.who]), c.who)
		}
	}
}

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
	f := newFakeGoogle(t)
	start := time.Date(2025, 5, 14, 0, 0, 0, 0, time.UTC)
	now := start.Add(6 * time.Hour)
	var all []string
	for i := 0; i < 5; i++ {
		q := "-10" + string(rune('0'+i))
		f.addActivity("admin", q, start.Add(time.Duration(i)*time.Hour), "CHANGE_PASSWORD", param("USER_EMAIL", "jane@example.org"))
		all = append(all, "google_workspace:"+q+":0:CHANGE_PASSWORD")
	}
	for i := 0; i < 3; i++ {
		q := "-20" + string(rune('0'+i))
		f.addActivity("login", q, start.Add(time.Duration(i)*time.Hour+time.Minute), "login_success")
		all = append(all, "google_workspace:"+q+":0:login_success")
	}
	// Inside the lag: not read until a later poll.
	f.addActivity("admin", "-199", now.Add(-10*time.Minute), "CHANGE_PASSWORD", param("USER_EMAIL", "jane@example.org"))
	f.fault("/admin/reports/v1/activity/users/all/applications/admin", 2, 500)

	cfg := testConfig(f)
	cfg.Start, cfg.Applications = start.Format(time.RFC3339), []string{"admin", "login"}
	p, err := NewPuller(cfg, f.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	var sl sleeps
	fast(p.Client, &sl)
	p.Now = func() time.Time { return now }
	store := &connectors.MemoryCursors{}
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{killAt: 2, cancel: cancel}
	opts := connectors.PullOptions{Name: "google", Once: true, RetryMin: time.Millisecond}
	if err := connectors.RunPull(ctx, p, store, rec, opts); err != nil {
		t.Fatal(err)
	}
	if len(rec.ids) != 4 {
		t.Fatalf("before the kill %v", rec.ids)
	}
	saved, _ := store.Load(context.Background(), "google")
	var st cursorState
	if json.Unmarshal([]byte(saved), &st) != nil || st.Apps["admin"].Page != "pt2" {
		t.Fatalf("saved cursor %s: want admin mid-window after its first page", saved)
	}
	if err := connectors.RunPull(context.Background(), p, store, rec, opts); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, id := range rec.ids {
		counts[id]++
	}
	// The kill came after the second page of admin (pt2..pt4) reached the sink.
	page2 := map[string]bool{"google_workspace:-102:0:CHANGE_PASSWORD": true, "google_workspace:-101:0:CHANGE_PASSWORD": true}
	for _, id := range all {
		want := 1
		if page2[id] {
			want = 2
		}
		if counts[id] != want {
			t.Errorf("%s arrived %d times, want %d (all %v)", id, counts[id], want, rec.ids)
		}
	}
	if counts["google_workspace:-199:0:CHANGE_PASSWORD"] != 0 {
		t.Error("read an activity inside the lag")
	}
	saved, _ = store.Load(context.Background(), "google")
	json.Unmarshal([]byte(saved), &st)
	if !st.Apps["admin"].Done.Equal(now.Add(-defaultLag)) || st.Apps["admin"].Page != "" || !st.Apps["login"].Done.Equal(now.Add(-defaultLag)) {
		t.Errorf("cursor after catching up %s", saved)
	}
	// Caught up: nothing more until minWindow has passed.
	if page, err := p.Pull(context.Background(), saved); err != nil || page.More || page.Cursor != saved {
		t.Errorf("caught up: %+v %v", page, err)
	}
	// An hour later: the lagged activity, and one Google reported late into the window
	// already read (within the overlap), both arrive.
	f.addActivity("login", "-299", now.Add(-45*time.Minute), "login_success")
	now = now.Add(time.Hour)
	before := len(rec.ids)
	if err := connectors.RunPull(context.Background(), p, store, rec, opts); err != nil {
		t.Fatal(err)
	}
	late := rec.ids[before:]
	if !slices.Contains(late, "google_workspace:-199:0:CHANGE_PASSWORD") || !slices.Contains(late, "google_workspace:-299:0:login_success") {
		t.Errorf("after an hour %v", late)
	}
	for _, r := range f.requests {
		if strings.Contains(r, "/applications/") && !strings.Contains(r, "endTime=") {
			t.Errorf("a window without an end: %s", r)
		}
	}
}

// An activity ingest refuses is in its page's Failed with its bytes as Google sent them,
// RunPull dead-letters it before moving the cursor, and the page's good activities still
// arrive.
func TestPullDeadLettersARefusedActivity(t *testing.T) {
	f := newFakeGoogle(t)
	start := time.Date(2025, 5, 14, 0, 0, 0, 0, time.UTC)
	f.addActivity("admin", "-301", start.Add(time.Hour), "CHANGE_PASSWORD", param("USER_EMAIL", "jane@example.org"))
	f.addActivity("admin", "-302", start.Add(2*time.Hour), "CHANGE_PASSWORD", param("USER_EMAIL", "jane@example.org"))
	f.addActivity("admin", "-303", start.Add(3*time.Hour), "") // an event without a name: ingest refuses it
	cfg := testConfig(f)
	cfg.Start, cfg.Applications = start.Format(time.RFC3339), []string{"admin"}
	p, err := NewPuller(cfg, f.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	var sl sleeps
	fast(p.Client, &sl)
	p.Now = func() time.Time { return start.Add(6 * time.Hour) }

	page, err := p.Pull(context.Background(), "") // newest first: -303 and -302
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 || page.Events[0].EventID != "google_workspace:-302:0:CHANGE_PASSWORD" {
		t.Errorf("the page's good activity: %+v", page.Events)
	}
	if len(page.Failed) != 1 {
		t.Fatalf("%d activities in Failed, want the nameless one", len(page.Failed))
	}
	got := page.Failed[0]
	if !strings.Contains(string(got.Raw), `"uniqueQualifier":"-303"`) || !json.Valid(got.Raw) || !errors.Is(got.Err, ingest.ErrMissingField) {
		t.Errorf("Failed %s: %v, want the activity's bytes and a missing field", got.Raw, got.Err)
	}

	var dead []connectors.Failed
	rec := &recorder{}
	opts := connectors.PullOptions{Name: "google", Once: true, RetryMin: time.Millisecond,
		DeadLetter: func(_ context.Context, f connectors.Failed) error { dead = append(dead, f); return nil }}
	if err := connectors.RunPull(context.Background(), p, &connectors.MemoryCursors{}, rec, opts); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.ids, []string{"google_workspace:-302:0:CHANGE_PASSWORD", "google_workspace:-301:0:CHANGE_PASSWORD"}) {
		t.Errorf("produced %v, want the two good activities", rec.ids)
	}
	if len(dead) != 1 || !strings.Contains(string(dead[0].Raw), `"-303"`) {
		t.Errorf("dead-lettered %d activities, want the refused one", len(dead))
	}
}

func TestExpiredPageTokenRestartsWindow(t *testing.T) {
	f := newFakeGoogle(t)
	start := time.Date(2025, 5, 14, 0, 0, 0, 0, time.UTC)
	f.addActivity("admin", "-1", start.Add(time.Hour), "CHANGE_PASSWORD")
	cfg := testConfig(f)
	cfg.Start, cfg.Applications = start.Format(time.RFC3339), []string{"admin"}
	p, _ := NewPuller(cfg, f.srv.Client())
	var sl sleeps
	fast(p.Client, &sl)
	p.Now = func() time.Time { return start.Add(3 * time.Hour) }
	from, to := start, start.Add(2*time.Hour)
	cur := cursorState{Apps: map[string]appState{"admin": {Done: start, From: &from, To: &to, Page: "garbage"}}}.encode()
	page, err := p.Pull(context.Background(), cur)
	if err != nil || !page.More {
		t.Fatalf("%+v %v", page, err)
	}
	page, err = p.Pull(context.Background(), page.Cursor)
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("the window read again: %+v %v", page, err)
	}
}

func TestGrantRefusedIsPermanent(t *testing.T) {
	f := newFakeGoogle(t)
	f.refuseGrant = true
	p, _ := NewPuller(testConfig(f), f.srv.Client())
	var sl sleeps
	fast(p.Client, &sl)
	p.Now = func() time.Time { return time.Now() }
	err := connectors.RunPull(context.Background(), p, &connectors.MemoryCursors{}, &recorder{}, connectors.PullOptions{Name: "google", Once: true, RetryMin: time.Millisecond})
	if !errors.Is(err, connectors.ErrPermanent) || !strings.Contains(err.Error(), "unauthorized_client") {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("the error shows the key: %v", err)
	}
}

func TestBadCursorIsPermanent(t *testing.T) {
	f := newFakeGoogle(t)
	p, _ := NewPuller(testConfig(f), f.srv.Client())
	if _, err := p.Pull(context.Background(), "https://not/json"); !errors.Is(err, connectors.ErrPermanent) {
		t.Errorf("err %v", err)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "sa.json")
	os.WriteFile(keyFile, []byte(serviceAccount("https://oauth2.googleapis.com/token")), 0o600)
	good := config.Secret(serviceAccount("https://oauth2.googleapis.com/token"))
	cases := []struct {
		name string
		c    Config
		want []string
	}{
		{"ok", Config{Credentials: good, Subject: "a@example.org"}, nil},
		{"ok file", Config{CredentialsFile: keyFile, Subject: "a@example.org", Applications: []string{"admin", "drive"}, Lag: config.Duration(time.Hour)}, nil},
		{"empty", Config{}, []string{"connectors.google.credentials: required", "connectors.google.subject: required"}},
		{"not a key", Config{Credentials: `{"type":"authorized_user","client_secret":"hunter2"}`, Subject: "a@example.org"}, []string{"connectors.google.credentials: not a service account JSON key"}},
		{"not json", Config{Credentials: "hunter2", Subject: "a@example.org"}, []string{"connectors.google.credentials: not a service account JSON key"}},
		{"both", Config{Credentials: good, CredentialsFile: keyFile, Subject: "a@example.org"}, []string{"connectors.google.credentials: set credentials or credentials_file"}},
		{"missing file", Config{CredentialsFile: filepath.Join(dir, "nope"), Subject: "a@example.org"}, []string{"connectors.google.credentials_file: no such file"}},
		{"subject", Config{Credentials: good, Subject: "admin"}, []string{"connectors.google.subject: want an administrator's email"}},
		{"urls", Config{Credentials: good, Subject: "a@example.org", BaseURL: "http://admin.googleapis.com", TokenURL: "::"}, []string{"connectors.google.base_url: must be https", "connectors.google.token_url: not a URL"}},
		{"apps", Config{Credentials: good, Subject: "a@example.org", Applications: []string{"admin", "Admin Console", "admin"}}, []string{"connectors.google.applications[1]: not a Reports application", "connectors.google.applications[2]: \"admin\" is listed twice"}},
		{"durations", Config{Credentials: good, Subject: "a@example.org", Lag: -1, Overlap: -1, PageSize: -1, Start: "x"}, []string{"connectors.google.page_size", "connectors.google.start", "connectors.google.lag", "connectors.google.overlap"}},
	}
	for _, tc := range cases {
		errs := tc.c.Validate("connectors.google")
		if len(errs) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, errs, tc.want)
			continue
		}
		for i, e := range errs {
			if !strings.HasPrefix(e.Error(), tc.want[i]) {
				t.Errorf("%s: %q, want it to start %q", tc.name, e, tc.want[i])
			}
			if strings.Contains(e.Error(), "hunter2") || strings.Contains(e.Error(), "PRIVATE") {
				t.Errorf("%s: the error shows a secret: %v", tc.name, e)
			}
		}
	}
	if _, err := NewSnapshotter(Config{Subject: "a@example.org"}, nil); !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "connectors.google.credentials") {
		t.Errorf("NewSnapshotter: %v", err)
	}
}
