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
// Only events that more than one consumer decodes are kept (see
// shareReadsOf): keeping the others cost a copy and an allocation each, and
// the garbage collector's time to scan the table, for nothing. A use of a
// card, the most frequent event, has one reader since card_usage took in
// the statistics.
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
	// readers count the consumers of each kind of event (set before use by
	// shareReadsOf); nil: every event is kept.
	readers *readerCounts
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
// next; it keeps every event until shareReadsOf says which.
func newSharedDecoder(next eventlog.Decoder, sizeBits uint) *sharedDecoder {
	return &sharedDecoder{next: next, slots: make([]atomic.Pointer[decodedEvent], 1<<sizeBits), shift: 64 - sizeBits}
}

// shareReadsOf keeps only the events that at least two of the consumers'
// filters let through.
func (d *sharedDecoder) shareReadsOf(filters []eventlog.Filter) {
	rc := &readerCounts{anyCategory: typeCounts{byType: map[string]int{}}, byCategory: map[string]*typeCounts{}}
	for _, f := range filters {
		if len(f.Categories) == 0 {
			rc.anyCategory.add(f.EventTypes)
		}
		for _, c := range f.Categories {
			tc := rc.byCategory[c]
			if tc == nil {
				tc = &typeCounts{byType: map[string]int{}}
				rc.byCategory[c] = tc
			}
			tc.add(f.EventTypes)
		}
	}
	d.readers = rc
}

// readerCounts counts the consumers whose filter lets an event through, by
// the event's category and type.
type readerCounts struct {
	anyCategory typeCounts             // filters without categories
	byCategory  map[string]*typeCounts // filters naming the category
}

// typeCounts counts filters by the event types they let through.
type typeCounts struct {
	anyType int            // filters without event types
	byType  map[string]int // filters naming the type
}

func (tc *typeCounts) add(types []string) {
	if len(types) == 0 {
		tc.anyType++
	}
	for _, t := range types {
		tc.byType[t]++
	}
}

func (tc *typeCounts) of(typ string) int { return tc.anyType + tc.byType[typ] }

// shared reports whether more than one consumer decodes ev.
func (rc *readerCounts) shared(ev eventlog.RecordedEvent) bool {
	n := rc.anyCategory.of(ev.Type)
	if tc := rc.byCategory[eventlog.Category(ev.StreamID)]; tc != nil {
		n += tc.of(ev.Type)
	}
	return n >= 2
}

// slot spreads positions over the table (Fibonacci hashing): EventStoreDB's
// positions are byte offsets, and the events of one of its transactions
// share a commit position.
func (d *sharedDecoder) slot(pos eventlog.Position) *atomic.Pointer[decodedEvent] {
	return &d.slots[((pos.Commit+pos.Prepare*0x2545F4914F6CDD1D)*0x9E3779B97F4A7C15)>>d.shift]
}

// Decode implements eventlog.Decoder.
func (d *sharedDecoder) Decode(ev eventlog.RecordedEvent) (eventlog.Envelope, error) {
	if d.readers != nil && !d.readers.shared(ev) {
		return d.next.Decode(ev)
	}
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
