package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/broker"
	"github.com/tollgate-io/tollgate/internal/stage/stagetest"
)

// TestRawConsumerKeepsTheStageContract: the raw-topic consumer runs on package stage and
// passes its contract suite: one fate per record, every fate committed.
func TestRawConsumerKeepsTheStageContract(t *testing.T) {
	p := newPipeline(t, broker.StartForTest(t))
	var good, bad []kafkago.Message
	for i := range 6 {
		good = append(good, kafkago.Message{Topic: p.topics.Raw("okta"), Key: []byte("k"), Value: oktaHook(fmt.Sprintf("contract-%d", i))})
	}
	bad = append(bad, kafkago.Message{Topic: p.topics.Raw("okta"), Key: []byte("k"), Value: []byte(`{"data": not json`)},
		kafkago.Message{Topic: p.topics.Raw("cloudtrail"), Key: []byte("k"), Value: []byte(`{"Records":[{"eventTime":"2026-01-01T00:00:00Z"}]}`)})
	stagetest.Run(t, stagetest.Case{
		Kafka: p.cfg, DLQ: p.topics.DLQ, Good: good, Bad: bad, Outputs: 1, OutputTopics: []string{p.topics.Events},
		Start: func(t *testing.T, group string) func(context.Context) error {
			rc, err := ingest.NewRawConsumer(p.cfg, group, p.topics, ingest.NewKafkaProducer(p.codec, p.prod, p.topics.Events), p.prod, ingest.ParserOptions{}, 10*time.Second, nil)
			if err != nil {
				t.Fatal(err)
			}
			return rc.Run
		},
	})
}
