package app

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tollgate-io/tollgate/actions"
	"github.com/tollgate-io/tollgate/actions/service"
	"github.com/tollgate-io/tollgate/schemas"
)

// AddActions adds the outbound-actions stage to g: the sinks and routes of the `actions:`
// section and the consume → send → dead-letter → commit loop on tollgate.findings. Without
// routes it adds nothing.
func AddActions(ctx context.Context, g *Group, d *Deps) error {
	c := d.Config.Actions
	if len(c.Routes) == 0 {
		return nil
	}
	router, err := ActionsRouter(c, nil)
	if err != nil {
		return err
	}
	svc := service.New(service.Config{
		Kafka: d.Config.Kafka, Group: c.Group, Topics: d.Topics, MaxAttempts: c.MaxAttempts,
		RetryMin: c.RetryMin.D(), RetryMax: c.RetryMax.D(), MaxRetryAfter: c.MaxRetryAfter.D(), Pause: c.Pause.D(),
		DrainTimeout: d.Config.ShutdownTimeout.D() / 2,
	}, router, d.Codec, d.Producer, d.Admin.Registry, d.Log)
	d.Admin.AddCheck("actions", svc.Ready)
	g.AddContext(ctx, svc.Run)
	d.Log.Info("outbound actions configured", "routes", len(c.Routes), "sinks", strings.Join(slices.Sorted(maps.Keys(c.Sinks)), ","))
	return nil
}

// ActionsRouter builds the sinks and routes of c (validated). client, when not nil, sends
// every sink's requests (tests); else each sink gets actions.NewHTTPClient(c.Timeout).
func ActionsRouter(c ActionsConfig, client *http.Client) (*actions.Router, error) {
	if client == nil {
		client = actions.NewHTTPClient(c.Timeout.D())
	}
	sinks := map[string]actions.Sink{}
	for name, s := range c.Sinks {
		sink, err := newSink(name, s, client)
		if err != nil {
			return nil, fmt.Errorf("actions.sinks.%s: %w", name, err)
		}
		sinks[name] = sink
	}
	var routes []actions.Route
	for _, r := range c.Routes {
		rt := actions.Route{Name: r.Name, Kinds: r.Kinds, MinSeverity: schemas.Severity(strings.ToUpper(r.MinSeverity))}
		for _, e := range r.Events {
			ev, _ := routeEvent(e)
			rt.Events = append(rt.Events, ev)
		}
		for _, s := range r.Sinks {
			rt.Sinks = append(rt.Sinks, sinks[s])
		}
		routes = append(routes, rt)
	}
	return actions.NewRouter(routes), nil
}

func newSink(name string, s ActionSink, client *http.Client) (actions.Sink, error) {
	switch s.Type {
	case SinkWebhook:
		return actions.NewWebhook(actions.WebhookConfig{Name: name, URL: s.URL.Reveal(), Secret: []byte(s.Secret.Reveal()), Client: client})
	case SinkSlack:
		return actions.NewSlack(actions.SlackConfig{Name: name, URL: s.URL.Reveal(), Client: client})
	case SinkServiceNow:
		return actions.NewServiceNow(actions.ServiceNowConfig{Name: name, URL: s.URL.Reveal(), Table: s.Table,
			Username: s.Username, Password: s.Password.Reveal(), Token: s.Token.Reveal(),
			ResolvedState: s.ResolvedState, ReopenState: s.ReopenState, CloseCode: s.CloseCode, ClosedStates: s.ClosedStates,
			CommentField: s.CommentField, Fields: s.Fields, Client: client})
	case SinkJSM:
		return actions.NewJSM(actions.JSMConfig{Name: name, URL: s.URL.Reveal(), Email: s.Email, APIToken: s.APIToken.Reveal(),
			ServiceDeskID: s.ServiceDeskID, RequestTypeID: s.RequestTypeID, LabelPrefix: s.LabelPrefix,
			ResolveTransition: s.ResolveTransition, ReopenTransition: s.ReopenTransition, Fields: s.Fields, Client: client})
	}
	return nil, fmt.Errorf("unknown type %q", s.Type)
}
