package esdbfake

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/google/uuid"
)

// The in-memory database behind the fake server. Its rules follow the
// EventStoreDB server (IndexWriter.CheckCommit, StorageWriterService and
// IndexReader), not the eventlog port: the adapter is what turns the server's
// behaviour into the port's, so the fake must not do that job for it.

// Expected versions as the server encodes them (ExpectedVersion in the server).
const (
	expectNoStream     int64 = -1
	expectAny          int64 = -2
	expectStreamExists int64 = -4
)

// deletedStream is EventNumber.DeletedStream: the $tb of a soft-deleted stream
// and the event number of a tombstone.
const deletedStream int64 = math.MaxInt64

// record is one entry of the transaction log. Every record is an event of the
// global log; commit and prepare positions are equal, as for the events that
// a gRPC append writes on a v20+ server (each one a committed prepare).
type record struct {
	id          uuid.UUID
	stream      string
	revision    int64
	eventType   string
	contentType string
	data        []byte
	metadata    []byte
	created     time.Time
	pos         uint64
}

// stream is the index entry of one stream.
type stream struct {
	events []*record // index = revision; truncated events stay (they are still in $all)
	// truncateBefore is the $tb of the stream metadata: the first revision a
	// stream read returns. deletedStream while soft-deleted.
	truncateBefore int64
	softDeleted    bool
	tombstoned     bool
}

// current is the last event number as the index knows it: -1 without events,
// the last revision otherwise (soft deletion does not change it).
func (st *stream) current() int64 {
	if st == nil {
		return expectNoStream
	}
	return int64(len(st.events)) - 1
}

type eventInfo struct {
	stream   string
	revision int64
}

type decision int

const (
	decisionOK decision = iota
	decisionIdempotent
	decisionWrongVersion
	decisionDeleted
)

type commitCheck struct {
	decision    decision
	current     int64
	first, last int64 // the idempotent range
	softDeleted bool  // the write recreates a soft-deleted stream
}

// db is the fake server's state. Every field is guarded by mu.
type db struct {
	mu        sync.Mutex
	log       []*record
	streams   map[string]*stream
	committed map[uuid.UUID]eventInfo
	nextPos   uint64
	// changed is closed and replaced on every write: live subscriptions wait
	// on it.
	changed chan struct{}
	now     func() time.Time
}

func newDB() *db {
	d := &db{
		streams:   make(map[string]*stream),
		committed: make(map[uuid.UUID]eventInfo),
		nextPos:   4096, // a real log starts with epoch and system records
		changed:   make(chan struct{}),
		now:       time.Now,
	}
	// A fresh EventStoreDB already has system events in $all; readers of
	// the global log must skip them.
	d.writeSystem("$$$scavenges", "$metadata", []byte(`{"$maxAge":2592000}`))
	d.writeSystem("$user-admin", "$UserCreated", []byte(`{"loginName":"admin"}`))
	d.writeSystem("$users", "$User", []byte(`"admin"`))
	return d
}

// checkCommit is the server's IndexWriter.CheckCommit: the decision for a
// write of ids to name with the expected version.
func (d *db) checkCommit(name string, expected int64, ids []uuid.UUID) commitCheck {
	st := d.streams[name]
	cur := st.current()
	if st != nil && st.tombstoned {
		return commitCheck{decision: decisionDeleted, current: deletedStream}
	}
	soft := st != nil && st.softDeleted
	wrong := commitCheck{decision: decisionWrongVersion, current: cur}
	ok := commitCheck{decision: decisionOK, current: cur, softDeleted: soft}

	if expected == expectStreamExists {
		if soft {
			return commitCheck{decision: decisionDeleted, current: cur}
		}
		if cur < 0 {
			return wrong
		}
	}

	// Idempotency of Any and StreamExists relies on the ids of recently
	// committed events (a bounded cache on the real server).
	if expected == expectAny || expected == expectStreamExists {
		first, last := int64(-1), int64(-1)
		for i, id := range ids {
			info, found := d.committed[id]
			if !found || info.stream != name {
				if i == 0 {
					return ok
				}
				return wrong // corrupted idempotency
			}
			if i == 0 {
				first = info.revision
			}
			last = info.revision
		}
		if len(ids) == 0 {
			return ok
		}
		return commitCheck{decision: decisionIdempotent, current: cur, first: first, last: last}
	}

	if expected < cur {
		n := expected
		for i, id := range ids {
			n++
			if n < int64(len(st.events)) && st.events[n].id == id {
				continue
			}
			if i > 0 {
				return wrong // corrupted idempotency
			}
			if expected == expectNoStream && soft {
				return ok
			}
			return wrong
		}
		if n == expected {
			return wrong
		}
		return commitCheck{decision: decisionIdempotent, current: cur, first: expected + 1, last: n}
	}
	if expected > cur {
		return wrong
	}
	return ok
}

