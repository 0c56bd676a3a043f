package okta

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeOkta serves the parts of the Okta management API a connector reads, with Okta's
// shapes (User, Group, Application, AppUser, Role assignment, ApiToken, LogEvent), its
// pagination (an opaque after= cursor in the Link rel="next" header of every page that
// has a successor, and always one on the System Log when polling), its rate-limit headers,
// and scripted failures.
type fakeOkta struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	token     string // the Authorization value accepted
	users     []map[string]any
	groups    []map[string]any
	members   map[string][]string // group id → user ids
	apps      []map[string]any
	appUsers  map[string][]map[string]any
	roles     map[string][]map[string]any // user id → role assignments
	tokens    []map[string]any
	logs      []map[string]any
	noTokens  bool // /api/v1/api-tokens answers 404
	remaining int  // X-Rate-Limit-Remaining sent (-1: the header is absent)
	reset     int64

	// faults answer the n-th request (1-based, counted per path) with a status instead.
	faults   map[string]map[int]int
	calls    map[string]int
	requests []string // path?query of every request, in order
	// on401 runs when a request carries a refused token (the bearer test renews it there).
	on401 func()
}

func newFakeOkta(t *testing.T) *fakeOkta {
	f := &fakeOkta{t: t, token: "SSWS test-token", members: map[string][]string{}, appUsers: map[string][]map[string]any{},
		roles: map[string][]map[string]any{}, faults: map[string]map[int]int{}, calls: map[string]int{}, remaining: -1}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOkta) fault(path string, n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.faults[path] == nil {
		f.faults[path] = map[int]int{}
	}
	f.faults[path][n] = status
}

func (f *fakeOkta) addUser(id, login, first, last, status string) {
	f.users = append(f.users, map[string]any{
		"id": id, "status": status, "created": "2024-01-10T10:00:00.000Z", "activated": nil,
		"statusChanged": "2024-01-10T10:00:00.000Z", "lastLogin": nil, "lastUpdated": "2024-02-01T09:00:00.000Z",
		"passwordChanged": nil, "type": map[string]any{"id": "oty1abcd"},
		"profile":     map[string]any{"firstName": first, "lastName": last, "mobilePhone": nil, "secondEmail": nil, "login": login, "email": login},
		"credentials": map[string]any{"provider": map[string]any{"type": "OKTA", "name": "OKTA"}},
		"_links":      map[string]any{"self": map[string]any{"href": f.srv.URL + "/api/v1/users/" + id}},
	})
}

func (f *fakeOkta) addGroup(id, name, typ string, members ...string) {
	f.groups = append(f.groups, map[string]any{
		"id": id, "created": "2023-05-01T00:00:00.000Z", "lastUpdated": "2023-05-01T00:00:00.000Z",
		"lastMembershipUpdated": "2024-03-01T00:00:00.000Z", "objectClass": []string{"okta:user_group"}, "type": typ,
		"profile": map[string]any{"name": name, "description": nil}, "_links": map[string]any{},
	})
	f.members[id] = members
}

func (f *fakeOkta) addApp(id, name, label string, users ...string) {
	f.apps = append(f.apps, map[string]any{"id": id, "name": name, "label": label, "status": "ACTIVE",
		"lastUpdated": "2023-01-01T00:00:00.000Z", "created": "2023-01-01T00:00:00.000Z", "signOnMode": "SAML_2_0",
		"features": []string{}, "visibility": map[string]any{"autoSubmitToolbar": false}})
	for _, u := range users {
		f.appUsers[id] = append(f.appUsers[id], map[string]any{"id": u, "externalId": nil, "created": "2024-04-02T08:00:00.000Z",
			"lastUpdated": "2024-04-02T08:00:00.000Z", "scope": "USER", "status": "ACTIVE", "statusChanged": "2024-04-02T08:00:00.000Z",
			"syncState": "DISABLED", "credentials": map[string]any{"userName": u}, "profile": map[string]any{}})
	}
}

func (f *fakeOkta) addRole(user, id, typ, label string) {
	f.roles[user] = append(f.roles[user], map[string]any{"id": id, "label": label, "type": typ, "status": "ACTIVE",
		"created": "2024-05-05T05:05:05.000Z", "lastUpdated": "2024-05-05T05:05:05.000Z", "assignmentType": "USER",
		"_links": map[string]any{"assignee": map[string]any{"href": f.srv.URL + "/api/v1/users/" + user}}})
}

func (f *fakeOkta) addToken(id, name, user string) {
	f.tokens = append(f.tokens, map[string]any{"name": name, "userId": user, "tokenWindow": "P30D", "id": id,
		"clientName": "Okta API", "expiresAt": "2025-07-01T12:00:00.000Z", "created": "2025-01-01T12:00:00.000Z",
		"lastUpdated": "2025-06-01T12:00:00.000Z", "network": map[string]any{"connection": "ANYWHERE"},
		"_links": map[string]any{"self": map[string]any{"href": f.srv.URL + "/api/v1/api-tokens/" + id}}})
}

// addLog appends a System Log record.
func (f *fakeOkta) addLog(uuid, eventType, published string, targets ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if targets == nil {
		targets = []map[string]any{}
	}
	f.logs = append(f.logs, map[string]any{"uuid": uuid, "published": published, "eventType": eventType, "version": "0",
		"severity": "INFO", "legacyEventType": "core." + eventType, "displayMessage": eventType,
		"actor":   map[string]any{"id": "00uadmin", "type": "User", "alternateId": "admin@example.com", "displayName": "Ada Admin", "detailEntry": nil},
		"client":  map[string]any{"ipAddress": "198.51.100.1", "zone": "null", "device": "Computer"},
		"outcome": map[string]any{"result": "SUCCESS", "reason": nil}, "target": targets,
		"transaction":  map[string]any{"type": "WEB", "id": "tx" + uuid, "detail": map[string]any{}},
		"debugContext": map[string]any{"debugData": map[string]any{"requestId": "req" + uuid}}})
}

