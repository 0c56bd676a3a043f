package chdb

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// DefaultFormat is the output format Query uses when none is given. It is
// ClickHouse's own default text format: one row per line, tab separated.
const DefaultFormat = "TabSeparated"

// DefaultPoolSize is the number of engine connections an Open keeps when
// Options.PoolSize is zero. Statements on one connection serialize.
const DefaultPoolSize = 4

// Options configures Open.
type Options struct {
	// LibPath is an explicit path to libchdb.so. Empty means
	// TOLLGATE_CHDB_LIB, then the cache filled by scripts/libchdb.sh. Only the
	// first Open in a process loads the library.
	LibPath string
	// DataDir holds the engine's databases. Required. All Opens in one
	// process must use the same directory (see ErrDataDirInUse).
	DataDir string
	// PoolSize is the number of connections; 0 means DefaultPoolSize.
	PoolSize int
	// Database, when set, is created if missing and made the current
	// database of every pooled connection.
	Database string
	// Settings are ClickHouse query-level settings applied to every pooled
	// connection. They are added to the defaults below and override them.
	Settings map[string]string
}

// defaultSettings bring the engine closer to a server's defaults: this chDB
// build enables async_insert, which a ClickHouse server does not.
var defaultSettings = map[string]string{
	"async_insert": "0",
}

// DB is a pool of connections to the in-process engine. It is safe for
// concurrent use; each statement runs on one pooled connection.
type DB struct {
	database string
	pool     chan *conn
	done     chan struct{}
	size     int
	once     sync.Once
}

// Open boots the engine on opts.DataDir if needed and returns a pool of
// connections to it.
func Open(opts Options) (*DB, error) {
	a, dir, err := boot(opts.LibPath, opts.DataDir)
	if err != nil {
		return nil, err
	}
	size := opts.PoolSize
	if size <= 0 {
		size = DefaultPoolSize
	}
	args := connArgs(dir, opts.Settings)
	db := &DB{database: opts.Database, pool: make(chan *conn, size), done: make(chan struct{}), size: size}
	if opts.Database != "" {
		if _, err := engine.anchor.queryLocked("CREATE DATABASE IF NOT EXISTS " + QuoteIdent(opts.Database)); err != nil {
			return nil, fmt.Errorf("chdb: create database %s: %w", opts.Database, err)
		}
	}
	for i := 0; i < size; i++ {
		c, err := connect(a, args)
		if err == nil && opts.Database != "" {
			if _, qerr := c.query("USE "+QuoteIdent(opts.Database), DefaultFormat); qerr != nil {
				c.close()
				err = fmt.Errorf("chdb: use database %s: %w", opts.Database, qerr)
			}
		}
		if err != nil {
			close(db.done)
			db.drain(i)
			return nil, err
		}
		db.pool <- c
	}
	return db, nil
}

// queryLocked runs a statement on the anchor connection, serialized by the
// engine lock because the anchor is shared by every Open.
func (c *conn) queryLocked(sql string) ([]byte, error) {
	engine.mu.Lock()
	defer engine.mu.Unlock()
	return c.query(sql, DefaultFormat)
}

func connArgs(dir string, settings map[string]string) []string {
	merged := map[string]string{}
	for k, v := range defaultSettings {
		merged[k] = v
	}
	for k, v := range settings {
		merged[k] = v
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := []string{"--path=" + dir}
	for _, k := range keys {
		args = append(args, "--"+k+"="+merged[k])
	}
	return args
}

// Database returns the database the pool's connections use, "" for the
// engine's default.
func (db *DB) Database() string { return db.database }

// acquire takes a connection, honouring ctx and Close. A done ctx never
// starts a statement.
func (db *DB) acquire(ctx context.Context) (*conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("chdb: %w", err)
	}
	select {
	case <-db.done:
		return nil, ErrClosed
	default:
	}
	select {
	case c := <-db.pool:
		if err := ctx.Err(); err != nil {
			db.pool <- c
			return nil, fmt.Errorf("chdb: %w", err)
		}
		return c, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("chdb: %w", ctx.Err())
	case <-db.done:
		return nil, ErrClosed
	}
}

func (db *DB) release(c *conn) { db.pool <- c }

// Exec runs a statement and discards its output.
func (db *DB) Exec(ctx context.Context, sql string) error {
	_, err := db.Query(ctx, sql, "Null")
	return err
}

// Query runs a statement and returns its output in format (DefaultFormat
// when empty). A FORMAT clause in sql takes precedence. An empty result is
// nil: the engine returns no bytes, not even a header.
func (db *DB) Query(ctx context.Context, sql, format string) ([]byte, error) {
	if format == "" {
		format = DefaultFormat
	}
	c, err := db.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer db.release(c)
	out, err := c.query(sql, format)
	if err != nil {
		return nil, fmt.Errorf("chdb: query %s: %w", abbrev(sql), err)
	}
	return out, nil
}

// Insert streams body into table in the given input format (Native,
// RowBinary, JSONEachRow, TabSeparated, …) through chDB's streaming insert,
// so bodies of any size arrive whole. table may carry a column list, e.g.
// "db.t (a, b)". It returns the number of rows written.
func (db *DB) Insert(ctx context.Context, table, format string, body io.Reader) (uint64, error) {
	if format == "" {
		return 0, fmt.Errorf("chdb: insert into %s: format is required", table)
	}
	c, err := db.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer db.release(c)
	n, err := c.insert("INSERT INTO "+table, format, body)
	if err != nil {
		return 0, fmt.Errorf("chdb: insert into %s: %w", table, err)
	}
	return n, nil
}

// InsertBytes is Insert for a body already in memory.
func (db *DB) InsertBytes(ctx context.Context, table, format string, body []byte) (uint64, error) {
	return db.Insert(ctx, table, format, bytes.NewReader(body))
}

// Close waits for in-flight statements and closes the pool's connections.
// The engine itself keeps running for the rest of the process.
func (db *DB) Close() error {
	db.once.Do(func() {
		close(db.done)
		db.drain(db.size)
	})
	return nil
}

// drain closes n pooled connections, waiting for each to be released.
func (db *DB) drain(n int) {
	for i := 0; i < n; i++ {
		c := <-db.pool
		c.close()
	}
}

// QuoteIdent quotes a ClickHouse identifier with backticks.
func QuoteIdent(name string) string {
	return "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`").Replace(name) + "`"
}

// abbrev shortens a statement for error messages.
func abbrev(sql string) string {
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > 120 {
		return sql[:117] + "..."
	}
	return sql
}
