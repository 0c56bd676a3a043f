package router

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// TestKafkaHistoryReadsATimeRange writes events with known record
// timestamps and occurred_at times, plus a garbage record, and reads back
// ranges by record time and by occurred_at.
func TestKafkaHistoryReadsATimeRange(t *testing.T) {
	s := startStack(t)
	t0 := time.Now().Add(-2 * time.Hour).Truncate(time.Millisecond)
	var msgs []kafkago.Message
	for i := range 30 {
		ev := signIn("dave@example.com", i)
		if i%2 == 1 {
			ev = signIn("erin@example.com", i) // two keys, so more than one partition is read
		}
		// Recorded a minute apart; occurred one hour before being recorded.
		rec := t0.Add(time.Duration(i) * time.Minute)
		ev.OccurredAt = rec.Add(-time.Hour)
		v, err := s.codec.Encode(&ev)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, kafkago.Message{Topic: s.topics.Events, Key: []byte(ev.Key()), Value: v, Time: rec})
		if i == 12 {
			msgs = append(msgs, kafkago.Message{Topic: s.topics.Events, Key: []byte(ev.Key()), Value: []byte("garbage"), Time: rec})
		}
	}
	if err := s.producer.Produce(bounded(t), msgs...); err != nil {
		t.Fatal(err)
	}
	seqs := func(h *KafkaHistory) map[string]bool {
		t.Helper()
		got := map[string]bool{}
		for ev, err := range h.Events(bounded(t)) {
			if err != nil {
				t.Fatal(err)
			}
			if got[ev.Attributes["seq"]] {
				t.Errorf("%s yielded twice", ev.EventID)
			}
			got[ev.Attributes["seq"]] = true
		}
		return got
	}
	want := func(name string, got map[string]bool, from, to int) {
		t.Helper()
		if len(got) != to-from {
			t.Errorf("%s: got %d events %v, want seq %d..%d", name, len(got), got, from, to-1)
		}
		for i := from; i < to; i++ {
			if !got[strconv.Itoa(i)] {
				t.Errorf("%s: seq %d missing", name, i)
			}
		}
	}

	all := &KafkaHistory{Kafka: s.cfg, Codec: s.codec}
	want("everything", seqs(all), 0, 30)
	if all.Skipped != 1 {
		t.Errorf("skipped %d undecodable records, want 1", all.Skipped)
	}
	byRecord := &KafkaHistory{Kafka: s.cfg, Codec: s.codec, From: t0.Add(10 * time.Minute), To: t0.Add(20 * time.Minute)}
	want("record time", seqs(byRecord), 10, 20)
	byOccurred := &KafkaHistory{Kafka: s.cfg, Codec: s.codec, ByOccurredAt: true,
		From: t0.Add(-55 * time.Minute), To: t0.Add(-50 * time.Minute)}
	want("occurred_at", seqs(byOccurred), 5, 10)
	future := &KafkaHistory{Kafka: s.cfg, Codec: s.codec, From: time.Now().Add(time.Hour)}
	want("after the end", seqs(future), 0, 0)

	// The sequence feeds Replay: the default policy against itself changes nothing.
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	h := &KafkaHistory{Kafka: s.cfg, Codec: s.codec}
	rep, err := Replay(h.Events(bounded(t)), p, p, ReplayOptions{})
	if err != nil || rep.Events != 30 || rep.Changed != 0 {
		t.Errorf("replay: %+v, %v", rep, err)
	}

	missing := &KafkaHistory{Kafka: s.cfg, Codec: s.codec, Topic: "no.such.topic"}
	for _, err := range missing.Events(context.Background()) {
		if err == nil {
			t.Fatal("events from a topic that does not exist")
		}
		if !errors.Is(err, kafkago.UnknownTopicOrPartition) && !errors.Is(err, errNoPartitions) {
			t.Errorf("missing topic: %v", err)
		}
		break
	}
}
