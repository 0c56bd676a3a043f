package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/gen"
	"github.com/tollgate-io/tollgate/schemas"
)

// genNow pins the event time of every bench run (gen otherwise dates runs to
// the wall clock), so a seed gives the same traffic, and the same figures, on
// every day; it is the end of the 2025 span the published figures were run on.
var genNow = time.Date(2025, 5, 6, 0, 0, 0, 0, time.UTC)

// genOptions are the gen options of a run of n payloads, planted for the
// detection configuration the bench auditors run with.
func (o *Options) genOptions(n int, sources ...string) gen.Options {
	det := gen.DetectionConfig()
	return gen.Options{Seed: o.Seed, Humans: o.Identities, NHIs: o.NHIs, Events: n, ViolationRate: o.ViolationRate, Sources: sources,
		Now: genNow, Detections: &det}
}

// canonicalEvents returns the first n canonical events of a gen run,
// normalized with the ingest parsers.
func (o *Options) canonicalEvents(n int) ([]schemas.IdentityEvent, error) {
	g, err := gen.New(o.genOptions(n))
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	out := make([]schemas.IdentityEvent, 0, n)
	for len(out) < n {
		p, ok := g.Next()
		if !ok {
			break
		}
		evs, err := gen.Normalize(p)
		if err != nil {
			return nil, fmt.Errorf("bench: normalize %s: %w", p.EventID, err)
		}
		out = append(out, evs...)
	}
	if len(out) < n {
		return nil, fmt.Errorf("bench: gen gave %d of %d events", len(out), n)
	}
	return out[:n], nil
}

// oktaBodies returns Okta event-hook deliveries of batch events each, n
// events in all, from a gen run restricted to Okta.
func (o *Options) oktaBodies(n, batch int) ([][]byte, error) {
	g, err := gen.New(o.genOptions(n, ingest.SourceOkta))
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var events []json.RawMessage
	for len(events) < n {
		p, ok := g.Next()
		if !ok {
			break
		}
		events = append(events, p.Event)
	}
	if len(events) < n {
		return nil, fmt.Errorf("bench: gen gave %d of %d okta events", len(events), n)
	}
	var bodies [][]byte
	for lo := 0; lo+batch <= n; lo += batch {
		body, err := json.Marshal(map[string]any{"data": map[string]any{"events": events[lo : lo+batch]}})
		if err != nil {
			return nil, fmt.Errorf("bench: okta body: %w", err)
		}
		bodies = append(bodies, body)
	}
	return bodies, nil
}

// push produces events to the Env's tollgate.events the way ingest does.
func (e *Env) push(ctx context.Context, evs []schemas.IdentityEvent) error {
	p := ingest.NewKafkaProducer(e.Codec, e.Producer, e.Topics.Events)
	for lo := 0; lo < len(evs); lo += 1000 {
		if err := p.Produce(ctx, evs[lo:min(lo+1000, len(evs))]); err != nil {
			return fmt.Errorf("bench: push events: %w", err)
		}
	}
	return nil
}
