package messaging

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Pages: while a consumer catches up, the LogSubscriber can send a run of
// consecutive events as one message (WithPageSize), because Watermill's costs
// are per message: the router runs every message in a fresh goroutine (whose
// stack grows again each time), copies it, passes it through the middleware
// and waits for its ack. A page pays them once for up to its size events.
//
// A page never changes what a consumer sees per event: EventHandler calls the
// event function for each of the page's events in order, with the backlog
// hint each would have had alone. Retries and the poison policy concern
// single events only, so a page is never retried or parked as a whole: when
// an event of a page fails, the page is nacked, the subscriber takes the
// events before it as handled, and sends the failing event again alone, as an
// ordinary event message that Retry and the poison policy then handle; the
// events after it follow in a new page. That event's first attempt was the
// one in the page, so the router retries it as often, and as soon, as it
// would have without pages (MetadataFailedInPage).

// DefaultPageSize is the largest page RunConsumer asks for.
const DefaultPageSize = 256

// pageMagic starts every page payload (format version 1).
const pageMagic = "wmp1"

// A page that the LogSubscriber hands to a handler in this process carries
// its events in the message's context (withPageEvents) and has no payload
// (newPageHeader): encoding every event's bytes into a payload only for the
// handler to decode them again was a fifth of the bytes a rebuild allocated.
// EventsFromPage takes them from there, and from the payload otherwise.

// pageEventsKey is the context key of a page's events.
type pageEventsKey struct{}

// withPageEvents returns ctx carrying events, the page a message sent with
// ctx holds.
func withPageEvents(ctx context.Context, events []eventlog.RecordedEvent) context.Context {
	return context.WithValue(ctx, pageEventsKey{}, events)
}

// newPageHeader returns a page message for events without their payload:
// its metadata only (see NewPageMessage).
func newPageHeader(events []eventlog.RecordedEvent) *message.Message {
	first, last := events[0], events[len(events)-1]
	msg := message.NewMessage(first.ID, nil)
	msg.Metadata.Set(MetadataPage, strconv.Itoa(len(events)))
	msg.Metadata.Set(MetadataPosition, last.Position.String())
	return msg
}

// NewPageMessage returns the page message for events, which must be
// consecutive events of the log in order, at least one. Its payload holds
// the events in a compact binary form (see EventsFromPage), cheaper to write
// and read than a message per event; MetadataPage is their number and
// MetadataPosition the last one's position.
func NewPageMessage(events []eventlog.RecordedEvent) *message.Message {
	size := len(pageMagic)
	for _, ev := range events {
		size += 8*binary.MaxVarintLen64 + len(ev.ID) + len(ev.StreamID) + len(ev.Type) + len(ev.Data) + len(ev.Metadata)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, pageMagic...)
	for _, ev := range events {
		buf = appendBytes(buf, ev.ID)
		buf = appendBytes(buf, ev.StreamID)
		buf = appendBytes(buf, ev.Type)
		buf = appendBytes(buf, ev.Data)
		buf = appendBytes(buf, ev.Metadata)
		buf = binary.AppendUvarint(buf, ev.Version)
		buf = binary.AppendUvarint(buf, ev.Position.Commit)
		buf = binary.AppendUvarint(buf, ev.Position.Prepare)
		buf = binary.AppendVarint(buf, ev.RecordedAt.Unix())
		buf = binary.AppendUvarint(buf, uint64(ev.RecordedAt.Nanosecond()))
	}
	msg := newPageHeader(events)
	msg.Payload = buf
	return msg
}

func appendBytes[T string | []byte](buf []byte, b T) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(b)))
	return append(buf, b...)
}

// IsPage reports whether msg is a page message (see NewPageMessage).
func IsPage(msg *message.Message) bool {
	return msg.Metadata.Get(MetadataPage) != ""
}

