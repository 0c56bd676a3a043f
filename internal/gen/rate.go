package gen

import (
	"context"
	"time"
)

// tokenBucket paces Run: rate tokens a second, bursts up to one second's worth.
type tokenBucket struct {
	rate   float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, now time.Time) *tokenBucket {
	return &tokenBucket{rate: rate, tokens: 1, last: now}
}

// wait takes one token, sleeping until one is available or ctx ends.
func (b *tokenBucket) wait(ctx context.Context) error {
	for {
		now := time.Now()
		b.tokens = min(b.rate, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
		if b.tokens >= 1 {
			b.tokens--
			return nil
		}
		d := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
