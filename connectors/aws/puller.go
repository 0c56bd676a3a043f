package aws

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

// SQSAPI and S3API are the calls the Puller makes.
type SQSAPI interface {
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// S3API is the object read of the Puller.
type S3API interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// maxObject bounds a log file after decompression (CloudTrail's are a few MB).
const maxObject = 256 << 20

// Puller reads CloudTrail log files as their notifications arrive on SQS: each Pull
// receives up to MaxMessages messages (long poll), reads every object they name and parses
// it with ingest.ParseCloudTrail.
//
// A message is deleted only after its events are on Kafka. The queue, not the cursor, is
// this source's position: every page carries a cursor of its own, and RunPull, once the
// page's events are produced, its refused records dead-lettered and its cursor saved,
// calls Ack with that cursor, which deletes the page's messages, once. A Pull given any
// other cursor (the produce failed, or this is a new process) hands back the page still
// unacknowledged, or starts afresh; messages of a process that died come back when their
// visibility timeout ends, and their duplicate events are dropped by event id downstream.
// A Pull given the cursor of the page still pending (RunPull saved it but its Ack failed)
// retries the delete before it receives more, so an SQS outage backs off instead of
// producing the page again and again. A page that received messages always says More, so
// a run with PullOptions.Once ends on an empty receive.
//
// A log file that parses but holds records ingest refuses: those records go into the
// page's Failed with their bytes and the reason, and the message is deleted like any
// other. The parser is deterministic, so redelivery could never make them parse; the
// connector's dead letters hold the record itself, where SQS's would hold only the
// notification, and the file's good events are produced once, not at every redelivery.
//
// A message whose notification or object cannot be read or parsed as a whole is never
// deleted, and nothing of it goes into Failed (dead-lettering it here and redelivering it
// would give it two fates): a failed GetObject may succeed next time, and otherwise SQS,
// after the queue's maxReceiveCount, moves the message to its dead-letter queue (the
// redrive policy is part of the set-up). Its good events are still produced; Rejected
// counts it.
type Puller struct {
	SQS      SQSAPI
	S3       S3API
	queueURL string
	wait     int32
	max      int32
	// Log receives what cannot be processed (with the message id and the reason, never
	// its receipt handle); Now is the clock.
	Log *slog.Logger
	Now func() time.Time

	mu       sync.Mutex
	run      string // this process's cursor prefix
	seq      int
	pending  *pendingPage
	rejected int
}

type pendingPage struct {
	cursor  string
	page    connectors.Page
	handles []string // the messages processed whole
}

// NewPuller builds the Puller of c (queue_url required); hc carries every call.
func NewPuller(ctx context.Context, c Config, hc *http.Client) (*Puller, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if c.QueueURL == "" {
		return nil, config.Invalid(errors.New("connectors.aws.queue_url: required for the CloudTrail puller"))
	}
	c = c.withDefaults()
	cfg, err := loadSDK(ctx, c, hc)
	if err != nil {
		return nil, err
	}
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if c.Endpoints.SQS != "" {
			o.BaseEndpoint = aws.String(trimSlash(c.Endpoints.SQS))
		}
	})
	st := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.Endpoints.S3 != "" {
			o.BaseEndpoint = aws.String(trimSlash(c.Endpoints.S3))
		}
		o.UsePathStyle = c.S3PathStyle
		// CloudTrail's objects carry no checksum; the SDK would log that at every read.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	var r [6]byte
	_, _ = rand.Read(r[:])
	return &Puller{SQS: q, S3: st, queueURL: c.QueueURL, wait: int32(c.WaitTime.D() / time.Second), max: int32(c.MaxMessages),
		Log: slog.Default(), Now: time.Now, run: hex.EncodeToString(r[:])}, nil
}

// Source is CLOUDTRAIL.
func (p *Puller) Source() schemas.Source { return schemas.SourceCloudTrail }

// Rejected is how many messages were left on the queue for its dead-letter queue.
func (p *Puller) Rejected() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rejected
}

// Ack deletes the messages of the page whose cursor is cursor, once its events are on
// Kafka (connectors.Acker: RunPull calls it). It is a no-op for any other cursor, and for
// a page already acknowledged, so each page's messages are deleted once.
func (p *Puller) Ack(ctx context.Context, cursor string) error {
	p.mu.Lock()
	pend := p.pending
	p.mu.Unlock()
	if pend == nil || pend.cursor != cursor {
		return nil
	}
	if err := p.delete(ctx, pend.handles); err != nil {
		return err
	}
	p.mu.Lock()
	if p.pending == pend {
		p.pending = nil
	}
	p.mu.Unlock()
	return nil
}

