package aws

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// fakeAWS serves the three APIs the connector calls from one test server: IAM's Query API
// (form POST, XML answers with IsTruncated/Marker paging and the documented ErrorResponse),
// SQS's AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.<Op>), and S3 GetObject (path
// style). Scripted faults answer one call each.
type fakeAWS struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// iamPages are GetAccountAuthorizationDetails results (the XML inside the Result).
	iamPages []string
	iamXML   map[string]string // other actions → Result XML (by action and user/key)
	faults   map[string][]int  // by operation name ("GetAccountAuthorizationDetails", "ReceiveMessage", "GetObject")
	calls    map[string]int

	objects  map[string][]byte // "bucket/key"
	messages []*fakeMessage
	handles  int
}

type fakeMessage struct {
	id, body, handle string
	inFlight         bool
	receives         int
	deleted          bool
	deletes          int // DeleteMessageBatch entries naming it, deleted or not
}

func newFakeAWS(t *testing.T) *fakeAWS {
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	old := newRetryer
	newRetryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.RateLimiter = ratelimit.None
			o.Backoff = noDelay{}
		})
	}
	t.Cleanup(func() { newRetryer = old })
	f := &fakeAWS{t: t, iamXML: map[string]string{}, faults: map[string][]int{}, calls: map[string]int{}, objects: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

func (f *fakeAWS) config() Config {
	return Config{Region: "us-east-1", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		Endpoints: Endpoints{IAM: f.srv.URL, SQS: f.srv.URL, S3: f.srv.URL}, S3PathStyle: true,
		QueueURL: f.srv.URL + "/111122223333/trail-notifications", WaitTime: 1, MaxMessages: 2, PageSize: 50}
}

func (f *fakeAWS) fault(op string, statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = append(f.faults[op], statuses...)
}

// takeFault returns the scripted status of op's call, or 0.
func (f *fakeAWS) takeFault(op string) int {
	f.calls[op]++
	if fs := f.faults[op]; len(fs) > 0 {
		f.faults[op] = fs[1:]
		return fs[0]
	}
	return 0
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/") {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	switch target := r.Header.Get("X-Amz-Target"); {
	case strings.HasPrefix(target, "AmazonSQS."):
		f.sqs(w, r, strings.TrimPrefix(target, "AmazonSQS."))
	case r.Method == http.MethodPost && r.URL.Path == "/":
		f.iam(w, r)
	case r.Method == http.MethodGet:
		f.s3(w, r)
	default:
		http.Error(w, "unexpected request", http.StatusBadRequest)
	}
}

func (f *fakeAWS) iam(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	action := r.PostForm.Get("Action")
	w.Header().Set("Content-Type", "text/xml")
	switch f.takeFault(action) {
	case http.StatusBadRequest:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>`)
		return
	case http.StatusInternalServerError:
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>internal</Message></Error><RequestId>x</RequestId></ErrorResponse>`)
		return
	}
	var result string
	switch action {
	case "GetAccountAuthorizationDetails":
		i := 0
		if m := r.PostForm.Get("Marker"); m != "" {
			fmt.Sscanf(m, "page-%d", &i)
		}
		result = f.iamPages[i]
		if i+1 < len(f.iamPages) {
			result += fmt.Sprintf("<IsTruncated>true</IsTruncated><Marker>page-%d</Marker>", i+1)
		} else {
			result += "<IsTruncated>false</IsTruncated>"
		}
	case "ListAccessKeys":
		result = f.iamXML["ListAccessKeys/"+r.PostForm.Get("UserName")]
	case "GetAccessKeyLastUsed":
		result = f.iamXML["GetAccessKeyLastUsed/"+r.PostForm.Get("AccessKeyId")]
	default:
		http.Error(w, "unexpected action "+action, http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, `<%[1]sResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><%[1]sResult>%[2]s</%[1]sResult><ResponseMetadata><RequestId>a1b2c3d4-0000-4000-8000-000000000000</RequestId></ResponseMetadata></%[1]sResponse>`, action, result)
}

func (f *fakeAWS) sqs(w http.ResponseWriter, r *http.Request, op string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if r.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
		f.t.Errorf("SQS %s sent as %s, want AWS JSON 1.0", op, r.Header.Get("Content-Type"))
	}
	if st := f.takeFault(op); st != 0 {
		w.WriteHeader(st)
		fmt.Fprint(w, `{"__type":"com.amazonaws.sqs#InternalError","message":"scripted"}`)
		return
	}
	var in struct {
		QueueURL            string `json:"QueueUrl"`
		MaxNumberOfMessages int
		WaitTimeSeconds     int
		Entries             []struct{ Id, ReceiptHandle string }
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	if in.QueueURL != f.srv.URL+"/111122223333/trail-notifications" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`)
		return
	}
	switch op {
	case "ReceiveMessage":
		var out []map[string]any
		for _, m := range f.messages {
			if m.deleted || m.inFlight || len(out) >= max(in.MaxNumberOfMessages, 1) {
				continue
			}
			f.handles++
			m.inFlight, m.receives, m.handle = true, m.receives+1, fmt.Sprintf("AQEB%04d-%s", f.handles, m.id)
			sum := md5.Sum([]byte(m.body))
			out = append(out, map[string]any{"MessageId": m.id, "ReceiptHandle": m.handle, "MD5OfBody": hex.EncodeToString(sum[:]), "Body": m.body,
				"Attributes": map[string]string{"ApproximateReceiveCount": fmt.Sprint(m.receives)}})
		}
		resp := map[string]any{}
		if len(out) > 0 {
			resp["Messages"] = out
		}
		_ = json.NewEncoder(w).Encode(resp)
	case "DeleteMessageBatch":
		var ok, failed []map[string]any
		for _, e := range in.Entries {
			found := false
			for _, m := range f.messages {
				if m.handle == e.ReceiptHandle {
					m.deletes++
				}
				if m.handle == e.ReceiptHandle && m.inFlight {
					m.deleted, found = true, true
				}
			}
			if found {
				ok = append(ok, map[string]any{"Id": e.Id})
			} else {
				failed = append(failed, map[string]any{"Id": e.Id, "SenderFault": true, "Code": "ReceiptHandleIsInvalid", "Message": "expired"})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Successful": ok, "Failed": failed})
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"com.amazonaws.sqs#UnsupportedOperation","message":"%s"}`, op)
	}
}

func (f *fakeAWS) s3(w http.ResponseWriter, r *http.Request) {
	if st := f.takeFault("GetObject"); st != 0 {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(st)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>x</RequestId></Error>`)
		return
	}
	b, ok := f.objects[strings.TrimPrefix(r.URL.Path, "/")]
	if !ok {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	_, _ = w.Write(b)
}

// send queues a message.
func (f *fakeAWS) send(body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages = append(f.messages, &fakeMessage{id: fmt.Sprintf("msg-%d", len(f.messages)), body: body})
}

// expireVisibility makes every message received and not deleted visible again, as the
// visibility timeout does after a consumer died.
func (f *fakeAWS) expireVisibility() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.messages {
		m.inFlight = false
	}
}

func (f *fakeAWS) left() []*fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*fakeMessage
	for _, m := range f.messages {
		if !m.deleted {
			out = append(out, m)
		}
	}
	return out
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = io.WriteString(zw, s)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var _ = context.Background
