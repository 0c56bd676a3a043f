package actions

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// SlackConfig configures a Slack incoming-webhook sink.
type SlackConfig struct {
	Name string
	// URL is the incoming webhook (https://hooks.slack.com/services/…): it is the secret.
	URL    string
	Client *http.Client
	Now    func() time.Time
}

// Slack posts each action to a Slack incoming webhook as a message with a plain-text
// fallback and Block Kit blocks. Slack answers 200 "ok"; 429 with Retry-After (retried);
// 400 invalid_payload, 403 action_prohibited, 404 no_service or channel_not_found, 410
// channel_is_archived (dead-lettered); 5xx (retried).
type Slack struct{ e endpoint }

// NewSlack returns a Slack sink.
func NewSlack(c SlackConfig) (*Slack, error) {
	u, err := CheckURL(c.URL)
	if err != nil {
		return nil, err
	}
	return &Slack{e: newEndpoint(c.Name, u, c.Client, c.Now, plainDetail)}, nil
}

// Name implements Sink.
func (s *Slack) Name() string { return s.e.sink }

// slackMessage is an incoming-webhook payload.
type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string       `json:"type"`
	Text     *slackText   `json:"text,omitempty"`
	Elements []*slackText `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Send implements Sink.
func (s *Slack) Send(ctx context.Context, a Action) error {
	_, err := s.e.do(ctx, http.MethodPost, "", nil, slackMessageOf(a), nil)
	return err
}

func slackMessageOf(a Action) slackMessage {
	f := &a.Finding
	verb := map[Event]string{EventOpened: "opened", EventUpdated: "updated", EventResolved: "resolved"}[a.Event]
	icon := map[schemas.Severity]string{schemas.SeverityCritical: ":red_circle:", schemas.SeverityHigh: ":large_orange_circle:",
		schemas.SeverityMedium: ":large_yellow_circle:", schemas.SeverityLow: ":white_circle:"}[f.Severity]
	if a.Event == EventResolved {
		icon = ":white_check_mark:"
	}
	text := slackEscape(fmt.Sprintf("%s finding %s: %s", title(a), verb, f.Summary))
	var ctxLine []string
	ctxLine = append(ctxLine, "finding `"+slackEscape(f.FindingID)+"`")
	if f.Entitlement != nil {
		ctxLine = append(ctxLine, "entitlement "+slackEscape(*f.Entitlement))
	}
	if len(f.Controls) > 0 {
		ctxLine = append(ctxLine, slackEscape(strings.Join(f.Controls, ", ")))
	}
	return slackMessage{
		Text: truncate(text, 3000),
		Blocks: []slackBlock{
			{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(fmt.Sprintf("%s *%s* finding %s — %s\n%s",
				icon, slackEscape(f.Kind), verb, slackEscape(f.Principal), slackEscape(f.Summary)), 3000)}},
			{Type: "context", Elements: []*slackText{{Type: "mrkdwn", Text: truncate(strings.Join(ctxLine, " · "), 3000)}}},
		},
	}
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