// Pull receives the next page. Given the cursor of a page saved but not acknowledged (its
// Ack failed), it first retries the delete; RunPull has normally acknowledged it already,
// and then this is a no-op.
func (p *Puller) Pull(ctx context.Context, cursor string) (connectors.Page, error) {
	if err := p.Ack(ctx, cursor); err != nil {
		return connectors.Page{}, err
	}
	p.mu.Lock()
	pend := p.pending
	p.mu.Unlock()
	if pend != nil { // the last page was not produced: offer it again
		return pend.page, nil
	}
	out, err := p.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(p.queueURL), MaxNumberOfMessages: p.max, WaitTimeSeconds: p.wait,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		return connectors.Page{}, fmt.Errorf("sqs:ReceiveMessage: %w", err)
	}
	now := p.Now()
	page := connectors.Page{More: len(out.Messages) > 0}
	var handles []string
	for _, m := range out.Messages {
		evs, failed, err := p.message(ctx, aws.ToString(m.Body), now)
		page.Events = append(page.Events, evs...)
		if err != nil {
			// Left on the queue: its refused records (failed) come back with it.
			if ctx.Err() != nil {
				return connectors.Page{}, ctx.Err()
			}
			p.mu.Lock()
			p.rejected++
			p.mu.Unlock()
			p.Log.Warn("cloudtrail: a notification left on the queue for its dead-letter queue", "message_id", aws.ToString(m.MessageId),
				"receive_count", m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)], "err", err)
			continue
		}
		for _, f := range failed {
			p.Log.Warn("cloudtrail: a record ingest cannot read is dead-lettered", "message_id", aws.ToString(m.MessageId), "err", f.Err)
		}
		page.Failed = append(page.Failed, failed...)
		handles = append(handles, aws.ToString(m.ReceiptHandle))
	}
	for _, e := range page.Events {
		if e.OccurredAt.After(page.Newest) {
			page.Newest = e.OccurredAt
		}
	}
	p.mu.Lock()
	p.seq++
	page.Cursor = fmt.Sprintf("sqs:%s:%d", p.run, p.seq)
	if len(out.Messages) > 0 {
		p.pending = &pendingPage{cursor: page.Cursor, page: page, handles: handles}
	}
	p.mu.Unlock()
	return page, nil
}

func (p *Puller) delete(ctx context.Context, handles []string) error {
	for len(handles) > 0 {
		n := min(len(handles), 10)
		entries := make([]sqstypes.DeleteMessageBatchRequestEntry, n)
		for i, h := range handles[:n] {
			entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: aws.String(h)}
		}
		out, err := p.SQS.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.queueURL), Entries: entries})
		if err != nil {
			return fmt.Errorf("sqs:DeleteMessageBatch: %w", err)
		}
		for _, f := range out.Failed {
			// An expired receipt handle: the message is visible again and will be read
			// again; its events are duplicates the auditor drops.
			p.Log.Warn("cloudtrail: a processed message could not be deleted; it will be delivered again", "code", aws.ToString(f.Code))
		}
		handles = handles[n:]
	}
	return nil
}

// objectRef is one S3 object a notification names.
type objectRef struct{ bucket, key string }

