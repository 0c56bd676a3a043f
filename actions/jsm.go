package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// JSM defaults.
const (
	DefaultJSMLabelPrefix       = "tollgate-"
	DefaultJSMResolveTransition = "Resolve"
)

// JSMConfig configures a Jira Service Management sink.
type JSMConfig struct {
	Name string
	// URL is the site (https://acme.atlassian.net).
	URL string
	// Email and APIToken authenticate with HTTP basic (an Atlassian API token).
	Email, APIToken string
	// ServiceDeskID and RequestTypeID say where requests are created. The request type must
	// have the Labels field (the finding's correlation label is set through it).
	ServiceDeskID, RequestTypeID string
	// LabelPrefix + finding_id is the label a request is found by (tollgate-).
	LabelPrefix string
	// ResolveTransition is the name of the transition a resolution takes (Resolve);
	// ReopenTransition, if set, the one a finding open again takes on a closed request
	// (without it the request is commented only).
	ResolveTransition, ReopenTransition string
	// Fields are more requestFieldValues set on every request created.
	Fields map[string]string
	Client *http.Client
	Now    func() time.Time
}

// JSM keeps one request per finding in a Jira Service Management service desk: created on
// open through the Service Management API (POST /rest/servicedeskapi/request) with the label
// LabelPrefix+finding_id, which a JQL search finds first so a redelivery never creates a
// second one; an internal comment on update; on resolve, a comment and the transition named
// ResolveTransition (platform API /rest/api/3/issue/{key}/transitions, which lists the
// agent's transitions where the servicedeskapi lists only the customer's).
//
// Jira's search index is eventually consistent: a request created seconds before a restart
// may not be found yet by the restarted process. Within one process the cache finds it.
type JSM struct {
	e     endpoint
	cfg   JSMConfig
	cache *ticketCache[jsmTicket]
}

type jsmTicket struct {
	Key    string
	Closed bool
}

// NewJSM returns a JSM sink.
func NewJSM(c JSMConfig) (*JSM, error) {
	u, err := CheckURL(c.URL)
	if err != nil {
		return nil, err
	}
	if c.LabelPrefix == "" {
		c.LabelPrefix = DefaultJSMLabelPrefix
	}
	if c.ResolveTransition == "" {
		c.ResolveTransition = DefaultJSMResolveTransition
	}
	if c.Email == "" || c.APIToken == "" {
		return nil, errors.New("email and api_token are required")
	}
	if c.ServiceDeskID == "" || c.RequestTypeID == "" {
		return nil, errors.New("service_desk_id and request_type_id are required")
	}
	j := &JSM{e: newEndpoint(c.Name, u, c.Client, c.Now, jsmErrorDetail), cfg: c, cache: newTicketCache[jsmTicket](0)}
	j.e.auth = func(r *http.Request) { r.SetBasicAuth(c.Email, c.APIToken) }
	return j, nil
}

// Name implements Sink.
func (j *JSM) Name() string { return j.e.sink }

// Send implements Sink.
func (j *JSM) Send(ctx context.Context, a Action) error {
	id := a.Finding.FindingID
	if err := checkID(j.e.sink, id); err != nil {
		return err
	}
	t, found, err := j.ticket(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case a.Event == EventResolved && (!found || t.Closed):
		return nil
	case a.Event == EventResolved:
		if err := j.comment(ctx, t.Key, "Resolved by tollgate: the finding resolved itself.\n\n"+describe(a)); err != nil {
			return err
		}
		if err := j.transition(ctx, t.Key, j.cfg.ResolveTransition, true); err != nil {
			return err
		}
		j.cache.put(id, jsmTicket{Key: t.Key, Closed: true})
		return nil
	case !found:
		return j.create(ctx, a)
	case t.Closed:
		if err := j.comment(ctx, t.Key, "The finding is open again.\n\n"+describe(a)); err != nil {
			return err
		}
		if j.cfg.ReopenTransition != "" {
			if err := j.transition(ctx, t.Key, j.cfg.ReopenTransition, false); err != nil {
				return err
			}
		}
		j.cache.put(id, jsmTicket{Key: t.Key, Closed: j.cfg.ReopenTransition == ""})
		return nil
	case a.Event == EventUpdated:
		return j.comment(ctx, t.Key, "Finding updated.\n\n"+describe(a))
	default:
		return nil
	}
}

func (j *JSM) label(id string) string { return j.cfg.LabelPrefix + id }

// ticket returns the finding's request from the cache, else by a JQL search on its label.
func (j *JSM) ticket(ctx context.Context, id string) (jsmTicket, bool, error) {
	if t, ok := j.cache.get(id); ok {
		return t, true, nil
	}
	const path = "/rest/api/3/search/jql"
	q := url.Values{"jql": {fmt.Sprintf("labels = %q", j.label(id))}, "fields": {"status"}, "maxResults": {"1"}}
	r, err := j.e.do(ctx, http.MethodGet, path, q, nil, nil)
	if err != nil {
		return jsmTicket{}, false, err
	}
	t, found, err := parseJSMSearch(r.body)
	if err != nil {
		return jsmTicket{}, false, &SinkError{Sink: j.e.sink, Op: "GET " + path, Detail: err.Error(), Err: ErrRefused}
	}
	if found {
		j.cache.put(id, t)
	}
	return t, found, nil
}

