package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// logsPath is the System Log API.
const logsPath = "/api/v1/logs"

// Puller reads the System Log from a cursor that is the next link Okta gave: polling with
// since and sortOrder=ASCENDING, Okta always answers with a next link, and that link is
// the only correct way on (events are ordered by when Okta stored them, not by
// published, so a cursor rebuilt from the last published time could skip some).
type Puller struct {
	api   *api
	start time.Time
	// Client is the vendor client every call goes through (tests shorten its backoff).
	Client *connectors.Client
	// Log hears of records ingest's parser refused (each is also in its Page.Failed).
	Log *slog.Logger
	// Now is the clock (ingested_at of the events).
	Now func() time.Time

	parser ingest.Parser
}

var _ connectors.Puller = (*Puller)(nil)

// NewPuller validates c (errors name keys under "connectors.okta") and builds the puller;
// hc nil is a default client.
func NewPuller(c Config, hc *http.Client) (*Puller, error) {
	a, err := newAPI(c, "connectors.okta", hc)
	if err != nil {
		return nil, err
	}
	p := &Puller{api: a, Client: a.client, Log: slog.New(slog.DiscardHandler), Now: time.Now,
		parser: ingest.Parsers(ingest.ParserOptions{})[ingest.SourceOkta]}
	if c.Start != "" {
		p.start, _ = time.Parse(time.RFC3339, c.Start)
	} else {
		back := c.Backfill.D()
		if back <= 0 {
			back = defaultBackfill
		}
		p.start = time.Now().Add(-back)
	}
	p.start = p.start.UTC()
	return p, nil
}

// Source is Okta.
func (p *Puller) Source() schemas.Source { return source }

// Pull reads the page at cursor ("" is the first page since the configured start). A page
// with records moves the cursor to its next link; an empty page keeps the cursor (Okta
// still sends a next link, which reads the same place) and reports caught up.
func (p *Puller) Pull(ctx context.Context, cursor string) (connectors.Page, error) {
	u := cursor
	if u == "" {
		u = p.api.url(logsPath, url.Values{
			"since": {p.start.Format("2006-01-02T15:04:05.000Z")}, "sortOrder": {"ASCENDING"}, "limit": {p.api.limit(maxLogLimit)},
		})
	} else if err := p.checkCursor(cursor); err != nil {
		return connectors.Page{}, err
	}
	resp, err := p.api.client.Get(ctx, u)
	if err != nil {
		return connectors.Page{}, err
	}
	page, err := p.page(resp.Body)
	if err != nil {
		return connectors.Page{}, fmt.Errorf("GET %s: %w", logsPath, err)
	}
	next := nextLink(resp.Header)
	if next != "" {
		if err := p.api.sameOrigin(next); err != nil {
			return connectors.Page{}, fmt.Errorf("GET %s: %w", logsPath, err)
		}
	}
	page.Cursor = u
	if page.items > 0 && next != "" {
		page.Cursor, page.More = next, true
	}
	// A page of records without a next link (Okta sends one when polling with since) is
	// read again next time: a duplicate the auditor drops beats a cursor made up here.
	return page.Page, nil
}

// checkCursor refuses a saved cursor that is not this org's System Log: the token would
// go wherever it points.
func (p *Puller) checkCursor(c string) error {
	if err := p.api.sameOrigin(c); err != nil {
		return fmt.Errorf("the saved cursor is not a System Log link of %s: %w", p.api.base.Host, connectors.ErrPermanent)
	}
	if u, _ := url.Parse(c); u.Path != logsPath {
		return fmt.Errorf("the saved cursor is not a System Log link of %s: %w", p.api.base.Host, connectors.ErrPermanent)
	}
	return nil
}

type logPage struct {
	connectors.Page
	items int
}

// page parses one System Log answer (a JSON array of LogEvents) with ingest's Okta
// parser. A record the parser refuses goes into the page's Failed with its bytes as Okta
// sent them and the reason (RunPull dead-letters it), and the others go on: a page is
// never held up by one record, and none is dropped.
func (p *Puller) page(body []byte) (logPage, error) {
	raws, err := decodeArray[json.RawMessage](body)
	if err != nil {
		return logPage{}, err
	}
	lp := logPage{items: len(raws)}
	if len(raws) == 0 {
		return lp, nil
	}
	b, err := p.parser.ParseBatch(body, p.Now())
	if err != nil {
		return logPage{}, fmt.Errorf("the System Log page does not parse: %w", err)
	}
	for _, f := range b.Failed {
		p.Log.Warn("okta: a System Log record ingest cannot read is dead-lettered", "index", f.Index, "err", f.Err)
		lp.Failed = append(lp.Failed, connectors.Failed{Raw: f.Raw, Err: fmt.Errorf("okta System Log record %d of the page: %w", f.Index, f.Err)})
	}
	lp.Events = b.Events
	for _, e := range b.Events {
		if e.OccurredAt.After(lp.Newest) {
			lp.Newest = e.OccurredAt
		}
	}
	return lp, nil
}
