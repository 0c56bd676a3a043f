package kafka

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Dead-letter header names. The record value and key are the original bytes; these headers
// say where it came from and why it could not be processed.
const (
	DLQHeaderStage     = "tollgate_dlq_stage"     // ingest, router, auditor
	DLQHeaderError     = "tollgate_dlq_error"     // the error text
	DLQHeaderTopic     = "tollgate_dlq_topic"     // source topic
	DLQHeaderPartition = "tollgate_dlq_partition" // source partition
	DLQHeaderOffset    = "tollgate_dlq_offset"    // source offset
	DLQHeaderTime      = "tollgate_dlq_time"      // when it was dead-lettered, RFC 3339
	// Set by ingest on items of an HTTP request (no source topic: topic is empty,
	// partition and offset -1).
	DLQHeaderSource    = "tollgate_dlq_source"    // ingest source name (okta, entra, …)
	DLQHeaderIndex     = "tollgate_dlq_index"     // the item's index in the request's batch
	DLQHeaderTruncated = "tollgate_dlq_truncated" // original value size, when the value was cut to fit
)

// DeadLetter returns the dead-letter record for msg: the original key, value and headers,
// plus headers naming the stage, the error and the origin. Produce it to the DLQ topic and
// commit the original only after that produce was acknowledged.
func DeadLetter(dlqTopic, stage string, msg kafka.Message, cause error, now time.Time) kafka.Message {
	headers := make([]kafka.Header, 0, len(msg.Headers)+6)
	headers = append(headers, msg.Headers...)
	headers = append(headers,
		kafka.Header{Key: DLQHeaderStage, Value: []byte(stage)},
		kafka.Header{Key: DLQHeaderError, Value: []byte(truncate(cause.Error(), 4096))},
		kafka.Header{Key: DLQHeaderTopic, Value: []byte(msg.Topic)},
		kafka.Header{Key: DLQHeaderPartition, Value: []byte(strconv.Itoa(msg.Partition))},
		kafka.Header{Key: DLQHeaderOffset, Value: []byte(strconv.FormatInt(msg.Offset, 10))},
		kafka.Header{Key: DLQHeaderTime, Value: []byte(now.UTC().Format(time.RFC3339Nano))},
	)
	return kafka.Message{Topic: dlqTopic, Key: msg.Key, Value: msg.Value, Headers: headers}
}

// SendDeadLetter produces the dead-letter record of msg and waits for its acknowledgement.
func (p *Producer) SendDeadLetter(ctx context.Context, dlqTopic, stage string, msg kafka.Message, cause error) error {
	if err := p.Produce(ctx, DeadLetter(dlqTopic, stage, msg, cause, time.Now())); err != nil {
		return fmt.Errorf("dead-lettering %s/%d@%d: %w", msg.Topic, msg.Partition, msg.Offset, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
