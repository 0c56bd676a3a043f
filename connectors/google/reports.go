package google

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// minWindow is the least a new window advances: every window reads the overlap again,
// so windows much shorter than it would mostly re-read.
const minWindow = 5 * time.Minute

// Puller reads the Reports API's activities of each configured application in time
// windows. Google reports an activity minutes to hours after it happened, so a window
// ends Lag before now and the next one starts Overlap before the last one ended; the
// repeats collapse on their event ids. The cursor is JSON: per application the end of
// the last window read to its end, and the window being read with its next pageToken.
type Puller struct {
	api          *api
	start        time.Time
	apps         []string
	lag, overlap time.Duration
	// Client is the vendor client every call goes through (tests shorten its backoff).
	Client *connectors.Client
	// Log hears of activities ingest's parser refused (each is also in its Page.Failed).
	Log *slog.Logger
	// Now is the clock: windows end Lag before it.
	Now func() time.Time

	parser ingest.Parser
}

var _ connectors.Puller = (*Puller)(nil)

// NewPuller validates c (errors name keys under "connectors.google") and builds the
// puller; hc nil is a default client.
func NewPuller(c Config, hc *http.Client) (*Puller, error) {
	a, err := newAPI(c, "connectors.google", hc)
	if err != nil {
		return nil, err
	}
	p := &Puller{api: a, Client: a.client, Log: slog.New(slog.DiscardHandler), Now: time.Now,
		apps: c.Applications, lag: c.Lag.D(), overlap: c.Overlap.D(),
		parser: ingest.Parsers(ingest.ParserOptions{})[ingest.SourceGoogleWorkspace]}
	if len(p.apps) == 0 {
		p.apps = DefaultApplications
	}
	if p.lag == 0 {
		p.lag = defaultLag
	}
	if p.overlap == 0 {
		p.overlap = defaultOverlap
	}
	if c.Start != "" {
		p.start, _ = time.Parse(time.RFC3339, c.Start)
	} else {
		back := c.Backfill.D()
		if back <= 0 {
			back = defaultBackfill
		}
		p.start = time.Now().Add(-back)
	}
	p.start = p.start.UTC().Truncate(time.Millisecond)
	return p, nil
}

// Source is Google Workspace.
func (p *Puller) Source() schemas.Source { return source }

// cursorState is the cursor: per application, Done is the end of the last window read
// to its end; From, To and Page the window being read and its next pageToken.
type cursorState struct {
	Apps map[string]appState `json:"apps"`
}

type appState struct {
	Done time.Time  `json:"done"`
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	Page string     `json:"page,omitempty"`
}

func decodeCursor(c string) (cursorState, error) {
	st := cursorState{Apps: map[string]appState{}}
	if c == "" {
		return st, nil
	}
	if err := json.Unmarshal([]byte(c), &st); err != nil {
		return st, fmt.Errorf("the saved cursor is not a Google Reports cursor: %w", connectors.ErrPermanent)
	}
	if st.Apps == nil {
		st.Apps = map[string]appState{}
	}
	return st, nil
}

func (st cursorState) encode() string {
	b, _ := json.Marshal(st)
	return string(b)
}

// Pull reads the next page of the first application with something to read: the rest of
// a window begun, else a new window if at least minWindow has passed since its last one
// ended. With nothing to read anywhere it returns no events, the same cursor, More false.
func (p *Puller) Pull(ctx context.Context, cursor string) (connectors.Page, error) {
	st, err := decodeCursor(cursor)
	if err != nil {
		return connectors.Page{}, err
	}
	end := p.Now().UTC().Add(-p.lag).Truncate(time.Millisecond)
	for _, app := range p.apps {
		a, ok := st.Apps[app]
		if !ok || a.Done.Before(p.start) {
			a = appState{Done: p.start}
		}
		if a.From == nil || a.To == nil {
			if end.Sub(a.Done) < minWindow {
				continue
			}
			from := a.Done
			if a.Done.After(p.start) {
				from = maxTime(p.start, a.Done.Add(-p.overlap))
			}
			a.From, a.To, a.Page = &from, &end, ""
		}
		page, next, err := p.fetch(ctx, app, *a.From, *a.To, a.Page)
		var se *connectors.StatusError
		if err != nil && a.Page != "" && errors.As(err, &se) && se.Status == http.StatusBadRequest {
			// A pageToken Google no longer takes: read the window again from its start.
			a.Page = ""
			st.Apps[app] = a
			return connectors.Page{Cursor: st.encode(), More: true}, nil
		}
		if err != nil {
			return connectors.Page{}, fmt.Errorf("%s activities: %w", app, err)
		}
		if next != "" {
			a.Page = next
		} else {
			a = appState{Done: *a.To}
		}
		st.Apps[app] = a
		page.Cursor, page.More = st.encode(), true
		return page, nil
	}
	return connectors.Page{Cursor: cursor}, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fetch reads one page of app's activities in [from, to).
func (p *Puller) fetch(ctx context.Context, app string, from, to time.Time, token string) (connectors.Page, string, error) {
	q := url.Values{"startTime": {from.Format("2006-01-02T15:04:05.000Z")}, "endTime": {to.Format("2006-01-02T15:04:05.000Z")},
		"maxResults": {p.api.size(maxActivities)}}
	if p.api.customer != "my_customer" {
		q.Set("customerId", p.api.customer)
	}
	if token != "" {
		q.Set("pageToken", token)
	}
	resp, err := p.api.client.Get(ctx, p.api.url("/admin/reports/v1/activity/users/all/applications/"+url.PathEscape(app), q))
	if err != nil {
		return connectors.Page{}, "", err
	}
	return p.page(resp.Body)
}

// page parses one activities.list answer with ingest's Workspace parser: its items and
// nextPageToken. An activity the parser refuses goes into the page's Failed with its bytes
// as Google sent them and the reason (RunPull dead-letters it), and the others go on.
func (p *Puller) page(body []byte) (connectors.Page, string, error) {
	list, err := decodePage[json.RawMessage](body, "items")
	if err != nil {
		return connectors.Page{}, "", fmt.Errorf("activities: %w", err)
	}
	var page connectors.Page
	if len(list.Items) == 0 {
		return page, list.NextPageToken, nil
	}
	items, _ := json.Marshal(list.Items)
	b, err := p.parser.ParseBatch(items, p.Now())
	if err != nil {
		return connectors.Page{}, "", fmt.Errorf("the activities page does not parse: %w", err)
	}
	for _, f := range b.Failed {
		p.Log.Warn("google: a Reports activity ingest cannot read is dead-lettered", "index", f.Index, "err", f.Err)
		raw := f.Raw
		if f.Index >= 0 && f.Index < len(list.Items) {
			raw = list.Items[f.Index] // as received, not as re-encoded for the parser
		}
		page.Failed = append(page.Failed, connectors.Failed{Raw: raw, Err: fmt.Errorf("google Reports activity %d of the page: %w", f.Index, f.Err)})
	}
	page.Events = b.Events
	for _, e := range b.Events {
		if e.OccurredAt.After(page.Newest) {
			page.Newest = e.OccurredAt
		}
	}
	return page, list.NextPageToken, nil
}
