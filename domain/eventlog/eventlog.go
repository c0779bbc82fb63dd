// Package eventlog holds the vocabulary of the event log that every layer shares:
// the event store port, positions, expected versions, recorded events and their
// metadata, and the errors every adapter reports in the same way.
//
// It is pure: no I/O, no clock, no randomness. Adapters live in
// transport/eventstore; command handlers and projectors consume the port.
package eventlog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event is a domain fact. Every event struct has a stable, versioned wire name
// such as "CardUsed_v1", returned by EventType and declared as a constant in its
// domain package; it is never derived by reflection.
type Event interface {
	EventType() string
}

// Position is a place in the global log. Commit is the ordering key; Prepare is
// kept for EventStoreDB, whose $all positions have both parts (the PostgreSQL
// store sets both to its global sequence number). The zero Position means
// "before the first event".
type Position struct {
	Commit  uint64 `json:"commit"`
	Prepare uint64 `json:"prepare"`
}

// Start is the position before the first event of the global log.
var Start = Position{}

// IsStart reports whether p is the position before the first event.
func (p Position) IsStart() bool { return p.Commit == 0 && p.Prepare == 0 }

// Less reports whether p comes before q in the global log.
func (p Position) Less(q Position) bool {
	if p.Commit != q.Commit {
		return p.Commit < q.Commit
	}
	return p.Prepare < q.Prepare
}

// String renders the position as "commit/prepare", the form used in response
// headers, SSE ids and the CLI. ParsePosition reads it back.
func (p Position) String() string {
	b := make([]byte, 0, 41)
	b = strconv.AppendUint(b, p.Commit, 10)
	b = append(b, '/')
	return string(strconv.AppendUint(b, p.Prepare, 10))
}

// ParsePosition parses "commit/prepare" or a bare "commit" (prepare = commit).
func ParsePosition(s string) (Position, error) {
	var p Position
	s = strings.TrimSpace(s)
	if s == "" {
		return p, fmt.Errorf("parse position: empty")
	}
	c, pr, found := strings.Cut(s, "/")
	// The common form, without fmt (ParsePosition runs for every message a
	// projector receives); anything else goes through Sscanf as before.
	if cv, err := strconv.ParseUint(c, 10, 64); err == nil {
		if !found {
			return Position{Commit: cv, Prepare: cv}, nil
		}
		if pv, err := strconv.ParseUint(pr, 10, 64); err == nil {
			return Position{Commit: cv, Prepare: pv}, nil
		}
	}
	if _, err := fmt.Sscanf(c, "%d", &p.Commit); err != nil {
		return Position{}, fmt.Errorf("parse position %q: %w", s, err)
	}
	p.Prepare = p.Commit
	if found {
		if _, err := fmt.Sscanf(pr, "%d", &p.Prepare); err != nil {
			return Position{}, fmt.Errorf("parse position %q: %w", s, err)
		}
	}
	return p, nil
}

// ExpectedVersion is the optimistic-concurrency condition of an append.
type ExpectedVersion struct {
	kind    expectKind
	version uint64
}

type expectKind uint8

const (
	expectAny expectKind = iota
	expectNoStream
	expectStreamExists
	expectExact
)

// Any appends whatever the stream's state.
func Any() ExpectedVersion { return ExpectedVersion{kind: expectAny} }

// NoStream appends only if the stream has no events (and was not deleted).
func NoStream() ExpectedVersion { return ExpectedVersion{kind: expectNoStream} }

// StreamExists appends only if the stream has at least one event.
func StreamExists() ExpectedVersion { return ExpectedVersion{kind: expectStreamExists} }

// Exact appends only if the stream's last event has version v (0-based).
func Exact(v uint64) ExpectedVersion { return ExpectedVersion{kind: expectExact, version: v} }

