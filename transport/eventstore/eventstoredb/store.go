// Package eventstoredb implements the event store port (eventlog.Store) on
// EventStoreDB / KurrentDB with the official gRPC client
// (github.com/EventStore/EventStore-Client-Go/v4/esdb).
//
// Mapping:
//
//   - Expected versions: Any, NoStream, StreamExists and Exact(v) are the
//     client's Any{}, NoStream{}, StreamExists{} and Revision(v).
//   - Positions: eventlog.Position is the server's $all position (commit,
//     prepare). Checkpoints are these positions; subscriptions and ReadAll
//     take one as an exclusive start.
//   - Append conflicts become *eventlog.WrongVersionError, with Actual when
//     the server reports the current revision. A retry of the same event ids
//     is answered by the server's idempotency check with the original result.
//   - DeleteStream soft-deletes (the client's DeleteStream): the events stay in
//     $all, ReadStream reports eventlog.ErrStreamNotFound, and an append with
//     NoStream or Any recreates the stream with versions that continue.
//   - System events (stream or event type starting with "$") never reach the
//     caller of ReadAll or SubscribeAll.
package eventstoredb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Store is an eventlog.Store on an EventStoreDB node or cluster. It is safe
// for concurrent use; Close releases it.
type Store struct {
	cfg Config

	mu     sync.Mutex
	client *esdb.Client
	closed bool
	subs   map[*subscription]struct{}
	ops    sync.WaitGroup // client calls in flight, including abandoned ones
	// inFlight counts ops too. While the node is unreachable the client
	// blocks calls until it is back; the calls whose context ended stay
	// blocked, and this bounds how many.
	inFlight atomic.Int64
}

// maxInFlight bounds the client calls in flight (see Store.inFlight).
const maxInFlight = 10_000

var _ eventlog.Store = (*Store)(nil)

var (
	// errClosed is returned by every method after Close.
	errClosed = errors.New("eventstoredb: store closed")
	// errBusy is returned when maxInFlight calls are in flight.
	errBusy = errors.New("eventstoredb: too many calls in flight (is the node reachable?)")
)

// New connects to the EventStoreDB named by cfg.ConnectionString and returns
// a Store. It fails when the node cannot be reached before ctx ends or within
// the discovery attempts of the connection string (maxDiscoverAttempts).
//
// After that first contact the Store's client never gives up rediscovering
// the node (it retries until the node is back; each call waits at most until
// its context or OperationTimeout ends): a client that gives up closes itself
// for good, and can leave calls in flight blocked forever.
func New(ctx context.Context, cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, subs: make(map[*subscription]struct{})}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	if err := s.probe(ctx); err != nil {
		return nil, fmt.Errorf("eventstoredb: connect: %w", err)
	}
	c, err := s.newClient()
	if err != nil {
		return nil, fmt.Errorf("eventstoredb: %w", err)
	}
	s.client = c
	return s, nil
}

// probe connects once with a client that has the connection string's own
// discovery attempts, so that a wrong address fails New.
func (s *Store) probe(ctx context.Context) error {
	conf, err := esdb.ParseConnectionString(s.cfg.ConnectionString)
	if err != nil {
		return fmt.Errorf("connection string: %w", err)
	}
	conf.Logger = clientLogger(s.cfg.Logger)
	c, err := esdb.NewClient(conf)
	if err != nil {
		return fmt.Errorf("new client: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.GetServerVersion()
		done <- err
		// Only this goroutine used the client: closing it cannot race.
		_ = c.Close()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) newClient() (*esdb.Client, error) {
	conf, err := esdb.ParseConnectionString(s.cfg.ConnectionString)
	if err != nil {
		return nil, fmt.Errorf("connection string: %w", err)
	}
	conf.Logger = clientLogger(s.cfg.Logger)
	conf.MaxDiscoverAttempts = math.MaxInt32
	c, err := esdb.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("new client: %w", err)
	}
	return c, nil
}

// Close ends every subscription and closes the connection. It waits (a
// bounded time) for the calls in flight, because the client may panic when it
// is closed under a call.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	subs := make([]*subscription, 0, len(s.subs))
	for sub := range s.subs {
		subs = append(subs, sub)
	}
	client := s.client
	s.mu.Unlock()

	for _, sub := range subs {
		_ = sub.Close()
	}
	idle := make(chan struct{})
	go func() {
		s.ops.Wait()
		close(idle)
	}()
	select {
	case <-idle:
		return client.Close()
	case <-time.After(5 * time.Second):
		s.cfg.Logger.Warn("eventstoredb: calls still in flight at close; leaving the client connection open")
		return nil
	}
}

