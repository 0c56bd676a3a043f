package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Webhook header names.
const (
	// IdempotencyHeader carries the action's ID (the record's ce_id): a receiver that sees an
	// id twice has seen the same state change twice.
	IdempotencyHeader = "Idempotency-Key"
	// EventHeader carries the action's Event.
	EventHeader = "Tollgate-Event"
)

// WebhookPayload is the JSON body a webhook sink POSTs.
type WebhookPayload struct {
	// Type is the Event ("finding.opened", "finding.updated", "finding.resolved").
	Type Event `json:"type"`
	// ID is the idempotency key, the findings record's ce_id.
	ID string `json:"id"`
	// Time is when the finding entered its status (detected_at, or resolved_at).
	Time time.Time `json:"time"`
	// Finding is the finding as on tollgate.findings, in JSON.
	Finding schemas.Finding `json:"finding"`
}

// WebhookConfig configures a webhook sink.
type WebhookConfig struct {
	Name string
	// URL receives the POST (see CheckURL).
	URL string
	// Secret keys the HMAC of SignatureHeader.
	Secret []byte
	// Client sends the requests (NewHTTPClient when nil); Now is the signing clock.
	Client *http.Client
	Now    func() time.Time
}

// Webhook POSTs each action as a signed WebhookPayload. Any 2xx is success; a receiver
// that cannot take it answers 5xx or 429 (retried) or another 4xx (dead-lettered).
type Webhook struct {
	e      endpoint
	secret []byte
}

// NewWebhook returns a webhook sink.
func NewWebhook(c WebhookConfig) (*Webhook, error) {
	u, err := CheckURL(c.URL)
	if err != nil {
		return nil, err
	}
	if len(c.Secret) == 0 {
		return nil, fmt.Errorf("a secret is required: receivers verify the signature")
	}
	w := &Webhook{e: newEndpoint(c.Name, u, c.Client, c.Now, plainDetail), secret: c.Secret}
	return w, nil
}

func newEndpoint(name string, u *url.URL, client *http.Client, now func() time.Time, detail func([]byte) string) endpoint {
	if client == nil {
		client = NewHTTPClient(0)
	}
	if now == nil {
		now = time.Now
	}
	return endpoint{sink: name, base: u, client: client, detail: detail, now: now}
}

// Name implements Sink.
func (w *Webhook) Name() string { return w.e.sink }

// Send implements Sink.
func (w *Webhook) Send(ctx context.Context, a Action) error {
	body, err := json.Marshal(WebhookPayload{Type: a.Event, ID: a.ID, Time: stateTime(&a.Finding), Finding: a.Finding})
	if err != nil {
		return fmt.Errorf("sink %s: encoding: %v: %w", w.e.sink, err, ErrRefused)
	}
	h := http.Header{}
	h.Set(SignatureHeader, Sign(w.secret, w.e.now(), body))
	h.Set(IdempotencyHeader, a.ID)
	h.Set(EventHeader, string(a.Event))
	_, err = w.e.do(ctx, http.MethodPost, "", nil, body, h)
	return err
}
