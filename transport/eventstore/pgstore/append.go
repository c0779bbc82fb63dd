package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// appendRequest is one Append call on its way to the database.
type appendRequest struct {
	ctx      context.Context
	stream   string
	category string
	expected eventlog.ExpectedVersion
	events   []eventlog.EventData // ids canonical, Data and Metadata non-nil
	done     chan appendResponse  // buffered, receives exactly one response
}

type appendResponse struct {
	res eventlog.AppendResult
	err error
	// answered is set by writeBatch on the responses it settled.
	answered bool
}

// Append writes events to the end of stream if expected holds. A failed check
// returns a *eventlog.WrongVersionError (matching
// eventlog.ErrWrongExpectedVersion). Appending events whose ids are already
// stored returns the result of the append that stored them, if they were
// stored by one call to this stream (and, with Exact, right after that
// version); otherwise it returns an error matching
// eventlog.ErrIdempotencyMismatch.
//
// Event ids must be UUIDs; they are stored in canonical (lowercase) form.
// Streams and event types starting with "$" are refused. Appending no events
// only checks expected and returns the stream's last version.
//
// If ctx ends while the request waits in the group-commit queue, Append
// returns ctx's error and the events may or may not have been written; a
// retry with the same event ids tells which.
func (s *Store) Append(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.EventData) (eventlog.AppendResult, error) {
	req, err := newAppendRequest(ctx, stream, expected, events)
	if err != nil {
		return eventlog.AppendResult{}, err
	}
	if s.isClosed() {
		return eventlog.AppendResult{}, fmt.Errorf("pgstore: append to %s: %w", stream, ErrClosed)
	}
	if len(req.events) == 0 {
		// Only a check, which needs no lock.
		res, _, err := s.precheck(ctx, req)
		return res, err
	}
	if s.writer != nil {
		return s.writer.submit(ctx, req)
	}
	return s.appendAlone(ctx, req)
}

func newAppendRequest(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.EventData) (*appendRequest, error) {
	if stream == "" {
		return nil, errors.New("pgstore: append: empty stream id")
	}
	if strings.HasPrefix(stream, "$") {
		return nil, fmt.Errorf("pgstore: append to %s: system streams (\"$…\") are not stored", stream)
	}
	req := &appendRequest{
		ctx:      ctx,
		stream:   stream,
		category: eventlog.Category(stream),
		expected: expected,
		events:   make([]eventlog.EventData, len(events)),
		done:     make(chan appendResponse, 1),
	}
	seen := make(map[string]bool, len(events))
	for i, e := range events {
		id, err := uuid.Parse(e.ID)
		if err != nil {
			return nil, fmt.Errorf("pgstore: append to %s: event %d: id %q is not a UUID: %w", stream, i, e.ID, err)
		}
		e.ID = id.String()
		if seen[e.ID] {
			return nil, fmt.Errorf("pgstore: append to %s: event %d: duplicate event id %s", stream, i, e.ID)
		}
		seen[e.ID] = true
		if e.Type == "" {
			return nil, fmt.Errorf("pgstore: append to %s: event %d (%s): empty event type", stream, i, e.ID)
		}
		if strings.HasPrefix(e.Type, "$") {
			return nil, fmt.Errorf("pgstore: append to %s: event %d (%s): system event types (%q) are not stored", stream, i, e.ID, e.Type)
		}
		if e.Data == nil {
			e.Data = []byte{}
		}
		if e.Metadata == nil {
			e.Metadata = []byte{}
		}
		req.events[i] = e
	}
	return req, nil
}

func (r *appendRequest) ids() []string {
	ids := make([]string, len(r.events))
	for i, e := range r.events {
		ids[i] = e.ID
	}
	return ids
}

// streamState is a stream's row in eventstore.streams.
type streamState struct {
	exists        bool
	lastVersion   uint64
	deletedBefore uint64
}

// current is the stream's last version for expected-version checks: nil when
// it has no events (never had or all deleted).
func (st streamState) current() *uint64 {
	if !st.exists || st.lastVersion < st.deletedBefore {
		return nil
	}
	v := st.lastVersion
	return &v
}

// next is the version the stream's next event gets.
func (st streamState) next() uint64 {
	if !st.exists {
		return 0
	}
	return st.lastVersion + 1
}

// storedEvent is where an already stored event id landed.
type storedEvent struct {
	stream   string
	version  uint64
	position int64
}

