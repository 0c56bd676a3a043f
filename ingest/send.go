package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SendBatchSize is how many JSONL lines of bare events Send posts in one request.
const SendBatchSize = 100

// sendAttempts bounds the retries of one request answered 503.
const sendAttempts = 3

// Summary counts what Send delivered.
type Summary struct {
	Files    int // files read
	Requests int // requests answered 2xx
	Payloads int // payloads (JSON documents) posted in requests answered 2xx
	Events   int // events the server reported accepted
	Rejected int // items the server rejected (and dead-lettered) in requests answered 2xx
	// Rejections name the rejected items: where (file and line) and the server's reason.
	Rejections []SendRejection
}

// SendRejection is one item the ingest rejected in a request it otherwise accepted.
type SendRejection struct {
	Where string // file and line(s) of the request
	Index int    // the item's index in the request's batch
	Error string
}

// envelopeKeys mark a JSONL line that is a whole delivery (hook body, Event Hubs message,
// S3 object, API page, CloudEvent) rather than one bare event; such lines are posted alone.
var envelopeKeys = []string{"data", "records", "Records", "value", "items", "result", "specversion", "detail"}

// Send posts payload files to a running ingest at baseURL (e.g. http://127.0.0.1:8080):
// source "generic" goes to /v1/events, others to /v1/ingest/{source}. A .json file is one
// payload; in a .jsonl/.ndjson file every line is one payload, and consecutive bare events
// are batched SendBatchSize to a request as a JSON array. Items the ingest rejected within
// an accepted request (it dead-letters them) are counted and named in the Summary. A request answered 503 is retried
// after its Retry-After (at most 3 attempts); any other non-2xx answer stops Send with an
// error naming the file, line and the server's message. Credentials, if the ingest needs
// them, travel in client (e.g. a RoundTripper adding the header).
func Send(ctx context.Context, baseURL, source string, files []string, client *http.Client) (Summary, error) {
	var sum Summary
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	url := strings.TrimRight(baseURL, "/") + "/v1/ingest/" + source
	if source == SourceGeneric {
		url = strings.TrimRight(baseURL, "/") + "/v1/events"
	}
	post := func(where string, body []byte, payloads int) error {
		ans, err := postOnce(ctx, client, url, body)
		if err != nil {
			return fmt.Errorf("send %s: %w", where, err)
		}
		if ans == nil {
			// An ingest older than the counted answer (Okta's was an empty body): count
			// what the source's parser finds in what was sent.
			ans = &answerBody{}
			if p, ok := Parsers(ParserOptions{})[source]; ok {
				if b, err := p.ParseBatch(body, time.Now()); err == nil {
					ans.Accepted = len(b.Events)
				}
			}
		}
		sum.Requests++
		sum.Payloads += payloads
		sum.Events += ans.Accepted
		sum.Rejected += ans.Rejected
		for _, e := range ans.Errors {
			sum.Rejections = append(sum.Rejections, SendRejection{Where: where, Index: e.Index, Error: e.Error})
		}
		return nil
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return sum, fmt.Errorf("send: %w", err)
		}
		sum.Files++
		ext := strings.ToLower(filepath.Ext(f))
		if ext != ".jsonl" && ext != ".ndjson" {
			if err := post(f, data, 1); err != nil {
				return sum, err
			}
			continue
		}
		var batch []json.RawMessage
		batchStart := 0
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			body, err := json.Marshal(batch)
			if err != nil {
				return fmt.Errorf("send %s: %w", f, err)
			}
			n := len(batch)
			batch = batch[:0]
			return post(fmt.Sprintf("%s lines %d-%d", f, batchStart, batchStart+n-1), body, n)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		line := 0
		for sc.Scan() {
			line++
			text := bytes.TrimSpace(sc.Bytes())
			if len(text) == 0 {
				continue
			}
			if !json.Valid(text) {
				return sum, fmt.Errorf("send %s line %d: %w", f, line, ErrMalformed)
			}
			if isEnvelope(text) {
				if err := flush(); err != nil {
					return sum, err
				}
				if err := post(fmt.Sprintf("%s line %d", f, line), bytes.Clone(text), 1); err != nil {
					return sum, err
				}
				continue
			}
			if len(batch) == 0 {
				batchStart = line
			}
			batch = append(batch, json.RawMessage(bytes.Clone(text)))
			if len(batch) >= SendBatchSize {
				if err := flush(); err != nil {
					return sum, err
				}
			}
		}
		if err := sc.Err(); err != nil {
			return sum, fmt.Errorf("send %s: %w", f, err)
		}
		if err := flush(); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func isEnvelope(doc []byte) bool {
	if firstByte(doc) != '{' {
		return firstByte(doc) == '['
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(doc, &m) != nil {
		return false
	}
	for _, k := range envelopeKeys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// postOnce posts body, retrying 503 answers, and returns the server's counts, or nil for
// a 2xx without a JSON body.
func postOnce(ctx context.Context, client *http.Client, url string, body []byte) (*answerBody, error) {
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 2:
			var ok answerBody
			if len(bytes.TrimSpace(msg)) == 0 || json.Unmarshal(msg, &ok) != nil {
				return nil, nil
			}
			return &ok, nil
		case resp.StatusCode == http.StatusServiceUnavailable && attempt < sendAttempts:
			wait := time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 && s <= 30 {
				wait = time.Duration(s) * time.Second
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
		default:
			var eb errorBody
			if json.Unmarshal(msg, &eb) == nil && eb.Error != "" {
				if eb.Index != nil {
					return nil, fmt.Errorf("%s: event %d: %s: %w", resp.Status, *eb.Index, eb.Error, errRejected)
				}
				return nil, fmt.Errorf("%s: %s: %w", resp.Status, eb.Error, errRejected)
			}
			return nil, fmt.Errorf("%s: %w", resp.Status, errRejected)
		}
	}
}

// errRejected marks an answer that was not 2xx.
var errRejected = errors.New("rejected by ingest")