// Append writes events to the end of stream if expected holds.
func (s *Store) Append(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.EventData) (eventlog.AppendResult, error) {
	if stream == "" {
		return eventlog.AppendResult{}, errors.New("append: empty stream id")
	}
	if len(events) == 0 {
		// The server accepts it as a bare version check, but then has no
		// version to report for a stream without events.
		return eventlog.AppendResult{}, fmt.Errorf("append to %s: no events", stream)
	}
	data := make([]esdb.EventData, len(events))
	for i, e := range events {
		id, err := uuid.Parse(e.ID)
		if err != nil {
			return eventlog.AppendResult{}, fmt.Errorf("append to %s: event %d: id %q is not a UUID: %w", stream, i, e.ID, err)
		}
		if e.Type == "" {
			return eventlog.AppendResult{}, fmt.Errorf("append to %s: event %d: empty type", stream, i)
		}
		ct := esdb.ContentTypeJson
		if !json.Valid(e.Data) {
			ct = esdb.ContentTypeBinary
		}
		data[i] = esdb.EventData{EventID: id, EventType: e.Type, ContentType: ct, Data: e.Data, Metadata: e.Metadata}
	}

	ctx, cancel := s.opContext(ctx)
	defer cancel()
	res, err := call(ctx, s, func(ctx context.Context, c *esdb.Client) (*esdb.WriteResult, error) {
		return c.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: toRevision(expected)}, data...)
	}, nil)
	if err != nil {
		return eventlog.AppendResult{}, s.appendError(ctx, stream, expected, events, err)
	}
	out := eventlog.AppendResult{
		NextVersion: res.NextExpectedVersion,
		Position:    eventlog.Position{Commit: res.CommitPosition, Prepare: res.PreparePosition},
	}
	if out.Position.IsStart() {
		// An idempotent retry is answered without a position when the
		// server cannot read the event back; read it ourselves.
		if last, err := s.readOne(ctx, stream, esdb.Backwards, esdb.Revision(res.NextExpectedVersion)); err == nil && last.Version == res.NextExpectedVersion {
			out.Position = last.Position
		}
	}
	return out, nil
}

// appendError maps a failed append to the port's errors.
func (s *Store) appendError(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.EventData, err error) error {
	if actual, ok := wrongVersion(err); ok {
		if s.idempotencyMismatch(ctx, stream, expected, events, actual) {
			return fmt.Errorf("append to %s: %w: the first event id was appended before with different events after it", stream, eventlog.ErrIdempotencyMismatch)
		}
		return &eventlog.WrongVersionError{Stream: stream, Expected: expected, Actual: actual}
	}
	if isCode(err, esdb.ErrorCodeStreamDeleted) {
		// The server answers StreamExists on a soft-deleted stream with
		// "stream deleted"; for the port that stream has no events.
		if expected.IsStreamExists() {
			if _, rerr := s.readOne(ctx, stream, esdb.Backwards, esdb.End{}); errors.Is(rerr, eventlog.ErrStreamNotFound) {
				return &eventlog.WrongVersionError{Stream: stream, Expected: expected}
			}
		}
		return fmt.Errorf("append to %s: %w", stream, eventlog.ErrStreamDeleted)
	}
	return fmt.Errorf("append to %s: %w", stream, err)
}

// idempotencyMismatch tells whether a wrong-expected-version answer is the
// server's "corrupted idempotency": the first event id is already in the
// stream where this append would have put it, but the ids after it differ.
// (The server reports both cases the same way.)
func (s *Store) idempotencyMismatch(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.EventData, actual *uint64) bool {
	switch {
	case expected.IsAny():
		// Any fails only on corrupted idempotency.
		return true
	case expected.IsStreamExists():
		// StreamExists fails on a stream without events or on corrupted
		// idempotency.
		return actual != nil
	}
	var at uint64 // where the first event would have gone
	if v, ok := expected.ExactVersion(); ok {
		at = v + 1
	}
	if actual == nil || *actual < at || len(events) < 2 {
		return false
	}
	rec, err := s.readOne(ctx, stream, esdb.Forwards, esdb.Revision(at))
	return err == nil && rec.Version == at && strings.EqualFold(rec.ID, events[0].ID)
}

// ReadStream returns events of one stream.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventlog.ReadStreamOptions) ([]eventlog.RecordedEvent, error) {
	if stream == "" {
		return nil, errors.New("read stream: empty stream id")
	}
	if opts.Max < 0 {
		return nil, fmt.Errorf("read %s: negative max %d", stream, opts.Max)
	}
	ro := esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Revision(opts.From)}
	if opts.Direction == eventlog.Backwards {
		ro.Direction = esdb.Backwards
	}
	if opts.FromEnd {
		ro.From = esdb.End{}
	}
	count := uint64(math.MaxInt64)
	if opts.Max > 0 {
		count = uint64(opts.Max)
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	recs, err := s.read(ctx, stream, ro, count)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	// A stream whose events were all truncated answers with no events
	// rather than "not found".
	whole := (opts.Direction == eventlog.Forwards && !opts.FromEnd && opts.From == 0) ||
		(opts.Direction == eventlog.Backwards && opts.FromEnd)
	if len(recs) == 0 && whole {
		return nil, fmt.Errorf("read %s: %w", stream, eventlog.ErrStreamNotFound)
	}
	return recs, nil
}

