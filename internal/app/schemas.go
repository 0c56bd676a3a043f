package app

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// NewRegistryClient returns a Schema Registry client for the `registry:` section.
func NewRegistryClient(c RegistryConfig) (*sr.Client, error) {
	opts := []sr.ClientOpt{sr.URLs(c.URL), sr.UserAgent("tollgate")}
	if c.Username != "" {
		opts = append(opts, sr.BasicAuth(c.Username, c.Password.Reveal()))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	return cl, nil
}

// Registration is one subject a schema was registered under.
type Registration struct {
	Subject string
	Record  string
	ID      int
}

// RegisterSchemas registers every topic's value schema (TopicNameStrategy) through c and
// returns what was registered. It is idempotent, and fails with a clear error when the
// registry holds an incompatible latest version; services call it at start and refuse to run
// then.
func RegisterSchemas(ctx context.Context, c *codec.Codec, topics kafka.Topics) ([]Registration, error) {
	plan := []struct {
		topic string
		v     any
	}{{topics.Events, &schemas.IdentityEvent{}}, {topics.Findings, &schemas.Finding{}}}
	for _, lane := range topics.LaneTopics() {
		plan = append(plan, struct {
			topic string
			v     any
		}{lane, &schemas.RoutedEvent{}})
	}
	var out []Registration
	for _, p := range plan {
		id, err := c.Register(ctx, p.topic, p.v)
		if err != nil {
			return out, err
		}
		out = append(out, Registration{Subject: codec.Subject(p.topic), Record: fmt.Sprintf("%T", p.v)[len("*schemas."):], ID: id})
	}
	return out, nil
}

// NewCodec connects a codec to the configured registry.
func NewCodec(c RegistryConfig) (*codec.Codec, *sr.Client, error) {
	cl, err := NewRegistryClient(c)
	if err != nil {
		return nil, nil, err
	}
	codec, err := codec.NewCodec(cl)
	if err != nil {
		return nil, nil, err
	}
	return codec, cl, nil
}

// RegistryCheck is the /readyz probe of the registry.
func RegistryCheck(cl *sr.Client) Check {
	return func(ctx context.Context) error {
		if _, err := cl.Subjects(ctx); err != nil {
			return fmt.Errorf("schema registry unreachable: %w", err)
		}
		return nil
	}
}
