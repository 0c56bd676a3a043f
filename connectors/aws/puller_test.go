package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

var discard = slog.New(slog.DiscardHandler)

const bucket = "trail-bucket"

func logFile(ids ...string) string {
	var recs []string
	for _, id := range ids {
		recs = append(recs, record(id, "AddUserToGroup", `{"groupName":"Admins","userName":"alice"}`, ""))
	}
	return `{"Records":[` + strings.Join(recs, ",") + `]}`
}

func objectKey(n int) string {
	return fmt.Sprintf("AWSLogs/111122223333/CloudTrail/us-east-1/2025/05/14/111122223333_CloudTrail_us-east-1_20250514T1120Z_%04d.json.gz", n)
}

// s3Notification is an S3 event notification (the key URL-encoded, as S3 sends it).
func s3Notification(key string) string {
	b, _ := json.Marshal(map[string]any{"Records": []any{map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2025-05-14T11:25:00.000Z", "eventName": "ObjectCreated:Put",
		"s3": map[string]any{"s3SchemaVersion": "1.0", "configurationId": "trail", "bucket": map[string]any{"name": bucket, "arn": "arn:aws:s3:::" + bucket},
			"object": map[string]any{"key": strings.ReplaceAll(key, "_", "%5F"), "size": 1024, "sequencer": "0055AED6DCD90281E5"}},
	}}})
	return string(b)
}

// sns wraps a message in an SNS notification.
func sns(msg string) string {
	b, _ := json.Marshal(map[string]any{"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
		"TopicArn": "arn:aws:sns:us-east-1:111122223333:trail", "Message": msg, "Timestamp": "2025-05-14T11:25:01.000Z", "SignatureVersion": "1"})
	return string(b)
}