// read reads up to count events of stream and maps the stream errors.
func (s *Store) read(ctx context.Context, stream string, ro esdb.ReadStreamOptions, count uint64) ([]eventlog.RecordedEvent, error) {
	recs, err := call(ctx, s, func(ctx context.Context, c *esdb.Client) ([]eventlog.RecordedEvent, error) {
		rs, err := c.ReadStream(ctx, stream, ro, count)
		if err != nil {
			return nil, err
		}
		defer rs.Close()
		var out []eventlog.RecordedEvent
		for {
			ev, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			out = append(out, toRecorded(ev))
		}
	}, nil)
	switch {
	case err == nil:
		return recs, nil
	case isCode(err, esdb.ErrorCodeResourceNotFound):
		return nil, eventlog.ErrStreamNotFound
	case isCode(err, esdb.ErrorCodeStreamDeleted):
		return nil, eventlog.ErrStreamDeleted
	default:
		return nil, err
	}
}

// readOne reads the first event of a one-event read.
func (s *Store) readOne(ctx context.Context, stream string, dir esdb.Direction, from esdb.StreamPosition) (eventlog.RecordedEvent, error) {
	recs, err := s.read(ctx, stream, esdb.ReadStreamOptions{Direction: dir, From: from}, 1)
	if err != nil {
		return eventlog.RecordedEvent{}, err
	}
	if len(recs) == 0 {
		return eventlog.RecordedEvent{}, eventlog.ErrStreamNotFound
	}
	return recs[0], nil
}

// ReadAll returns the next page of the global log after opts.After. The
// client cannot send a filter with a $all read, so the adapter reads batches
// of $all and filters them itself.
func (s *Store) ReadAll(ctx context.Context, opts eventlog.ReadAllOptions) ([]eventlog.RecordedEvent, error) {
	limit := opts.Max
	if limit == 0 {
		limit = s.cfg.PageSize
	}
	if limit < 0 {
		return nil, fmt.Errorf("read $all: negative max %d", opts.Max)
	}
	unfiltered := len(opts.Filter.Categories) == 0 && len(opts.Filter.EventTypes) == 0
	batch := s.cfg.ReadBatchSize
	if unfiltered {
		// Only system events are skipped: a little more than a page does.
		batch = min(batch, limit+16)
	}
	batch = max(batch, 2) // the first event of a batch may be the cursor itself

	ctx, cancel := s.opContext(ctx)
	defer cancel()
	cursor, started := opts.After, !opts.After.IsStart()
	out := make([]eventlog.RecordedEvent, 0, min(limit, 1024))
	for len(out) < limit {
		var from esdb.AllPosition = esdb.Start{}
		if started {
			from = esdb.Position{Commit: cursor.Commit, Prepare: cursor.Prepare}
		}
		page, err := call(ctx, s, func(ctx context.Context, c *esdb.Client) ([]eventlog.RecordedEvent, error) {
			rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: from}, uint64(batch))
			if err != nil {
				return nil, err
			}
			defer rs.Close()
			page := make([]eventlog.RecordedEvent, 0, batch)
			for {
				ev, err := rs.Recv()
				if errors.Is(err, io.EOF) {
					return page, nil
				}
				if err != nil {
					return nil, err
				}
				page = append(page, toRecorded(ev))
			}
		}, nil)
		if err != nil {
			return nil, fmt.Errorf("read $all after %s: %w", cursor, err)
		}
		for _, r := range page {
			// A $all read includes the event at its start position.
			if started && !cursor.Less(r.Position) {
				continue
			}
			cursor, started = r.Position, true
			if isSystem(r) || !opts.Filter.Match(r.StreamID, r.Type) {
				continue
			}
			if out = append(out, r); len(out) == limit {
				break
			}
		}
		if len(page) < batch {
			break // end of the log
		}
	}
	return out, nil
}

