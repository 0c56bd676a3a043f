package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// ServiceNow defaults.
const (
	DefaultServiceNowTable         = "incident"
	DefaultServiceNowResolvedState = "6" // incident: Resolved
	DefaultServiceNowReopenState   = "2" // incident: In Progress
	DefaultServiceNowCloseCode     = "Solution provided"
	DefaultServiceNowCommentField  = "work_notes"
)

// DefaultServiceNowClosedStates are the incident states that count as closed: Resolved,
// Closed, Canceled.
var DefaultServiceNowClosedStates = []string{"6", "7", "8"}

// ServiceNowConfig configures a ServiceNow sink.
type ServiceNowConfig struct {
	Name string
	// URL is the instance (https://acme.service-now.com).
	URL string
	// Table is the Table API table (incident).
	Table string
	// Username and Password authenticate with HTTP basic; Token, when set instead, is an
	// OAuth bearer token.
	Username, Password, Token string
	// ResolvedState is the state a resolution sets (6), with CloseCode and close notes, which
	// recent releases require; ReopenState the state a re-opened finding sets (2).
	ResolvedState, ReopenState, CloseCode string
	// ClosedStates are the states of a closed ticket (6, 7, 8).
	ClosedStates []string
	// CommentField takes comments: work_notes (internal) or comments (customer-visible).
	CommentField string
	// Fields are set on every ticket created (assignment_group, category, caller_id, …).
	Fields map[string]string
	Client *http.Client
	Now    func() time.Time
}

// ServiceNow keeps one ticket per finding in a ServiceNow table through the Table API:
// created on open (correlation_id = finding_id, looked up first, so a redelivery finds it),
// commented (work notes) on update, set to ResolvedState on resolve, set back to ReopenState
// when a finding opens again after its ticket closed. The ticket's description is the
// finding's state (describeFinding): an open finding whose ticket shows another state is an
// update, one whose ticket shows the same is a redelivery — across restarts too.
type ServiceNow struct {
	e     endpoint
	cfg   ServiceNowConfig
	cache *ticketCache[snowTicket]
}

type snowTicket struct {
	SysID       string `json:"sys_id"`
	Number      string `json:"number"`
	State       string `json:"state"`
	Description string `json:"description"`
}

// NewServiceNow returns a ServiceNow sink.
func NewServiceNow(c ServiceNowConfig) (*ServiceNow, error) {
	u, err := CheckURL(c.URL)
	if err != nil {
		return nil, err
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Table, DefaultServiceNowTable)
	def(&c.ResolvedState, DefaultServiceNowResolvedState)
	def(&c.ReopenState, DefaultServiceNowReopenState)
	def(&c.CloseCode, DefaultServiceNowCloseCode)
	def(&c.CommentField, DefaultServiceNowCommentField)
	if len(c.ClosedStates) == 0 {
		c.ClosedStates = DefaultServiceNowClosedStates
	}
	if c.Token == "" && (c.Username == "" || c.Password == "") {
		return nil, errors.New("username and password, or token, are required")
	}
	s := &ServiceNow{e: newEndpoint(c.Name, u, c.Client, c.Now, serviceNowErrorDetail), cfg: c, cache: newTicketCache[snowTicket](0)}
	s.e.auth = func(r *http.Request) {
		if c.Token != "" {
			r.Header.Set("Authorization", "Bearer "+c.Token)
		} else {
			r.SetBasicAuth(c.Username, c.Password)
		}
	}
	return s, nil
}

// Name implements Sink.
func (s *ServiceNow) Name() string { return s.e.sink }

const snowFields = "sys_id,number,state,description"

// Send implements Sink.
func (s *ServiceNow) Send(ctx context.Context, a Action) error {
	id := a.Finding.FindingID
	if err := checkID(s.e.sink, id); err != nil {
		return err
	}
	t, found, err := s.ticket(ctx, id)
	if err != nil {
		return err
	}
	closed := found && slices.Contains(s.cfg.ClosedStates, t.State)
	switch {
	case a.Event == EventResolved && (!found || closed):
		return nil // nothing open to close
	case a.Event == EventResolved:
		return s.patch(ctx, id, t, map[string]any{"state": s.cfg.ResolvedState, "close_code": s.cfg.CloseCode,
			"close_notes": "Resolved by tollgate: the finding resolved itself.\n\n" + describe(a)})
	case !found:
		return s.create(ctx, a)
	case closed:
		return s.patch(ctx, id, t, map[string]any{"state": s.cfg.ReopenState, "description": describeFinding(&a.Finding),
			s.cfg.CommentField: "Re-opened by tollgate: the finding is open again.\n\n" + describe(a)})
	case sameText(t.Description, describeFinding(&a.Finding)):
		return nil // the ticket shows this state already: a redelivery
	default:
		// Updated — or opened, but the ticket shows an older state: an update delivered
		// again after a restart, which the description tells apart without local state.
		return s.patch(ctx, id, t, map[string]any{"description": describeFinding(&a.Finding), s.cfg.CommentField: "Finding updated.\n\n" + describe(a)})
	}
}