// AfterVersion is the condition for appending to a stream as it was read:
// NoStream when the stream had no events (last == nil), Exact(*last) otherwise.
func AfterVersion(last *uint64) ExpectedVersion {
	if last == nil {
		return NoStream()
	}
	return Exact(*last)
}

// IsAny, IsNoStream, IsStreamExists and Exact describe the condition.
func (e ExpectedVersion) IsAny() bool          { return e.kind == expectAny }
func (e ExpectedVersion) IsNoStream() bool     { return e.kind == expectNoStream }
func (e ExpectedVersion) IsStreamExists() bool { return e.kind == expectStreamExists }

// ExactVersion returns the exact version and true when the condition is Exact.
func (e ExpectedVersion) ExactVersion() (uint64, bool) { return e.version, e.kind == expectExact }

// Satisfied reports whether a stream whose last version is current (nil: no
// events) meets the condition.
func (e ExpectedVersion) Satisfied(current *uint64) bool {
	switch e.kind {
	case expectNoStream:
		return current == nil
	case expectStreamExists:
		return current != nil
	case expectExact:
		return current != nil && *current == e.version
	default:
		return true
	}
}

func (e ExpectedVersion) String() string {
	switch e.kind {
	case expectNoStream:
		return "no-stream"
	case expectStreamExists:
		return "stream-exists"
	case expectExact:
		return fmt.Sprintf("%d", e.version)
	default:
		return "any"
	}
}

// EventData is an event ready to append: its id (a UUID string; retrying an
// append with the same ids is idempotent), wire type, JSON payload and JSON
// metadata.
type EventData struct {
	ID       string
	Type     string
	Data     []byte
	Metadata []byte
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	ID         string
	StreamID   string
	Version    uint64 // 0-based position of the event in its stream
	Position   Position
	Type       string
	Data       []byte
	Metadata   []byte
	RecordedAt time.Time
}

// Category is the part of the stream id before the first dash.
func (r RecordedEvent) Category() string { return Category(r.StreamID) }

// AppendResult tells where an append landed.
type AppendResult struct {
	// NextVersion is the version of the last event now in the stream.
	NextVersion uint64
	// Position is the global position of the last appended event.
	Position Position
}

// Direction is the direction of a read.
type Direction uint8

const (
	Forwards Direction = iota
	Backwards
)

// ReadStreamOptions selects events of one stream.
type ReadStreamOptions struct {
	Direction Direction
	// From is the first version to read (inclusive). When reading backwards
	// with FromEnd set, reading starts at the last event.
	From    uint64
	FromEnd bool
	// Max is the number of events to return at most; 0 means no limit.
	Max int
}

// Filter restricts global-log reads and subscriptions. Empty slices mean
// "everything". System events (types or streams starting with "$") are never
// returned by either adapter.
type Filter struct {
	Categories []string
	EventTypes []string
}

// Match reports whether the filter lets the event through.
func (f Filter) Match(streamID, eventType string) bool {
	if len(f.Categories) > 0 && !contains(f.Categories, Category(streamID)) {
		return false
	}
	if len(f.EventTypes) > 0 && !contains(f.EventTypes, eventType) {
		return false
	}
	return true
}

// ReadAllOptions selects events of the global log.
type ReadAllOptions struct {
	// After is exclusive: events with Position > After are returned, in order.
	// Start (the zero value) reads from the first event.
	After  Position
	Filter Filter
	// Max is the number of events to return at most; 0 means the adapter's
	// default page size.
	Max int
}

// SubscribeOptions selects what a catch-up subscription delivers.
type SubscribeOptions struct {
	// After is exclusive, as in ReadAllOptions.
	After  Position
	Filter Filter
}

// Subscription is a catch-up subscription to the global log: it delivers every
// stored event after the start position, in global order, then every new one as
// it is committed, never skipping one and never repeating one.
type Subscription interface {
	// Recv blocks for the next event. It returns ctx's error when ctx ends and
	// ErrSubscriptionClosed after Close.
	Recv(ctx context.Context) (RecordedEvent, error)
	Close() error
}

