package router

import (
	"os"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// benchEvents is the default policy's own test cases: a mix of every action
// and source, including events decided late in the rule list and by the
// default.
func benchEvents(b *testing.B) []schemas.IdentityEvent {
	b.Helper()
	data, err := os.ReadFile("policies/default_test.yaml")
	if err != nil {
		b.Fatal(err)
	}
	tf, err := parseTestFile(data)
	if err != nil {
		b.Fatal(err)
	}
	var evs []schemas.IdentityEvent
	for _, c := range tf.Cases {
		e, err := c.events(nil)
		if err != nil {
			b.Fatal(err)
		}
		evs = append(evs, e...)
	}
	return evs
}

func BenchmarkDecide(b *testing.B) {
	p, err := DefaultPolicy()
	if err != nil {
		b.Fatal(err)
	}
	evs := benchEvents(b)
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := p.Decide(&evs[i%len(evs)], now); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