// ticket returns the finding's ticket from the cache, else from the table.
func (s *ServiceNow) ticket(ctx context.Context, id string) (snowTicket, bool, error) {
	if t, ok := s.cache.get(id); ok {
		return t, true, nil
	}
	q := url.Values{"sysparm_query": {"correlation_id=" + id}, "sysparm_fields": {snowFields}, "sysparm_limit": {"1"}}
	path := "/api/now/table/" + url.PathEscape(s.cfg.Table)
	r, err := s.e.do(ctx, http.MethodGet, path, q, nil, nil)
	if err != nil {
		return snowTicket{}, false, err
	}
	t, found, err := parseServiceNowLookup(r.body)
	if err != nil {
		return snowTicket{}, false, &SinkError{Sink: s.e.sink, Op: "GET " + path, Detail: err.Error(), Err: ErrRefused}
	}
	if found {
		s.cache.put(id, t)
	}
	return t, found, nil
}

func (s *ServiceNow) create(ctx context.Context, a Action) error {
	f := &a.Finding
	impact, urgency := snowPriority(f.Severity)
	body := map[string]any{}
	for k, v := range s.cfg.Fields {
		body[k] = v
	}
	body["short_description"] = truncate(title(a)+" — "+f.Summary, 160)
	body["description"] = describeFinding(f)
	body["correlation_id"] = f.FindingID
	body["correlation_display"] = "tollgate"
	body["impact"], body["urgency"] = impact, urgency
	path := "/api/now/table/" + url.PathEscape(s.cfg.Table)
	r, err := s.e.do(ctx, http.MethodPost, path, url.Values{"sysparm_fields": {snowFields}}, body, nil)
	if err != nil {
		return err
	}
	t, err := parseServiceNowRecord(r.body)
	if err != nil {
		return &SinkError{Sink: s.e.sink, Op: "POST " + path, Detail: err.Error(), Err: ErrRefused}
	}
	s.cache.put(f.FindingID, t)
	return nil
}

func (s *ServiceNow) patch(ctx context.Context, id string, t snowTicket, body map[string]any) error {
	path := "/api/now/table/" + url.PathEscape(s.cfg.Table) + "/" + url.PathEscape(t.SysID)
	r, err := s.e.do(ctx, http.MethodPatch, path, url.Values{"sysparm_fields": {snowFields}}, body, nil)
	if err != nil {
		var se *SinkError
		if errors.As(err, &se) && se.Status == http.StatusNotFound {
			s.cache.drop(id) // deleted on the vendor: look it up again next time
		}
		return err
	}
	if nt, err := parseServiceNowRecord(r.body); err == nil {
		t = nt
	} else if st, ok := body["state"].(string); ok {
		t.State = st
	}
	s.cache.put(id, t)
	return nil
}

// sameText compares two descriptions as ServiceNow may store them (line endings, trailing
// space changed).
func sameText(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// snowPriority maps a severity to incident impact and urgency (1 high … 3 low), from which
// ServiceNow computes the priority.
func snowPriority(s schemas.Severity) (impact, urgency string) {
	switch s {
	case schemas.SeverityCritical:
		return "1", "1"
	case schemas.SeverityHigh:
		return "1", "2"
	case schemas.SeverityMedium:
		return "2", "2"
	default:
		return "3", "3"
	}
}

// parseServiceNowLookup reads a Table API list answer ({"result":[{sys_id, number, state}]})
// and returns its first record.
func parseServiceNowLookup(b []byte) (t snowTicket, found bool, err error) {
	var v struct {
		Result []snowTicket `json:"result"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return t, false, fmt.Errorf("answer is not a Table API list: %v", err)
	}
	if len(v.Result) == 0 {
		return t, false, nil
	}
	if v.Result[0].SysID == "" {
		return t, false, errors.New("record without sys_id")
	}
	return v.Result[0], true, nil
}

// parseServiceNowRecord reads a Table API record answer ({"result":{sys_id, number, state}}).
func parseServiceNowRecord(b []byte) (snowTicket, error) {
	var v struct {
		Result snowTicket `json:"result"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return snowTicket{}, fmt.Errorf("answer is not a Table API record: %v", err)
	}
	if v.Result.SysID == "" {
		return snowTicket{}, errors.New("record without sys_id")
	}
	return v.Result, nil
}

// serviceNowErrorDetail is the text of a Table API error answer
// ({"error":{"message","detail"},"status":"failure"}), else the body as it is.
func serviceNowErrorDetail(b []byte) string {
	var v struct {
		Error struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &v) == nil && v.Error.Message != "" {
		if v.Error.Detail != "" {
			return v.Error.Message + ": " + v.Error.Detail
		}
		return v.Error.Message
	}
	return string(b)
}