// BacklogReporter is implemented by subscriptions that know, without waiting,
// whether more events follow the last one Recv returned: consumers use it to
// tell catching up (batch, checkpoint seldom) from following the head
// (commit, checkpoint now). Call it between Recv calls.
type BacklogReporter interface {
	// Backlog reports whether events after the last one Recv returned are
	// already known to wait. It is a hint, not a promise: an event appended
	// a moment ago may not be known yet, and a page of history that ended
	// exactly at the head may look like more.
	Backlog() bool
}

// Store is the event store port. Both adapters (PostgreSQL, EventStoreDB)
// implement it and pass the same contract suite.
type Store interface {
	// Append writes events to the end of a stream if expected holds; otherwise
	// it returns an error matching ErrWrongExpectedVersion. Appending events
	// whose ids were already appended by the same call returns the original
	// result.
	Append(ctx context.Context, stream string, expected ExpectedVersion, events []EventData) (AppendResult, error)
	// ReadStream returns events of one stream; a stream with no events
	// returns ErrStreamNotFound.
	ReadStream(ctx context.Context, stream string, opts ReadStreamOptions) ([]RecordedEvent, error)
	// ReadAll returns a page of the global log.
	ReadAll(ctx context.Context, opts ReadAllOptions) ([]RecordedEvent, error)
	// SubscribeAll starts a catch-up subscription to the global log.
	SubscribeAll(ctx context.Context, opts SubscribeOptions) (Subscription, error)
	// DeleteStream soft-deletes a stream, as EventStoreDB does: ReadStream
	// then reports ErrStreamNotFound, the events stay in the global log (the
	// audit trail is never edited), and appending with NoStream or Any starts
	// the stream again, its versions continuing after the deleted ones.
	// Deleting a stream with no events gives ErrStreamNotFound.
	DeleteStream(ctx context.Context, stream string, expected ExpectedVersion) error
}

// Errors every adapter reports, matched with errors.Is.
var (
	ErrWrongExpectedVersion = errors.New("wrong expected version")
	ErrStreamNotFound       = errors.New("stream not found")
	ErrStreamDeleted        = errors.New("stream deleted")
	ErrSubscriptionClosed   = errors.New("subscription closed")
	// ErrIdempotencyMismatch reports an append whose event ids were partly
	// appended before, or appended to another stream or position.
	ErrIdempotencyMismatch = errors.New("event ids already appended differently")
)

// WrongVersionError details a failed expected-version check; it matches
// ErrWrongExpectedVersion.
type WrongVersionError struct {
	Stream   string
	Expected ExpectedVersion
	// Actual is the stream's last version, nil when it has no events.
	Actual *uint64
}

func (e *WrongVersionError) Error() string {
	actual := "none"
	if e.Actual != nil {
		actual = fmt.Sprintf("%d", *e.Actual)
	}
	return fmt.Sprintf("append to %s: expected version %s, actual %s", e.Stream, e.Expected, actual)
}

// Is makes WrongVersionError match ErrWrongExpectedVersion.
func (e *WrongVersionError) Is(target error) bool { return target == ErrWrongExpectedVersion }

// Category returns the category of a stream id: the part before the first dash
// ("card-1042" → "card").
func Category(streamID string) string {
	c, _, _ := strings.Cut(streamID, "-")
	return c
}

// StreamID builds "<category>-<id>". The category must be lowercase letters and
// digits without dashes (so EventStoreDB's $ce- projection and the PostgreSQL
// store agree); it panics otherwise because that is a programming error.
func StreamID(category, id string) string {
	if !ValidCategory(category) {
		panic(fmt.Sprintf("eventlog: invalid stream category %q", category))
	}
	return category + "-" + id
}

// ValidCategory reports whether c is a valid stream category.
func ValidCategory(c string) bool {
	if c == "" {
		return false
	}
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