func userTarget(id, login, name string) map[string]any {
	return map[string]any{"id": id, "type": "User", "alternateId": login, "displayName": name, "detailEntry": nil}
}

func (f *fakeOkta) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[r.URL.Path]++
	f.requests = append(f.requests, r.URL.RequestURI())
	if f.remaining >= 0 {
		w.Header().Set("X-Rate-Limit-Limit", "600")
		w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(f.remaining))
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(f.reset, 10))
	}
	if status := f.faults[r.URL.Path][f.calls[r.URL.Path]]; status != 0 {
		errorBody(w, status)
		return
	}
	if r.Header.Get("Authorization") != f.token {
		if f.on401 != nil {
			f.on401()
		}
		errorBody(w, http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/api/v1/users":
		users := f.users
		if s := q.Get("search"); s != "" {
			if s != `status eq "DEPROVISIONED"` {
				errorBody(w, http.StatusBadRequest)
				return
			}
			users = filter(f.users, func(u map[string]any) bool { return u["status"] == "DEPROVISIONED" })
		} else {
			users = filter(f.users, func(u map[string]any) bool { return u["status"] != "DEPROVISIONED" })
		}
		f.pageOf(w, r, users)
	case r.URL.Path == "/api/v1/groups":
		f.pageOf(w, r, f.groups)
	case len(p) == 5 && p[2] == "groups" && p[4] == "users":
		var out []map[string]any
		for _, id := range f.members[p[3]] {
			out = append(out, f.user(id))
		}
		f.pageOf(w, r, out)
	case r.URL.Path == "/api/v1/apps":
		f.pageOf(w, r, f.apps)
	case len(p) == 5 && p[2] == "apps" && p[4] == "users":
		f.pageOf(w, r, f.appUsers[p[3]])
	case len(p) == 5 && p[2] == "users" && p[4] == "roles":
		f.pageOf(w, r, f.roles[p[3]])
	case r.URL.Path == "/api/v1/api-tokens":
		if f.noTokens {
			errorBody(w, http.StatusNotFound)
			return
		}
		f.pageOf(w, r, f.tokens)
	case r.URL.Path == "/api/v1/logs":
		f.serveLogs(w, r)
	default:
		errorBody(w, http.StatusNotFound)
	}
}

func (f *fakeOkta) user(id string) map[string]any {
	for _, u := range f.users {
		if u["id"] == id {
			return u
		}
	}
	f.t.Errorf("fake: no user %s", id)
	return nil
}

func filter(in []map[string]any, keep func(map[string]any) bool) []map[string]any {
	var out []map[string]any
	for _, x := range in {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// pageOf answers one page of items: after= is the index to start at (opaque to clients),
// limit the size; a page with a successor carries its Link rel="next".
func (f *fakeOkta) pageOf(w http.ResponseWriter, r *http.Request, items []map[string]any) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 20
	}
	after := 0
	if a := q.Get("after"); a != "" {
		after, _ = strconv.Atoi(strings.TrimPrefix(a, "c"))
	}
	end := min(after+limit, len(items))
	after = min(after, end)
	w.Header().Add("Link", fmt.Sprintf(`<https://%s%s>; rel="self"`, r.Host, r.URL.RequestURI()))
	if end < len(items) {
		next := q
		next.Set("after", "c"+strconv.Itoa(end))
		w.Header().Add("Link", fmt.Sprintf(`<https://%s%s?%s>; rel="next"`, r.Host, r.URL.Path, next.Encode()))
	}
	writeJSON(w, items[after:end])
}

// serveLogs is the System Log when polling: since for the first page, after= from the
// next link for the others, and a next link on every page, an empty one too.
func (f *fakeOkta) serveLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("sortOrder") != "ASCENDING" {
		errorBody(w, http.StatusBadRequest)
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	start := 0
	switch {
	case q.Get("after") != "":
		start, _ = strconv.Atoi(q.Get("after"))
	case q.Get("since") != "":
		since := q.Get("since")
		for start < len(f.logs) && f.logs[start]["published"].(string) < since {
			start++
		}
	}
	start = min(start, len(f.logs))
	end := min(start+limit, len(f.logs))
	next := fmt.Sprintf("https://%s/api/v1/logs?limit=%d&sortOrder=ASCENDING&after=%d", r.Host, limit, end)
	w.Header().Add("Link", fmt.Sprintf(`<https://%s%s>; rel="self", <%s>; rel="next"`, r.Host, r.URL.RequestURI(), next))
	writeJSON(w, f.logs[start:end])
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if v == nil {
		v = []any{}
	}
	b, _ := json.Marshal(v)
	if string(b) == "null" {
		b = []byte("[]")
	}
	w.Write(b)
}

// errorBody is Okta's error object for status.
func errorBody(w http.ResponseWriter, status int) {
	codes := map[int]string{401: "E0000011", 403: "E0000006", 404: "E0000007", 429: "E0000047", 400: "E0000031"}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "2")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errorCode":%q,"errorSummary":%q,"errorLink":%q,"errorId":"oae1234","errorCauses":[]}`, codes[status], http.StatusText(status), codes[status])
}
