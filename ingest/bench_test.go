package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// oktaBenchBody is an event-hook delivery of n group-membership events, each with a
// distinct uuid and target, shaped like the events Okta sends.
func oktaBenchBody(n int) []byte {
	events := make([]json.RawMessage, 0, n)
	for i := range n {
		events = append(events, json.RawMessage(fmt.Sprintf(`{"uuid":"6f1c0a52-%04d","published":"2025-05-14T09:12:44.318Z","eventType":"group.user_membership.add","displayMessage":"Add user to group membership","actor":{"id":"00uAdm1n","type":"User","alternateId":"ops.admin@example.org","displayName":"Ops Admin"},"client":{"ipAddress":"198.51.100.23","userAgent":{"rawUserAgent":"Mozilla/5.0","os":"Mac OS X","browser":"CHROME"}},"outcome":{"result":"SUCCESS"},"target":[{"id":"00uTgt%04d","type":"User","alternateId":"user%d@example.org","displayName":"User"},{"id":"00gFin","type":"UserGroup","alternateId":"unknown","displayName":"finance-approvers"}],"transaction":{"type":"WEB","id":"ZkPq7xAbC","detail":{}},"debugContext":{"debugData":{"requestId":"ZkPq7xAbC","requestUri":"/api/v1/groups/00gFin/users/00uTgt"}}}`, i, i, i)))
	}
	body, err := json.Marshal(map[string]any{"data": map[string]any{"events": events}})
	if err != nil {
		panic(err)
	}
	return body
}

// BenchmarkParseOkta parses event-hook deliveries of 1 and 100 events.
func BenchmarkParseOkta(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			body := oktaBenchBody(n)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				evs, err := ParseOkta(body, testNow)
				if err != nil || len(evs) != n {
					b.Fatal(len(evs), err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkParseSource parses one delivery of one event per source: the first labelled
// fixture of the source, wrapped the way the source posts it (sources without a labelled
// fixture use their testdata file).
func BenchmarkParseSource(b *testing.B) {
	first := map[string][]byte{}
	for _, f := range loadFixtures(b) {
		if _, ok := first[f.Source]; !ok {
			body, err := WrapFixture(f.Source, f.Event)
			if err != nil {
				b.Fatal(err)
			}
			first[f.Source] = body
		}
	}
	for src, file := range map[string]string{SourceJiraSM: "jira_updated.json", SourceServiceNow: "servicenow_change.json", SourceGeneric: "generic_cloudevent.json"} {
		if _, ok := first[src]; ok {
			continue
		}
		body, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			b.Fatal(err)
		}
		first[src] = body
	}
	parsers := Parsers(ParserOptions{})
	sources := append(SourceNames(), SourceGeneric)
	for _, src := range sources {
		body, ok := first[src]
		if !ok {
			b.Fatalf("no fixture for %s", src)
		}
		b.Run(src, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parsers[src].Parse(body, testNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// ackProducer acknowledges every batch at once: the handler benchmark measures ingest's
// own cost, not Kafka's.
type ackProducer struct{}

func (ackProducer) Produce(context.Context, []schemas.IdentityEvent) error { return nil }

// BenchmarkHandlerOkta posts Okta deliveries of 1 and 100 events through the HTTP handler
// (routing, auth, body limit, parse, produce, answer) from as many goroutines as
// GOMAXPROCS, and reports requests/s, events/s and the p50/p99 request latency.
func BenchmarkHandlerOkta(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			cfg := Config{Sources: map[string]SourceAuth{SourceOkta: {Mode: AuthSecret, Secret: "s3cret"}}}
			if err := cfg.Validate(); err != nil {
				b.Fatal(err)
			}
			h := NewHandler(cfg, ackProducer{}, nil, nil)
			body := oktaBenchBody(n)
			var mu sync.Mutex
			var lat []time.Duration
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				mine := make([]time.Duration, 0, 1024)
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "/v1/ingest/okta", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "s3cret")
					rec := httptest.NewRecorder()
					start := time.Now()
					h.ServeHTTP(rec, req)
					mine = append(mine, time.Since(start))
					if rec.Code != http.StatusOK {
						b.Errorf("status %d: %s", rec.Code, rec.Body)
						return
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/secs, "req/s")
			b.ReportMetric(float64(b.N*n)/secs, "events/s")
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			}
		})
	}
}
