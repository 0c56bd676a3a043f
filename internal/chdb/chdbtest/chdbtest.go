// Package chdbtest gives tests of other packages a real ClickHouse engine:
// one engine and data directory per test process, one database per test.
package chdbtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tollgate-io/tollgate/internal/chdb"
)

var (
	dirOnce sync.Once
	dir     string
	dirErr  error
	seq     atomic.Int64
)

// OpenForTest returns a DB whose connections use a fresh database named
// after the test, on the process's shared engine. The database is dropped
// and the pool closed when the test ends. A missing libchdb.so fails the
// test with instructions; it never skips.
func OpenForTest(t testing.TB) *chdb.DB {
	t.Helper()
	dataDir := chdb.DataDir()
	if dataDir == "" {
		// One directory per test process: the engine cannot switch data
		// directories, so every test shares it and isolates by database.
		dirOnce.Do(func() { dir, dirErr = os.MkdirTemp("", "tollgate-chdbtest-") })
		if dirErr != nil {
			t.Fatalf("chdbtest: create data dir: %v", dirErr)
		}
		dataDir = dir
	}
	name := DatabaseName(t.Name(), seq.Add(1))
	db, err := chdb.Open(chdb.Options{DataDir: dataDir, Database: name, PoolSize: 2})
	if errors.Is(err, chdb.ErrLibraryMissing) {
		t.Fatalf("chdbtest: this test needs the embedded ClickHouse engine: %v", err)
	}
	if err != nil {
		t.Fatalf("chdbtest: open engine: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Exec(context.Background(), "DROP DATABASE IF EXISTS "+chdb.QuoteIdent(name)+" SYNC"); err != nil {
			t.Errorf("chdbtest: drop database %s: %v", name, err)
		}
		_ = db.Close()
	})
	return db
}

// DatabaseName derives a valid, unique database name from a test name.
func DatabaseName(testName string, n int64) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range testName {
		if b.Len() >= 48 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return fmt.Sprintf("%s_%d", b.String(), n)
}
