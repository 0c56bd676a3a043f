package google

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	keyOnce sync.Once
	keyPEM  string
)

// serviceAccount is a service account JSON key as Google hands it out, its token_uri
// pointing at the fake.
func serviceAccount(tokenURI string) string {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(k)
		keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	})
	b, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "tollgate-test", "private_key_id": "abc123",
		"private_key": keyPEM, "client_email": "tollgate@tollgate-test.iam.gserviceaccount.com", "client_id": "1234567890",
		"auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": tokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs"})
	return string(b)
}

// fakeGoogle serves Google's OAuth token endpoint (the JWT bearer grant) and the parts of
// the Admin SDK a connector reads, with Google's shapes (Users, Groups, Members, Roles,
// RoleAssignments, Tokens, Activities), nextPageToken paging, and scripted failures.
type fakeGoogle struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	issued      int
	valid       map[string]bool // access tokens accepted
	expireFirst bool            // the first token issued is refused once (it "expired")
	refuseGrant bool            // the token endpoint refuses the service account
	users       []map[string]any
	deleted     []map[string]any
	groups      []map[string]any
	members     map[string][]map[string]any
	roles       []map[string]any
	assignments []map[string]any
	tokens      map[string][]map[string]any
	activities  []map[string]any

	faults   map[string]map[int]int
	calls    map[string]int
	requests []string
}

func newFakeGoogle(t *testing.T) *fakeGoogle {
	f := &fakeGoogle{t: t, valid: map[string]bool{}, members: map[string][]map[string]any{}, tokens: map[string][]map[string]any{},
		faults: map[string]map[int]int{}, calls: map[string]int{}}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGoogle) fault(path string, n, status int) {
	if f.faults[path] == nil {
		f.faults[path] = map[int]int{}
	}
	f.faults[path][n] = status
}

func (f *fakeGoogle) addUser(id, email, name string, suspended, archived bool) {
	f.users = append(f.users, map[string]any{"kind": "admin#directory#user", "id": id, "etag": `"e"`, "primaryEmail": email,
		"name":    map[string]any{"givenName": strings.Fields(name)[0], "familyName": "X", "fullName": name},
		"isAdmin": false, "isDelegatedAdmin": false, "lastLoginTime": "2025-05-01T10:00:00.000Z", "creationTime": "2023-01-01T10:00:00.000Z",
		"agreedToTerms": true, "suspended": suspended, "archived": archived, "changePasswordAtNextLogin": false,
		"ipWhitelisted": false, "emails": []map[string]any{{"address": email, "primary": true}}, "customerId": "C01abcde",
		"orgUnitPath": "/", "isMailboxSetup": true, "isEnrolledIn2Sv": true, "isEnforcedIn2Sv": false, "includeInGlobalAddressList": true})
}

func (f *fakeGoogle) addGroup(id, email string, members ...map[string]any) {
	f.groups = append(f.groups, map[string]any{"kind": "admin#directory#group", "id": id, "etag": `"e"`, "email": email,
		"name": email, "directMembersCount": strconv.Itoa(len(members)), "description": "", "adminCreated": true})
	f.members[id] = members
}

func member(id, email, role, typ string) map[string]any {
	return map[string]any{"kind": "admin#directory#member", "etag": `"e"`, "id": id, "email": email, "role": role, "type": typ,
		"status": "ACTIVE", "delivery_settings": "ALL_MAIL"}
}

func (f *fakeGoogle) addRole(id, name string, super bool) {
	f.roles = append(f.roles, map[string]any{"kind": "admin#directory#role", "etag": `"e"`, "roleId": id, "roleName": name,
		"roleDescription": name, "rolePrivileges": []map[string]any{{"privilegeName": "SUPER_ADMIN", "serviceId": "00haapch16h1ysv"}},
		"isSystemRole": true, "isSuperAdminRole": super})
}

func (f *fakeGoogle) assign(id, role, to, typ string) {
	f.assignments = append(f.assignments, map[string]any{"kind": "admin#directory#roleAssignment", "etag": `"e"`,
		"roleAssignmentId": id, "roleId": role, "assignedTo": to, "assigneeType": typ, "scopeType": "CUSTOMER"})
}

func (f *fakeGoogle) addToken(user, client, name string, scopes ...string) {
	f.tokens[user] = append(f.tokens[user], map[string]any{"kind": "admin#directory#token", "etag": `"e"`, "clientId": client,
		"displayText": name, "anonymous": false, "nativeApp": false, "userKey": user, "scopes": scopes})
}

// addActivity is a Reports activity of app at when with one event.
func (f *fakeGoogle) addActivity(app, qualifier string, when time.Time, name string, params ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if params == nil {
		params = []map[string]any{}
	}
	f.activities = append(f.activities, map[string]any{"kind": "admin#reports#activity", "etag": `"e"`,
		"id":    map[string]any{"time": when.UTC().Format("2006-01-02T15:04:05.000Z"), "uniqueQualifier": qualifier, "applicationName": app, "customerId": "C01abcde"},
		"actor": map[string]any{"callerType": "USER", "email": "gadmin@example.org", "profileId": "1122334455"}, "ipAddress": "198.51.100.7",
		"events": []map[string]any{{"type": "GENERIC", "name": name, "parameters": params}}})
}

func param(name, value string) map[string]any { return map[string]any{"name": name, "value": value} }

