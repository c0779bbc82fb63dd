package engine

import (
	"strings"
	"sync/atomic"

	"github.com/fiveapis/backend/domain/eventlog"
)

// sharedDecoder decodes an event once for all the generations an engine
// runs. The card projections all read the same events: live, one right after
// the other; rebuilding, side by side from position 0. Decoding was the
// largest cost of a catch-up in the server (about a quarter of its CPU), so
// the later readers of an event take the first one's result from a small
// table of recently decoded events, indexed by position. A slot holds the
// last event decoded into it; a reader that finds another event there (the
// generations drifted apart) decodes again. Projections that follow the log
// together (live, or catching up after a restart) have about half of all
// decodes answered from the table; in a long rebuild the generations drift
// further apart than it holds, and fewer (about 15 % over 1,000,000 events,
// docs/benchmarks.md).
//
// Decoding is a function of the event (upcasters are pure), so a cached
// envelope is what the reader's own decoding would give, with the reader's
// own RecordedEvent; errors are not cached. Decoded events are shared between
// projectors, as their Data already is: a projector must not modify what an
// event's slices or maps hold.
type sharedDecoder struct {
	next  eventlog.Decoder
	slots []atomic.Pointer[decodedEvent]
	shift uint // 64 - log2(len(slots))
}

// decodedEvent is the decoding of the event id at pos, without its
// RecordedEvent: the table keeps no event's bytes alive.
type decodedEvent struct {
	id  string
	pos eventlog.Position
	env eventlog.Envelope
}

// decodeTableBits sizes the table: 8,192 slots hold the events between two
// generations rebuilding side by side (a few MiB at most).
const decodeTableBits = 13

// newSharedDecoder returns a sharedDecoder with 2^sizeBits slots in front of
// next.
func newSharedDecoder(next eventlog.Decoder, sizeBits uint) *sharedDecoder {
	return &sharedDecoder{next: next, slots: make([]atomic.Pointer[decodedEvent], 1<<sizeBits), shift: 64 - sizeBits}
}

// slot spreads positions over the table (Fibonacci hashing): EventStoreDB's
// positions are byte offsets, and the events of one of its transactions
// share a commit position.
func (d *sharedDecoder) slot(pos eventlog.Position) *atomic.Pointer[decodedEvent] {
	return &d.slots[((pos.Commit+pos.Prepare*0x2545F4914F6CDD1D)*0x9E3779B97F4A7C15)>>d.shift]
}

// Decode implements eventlog.Decoder.
func (d *sharedDecoder) Decode(ev eventlog.RecordedEvent) (eventlog.Envelope, error) {
	s := d.slot(ev.Position)
	if c := s.Load(); c != nil && c.pos == ev.Position && c.id == ev.ID {
		env := c.env
		env.Recorded = ev
		return env, nil
	}
	env, err := d.next.Decode(ev)
	if err != nil {
		return env, err
	}
	kept := env
	kept.Recorded = eventlog.RecordedEvent{}
	// The id may point into a whole page's bytes (messaging.EventsFromPage):
	// a copy keeps only itself alive.
	s.Store(&decodedEvent{id: strings.Clone(ev.ID), pos: ev.Position, env: kept})
	return env, nil
}