func (j *JSM) create(ctx context.Context, a Action) error {
	f := &a.Finding
	values := map[string]any{}
	for k, v := range j.cfg.Fields {
		values[k] = v
	}
	values["summary"] = truncate(title(a)+" — "+f.Summary, 255)
	values["description"] = describe(a)
	values["labels"] = []string{j.label(f.FindingID)}
	body := map[string]any{"serviceDeskId": j.cfg.ServiceDeskID, "requestTypeId": j.cfg.RequestTypeID, "requestFieldValues": values}
	const path = "/rest/servicedeskapi/request"
	r, err := j.e.do(ctx, http.MethodPost, path, nil, body, nil)
	if err != nil {
		return err
	}
	var v struct {
		IssueKey string `json:"issueKey"`
	}
	if err := j.e.decode("POST "+path, r, &v); err != nil {
		return err
	}
	if v.IssueKey == "" {
		return &SinkError{Sink: j.e.sink, Op: "POST " + path, Detail: "answer without issueKey", Err: ErrRefused}
	}
	j.cache.put(f.FindingID, jsmTicket{Key: v.IssueKey})
	return nil
}

// comment adds an internal (not customer-visible) comment.
func (j *JSM) comment(ctx context.Context, key, text string) error {
	path := "/rest/servicedeskapi/request/" + url.PathEscape(key) + "/comment"
	_, err := j.e.do(ctx, http.MethodPost, path, nil, map[string]any{"body": text, "public": false}, nil)
	return err
}

// transition takes the transition named name; one the request does not offer is refused,
// naming those it does — unless the request already sits in a done status, when closing
// (done) is already achieved.
func (j *JSM) transition(ctx context.Context, key, name string, done bool) error {
	path := "/rest/api/3/issue/" + url.PathEscape(key) + "/transitions"
	r, err := j.e.do(ctx, http.MethodGet, path, nil, nil, nil)
	if err != nil {
		return err
	}
	ts, err := parseJSMTransitions(r.body)
	if err != nil {
		return &SinkError{Sink: j.e.sink, Op: "GET " + path, Detail: err.Error(), Err: ErrRefused}
	}
	var names []string
	for _, t := range ts {
		if strings.EqualFold(t.Name, name) {
			_, err := j.e.do(ctx, http.MethodPost, path, nil, map[string]any{"transition": map[string]string{"id": t.ID}}, nil)
			return err
		}
		names = append(names, t.Name)
	}
	return &SinkError{Sink: j.e.sink, Op: "GET " + path, Err: ErrRefused,
		Detail: fmt.Sprintf("%s offers no transition %q (it offers %s); set the sink's transition name", key, name, strings.Join(names, ", "))}
}

type jsmTransition struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// parseJSMTransitions reads GET /rest/api/3/issue/{key}/transitions ({"transitions":[…]}).
func parseJSMTransitions(b []byte) ([]jsmTransition, error) {
	var v struct {
		Transitions *[]jsmTransition `json:"transitions"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("answer is not a transitions list: %v", err)
	}
	if v.Transitions == nil {
		return nil, errors.New("answer has no transitions")
	}
	return *v.Transitions, nil
}

// parseJSMSearch reads a JQL search answer ({"issues":[{"key","fields":{"status":
// {"statusCategory":{"key"}}}}]}) and returns its first issue; a status in the done
// category is closed.
func parseJSMSearch(b []byte) (jsmTicket, bool, error) {
	var v struct {
		Issues *[]struct {
			Key    string `json:"key"`
			Fields struct {
				Status struct {
					StatusCategory struct {
						Key string `json:"key"`
					} `json:"statusCategory"`
				} `json:"status"`
			} `json:"fields"`
		} `json:"issues"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return jsmTicket{}, false, fmt.Errorf("answer is not a search result: %v", err)
	}
	if v.Issues == nil {
		return jsmTicket{}, false, errors.New("answer has no issues list")
	}
	if len(*v.Issues) == 0 {
		return jsmTicket{}, false, nil
	}
	is := (*v.Issues)[0]
	if is.Key == "" {
		return jsmTicket{}, false, errors.New("issue without key")
	}
	return jsmTicket{Key: is.Key, Closed: is.Fields.Status.StatusCategory.Key == "done"}, true, nil
}

// jsmErrorDetail is the text of an Atlassian error answer: the platform's
// {"errorMessages":[…],"errors":{field: text}} or the Service Management API's
// {"errorMessage": …}; else the body as it is.
func jsmErrorDetail(b []byte) string {
	var v struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
		ErrorMessage  string            `json:"errorMessage"`
		Message       string            `json:"message"`
	}
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	parts := v.ErrorMessages
	if v.ErrorMessage != "" {
		parts = append(parts, v.ErrorMessage)
	}
	if v.Message != "" {
		parts = append(parts, v.Message)
	}
	for _, k := range sortedKeys(v.Errors) {
		parts = append(parts, k+": "+v.Errors[k])
	}
	if len(parts) == 0 {
		return string(b)
	}
	return strings.Join(parts, "; ")
}
