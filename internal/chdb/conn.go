package chdb

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"unsafe"
)

// conn is one engine connection. A connection runs one statement at a time,
// so a conn is used by one goroutine at a time (the pool guarantees it).
type conn struct {
	a     *api
	connp unsafe.Pointer // chdb_connection*, what chdb_close_conn takes
}

// connect opens a connection with the given command-line style arguments
// (--path=…, --<setting>=…). argv is built in Go memory and kept alive for the
// call; chDB copies what it keeps.
func connect(a *api, args []string) (*conn, error) {
	argv := make([]*byte, 0, len(args)+1)
	keep := make([][]byte, 0, len(args)+1)
	for _, s := range append([]string{"clickhouse"}, args...) {
		b := append([]byte(s), 0)
		keep = append(keep, b)
		argv = append(argv, &b[0])
	}
	p := a.connect(int32(len(argv)), unsafe.Pointer(&argv[0]))
	runtime.KeepAlive(keep)
	runtime.KeepAlive(argv)
	if p == nil || *(*unsafe.Pointer)(p) == nil {
		return nil, fmt.Errorf("chdb: connect with %q failed (see the engine log on stderr)", args)
	}
	return &conn{a: a, connp: p}, nil
}

// handle is the chdb_connection the query functions take.
func (c *conn) handle() unsafe.Pointer { return *(*unsafe.Pointer)(c.connp) }

func (c *conn) close() {
	if c.connp != nil {
		c.a.closeConn(c.connp)
		c.connp = nil
	}
}

// query runs one statement and copies its output out of C memory.
func (c *conn) query(sql, format string) ([]byte, error) {
	q := []byte(sql)
	f := []byte(format)
	res := c.a.queryN(c.handle(), bytesPtr(q), uintptr(len(q)), bytesPtr(f), uintptr(len(f)))
	runtime.KeepAlive(q)
	runtime.KeepAlive(f)
	if res == nil {
		return nil, fmt.Errorf("chdb: query returned no result")
	}
	defer c.a.destroyQueryResult(res)
	if msg := c.a.resultError(res); msg != "" {
		return nil, ParseEngineError(msg)
	}
	n := c.a.resultLength(res)
	if n == 0 {
		return nil, nil
	}
	buf := c.a.resultBuffer(res)
	if buf == nil {
		return nil, nil
	}
	out := make([]byte, n)
	copy(out, unsafe.Slice(buf, n))
	return out, nil
}

// insertChunk is how much of the body is handed to chDB per append; chDB
// copies each chunk, so one buffer is reused.
const insertChunk = 1 << 20

// insert streams body into "INSERT INTO <target>" with the given input
// format and returns the rows written. Chunks need not align with rows or
// blocks: the engine reassembles the byte stream.
func (c *conn) insert(query, format string, body io.Reader) (uint64, error) {
	q := []byte(query)
	f := []byte(format)
	st := c.a.streamInsertN(c.handle(), bytesPtr(q), uintptr(len(q)), bytesPtr(f), uintptr(len(f)))
	runtime.KeepAlive(q)
	runtime.KeepAlive(f)
	if st == nil {
		return 0, fmt.Errorf("chdb: stream insert returned no handle")
	}
	defer c.a.destroyInsertStream(st)
	if msg := c.a.streamInsertError(st); msg != "" {
		return 0, ParseEngineError(msg)
	}
	buf := make([]byte, insertChunk)
	for {
		n, rerr := io.ReadFull(body, buf)
		if n > 0 {
			if c.a.streamAppend(st, unsafe.Pointer(&buf[0]), uintptr(n)) != 0 {
				msg := c.a.streamInsertError(st)
				c.a.streamCancelInsert(st)
				return 0, ParseEngineError(orUnknown(msg))
			}
			runtime.KeepAlive(buf)
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			c.a.streamCancelInsert(st)
			return 0, fmt.Errorf("read insert body: %w", rerr)
		}
	}
	res := c.a.streamDone(st)
	if res == nil {
		return 0, fmt.Errorf("chdb: stream insert finished without a result")
	}
	defer c.a.destroyQueryResult(res)
	if msg := c.a.resultError(res); msg != "" {
		return 0, ParseEngineError(msg)
	}
	return c.a.resultRowsWritten(res), nil
}

func orUnknown(msg string) string {
	if msg == "" {
		return "stream append failed without a message"
	}
	return msg
}

// bytesPtr returns a pointer to b's first byte, or nil for an empty slice.
func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}