func TestPullEveryRecordOnceAcrossAKill(t *testing.T) {
	f := newFakeAWS(t)
	want := map[string]bool{}
	for i := range 4 {
		ids := []string{fmt.Sprintf("ev-%d-a", i), fmt.Sprintf("ev-%d-b", i)}
		for _, id := range ids {
			want["cloudtrail:"+id] = true
		}
		f.objects[bucket+"/"+objectKey(i)] = gz(t, logFile(ids...))
	}
	f.objects[bucket+"/"+objectKey(9)] = []byte("this is not a log file") // left for the DLQ
	f.send(s3Notification(objectKey(0)))
	f.send(sns(s3Notification(objectKey(1))))
	f.send(`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2025-05-14T11:00:00.000Z","Bucket":"trail-bucket","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw"}`)
	f.send(s3Notification(objectKey(9)))
	// CloudTrail's own SNS notification, with a digest file beside the log file.
	f.send(sns(`{"s3Bucket":"trail-bucket","s3ObjectKey":["` + objectKey(2) + `","AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/05/14/x.json.gz"]}`))
	f.send(s3Notification(objectKey(3)))
	f.fault("GetObject", 503)      // SlowDown, retried by the SDK
	f.fault("ReceiveMessage", 500) // retried by the SDK

	p := must(NewPuller(context.Background(), f.config(), nil))
	store := &connectors.MemoryCursors{}
	ctx, cancel := context.WithCancel(context.Background())
	sink := &killingSink{killAt: 2, cancel: cancel}
	if err := connectors.RunPull(ctx, p, store, sink, connectors.PullOptions{Name: "cloudtrail", Once: true, RetryMin: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if len(sink.pages) != 2 {
		t.Fatalf("%d pages before the kill, want 2", len(sink.pages))
	}
	redelivered := sink.pages[1]
	// Deleted (RunPull's Ack after each saved cursor): the first page's two and the test
	// event (a page with no events); left: the unparseable one and the killed page's two.
	if n := len(f.left()); n != 3 {
		t.Errorf("%d messages left after the kill, want 3", n)
	}

	f.expireVisibility() // the dead consumer's messages come back
	p2 := must(NewPuller(context.Background(), f.config(), nil))
	sink2 := &killingSink{}
	if err := connectors.RunPull(context.Background(), p2, store, sink2, connectors.PullOptions{Name: "cloudtrail", Once: true, RetryMin: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, page := range append(sink.pages, sink2.pages...) {
		for _, id := range page {
			count[id]++
		}
	}
	for id := range want {
		if count[id] == 0 {
			t.Errorf("record %s never produced", id)
		}
	}
	for id, n := range count {
		if !want[id] {
			t.Errorf("produced %s, which is no record", id)
		}
		if n > 1 && !(n == 2 && contains(redelivered, id)) {
			t.Errorf("record %s produced %d times; only the killed page's may come twice", id, n)
		}
	}
	left := f.left()
	if len(left) != 1 || !strings.Contains(left[0].body, "%5F0009") {
		t.Errorf("left on the queue: %d messages, want only the one whose object does not parse", len(left))
	}
	if p.Rejected()+p2.Rejected() == 0 {
		t.Error("the unparseable object was not reported")
	}
	for _, m := range f.messages {
		if m.deleted && m.deletes != 1 {
			t.Errorf("message %s deleted with %d calls, want 1", m.id, m.deletes)
		}
	}
}

// A log file that parses but holds a record ingest refuses: the record is in the page's
// Failed with its bytes, RunPull dead-letters it, the file's good records arrive, and the
// message is deleted (once) rather than redriven, since redelivery could not make the
// record parse. A file that does not parse at all stays on the queue and is in no Failed.
func TestPullDeadLettersARefusedRecord(t *testing.T) {
	f := newFakeAWS(t)
	bad := record("bad-1", "", `{"groupName":"Admins","userName":"alice"}`, "") // no eventName: ingest refuses it
	f.objects[bucket+"/"+objectKey(0)] = gz(t, `{"Records":[`+record("good-1", "AddUserToGroup", `{"groupName":"Admins","userName":"alice"}`, "")+
		`,`+bad+`,`+record("good-2", "AddUserToGroup", `{"groupName":"Admins","userName":"bob"}`, "")+`]}`)
	f.objects[bucket+"/"+objectKey(9)] = []byte("this is not a log file")
	f.send(s3Notification(objectKey(0)))
	f.send(s3Notification(objectKey(9)))
	p := must(NewPuller(context.Background(), f.config(), nil))
	p.Log = discard

	page, err := p.Pull(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := eventIDs(page.Events); strings.Join(got, ",") != "cloudtrail:good-1,cloudtrail:good-2" {
		t.Errorf("the page's good records: %v", got)
	}
	if len(page.Failed) != 1 {
		t.Fatalf("%d records in Failed, want the one without eventName (and nothing of the unparseable file)", len(page.Failed))
	}
	got := page.Failed[0]
	if !strings.Contains(string(got.Raw), `"eventID":"bad-1"`) || !json.Valid(got.Raw) || !errors.Is(got.Err, ingest.ErrMissingField) ||
		!strings.Contains(got.Err.Error(), objectKey(0)) {
		t.Errorf("Failed %s: %v, want the record's bytes and a missing field in its object", got.Raw, got.Err)
	}

	f.expireVisibility() // read it all again, through RunPull
	p = must(NewPuller(context.Background(), f.config(), nil))
	p.Log = discard
	var dead []connectors.Failed
	sink := &killingSink{}
	opts := connectors.PullOptions{Name: "cloudtrail", Once: true, RetryMin: time.Millisecond,
		DeadLetter: func(_ context.Context, f connectors.Failed) error { dead = append(dead, f); return nil }}
	if err := connectors.RunPull(context.Background(), p, &connectors.MemoryCursors{}, sink, opts); err != nil {
		t.Fatal(err)
	}
	if len(sink.pages) != 1 || strings.Join(sink.pages[0], ",") != "cloudtrail:good-1,cloudtrail:good-2" {
		t.Errorf("produced %v, want the two good records", sink.pages)
	}
	if len(dead) != 1 || !strings.Contains(string(dead[0].Raw), `"bad-1"`) {
		t.Errorf("dead-lettered %d records, want the refused one", len(dead))
	}
	left := f.left()
	if len(left) != 1 || !strings.Contains(left[0].body, "%5F0009") {
		t.Errorf("left on the queue: %d messages, want only the one whose object does not parse", len(left))
	}
	if f.messages[0].deletes != 1 || p.Rejected() != 1 {
		t.Errorf("the dead-lettered record's message: %d deletes, want 1; %d rejected, want 1", f.messages[0].deletes, p.Rejected())
	}
}

// An Ack that fails (SQS down) leaves the page pending; the next Pull, given the page's
// saved cursor, deletes it before receiving more, and the page is not offered again.
func TestPullRetriesAFailedAck(t *testing.T) {
	f := newFakeAWS(t)
	f.objects[bucket+"/"+objectKey(0)] = gz(t, logFile("x-1"))
	f.send(s3Notification(objectKey(0)))
	p := must(NewPuller(context.Background(), f.config(), nil))
	first, err := p.Pull(context.Background(), "")
	if err != nil || len(first.Events) != 1 {
		t.Fatalf("first page: %+v %v", first, err)
	}
	f.fault("DeleteMessageBatch", 500, 500, 500, 500, 500) // every attempt the SDK makes
	if err := p.Ack(context.Background(), first.Cursor); err == nil {
		t.Fatal("Ack succeeded against a failing SQS")
	}
	next, err := p.Pull(context.Background(), first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Events) != 0 || next.Cursor == first.Cursor {
		t.Errorf("the acknowledged page was offered again: %+v", next)
	}
	if len(f.left()) != 0 || f.messages[0].deletes != 1 {
		t.Errorf("%d messages left, %d successful deletes; want the message deleted once", len(f.left()), f.messages[0].deletes)
	}
	if err := p.Ack(context.Background(), first.Cursor); err != nil || f.messages[0].deletes != 1 {
		t.Errorf("a second Ack of the page deleted again (%d) or failed: %v", f.messages[0].deletes, err)
	}
}

func eventIDs(evs []schemas.IdentityEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.EventID)
	}
	return out
}

func TestPullOffersAnUnproducedPageAgain(t *testing.T) {
	f := newFakeAWS(t)
	f.objects[bucket+"/"+objectKey(0)] = gz(t, logFile("x-1"))
	f.send(s3Notification(objectKey(0)))
	p := must(NewPuller(context.Background(), f.config(), nil))
	first, err := p.Pull(context.Background(), "")
	if err != nil || len(first.Events) != 1 || !first.More {
		t.Fatalf("first page: %+v %v", first, err)
	}
	// The produce failed: RunPull asks again with the cursor it had.
	again, err := p.Pull(context.Background(), "")
	if err != nil || again.Cursor != first.Cursor || len(again.Events) != 1 {
		t.Fatalf("the unproduced page was not offered again: %+v %v", again, err)
	}
	if len(f.left()) != 1 {
		t.Fatal("a message was deleted before its page was produced")
	}
	if err := p.Ack(context.Background(), first.Cursor); err != nil {
		t.Fatal(err)
	}
	if len(f.left()) != 0 {
		t.Error("Ack did not delete the produced page's message")
	}
}

func TestNotificationShapes(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []objectRef
		err  bool
	}{
		{s3Notification("AWSLogs/a b_c.json.gz"), []objectRef{{bucket, "AWSLogs/a b_c.json.gz"}}, false},
		{sns(sns(s3Notification("k"))), []objectRef{{bucket, "k"}}, false},
		{`{"s3Bucket":"b","s3ObjectKey":["k1","k2"]}`, []objectRef{{"b", "k1"}, {"b", "k2"}}, false},
		{`{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"},"object":{"key":"k"}}}`, []objectRef{{"b", "k"}}, false},
		{`{"Service":"Amazon S3","Event":"s3:TestEvent"}`, nil, false},
		{`{"hello":1}`, nil, true},
		{`not json`, nil, true},
	} {
		got, err := notification(tc.body)
		if (err != nil) != tc.err || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v %v, want %v (error %v)", tc.body, got, err, tc.want, tc.err)
		}
	}
	// S3 encodes a space as '+'.
	if got, _ := notification(strings.Replace(s3Notification("a b"), "a b", "a+b", 1)); len(got) != 1 || got[0].key != "a b" {
		t.Errorf("a '+' in an S3 key is a space: %v", got)
	}
}

func TestValidateNamesKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		want []string
	}{
		{"empty", Config{}, []string{"connectors.aws.region"}},
		{"bad", Config{Region: "Mars", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", Endpoints: Endpoints{SQS: "http://sqs.example.com"},
			QueueURL: "ftp://q", WaitTime: 30_000_000_000, MaxMessages: 11, PageSize: 5000},
			[]string{"region", "secret_access_key", "endpoints.sqs", "queue_url", "wait_time", "max_messages", "page_size"}},
		{"half a key", Config{Region: "eu-west-1", SecretAccessKey: "hunter2"}, []string{"access_key_id"}},
		{"good", Config{Region: "eu-west-1", QueueURL: "https://sqs.eu-west-1.amazonaws.com/111122223333/q"}, nil},
	} {
		errs := tc.c.Validate("connectors.aws")
		all := errors.Join(errs...)
		if len(errs) != len(tc.want) {
			t.Errorf("%s: %d errors, want %d: %v", tc.name, len(errs), len(tc.want), all)
		}
		for _, k := range tc.want {
			if all == nil || !strings.Contains(all.Error(), "connectors.aws."+k) && !strings.Contains(all.Error(), k) {
				t.Errorf("%s: no error names %s: %v", tc.name, k, all)
			}
		}
		if all != nil && strings.Contains(all.Error(), "hunter2") {
			t.Errorf("%s: an error shows the secret", tc.name)
		}
	}
	if _, err := NewPuller(context.Background(), Config{Region: "eu-west-1"}, nil); err == nil || !strings.Contains(err.Error(), "connectors.aws.queue_url") {
		t.Errorf("a puller without a queue: %v", err)
	}
}

