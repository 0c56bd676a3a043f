package registry

import (
	"log/slog"
	"testing"
)

// StartForTest starts an in-memory registry on a random loopback port for
// the length of the test t and returns it. Other packages' tests use it as
// their Schema Registry.
func StartForTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start(Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("start schema registry: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return s
}
