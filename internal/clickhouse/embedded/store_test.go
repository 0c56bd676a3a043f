package embedded

import (
	"testing"

	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
)

// newStore returns a Store on a fresh test database of the process's engine.
func newStore(t testing.TB) *Store {
	t.Helper()
	return New(chdbtest.OpenForTest(t))
}