// DeleteStream soft-deletes stream if expected holds.
func (s *Store) DeleteStream(ctx context.Context, stream string, expected eventlog.ExpectedVersion) error {
	if stream == "" {
		return errors.New("delete: empty stream id")
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	// The server soft-deletes a stream without events too (it only writes
	// metadata) when expected is Any or NoStream; the port reports
	// ErrStreamNotFound, so look first.
	if _, err := s.readOne(ctx, stream, esdb.Backwards, esdb.End{}); err != nil {
		return fmt.Errorf("delete %s: %w", stream, err)
	}
	_, err := call(ctx, s, func(ctx context.Context, c *esdb.Client) (*esdb.DeleteResult, error) {
		return c.DeleteStream(ctx, stream, esdb.DeleteStreamOptions{ExpectedRevision: toRevision(expected)})
	}, nil)
	switch {
	case err == nil:
		return nil
	case isCode(err, esdb.ErrorCodeStreamDeleted):
		return fmt.Errorf("delete %s: %w", stream, eventlog.ErrStreamDeleted)
	}
	if actual, ok := wrongVersion(err); ok {
		return fmt.Errorf("delete %s: %w", stream, &eventlog.WrongVersionError{Stream: stream, Expected: expected, Actual: actual})
	}
	return fmt.Errorf("delete %s: %w", stream, err)
}

func (s *Store) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.OperationTimeout)
}

// acquire returns the client for one call and counts the call in flight.
func (s *Store) acquire() (*esdb.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if s.inFlight.Load() >= maxInFlight {
		return nil, errBusy
	}
	s.ops.Add(1)
	s.inFlight.Add(1)
	return s.client, nil
}

// release ends a call started with acquire.
func (s *Store) release() {
	s.inFlight.Add(-1)
	s.ops.Done()
}

// renew replaces a client that gave up: after a failed rediscovery the client
// marks itself closed and answers every call with ErrorCodeConnectionClosed.
// (With unlimited discovery attempts this should not happen; it is the last
// line of defence.) It reports whether the call can be retried.
func (s *Store) renew(old *esdb.Client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.client != old {
		return true // renewed by another call
	}
	c, err := s.newClient()
	if err != nil {
		s.cfg.Logger.Error("eventstoredb: cannot renew the client", "err", err)
		return false
	}
	// The old client's connection loop has already ended. Closing it could
	// panic a goroutine still blocked on it, so it is dropped as it is.
	s.client = c
	s.cfg.Logger.Warn("eventstoredb: the client gave up on the node; connecting again with a new one")
	return true
}

func (s *Store) track(sub *subscription) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.subs[sub] = struct{}{}
	return true
}

func (s *Store) untrack(sub *subscription) {
	s.mu.Lock()
	delete(s.subs, sub)
	s.mu.Unlock()
}

type result[T any] struct {
	v   T
	err error
}

// call runs fn with the current client and returns when fn does or when ctx
// ends, whichever comes first: the client can block without a deadline (it
// serialises connection handling on one goroutine, and rediscovery blocks it
// for seconds). When ctx wins, discard (if any) receives fn's late result.
// A client that gave up (ErrorCodeConnectionClosed, answered before anything
// is sent) is renewed and the call made once more.
func call[T any](ctx context.Context, s *Store, fn func(context.Context, *esdb.Client) (T, error), discard func(T)) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		c, err := s.acquire()
		if err != nil {
			return zero, err
		}
		done := make(chan result[T], 1)
		go func() {
			defer s.release()
			v, err := fn(ctx, c)
			done <- result[T]{v, err}
		}()
		select {
		case r := <-done:
			if r.err != nil && attempt == 0 && isCode(r.err, esdb.ErrorCodeConnectionClosed) && s.renew(c) {
				continue
			}
			return r.v, r.err
		case <-ctx.Done():
			if discard != nil {
				go func() {
					if r := <-done; r.err == nil {
						discard(r.v)
					}
				}()
			}
			return zero, ctx.Err()
		}
	}
}

func toRevision(e eventlog.ExpectedVersion) esdb.ExpectedRevision {
	switch {
	case e.IsNoStream():
		return esdb.NoStream{}
	case e.IsStreamExists():
		return esdb.StreamExists{}
	}
	if v, ok := e.ExactVersion(); ok {
		return esdb.Revision(v)
	}
	return esdb.Any{}
}

// toRecorded converts a read or delivered event. Links are not resolved, so
// the original event is the stored record.
func toRecorded(ev *esdb.ResolvedEvent) eventlog.RecordedEvent {
	r := ev.OriginalEvent()
	pos := eventlog.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
	if r.Position.Commit == math.MaxUint64 {
		// Servers before 2022 (EventStore PR #3459) send no $all position
		// with stream reads: -1 on the wire.
		pos = eventlog.Position{}
	}
	return eventlog.RecordedEvent{
		ID:         r.EventID.String(),
		StreamID:   r.StreamID,
		Version:    r.EventNumber,
		Position:   pos,
		Type:       r.EventType,
		Data:       emptyToNil(r.Data),
		Metadata:   emptyToNil(r.UserMetadata),
		RecordedAt: r.CreatedDate,
	}
}

// isSystem reports an event of the server's own ($-prefixed stream or type).
func isSystem(r eventlog.RecordedEvent) bool {
	return strings.HasPrefix(r.StreamID, "$") || strings.HasPrefix(r.Type, "$")
}

func emptyToNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