// proposed is an event as the client proposes it.
type proposed struct {
	id          uuid.UUID
	eventType   string
	contentType string
	data        []byte
	metadata    []byte
}

// write appends events to name after a decisionOK check and returns the last
// record (nil when events is empty). A write to a soft-deleted stream
// recreates it: its $tb becomes the first new revision, as the server's
// SoftUndeleteStream does.
func (d *db) write(name string, check commitCheck, events []proposed) *record {
	st := d.streams[name]
	if st == nil {
		st = &stream{}
		d.streams[name] = st
	}
	var last *record
	for _, e := range events {
		last = d.appendRecord(name, st, e)
	}
	if check.softDeleted {
		st.softDeleted = false
		st.truncateBefore = check.current + 1
		d.writeSystem("$$"+name, "$metadata", fmt.Appendf(nil, `{"$tb":%d}`, check.current+1))
	}
	d.notify()
	return last
}

// softDelete writes the metadata that soft-deletes name ($tb = max).
func (d *db) softDelete(name string) *record {
	st := d.streams[name]
	if st == nil {
		st = &stream{}
		d.streams[name] = st
	}
	st.softDeleted = true
	st.truncateBefore = deletedStream
	r := d.writeSystem("$$"+name, "$metadata", fmt.Appendf(nil, `{"$tb":%d}`, deletedStream))
	d.notify()
	return r
}

// tombstone hard-deletes name: a "$streamDeleted" record in the stream itself.
func (d *db) tombstone(name string) *record {
	st := d.streams[name]
	if st == nil {
		st = &stream{}
		d.streams[name] = st
	}
	st.tombstoned = true
	r := &record{
		id: uuid.New(), stream: name, revision: deletedStream,
		eventType: "$streamDeleted", contentType: "application/octet-stream",
		data: []byte{}, metadata: []byte{}, created: d.now(),
	}
	d.place(r)
	d.notify()
	return r
}

func (d *db) appendRecord(name string, st *stream, e proposed) *record {
	r := &record{
		id: e.id, stream: name, revision: int64(len(st.events)),
		eventType: e.eventType, contentType: e.contentType,
		data: e.data, metadata: e.metadata, created: d.now(),
	}
	d.place(r)
	st.events = append(st.events, r)
	d.committed[e.id] = eventInfo{stream: name, revision: r.revision}
	return r
}

// writeSystem appends a system event ($-stream, $-type) as a regular event.
func (d *db) writeSystem(name, eventType string, data []byte) *record {
	st := d.streams[name]
	if st == nil {
		st = &stream{}
		d.streams[name] = st
	}
	return d.appendRecord(name, st, proposed{
		id: uuid.New(), eventType: eventType, contentType: "application/json", data: data, metadata: []byte{},
	})
}

// place gives r the next log position. Positions grow by the record's size,
// like the byte offsets of the real transaction file, so they are not dense.
func (d *db) place(r *record) {
	r.pos = d.nextPos
	d.nextPos += uint64(64 + len(r.stream) + len(r.eventType) + len(r.data) + len(r.metadata))
	d.log = append(d.log, r)
}

func (d *db) notify() {
	close(d.changed)
	d.changed = make(chan struct{})
}

// lastPos is the position of the last record.
func (d *db) lastPos() uint64 {
	if len(d.log) == 0 {
		return 0
	}
	return d.log[len(d.log)-1].pos
}

// firstAtOrAfter is the index of the first record whose position is >= pos.
func (d *db) firstAtOrAfter(pos uint64) int {
	lo, hi := 0, len(d.log)
	for lo < hi {
		mid := (lo + hi) / 2
		if d.log[mid].pos < pos {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
