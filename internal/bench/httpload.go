package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// server serves h on a loopback port until close is called.
type server struct {
	srv *http.Server
	URL string
}

func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen: %w", err)
	}
	s := &server{srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, URL: "http://" + ln.Addr().String()}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *server) close() { s.srv.Close() }

// newClient is an HTTP client keeping one idle connection per concurrent
// sender.
func newClient(conc int) *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc}}
}

// request is one POST of a load.
type request struct {
	url  string
	body []byte
	// onOK, when set, is called after a 2xx answer.
	onOK func(sent time.Time)
}

// load posts reqs from conc goroutines; see loadFrom.
func load(ctx context.Context, c *http.Client, reqs []request, conc int, rate float64) ([]time.Duration, error) {
	i := 0
	return loadFrom(ctx, c, func() (request, bool, error) {
		if i == len(reqs) {
			return request{}, false, nil
		}
		i++
		return reqs[i-1], true, nil
	}, conc, rate)
}

// loadFrom posts the requests next yields (called from one goroutine) from
// conc goroutines and returns each request's latency
// to its 2xx answer. With rate > 0 requests are released at rate per second
// and latency is measured from the scheduled release, so a slow answer that
// delays later requests counts against them too; otherwise requests go as
// fast as the senders can and latency is measured from the send.
func loadFrom(ctx context.Context, c *http.Client, next func() (request, bool, error), conc int, rate float64) ([]time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type job struct {
		req request
		at  time.Time
	}
	jobs := make(chan job, conc)
	go func() {
		defer close(jobs)
		start := time.Now()
		for i := 0; ; i++ {
			req, ok, err := next()
			if err != nil {
				cancel(err)
				return
			}
			if !ok {
				return
			}
			at := time.Now()
			if rate > 0 {
				at = start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
				if d := time.Until(at); d > 0 {
					select {
					case <-time.After(d):
					case <-ctx.Done():
						return
					}
				}
			}
			select {
			case jobs <- job{req, at}:
			case <-ctx.Done():
				return
			}
		}
	}()
	var lat latencies
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			mine := make([]time.Duration, 0, 1024)
			defer func() { lat.add(mine...) }()
			for j := range jobs {
				at := j.at
				if rate <= 0 {
					at = time.Now()
				}
				if err := post(ctx, c, j.req); err != nil {
					cancel(err)
					return
				}
				mine = append(mine, time.Since(at))
				if f := j.req.onOK; f != nil {
					f(at)
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return nil, err
	}
	return lat.take(), nil
}

func post(ctx context.Context, c *http.Client, r request) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(r.body))
	if err != nil {
		return fmt.Errorf("bench: request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("bench: post %s: %w", r.url, err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("bench: post %s: %s: %s", r.url, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
