package connectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client calls one vendor's REST API the way every connector must: credentials set by
// Authorize on each request (never logged), one Refresh and retry after a 401 (an expired
// token), 429 answered by waiting for Retry-After (seconds or a date) or the vendor's
// reset header, 5xx and network errors retried with backoff, a vendor's "no calls left
// until …" headers honoured before the next call, bodies read up to MaxBody, and no
// redirect followed to another host. Errors name the method, the path and the status,
// never the query or the credentials.
type Client struct {
	HTTP *http.Client
	// Authorize sets the request's credentials.
	Authorize func(ctx context.Context, r *http.Request) error
	// Refresh, if set, renews the credentials after a 401; the request is tried once more.
	Refresh func(ctx context.Context) error
	// MaxAttempts bounds tries per request (default 6); MaxBody a response's size (32 MiB).
	MaxAttempts int
	MaxBody     int64
	// MinBackoff and MaxBackoff bound the wait between tries (default 1s and 2m); a
	// Retry-After longer than MaxWait (default 10m) fails the request instead.
	MinBackoff, MaxBackoff, MaxWait time.Duration
	// RemainingHeader and ResetHeader name the vendor's rate-limit headers (Okta:
	// X-Rate-Limit-Remaining, X-Rate-Limit-Reset in Unix seconds): at zero remaining the
	// next call waits for the reset.
	RemainingHeader, ResetHeader string
	// Sleep waits (tests replace it); Now is the clock.
	Sleep func(ctx context.Context, d time.Duration) bool
	Now   func() time.Time

	resetAt time.Time
}

// Response is a vendor's answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// StatusError is a vendor's final non-2xx answer.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string // the start of the body, for the vendor's error code
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Body)
}

func (c *Client) defaults() {
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if c.HTTP.CheckRedirect == nil {
		hc := *c.HTTP
		hc.CheckRedirect = sameHost
		c.HTTP = &hc
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 6
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 32 << 20
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Second
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(2*time.Minute, c.MinBackoff)
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 10 * time.Minute
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

func sameHost(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return fmt.Errorf("refusing a redirect from %s to another host (%s)", via[0].URL.Host, req.URL.Host)
	}
	return nil
}

// Get is Do with GET and no body.
func (c *Client) Get(ctx context.Context, u string) (*Response, error) {
	return c.Do(ctx, http.MethodGet, u, nil, nil)
}

// Do sends one request with the retries above and returns the 2xx answer.
func (c *Client) Do(ctx context.Context, method, u string, body []byte, header http.Header) (*Response, error) {
	c.defaults()
	parsed, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("%s: not a URL: %w", method, err)
	}
	path := parsed.Path
	refreshed := false
	backoff := c.MinBackoff
	var last error
	for attempt := 0; attempt < c.MaxAttempts; attempt++ {
		if wait := c.resetAt.Sub(c.Now()); wait > 0 {
			if !c.Sleep(ctx, min(wait, c.MaxWait)) {
				return nil, ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		for k, vs := range header {
			req.Header[k] = vs
		}
		if req.Header.Get("Accept") == "" {
			req.Header.Set("Accept", "application/json")
		}
		if c.Authorize != nil {
			if err := c.Authorize(ctx, req); err != nil {
				return nil, fmt.Errorf("%s %s: credentials: %w", method, path, err)
			}
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = fmt.Errorf("%s %s: %w", method, path, errors.Unwrap(err))
			if !c.Sleep(ctx, backoff) {
				return nil, ctx.Err()
			}
			backoff = min(backoff*2, c.MaxBackoff)
			continue
		}
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, c.MaxBody+1))
		resp.Body.Close()
		c.noteRateLimit(resp.Header)
		if rerr == nil && int64(len(b)) > c.MaxBody {
			return nil, fmt.Errorf("%s %s: the answer is larger than %d bytes", method, path, c.MaxBody)
		}
		st := &StatusError{Method: method, Path: path, Status: resp.StatusCode, Body: string(b[:min(len(b), 300)])}
		switch {
		case rerr != nil:
			last = fmt.Errorf("%s %s: reading the answer: %w", method, path, rerr)
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
		case resp.StatusCode == http.StatusUnauthorized && c.Refresh != nil && !refreshed:
			refreshed = true
			if err := c.Refresh(ctx); err != nil {
				return nil, fmt.Errorf("%s %s: renewing the credentials after a 401: %w: %w", method, path, err, ErrPermanent)
			}
			attempt-- // the retry after a refresh is not a failure
			continue
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, fmt.Errorf("%w: %w", st, ErrPermanent)
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			last = st
			wait := c.retryAfter(resp.Header, backoff)
			if wait > c.MaxWait {
				return nil, fmt.Errorf("%w (the vendor asks to wait %s)", st, wait)
			}
			if !c.Sleep(ctx, wait) {
				return nil, ctx.Err()
			}
			backoff = min(backoff*2, c.MaxBackoff)
			continue
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
			last = st
		default:
			return nil, st
		}
		if !c.Sleep(ctx, backoff) {
			return nil, ctx.Err()
		}
		backoff = min(backoff*2, c.MaxBackoff)
	}
	return nil, fmt.Errorf("gave up after %d attempts: %w", c.MaxAttempts, last)
}

// retryAfter is how long a 429 asks to wait: Retry-After (seconds or an HTTP date), else
// the vendor's reset header, else the backoff.
func (c *Client) retryAfter(h http.Header, backoff time.Duration) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(0, t.Sub(c.Now()))
		}
	}
	if c.ResetHeader != "" {
		if s, err := strconv.ParseInt(h.Get(c.ResetHeader), 10, 64); err == nil {
			return max(0, time.Unix(s, 0).Sub(c.Now())+time.Second)
		}
	}
	return backoff
}

func (c *Client) noteRateLimit(h http.Header) {
	if c.RemainingHeader == "" || c.ResetHeader == "" || h.Get(c.RemainingHeader) != "0" {
		return
	}
	if s, err := strconv.ParseInt(h.Get(c.ResetHeader), 10, 64); err == nil {
		c.resetAt = time.Unix(s, 0).Add(time.Second)
	}
}
