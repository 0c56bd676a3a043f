package broker_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tollgate-io/tollgate/internal/broker"
)

func TestStartPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()

	b, err := broker.Start(broker.Options{Addr: addr})
	if err == nil {
		b.Close()
		t.Fatalf("Start on busy %s succeeded", addr)
	}
	if !errors.Is(err, broker.ErrAddrInUse) {
		t.Errorf("error %q does not wrap ErrAddrInUse", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name %s", err, addr)
	}
}

func TestStartUnwritableDataDir(t *testing.T) {
	// A regular file where a parent directory should be: unwritable even
	// for root, unlike a chmod'ed directory.
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "kafka")
	b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err == nil {
		b.Close()
		t.Fatalf("Start with data dir %s succeeded", dir)
	}
	if !errors.Is(err, broker.ErrDataDir) {
		t.Errorf("error %q does not wrap ErrDataDir", err)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name %s", err, dir)
	}
}

func TestDataDirIsLocked(t *testing.T) {
	dir := t.TempDir()
	first, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	second, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("second broker on the same data dir started")
	}
	if !errors.Is(err, broker.ErrDataDir) || !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q: want ErrDataDir naming %s", err, dir)
	}
	first.Close()
	// Once the first is closed the directory is free again.
	third, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatalf("restart after close: %v", err)
	}
	third.Close()
}

// rawRequest sends one non-flexible request (header v1) at the given
// version and reports whether the broker answered (true) or closed the
// connection (false).
func rawRequest(t *testing.T, addr string, req kmsg.Request, version int16) bool {
	t.Helper()
	req.SetVersion(version)
	if req.IsFlexible() {
		t.Fatalf("%s v%d is flexible; rawRequest only writes header v1", kmsg.NameForKey(req.Key()), version)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second)) // a bound, not an assertion

	msg := make([]byte, 4, 64)
	msg = binary.BigEndian.AppendUint16(msg, uint16(req.Key()))
	msg = binary.BigEndian.AppendUint16(msg, uint16(version))
	msg = binary.BigEndian.AppendUint32(msg, 7) // correlation id
	msg = binary.BigEndian.AppendUint16(msg, uint16(len("raw")))
	msg = append(msg, "raw"...)
	msg = req.AppendTo(msg)
	binary.BigEndian.PutUint32(msg, uint32(len(msg)-4))
	if _, err := conn.Write(msg); err != nil {
		t.Fatal(err)
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		var nerr net.Error
		if errors.As(err, &nerr) && nerr.Timeout() {
			t.Fatalf("%s v%d: neither answered nor closed: %v", kmsg.NameForKey(req.Key()), version, err)
		}
		return false
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(conn, body); err != nil {
		t.Fatalf("reading response body: %v", err)
	}
	if got := binary.BigEndian.Uint32(body); got != 7 {
		t.Fatalf("correlation id %d, want 7", got)
	}
	return true
}

func TestKafka4MinimumsRejectRemovedVersions(t *testing.T) {
	b := broker.StartForTest(t)
	if err := kafkaCreateTopic(b.Addr(), "t"); err != nil {
		t.Fatal(err)
	}
	listOffsets := func() kmsg.Request {
		r := kmsg.NewPtrListOffsetsRequest()
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = "t"
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Timestamp = -1
		rp.MaxNumOffsets = 1
		rt.Partitions = append(rt.Partitions, rp)
		r.Topics = append(r.Topics, rt)
		return r
	}
	offsetCommit := func() kmsg.Request {
		r := kmsg.NewPtrOffsetCommitRequest()
		r.Group = "g"
		r.Generation = -1
		return r
	}
	describeConfigs := func() kmsg.Request {
		r := kmsg.NewPtrDescribeConfigsRequest()
		res := kmsg.NewDescribeConfigsRequestResource()
		res.ResourceType = kmsg.ConfigResourceTypeTopic
		res.ResourceName = "t"
		r.Resources = append(r.Resources, res)
		return r
	}
	createTopics := func() kmsg.Request {
		r := kmsg.NewPtrCreateTopicsRequest()
		ct := kmsg.NewCreateTopicsRequestTopic()
		ct.Topic = "new"
		ct.NumPartitions = 1
		ct.ReplicationFactor = 1
		r.Topics = append(r.Topics, ct)
		r.TimeoutMillis = 5000
		return r
	}
	metadata := func() kmsg.Request { return kmsg.NewPtrMetadataRequest() }

	for _, tc := range []struct {
		name    string
		req     func() kmsg.Request
		version int16
		answer  bool
	}{
		{"ListOffsets v0 removed", listOffsets, 0, false},
		{"ListOffsets v1 kept", listOffsets, 1, true},
		{"OffsetCommit v1 removed", offsetCommit, 1, false},
		{"OffsetCommit v2 kept", offsetCommit, 2, true},
		{"DescribeConfigs v0 removed", describeConfigs, 0, false},
		{"DescribeConfigs v1 kept", describeConfigs, 1, true},
		{"CreateTopics v1 removed", createTopics, 1, false},
		{"CreateTopics v2 kept", createTopics, 2, true},
		{"Metadata v0 kept", metadata, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rawRequest(t, b.Addr(), tc.req(), tc.version); got != tc.answer {
				t.Errorf("answered = %v, want %v", got, tc.answer)
			}
		})
	}
}

func TestWithoutKafka4MinimumsOldVersionsAreServed(t *testing.T) {
	// The control: kfake itself serves ListOffsets v0, so the refusal
	// above is the hook's doing.
	b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r := kmsg.NewPtrListOffsetsRequest()
	if !rawRequest(t, b.Addr(), r, 0) {
		t.Fatal("kfake without the hook closed the connection on ListOffsets v0")
	}
}

func TestKafkaGoWorksUnderKafka4Minimums(t *testing.T) {
	b := broker.StartForTest(t)
	if err := kafkaCreateTopic(b.Addr(), "ok"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(ctx, kafka.Message{Topic: "ok", Value: []byte("v")}); err != nil {
		t.Fatalf("produce: %v", err)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: b.Brokers(), GroupID: "g", Topic: "ok", MaxWait: 250 * time.Millisecond})
	defer r.Close()
	m, err := r.FetchMessage(ctx)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	if string(m.Value) != "v" {
		t.Fatalf("got %q", m.Value)
	}
	if err := r.CommitMessages(ctx, m); err != nil {
		t.Fatalf("commit: %v", err)
	}
	cl := &kafka.Client{Addr: kafka.TCP(b.Addr())}
	offs, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{"ok": {kafka.LastOffsetOf(0)}}})
	if err != nil {
		t.Fatalf("list offsets: %v", err)
	}
	if got := offs.Topics["ok"][0].LastOffset; got != 1 {
		t.Fatalf("last offset %d, want 1", got)
	}
}

func kafkaCreateTopic(addr, topic string) error {
	cl := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	resp, err := cl.CreateTopics(context.Background(), &kafka.CreateTopicsRequest{
		Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: 1, ReplicationFactor: 1}},
	})
	if err != nil {
		return err
	}
	return resp.Errors[topic]
}
