package pgstore

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Pages of the log are read from the rows' raw values: the ids, streams and
// types of a page share a few string chunks, its data and metadata a few
// byte chunks. Scan allocated five times per event (three strings, two byte
// slices) and went through a scan plan for each of its eight columns;
// reading the log was 13–20 % of the server's CPU in a rebuild. A page whose
// columns do not come as expected is read by Scan: the text results of a
// pool set to the simple protocol (default_query_exec_mode=simple_protocol in
// DATABASE_URL, as behind a transaction-pooling PgBouncer).

// rawReadable reports whether rows of readAllColumns came as rawEvent reads
// them: the numbers, bytes and time in binary, the text in either format
// (they are the same bytes).
func rawReadable(fds []pgconn.FieldDescription) bool {
	want := [...]uint32{pgtype.Int8OID, pgtype.TextOID, pgtype.TextOID, pgtype.Int8OID, pgtype.TextOID,
		pgtype.ByteaOID, pgtype.ByteaOID, pgtype.TimestamptzOID}
	if len(fds) != len(want) {
		return false
	}
	for i, fd := range fds {
		if fd.DataTypeOID != want[i] || want[i] != pgtype.TextOID && fd.Format != pgx.BinaryFormatCode {
			return false
		}
	}
	return true
}

// pageArena holds the bytes of one page's events in chunks: a full chunk is
// left as it is and a larger one started, so nothing is copied twice (a
// buffer grown by append copied more than Scan allocated).
type pageArena struct {
	strs  strings.Builder
	buf   []byte
	chunk int // size of the last chunk started
}

// next returns the size of the chunk to start for at least n bytes: 4 KiB
// first (a live page holds an event or two), then twice the last, up to
// 256 KiB.
func (a *pageArena) next(n int) int {
	a.chunk = min(max(a.chunk*2, 4<<10), 256<<10)
	return max(a.chunk, n)
}

// str returns b as a string of the page's current builder. Each string
// taken from a builder stays valid: it only appends, and a full one is
// replaced, not grown.
func (a *pageArena) str(b []byte) string {
	if a.strs.Cap()-a.strs.Len() < len(b) {
		a.strs = strings.Builder{}
		a.strs.Grow(a.next(len(b)))
	}
	start := a.strs.Len()
	a.strs.Write(b)
	return a.strs.String()[start:]
}

// bytes returns a copy of b in the page's current buffer, without room to
// grow into the next one. As from Scan, empty bytes are an empty slice, not
// nil.
func (a *pageArena) bytes(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		a.buf = make([]byte, 0, a.next(len(b)))
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// microsecFromUnixEpochToY2K is 2000-01-01, where PostgreSQL's binary
// timestamps count from, in microseconds since 1970-01-01.
const microsecFromUnixEpochToY2K = 946_684_800 * 1_000_000

// rawEvent reads one row of readAllColumns from its raw values (see
// rawReadable), as Scan would: recorded_at in the local time zone.
func (a *pageArena) rawEvent(vals [][]byte) (eventlog.RecordedEvent, error) {
	if len(vals) != 8 {
		return eventlog.RecordedEvent{}, fmt.Errorf("%d columns, want 8", len(vals))
	}
	for i, v := range vals {
		if v == nil {
			return eventlog.RecordedEvent{}, fmt.Errorf("column %d is null", i)
		}
	}
	if len(vals[0]) != 8 || len(vals[3]) != 8 || len(vals[7]) != 8 {
		return eventlog.RecordedEvent{}, fmt.Errorf("a bigint or timestamptz is not 8 bytes")
	}
	us := int64(binary.BigEndian.Uint64(vals[7])) + microsecFromUnixEpochToY2K
	if us < microsecFromUnixEpochToY2K-400*365*24*3600*1_000_000 || us > microsecFromUnixEpochToY2K+400*365*24*3600*1_000_000 {
		// Infinity, or a time no append writes (clock_timestamp()).
		return eventlog.RecordedEvent{}, fmt.Errorf("recorded_at %d µs from 1970 is out of range", us)
	}
	return eventlog.RecordedEvent{
		Position:   positionOf(int64(binary.BigEndian.Uint64(vals[0]))),
		ID:         a.str(vals[1]),
		StreamID:   a.str(vals[2]),
		Version:    binary.BigEndian.Uint64(vals[3]),
		Type:       a.str(vals[4]),
		Data:       a.bytes(vals[5]),
		Metadata:   a.bytes(vals[6]),
		RecordedAt: time.Unix(us/1_000_000, us%1_000_000*1_000),
	}, nil
}
