package chhttp

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/tollgate-io/tollgate/internal/chdb"
)

// handshakeSQL is the query clickhouse-go's HTTP transport sends on connect.
const handshakeSQL = "SELECT displayName(), version(), revision(), timezone()"

// handshakeRevision is the protocol revision clickhouse-go decodes the
// handshake answer at (its client_protocol_version).
const handshakeRevision = 54460

func isHandshake(sql string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(sql), " "), handshakeSQL)
}

// handshake answers the connect query with the engine's name, version and
// time zone but revision() = 0: the engine writes Native at revision 0, and
// a client told revision 0 reads those bytes as they are.
func handshake(ctx context.Context, db *chdb.DB) ([]byte, error) {
	out, err := db.Query(ctx, "SELECT displayName(), version(), timezone()", "TabSeparated")
	if err != nil {
		return nil, err
	}
	f := strings.Split(strings.TrimRight(string(out), "\n"), "\t")
	if len(f) != 3 {
		return nil, fmt.Errorf("chhttp: unexpected handshake row %q", out)
	}
	return handshakeBlock(f[0], f[1], f[2]), nil
}

// handshakeBlock encodes the one-row answer as a Native block at
// handshakeRevision: block info, then each column with its
// custom-serialization flag.
func handshakeBlock(displayName, version, tz string) []byte {
	var b bytes.Buffer
	uv := func(v uint64) { b.Write(binary.AppendUvarint(nil, v)) }
	str := func(s string) { uv(uint64(len(s))); b.WriteString(s) }
	// Block info: field 1 is_overflows = false, field 2 bucket_num = -1, end.
	uv(1)
	b.WriteByte(0)
	uv(2)
	b.Write(binary.LittleEndian.AppendUint32(nil, 0xFFFFFFFF))
	uv(0)
	uv(4) // columns
	uv(1) // rows
	col := func(name, typ string) { str(name); str(typ); b.WriteByte(0) }
	col("displayName()", "String")
	str(displayName)
	col("version()", "String")
	str(version)
	col("revision()", "UInt32")
	b.Write(binary.LittleEndian.AppendUint32(nil, 0))
	col("timezone()", "String")
	str(tz)
	return b.Bytes()
}