func (f *fakeGoogle) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[r.URL.Path]++
	f.requests = append(f.requests, r.URL.RequestURI())
	if status := f.faults[r.URL.Path][f.calls[r.URL.Path]]; status != 0 {
		gError(w, status)
		return
	}
	if r.URL.Path == "/token" {
		f.token(w, r)
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !f.valid[tok] {
		gError(w, http.StatusUnauthorized)
		return
	}
	if f.expireFirst && tok == "tok-1" {
		f.expireFirst = false
		delete(f.valid, tok)
		gError(w, http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/admin/directory/v1/users":
		if q.Get("customer") != "my_customer" {
			gError(w, http.StatusBadRequest)
			return
		}
		if q.Get("showDeleted") == "true" {
			f.pageOf(w, r, "admin#directory#users", "users", f.deleted, 500)
		} else {
			f.pageOf(w, r, "admin#directory#users", "users", f.users, 500)
		}
	case r.URL.Path == "/admin/directory/v1/groups":
		f.pageOf(w, r, "admin#directory#groups", "groups", f.groups, 200)
	case len(p) == 6 && p[3] == "groups" && p[5] == "members":
		f.pageOf(w, r, "admin#directory#members", "members", f.members[p[4]], 200)
	case r.URL.Path == "/admin/directory/v1/customer/my_customer/roles":
		f.pageOf(w, r, "admin#directory#roles", "items", f.roles, 100)
	case r.URL.Path == "/admin/directory/v1/customer/my_customer/roleassignments":
		f.pageOf(w, r, "admin#directory#roleAssignments", "items", f.assignments, 200)
	case len(p) == 6 && p[3] == "users" && p[5] == "tokens":
		writeJSON(w, map[string]any{"kind": "admin#directory#tokenList", "etag": `"e"`, "items": f.tokens[p[4]]})
	case len(p) == 8 && p[1] == "reports" && p[6] == "applications":
		f.serveActivities(w, r, p[7])
	default:
		gError(w, http.StatusNotFound)
	}
}

// token answers the JWT bearer grant after checking the assertion's claims.
func (f *fakeGoogle) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		gError(w, http.StatusBadRequest)
		return
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	var claims struct {
		Iss, Sub, Scope, Aud string
	}
	if len(parts) != 3 {
		gError(w, http.StatusBadRequest)
		return
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(b, &claims)
	w.Header().Set("Content-Type", "application/json")
	if f.refuseGrant || claims.Sub != "gadmin@example.org" || claims.Iss != "tollgate@tollgate-test.iam.gserviceaccount.com" ||
		claims.Scope != strings.Join(Scopes, " ") || claims.Aud != f.srv.URL+"/token" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"unauthorized_client","error_description":"Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."}`)
		return
	}
	f.issued++
	tok := "tok-" + strconv.Itoa(f.issued)
	f.valid[tok] = true
	fmt.Fprintf(w, `{"access_token":%q,"expires_in":3599,"token_type":"Bearer"}`, tok)
}

// pageOf answers one page: pageToken is an opaque offset, maxResults the size (above the
// API's ceiling is a 400, as Google answers); the last page has no nextPageToken and an
// empty list has no items key at all.
func (f *fakeGoogle) pageOf(w http.ResponseWriter, r *http.Request, kind, key string, items []map[string]any, ceiling int) {
	q := r.URL.Query()
	size, _ := strconv.Atoi(q.Get("maxResults"))
	if size > ceiling {
		gError(w, http.StatusBadRequest)
		return
	}
	if size <= 0 {
		size = ceiling
	}
	start := 0
	if t := q.Get("pageToken"); t != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(t, "pt"))
		if err != nil {
			gError(w, http.StatusBadRequest)
			return
		}
		start = n
	}
	start = min(start, len(items))
	end := min(start+size, len(items))
	out := map[string]any{"kind": kind, "etag": `"e"`}
	if end > start {
		out[key] = items[start:end]
	}
	if end < len(items) {
		out["nextPageToken"] = "pt" + strconv.Itoa(end)
	}
	writeJSON(w, out)
}

// serveActivities is activities.list: the app's activities in [startTime, endTime),
// newest first, as Google orders them.
func (f *fakeGoogle) serveActivities(w http.ResponseWriter, r *http.Request, app string) {
	q := r.URL.Query()
	from, err1 := time.Parse(time.RFC3339, q.Get("startTime"))
	to, err2 := time.Parse(time.RFC3339, q.Get("endTime"))
	if err1 != nil || err2 != nil || !from.Before(to) {
		gError(w, http.StatusBadRequest)
		return
	}
	var in []map[string]any
	for _, a := range f.activities {
		id := a["id"].(map[string]any)
		t, _ := time.Parse(time.RFC3339, id["time"].(string))
		if id["applicationName"] == app && !t.Before(from) && t.Before(to) {
			in = append(in, a)
		}
	}
	sort.SliceStable(in, func(i, j int) bool {
		return in[i]["id"].(map[string]any)["time"].(string) > in[j]["id"].(map[string]any)["time"].(string)
	})
	f.pageOf(w, r, "admin#reports#activities", "items", in, 1000)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	b, _ := json.Marshal(v)
	w.Write(b)
}

// gError is Google's error object.
func gError(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "3")
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%d,"message":%q,"errors":[{"message":%q,"domain":"global","reason":"x"}]}}`, status, http.StatusText(status), http.StatusText(status))
}