// FuzzNotification: every SQS message body, however malformed, is a list of objects or an
// error.
func FuzzNotification(f *testing.F) {
	f.Add(s3Notification("k"))
	f.Add(sns(`{"s3Bucket":"b","s3ObjectKey":["k"]}`))
	f.Add(`{"Type":"Notification","Message":"{\"Type\":\"Notification\",\"Message\":\"x\"}"}`)
	f.Fuzz(func(t *testing.T, body string) {
		refs, err := notification(body)
		if err == nil {
			for _, r := range refs {
				if r.bucket == "" || r.key == "" {
					t.Fatalf("an empty reference from %q", body)
				}
			}
		}
	})
}

// FuzzLogFile: an S3 object, compressed or not, never panics the reader and the parser.
func FuzzLogFile(f *testing.F) {
	f.Add([]byte(logFile("a")))
	f.Add([]byte{0x1f, 0x8b, 0x08})
	f.Add([]byte(`{"Records":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		body, err := readLogFile(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		evs, failed, err := parseLogFile(body, time.Now())
		if err != nil && (evs != nil || failed != nil) {
			t.Fatal("a file refused as a whole with events or refused records")
		}
		for _, e := range evs {
			if e.Source != schemas.SourceCloudTrail {
				t.Fatalf("an event of %s", e.Source)
			}
		}
		for _, f := range failed {
			if len(f.Raw) == 0 || f.Err == nil {
				t.Fatalf("a refused record without its bytes or its reason: %+v", f)
			}
		}
	})
}

type killingSink struct {
	pages  [][]string
	killAt int
	cancel context.CancelFunc
}

func (s *killingSink) Produce(ctx context.Context, evs []schemas.IdentityEvent) error {
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.EventID)
	}
	s.pages = append(s.pages, ids)
	if len(s.pages) == s.killAt {
		s.cancel()
		return ctx.Err()
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
