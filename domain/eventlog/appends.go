package eventlog

import (
	"context"
	"sync"
)

// Appends records what one unit of work (an HTTP request) appended to the
// log: the last position and, per stream category, the event types. The
// HTTP edge derives read-your-writes from it: it waits for the consumers
// whose filters follow those events, never for a list a handler wrote by
// hand. A store decorator records every successful append made with a
// context that carries an Appends (WithAppends); other contexts record
// nothing.
type Appends struct {
	mu      sync.Mutex
	last    Position
	events  []appendedEvent
	settled Position
	// ends are the appends in order: each one's stream, last event type
	// and position (Reached).
	ends []appendEnd
}

type appendedEvent struct{ stream, typ string }

// appendEnd is one append: its stream, the types of its events in order,
// and the position of its last event.
type appendEnd struct {
	stream string
	types  []string
	pos    Position
}

type appendsKey struct{}

// WithAppends returns ctx carrying a new, empty record.
func WithAppends(ctx context.Context) (context.Context, *Appends) {
	a := &Appends{}
	return context.WithValue(ctx, appendsKey{}, a), a
}

// AppendsFrom returns the record ctx carries, if any.
func AppendsFrom(ctx context.Context) (*Appends, bool) {
	a, ok := ctx.Value(appendsKey{}).(*Appends)
	return a, ok
}

// RecordAppend notes that events of the given types were appended to stream
// at pos (the position of the last of them), when ctx carries a record.
// The record keeps types: pass a slice that is not written to afterwards.
func RecordAppend(ctx context.Context, stream string, pos Position, types ...string) {
	a, ok := AppendsFrom(ctx)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last.Less(pos) {
		a.last = pos
	}
	if len(types) > 0 {
		a.ends = append(a.ends, appendEnd{stream: stream, types: types, pos: pos})
	}
	for _, t := range types {
		e := appendedEvent{stream: stream, typ: t}
		if !containsEvent(a.events, e) {
			a.events = append(a.events, e)
		}
	}
}

func containsEvent(es []appendedEvent, e appendedEvent) bool {
	for _, x := range es {
		if x.typ == e.typ && Category(x.stream) == Category(e.stream) {
			return true
		}
	}
	return false
}

// Last is the position of the last event appended (Start when none).
func (a *Appends) Last() Position {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}

// Matches reports whether f lets through any event appended.
func (a *Appends) Matches(f Filter) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.events {
		if f.Match(e.stream, e.typ) {
			return true
		}
	}
	return false
}

// Reached returns the position a consumer following f must reach to
// reflect every event recorded in a that f lets through: the position of
// the last append with such an event (Start when none). exact tells that
// this is the position of an event f lets through (that append's last
// event), so the consumer gets there by applying it; otherwise f skips the
// event at that position, and a filtered consumer's checkpoint moves past
// it only when the consumer checks for progress.
func (a *Appends) Reached(f Filter) (pos Position, exact bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.ends {
		if !pos.Less(e.pos) {
			continue
		}
		for _, t := range e.types {
			if f.Match(e.stream, t) {
				pos, exact = e.pos, f.Match(e.stream, e.types[len(e.types)-1])
				break
			}
		}
	}
	return pos, exact
}

// Unsettled returns the last position if the read models have not yet been
// waited for up to it (Settled), and whether there is one.
func (a *Appends) Unsettled() (Position, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last, !a.last.IsStart() && a.settled.Less(a.last)
}

// Settled notes that the read models were waited for up to pos.
func (a *Appends) Settled(pos Position) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.settled.Less(pos) {
		a.settled = pos
	}
}
