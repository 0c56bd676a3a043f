package gen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// Sink receives a run's payloads in order. Close flushes what is buffered.
type Sink interface {
	Write(ctx context.Context, p Payload) error
	Close(ctx context.Context) error
}

// FileSink writes one JSONL file per source (<dir>/<source>.jsonl, one bare
// vendor event a line) for `tollgate send`.
type FileSink struct {
	dir   string
	files map[string]*os.File
	bufs  map[string]*bufio.Writer
}

// NewFileSink creates dir if needed.
func NewFileSink(dir string) (*FileSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("gen: file sink: %w", err)
	}
	return &FileSink{dir: dir, files: map[string]*os.File{}, bufs: map[string]*bufio.Writer{}}, nil
}

// Write appends the payload's event to its source's file.
func (s *FileSink) Write(_ context.Context, p Payload) error {
	w, ok := s.bufs[p.Source]
	if !ok {
		f, err := os.Create(filepath.Join(s.dir, p.Source+".jsonl"))
		if err != nil {
			return fmt.Errorf("gen: file sink: %w", err)
		}
		s.files[p.Source], w = f, bufio.NewWriterSize(f, 1<<16)
		s.bufs[p.Source] = w
	}
	w.Write(p.Event)
	if err := w.WriteByte('\n'); err != nil {
		return fmt.Errorf("gen: file sink %s: %w", p.Source, err)
	}
	return nil
}

// Close flushes and closes every file.
func (s *FileSink) Close(context.Context) error {
	var first error
	for src, w := range s.bufs {
		if err := w.Flush(); err != nil && first == nil {
			first = fmt.Errorf("gen: file sink %s: %w", src, err)
		}
		if err := s.files[src].Close(); err != nil && first == nil {
			first = fmt.Errorf("gen: file sink %s: %w", src, err)
		}
	}
	return first
}

// HTTPSink posts native payloads to a running ingest (POST
// <base>/v1/ingest/<source>), one delivery per payload in the source's
// webhook shape. Header, if set, is added to every request (the source's
// shared secret).
type HTTPSink struct {
	BaseURL string
	Client  *http.Client
	Header  http.Header
}

// Write posts one payload and fails on any non-2xx answer.
func (s *HTTPSink) Write(ctx context.Context, p Payload) error {
	body, err := p.Body()
	if err != nil {
		return fmt.Errorf("gen: http sink: %w", err)
	}
	url := strings.TrimRight(s.BaseURL, "/") + "/v1/ingest/" + p.Source
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("gen: http sink: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range s.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("gen: post %s: %w", p.EventID, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("gen: post %s to %s: %s: %s", p.EventID, url, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// Close does nothing: every Write is already delivered.
func (s *HTTPSink) Close(context.Context) error { return nil }

// EventSink normalizes payloads with the ingest parsers and hands canonical
// events to an ingest.Producer (ingest.NewKafkaProducer writes them to
// tollgate.events through the codec) in batches of BatchSize.
type EventSink struct {
	Producer  ingest.Producer
	BatchSize int
	buf       []schemas.IdentityEvent
}

// Write normalizes p and produces when a batch is full.
func (s *EventSink) Write(ctx context.Context, p Payload) error {
	evs, err := Normalize(p)
	if err != nil {
		return err
	}
	s.buf = append(s.buf, evs...)
	if len(s.buf) >= max(1, s.BatchSize) {
		return s.flush(ctx)
	}
	return nil
}

func (s *EventSink) flush(ctx context.Context) error {
	if len(s.buf) == 0 {
		return nil
	}
	if err := s.Producer.Produce(ctx, s.buf); err != nil {
		return fmt.Errorf("gen: produce %d events: %w", len(s.buf), err)
	}
	s.buf = s.buf[:0]
	return nil
}

// Close produces what is buffered.
func (s *EventSink) Close(ctx context.Context) error { return s.flush(ctx) }

// Run generates the run opts describes into sink, at most opts.Rate payloads
// per second, reporting to opts.Progress, and returns the manifest.
func Run(ctx context.Context, opts Options, sink Sink) (*Manifest, error) {
	g, err := New(opts)
	if err != nil {
		return nil, err
	}
	o := g.opts
	start := time.Now()
	var bucket *tokenBucket
	if o.Rate > 0 {
		bucket = newTokenBucket(o.Rate, start)
	}
	sent := 0
	report := func() {
		if o.Progress != nil {
			o.Progress(Progress{Sent: sent, Target: o.Events, Elapsed: time.Since(start)})
		}
	}
	for {
		p, ok := g.Next()
		if !ok {
			break
		}
		if bucket != nil {
			if err := bucket.wait(ctx); err != nil {
				return nil, fmt.Errorf("gen: run: %w", err)
			}
		}
		if err := sink.Write(ctx, p); err != nil {
			return nil, err
		}
		sent++
		if sent%o.ProgressEvery == 0 {
			report()
		}
	}
	if err := sink.Close(ctx); err != nil {
		return nil, err
	}
	report()
	return g.Manifest(), nil
}