// notification reads an SQS message body: an S3 event notification, the same wrapped in
// an SNS notification, CloudTrail's own SNS notification ({"s3Bucket","s3ObjectKey":[…]}),
// an EventBridge "Object Created" event, or S3's test event (which names nothing).
func notification(body string) ([]objectRef, error) {
	for range 3 { // SNS envelopes, possibly nested once
		var env struct {
			Type    string `json:"Type"`
			Message string `json:"Message"`
		}
		if json.Unmarshal([]byte(body), &env) != nil || env.Type != "Notification" || env.Message == "" {
			break
		}
		body = env.Message
	}
	var n struct {
		Records []struct {
			EventSource string `json:"eventSource"`
			EventName   string `json:"eventName"`
			S3          struct {
				Bucket struct {
					Name string `json:"name"`
				} `json:"bucket"`
				Object struct {
					Key string `json:"key"`
				} `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
		S3Bucket    string   `json:"s3Bucket"`
		S3ObjectKey []string `json:"s3ObjectKey"`
		Event       string   `json:"Event"`
		DetailType  string   `json:"detail-type"`
		Detail      struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key string `json:"key"`
			} `json:"object"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		return nil, fmt.Errorf("not a notification: %w", err)
	}
	var refs []objectRef
	switch {
	case n.Event == "s3:TestEvent":
		return nil, nil
	case n.S3Bucket != "":
		for _, k := range n.S3ObjectKey {
			refs = append(refs, objectRef{n.S3Bucket, k})
		}
	case n.DetailType == "Object Created":
		refs = append(refs, objectRef{n.Detail.Bucket.Name, n.Detail.Object.Key})
	case len(n.Records) > 0:
		for _, r := range n.Records {
			if r.EventSource != "aws:s3" || !strings.HasPrefix(r.EventName, "ObjectCreated:") {
				continue
			}
			// S3 event notifications URL-encode the key, spaces as '+'.
			key, err := url.QueryUnescape(r.S3.Object.Key)
			if err != nil {
				return nil, fmt.Errorf("an S3 notification's object key: %w", err)
			}
			refs = append(refs, objectRef{r.S3.Bucket.Name, key})
		}
	default:
		return nil, errors.New("not an S3 or CloudTrail notification")
	}
	for _, r := range refs {
		if r.bucket == "" || r.key == "" {
			return nil, errors.New("a notification names no bucket or key")
		}
	}
	return refs, nil
}

// message returns the events of every log file a message names and the records ingest
// refused in them; an error (a notification or a file unusable as a whole) leaves the
// message on the queue.
func (p *Puller) message(ctx context.Context, body string, now time.Time) ([]schemas.IdentityEvent, []connectors.Failed, error) {
	refs, err := notification(body)
	if err != nil {
		return nil, nil, err
	}
	var events []schemas.IdentityEvent
	var failed []connectors.Failed
	var errs []error
	for _, r := range refs {
		if strings.Contains(r.key, "/CloudTrail-Digest/") {
			continue // digest files sign the logs; they hold no records
		}
		evs, refused, err := p.object(ctx, r, now)
		events = append(events, evs...)
		if err != nil {
			errs = append(errs, fmt.Errorf("s3://%s/%s: %w", r.bucket, r.key, err))
			continue
		}
		for _, f := range refused {
			failed = append(failed, connectors.Failed{Raw: f.Raw, Err: fmt.Errorf("s3://%s/%s record %d: %w", r.bucket, r.key, f.Index, f.Err)})
		}
	}
	return events, failed, errors.Join(errs...)
}

var cloudTrail = ingest.Parsers(ingest.ParserOptions{})[ingest.SourceCloudTrail]

func (p *Puller) object(ctx context.Context, r objectRef, now time.Time) ([]schemas.IdentityEvent, []*ingest.EventError, error) {
	out, err := p.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(r.key)})
	if err != nil {
		return nil, nil, fmt.Errorf("s3:GetObject: %w", err)
	}
	defer out.Body.Close()
	body, err := readLogFile(out.Body)
	if err != nil {
		return nil, nil, err
	}
	return parseLogFile(body, now)
}

// readLogFile reads a log file, gunzipping it when it is compressed (CloudTrail's are;
// an S3 client may already have decoded a Content-Encoding: gzip object).
func readLogFile(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxObject+1))
	if err != nil {
		return nil, fmt.Errorf("reading the object: %w", err)
	}
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
		raw, err = io.ReadAll(io.LimitReader(zr, maxObject+1))
		if err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
	}
	if len(raw) > maxObject {
		return nil, fmt.Errorf("the log file is larger than %d bytes", maxObject)
	}
	return raw, nil
}

// parseLogFile parses {"Records":[…]} with ingest's CloudTrail parser: the good records'
// events and the records it refused (each with its index, bytes and reason), or an error
// when the file as a whole cannot be parsed.
func parseLogFile(body []byte, now time.Time) ([]schemas.IdentityEvent, []*ingest.EventError, error) {
	b, err := cloudTrail.ParseBatch(body, now)
	if err != nil {
		if errors.Is(err, ingest.ErrEmpty) {
			return nil, nil, nil // a file with no records (CloudTrail writes them for quiet periods)
		}
		return nil, nil, err
	}
	return b.Events, b.Failed, nil
}