// logState is what the checks of a set of requests need: their streams'
// states and which of their event ids are stored.
type logState struct {
	streams map[string]streamState
	events  map[string]storedEvent
}

// loadStateSQL reads stream states and stored event ids in one statement, so
// both come from one snapshot.
const loadStateSQL = `
SELECT true, stream_id, last_version, deleted_before, NULL::text, 0::bigint
  FROM eventstore.streams WHERE stream_id = ANY($1::text[])
UNION ALL
SELECT false, stream_id, version, 0, event_id::text, position
  FROM eventstore.events WHERE event_id = ANY($2::text[]::uuid[])`

func scanState(rows pgx.Rows) (logState, error) {
	defer rows.Close()
	st := logState{streams: map[string]streamState{}, events: map[string]storedEvent{}}
	for rows.Next() {
		var (
			isStream     bool
			stream       string
			version, aux int64
			id           *string
			position     int64
		)
		if err := rows.Scan(&isStream, &stream, &version, &aux, &id, &position); err != nil {
			return logState{}, fmt.Errorf("scan state: %w", err)
		}
		if isStream {
			st.streams[stream] = streamState{exists: true, lastVersion: uint64(version), deletedBefore: uint64(aux)}
		} else {
			st.events[*id] = storedEvent{stream: stream, version: uint64(version), position: position}
		}
	}
	if err := rows.Err(); err != nil {
		return logState{}, fmt.Errorf("load state: %w", err)
	}
	return st, nil
}

// check decides a request against the state: done reports that the request
// is settled (an idempotent result or an error) and must not be written.
func (st logState) check(r *appendRequest) (res eventlog.AppendResult, done bool, err error) {
	if res, ok, err := st.idempotent(r); ok || err != nil {
		return res, true, err
	}
	current := st.streams[r.stream].current()
	if !r.expected.Satisfied(current) {
		return eventlog.AppendResult{}, true, &eventlog.WrongVersionError{Stream: r.stream, Expected: r.expected, Actual: current}
	}
	if len(r.events) == 0 {
		var res eventlog.AppendResult
		if current != nil {
			res.NextVersion = *current
		}
		return res, true, nil
	}
	return eventlog.AppendResult{}, false, nil
}

// idempotent reports whether r's events are already stored (ok) and whether
// they were stored by an append equal to r (err == nil).
func (st logState) idempotent(r *appendRequest) (eventlog.AppendResult, bool, error) {
	found := 0
	for _, e := range r.events {
		if _, ok := st.events[e.ID]; ok {
			found++
		}
	}
	if found == 0 {
		return eventlog.AppendResult{}, false, nil
	}
	mismatch := func(why string) (eventlog.AppendResult, bool, error) {
		return eventlog.AppendResult{}, false, fmt.Errorf("pgstore: append to %s: %s: %w", r.stream, why, eventlog.ErrIdempotencyMismatch)
	}
	if found < len(r.events) {
		return mismatch(fmt.Sprintf("%d of %d event ids already stored", found, len(r.events)))
	}
	first := st.events[r.events[0].ID]
	for i, e := range r.events {
		got := st.events[e.ID]
		if got.stream != r.stream {
			return mismatch(fmt.Sprintf("event %s is stored in stream %s", e.ID, got.stream))
		}
		if got.version != first.version+uint64(i) {
			return mismatch(fmt.Sprintf("event %s is stored at version %d, not %d", e.ID, got.version, first.version+uint64(i)))
		}
	}
	if v, ok := r.expected.ExactVersion(); ok && first.version != v+1 {
		return mismatch(fmt.Sprintf("events are stored from version %d, expected %d", first.version, v+1))
	}
	last := st.events[r.events[len(r.events)-1].ID]
	return eventlog.AppendResult{NextVersion: last.version, Position: positionOf(last.position)}, true, nil
}

// precheck checks r against a snapshot of the committed state; it settles
// appends of no events, which need no lock.
func (s *Store) precheck(ctx context.Context, r *appendRequest) (eventlog.AppendResult, bool, error) {
	rows, err := s.pool.Query(ctx, loadStateSQL, []string{r.stream}, r.ids())
	if err != nil {
		return eventlog.AppendResult{}, true, fmt.Errorf("pgstore: append to %s: load state: %w", r.stream, err)
	}
	st, err := scanState(rows)
	if err != nil {
		return eventlog.AppendResult{}, true, fmt.Errorf("pgstore: append to %s: %w", r.stream, err)
	}
	return st.check(r)
}
