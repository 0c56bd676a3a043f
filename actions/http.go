package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxResponseBytes bounds what a sink reads of any answer.
const MaxResponseBytes = 1 << 20

// DefaultTimeout bounds one request of a sink.
const DefaultTimeout = 10 * time.Second

// CheckURL parses a sink's URL and refuses what would leak the finding or the credentials:
// any scheme but https, unless the host is loopback (a local relay, the tests), and
// credentials in the URL (use the sink's own secret keys). Its errors never repeat the URL's
// path or query, which for a Slack webhook is the secret.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if u.Host == "" {
		return nil, errors.New("no host (want https://host/…)")
	}
	if u.User != nil {
		return nil, errors.New("credentials in the URL are refused; put credentials in the sink's own keys")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopbackHost(u.Hostname()):
	default:
		return nil, fmt.Errorf("scheme %q of host %s refused: only https, or http to a loopback host", u.Scheme, u.Host)
	}
	return u, nil
}

func loopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// NewHTTPClient is the client of every sink: timeout per request, and redirects followed
// only within the same scheme and host (at most 3), so a finding and its credentials never
// travel to a host the configuration did not name.
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Client{Timeout: timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("more than 3 redirects")
		}
		if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
			return fmt.Errorf("redirect to %s://%s refused: another host", req.URL.Scheme, req.URL.Host)
		}
		return nil
	}}
}

// endpoint is one vendor API a sink calls: base URL, client, auth and the vendor's error
// text parser.
type endpoint struct {
	sink   string
	base   *url.URL
	client *http.Client
	// auth sets the request's credentials.
	auth func(*http.Request)
	// detail extracts the vendor's error text from an error answer's body.
	detail func([]byte) string
	now    func() time.Time
}

// response is a 2xx answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends method path?query with body as JSON (when not nil) and returns the 2xx answer;
// any other answer, or none, is a *SinkError. Op names the request without its query, which
// may hold the finding id but never a secret.
func (e *endpoint) do(ctx context.Context, method, path string, query url.Values, body any, header http.Header) (*response, error) {
	u := *e.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query.Encode()
	op := method + " " + path
	if path == "" {
		op = method + " <sink url>" // a Slack webhook's path is its secret
	}
	var rd io.Reader
	if raw, ok := body.([]byte); ok {
		rd = bytes.NewReader(raw)
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &SinkError{Sink: e.sink, Op: op, Err: fmt.Errorf("encoding the request: %v: %w", err, ErrRefused)}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, &SinkError{Sink: e.sink, Op: op, Err: fmt.Errorf("%v: %w", err, ErrRefused)}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tollgate-actions")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if e.auth != nil {
		e.auth(req)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL may carry a secret (Slack); op names the request
		}
		if strings.Contains(err.Error(), "refused: another host") || strings.Contains(err.Error(), "more than 3 redirects") {
			err = fmt.Errorf("%v: %w", err, ErrRefused)
		}
		return nil, &SinkError{Sink: e.sink, Op: op, Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes))
	if err != nil && resp.StatusCode/100 == 2 {
		return nil, &SinkError{Sink: e.sink, Op: op, Err: fmt.Errorf("reading the answer: %w", err)}
	}
	if resp.StatusCode/100 != 2 {
		se := &SinkError{Sink: e.sink, Op: op, Status: resp.StatusCode, Detail: truncate(oneLine(e.detail(b)), 512)}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter = RetryAfter(resp.Header, e.now())
		}
		if resp.StatusCode/100 == 3 {
			se.Detail = "redirect not followed"
		}
		return nil, se
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// decode parses a 2xx answer into v; an answer that is not the vendor's documented shape is
// refused (another attempt would get the same).
func (e *endpoint) decode(op string, r *response, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return &SinkError{Sink: e.sink, Op: op, Status: 0, Detail: "answer is not the documented JSON: " + truncate(err.Error(), 200), Err: ErrRefused}
	}
	return nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// plainDetail is the error text of vendors that answer plain text (Slack, webhooks).
func plainDetail(b []byte) string { return string(b) }