// EventsFromPage returns the events of a page message, in log order: those
// its context carries when the LogSubscriber sent it in this process,
// otherwise those of its payload. They share the subscriber's events or the
// payload: they must not be modified.
func EventsFromPage(msg *message.Message) ([]eventlog.RecordedEvent, error) {
	n, err := strconv.Atoi(msg.Metadata.Get(MetadataPage))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("messaging: message %s: not a page (%s %q)", msg.UUID, MetadataPage, msg.Metadata.Get(MetadataPage))
	}
	if events, ok := msg.Context().Value(pageEventsKey{}).([]eventlog.RecordedEvent); ok {
		if len(events) != n {
			return nil, fmt.Errorf("messaging: page %s: %d events in its context, %d in its metadata", msg.UUID, len(events), n)
		}
		return events, nil
	}
	d := pageDecoder{buf: msg.Payload}
	if string(d.take(len(pageMagic))) != pageMagic {
		return nil, fmt.Errorf("messaging: page %s: unknown payload format", msg.UUID)
	}
	// One buffer holds the page's ids, streams and types, so that decoding
	// allocates per page rather than per field, and only for those: the
	// data and metadata stay in the payload. A builder only appends, so each
	// string taken from it stays valid when it grows.
	var strs strings.Builder
	strs.Grow(n * 96)
	str := func() string {
		b := d.bytes()
		if d.err != nil {
			return ""
		}
		start := strs.Len()
		strs.Write(b)
		return strs.String()[start:]
	}
	events := make([]eventlog.RecordedEvent, n)
	for i := range events {
		ev := &events[i]
		ev.ID = str()
		ev.StreamID = str()
		ev.Type = str()
		// Empty data and metadata read back as nil, as from event messages
		// (metadata) and stores (both).
		if b := d.bytes(); len(b) > 0 {
			ev.Data = b
		}
		if b := d.bytes(); len(b) > 0 {
			ev.Metadata = b
		}
		ev.Version = d.uvarint()
		ev.Position.Commit = d.uvarint()
		ev.Position.Prepare = d.uvarint()
		sec := d.varint()
		nsec := d.uvarint()
		ev.RecordedAt = time.Unix(sec, int64(nsec)).UTC()
		if d.err != nil {
			return nil, fmt.Errorf("messaging: page %s: event %d of %d: %w", msg.UUID, i+1, n, d.err)
		}
		if ev.StreamID == "" || ev.Type == "" {
			return nil, fmt.Errorf("messaging: page %s: event %d of %d has no stream or type", msg.UUID, i+1, n)
		}
	}
	if d.off != len(d.buf) {
		return nil, fmt.Errorf("messaging: page %s: %d bytes after its %d events", msg.UUID, len(d.buf)-d.off, n)
	}
	return events, nil
}

var errPageTruncated = errors.New("payload truncated")

// pageDecoder reads a page payload; the first error sticks.
type pageDecoder struct {
	buf []byte
	off int
	err error
}

func (d *pageDecoder) take(n int) []byte {
	if d.err != nil || n < 0 || len(d.buf)-d.off < n {
		d.err = errPageTruncated
		return nil
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

func (d *pageDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		d.err = errPageTruncated
		return 0
	}
	d.off += n
	return v
}

func (d *pageDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf[d.off:])
	if n <= 0 {
		d.err = errPageTruncated
		return 0
	}
	d.off += n
	return v
}

func (d *pageDecoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.err = errPageTruncated
		return nil
	}
	return d.take(int(n))
}

// pageProgressKey is the context key of a page delivery's pageProgress.
type pageProgressKey struct{}

// pageProgress counts the events of a page its handler has handled, and
// keeps the error of the one that failed: when the page is nacked, the
// subscriber sends the rest again from the first event not handled, alone,
// with that error (pageFailure). The subscriber reads it only after the nack.
type pageProgress struct {
	handled atomic.Int64
	failure atomic.Pointer[error]
}

func withPageProgress(ctx context.Context) (context.Context, *pageProgress) {
	p := &pageProgress{}
	return context.WithValue(ctx, pageProgressKey{}, p), p
}

// markPageHandled records that the first n events of the page msg were
// handled.
func markPageHandled(msg *message.Message, n int) {
	if p, ok := msg.Context().Value(pageProgressKey{}).(*pageProgress); ok {
		p.handled.Store(int64(n))
	}
}

// markPageFailed records the error of the page msg's first event not handled.
func markPageFailed(msg *message.Message, err error) {
	if p, ok := msg.Context().Value(pageProgressKey{}).(*pageProgress); ok {
		p.failure.Store(&err)
	}
}

// pageFailureKey is the context key of the error with which an event failed
// in a page, on the message that sends it again alone.
type pageFailureKey struct{}

// withPageFailure returns ctx carrying err (see pageFailure).
func withPageFailure(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, pageFailureKey{}, err)
}

// pageFailure returns the error with which the event of a message marked
// MetadataFailedInPage failed in its page, or nil if it is not known.
func pageFailure(ctx context.Context) error {
	err, _ := ctx.Value(pageFailureKey{}).(error)
	return err
}

// PageEventError is a page handler's failure at one of its events. The page
// is not retried or parked: the subscriber sends that event again alone.
type PageEventError struct {
	// Index is the failing event's index in the page; Event the event.
	Index int
	Event eventlog.RecordedEvent
	Err   error
}

func (e *PageEventError) Error() string {
	return fmt.Sprintf("messaging: page event %d (%s %s at %s): %v", e.Index+1, e.Event.Type, e.Event.ID, e.Event.Position, e.Err)
}

func (e *PageEventError) Unwrap() error { return e.Err }
