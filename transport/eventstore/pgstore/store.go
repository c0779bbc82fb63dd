package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// appendLockKey is the key of the transaction-level advisory lock every
// appending transaction (and DeleteStream) holds from before it draws its
// first position until it has committed. See the package documentation.
const appendLockKey int64 = 0x6576656e746c6f67 // "eventlog"

// NotifyChannel is the LISTEN/NOTIFY channel on which every appending
// transaction announces its last position.
const NotifyChannel = "eventstore_appended"

// ErrClosed is returned by a Store's methods after Close.
var ErrClosed = errors.New("pgstore: store closed")

// Store is the PostgreSQL event store. It is safe for concurrent use. Create it
// with New after Migrate, and Close it before closing its pool.
type Store struct {
	pool *pgxpool.Pool
	cfg  Config

	// ctx ends when Close is called; it stops the listener.
	ctx    context.Context
	cancel context.CancelFunc

	writer    *writer // nil when group commit is disabled
	announcer *announcer
	notifier  *notifier
	tail      *tail // nil when Config.TailCapacity < 0

	// stats keeps the planner's statistics of the tables current.
	stats statistics
	// snapshots counts the snapshot reads of writeBatch, for tests.
	snapshots atomic.Int64
	// checkedWrites counts the writes that fell back from fastApplySQL to
	// applySQL, for tests.
	checkedWrites atomic.Int64

	mu     sync.Mutex
	closed bool
	subs   map[*subscription]struct{}
}

var (
	_ eventlog.Store   = (*Store)(nil)
	_ eventlog.Notices = (*Store)(nil)
)

// New returns a Store on pool; the schema must have been created by Migrate.
// The pool stays owned by the caller.
func New(pool *pgxpool.Pool, cfg Config) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: new: nil pool")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Store{
		pool:   pool,
		cfg:    cfg,
		ctx:    ctx,
		cancel: cancel,
		subs:   make(map[*subscription]struct{}),
	}
	s.stats.store = s
	s.announcer = newAnnouncer(s)
	s.notifier = newNotifier(ctx, pool.Config().ConnConfig, cfg.ReconnectDelay)
	if cfg.TailCapacity > 0 {
		s.tail = newTail(s, cfg.TailCapacity)
	}
	if !cfg.DisableGroupCommit {
		s.writer = newWriter(s)
	}
	return s, nil
}

// Close stops the Store: appends already queued are still written, new ones
// fail with ErrClosed, open subscriptions are closed and the notification
// listener disconnects. It does not close the pool. Close is idempotent.
func (s *Store) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	subs := s.subs
	s.subs = nil
	s.mu.Unlock()

	if s.writer != nil {
		s.writer.close()
	}
	s.announcer.close()
	for sub := range subs {
		sub.closeSub()
	}
	s.cancel()
	s.notifier.wait()
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func positionOf(p int64) eventlog.Position {
	return eventlog.Position{Commit: uint64(p), Prepare: uint64(p)}
}

// commitOf returns the commit part of a position as a bigint bound.
func commitOf(p eventlog.Position) int64 {
	if p.Commit > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(p.Commit)
}

const readStreamForwardsSQL = `
SELECT s.last_version, s.deleted_before,
       e.position, e.event_id::text, e.version, e.event_type, e.data, e.metadata, e.recorded_at
  FROM eventstore.streams s
  LEFT JOIN LATERAL (
        SELECT * FROM eventstore.events e
         WHERE e.stream_id = s.stream_id
           AND e.version >= s.deleted_before
           AND e.version >= $2
         ORDER BY e.version
         LIMIT $3) e ON true
 WHERE s.stream_id = $1`

const readStreamBackwardsSQL = `
SELECT s.last_version, s.deleted_before,
       e.position, e.event_id::text, e.version, e.event_type, e.data, e.metadata, e.recorded_at
  FROM eventstore.streams s
  LEFT JOIN LATERAL (
        SELECT * FROM eventstore.events e
         WHERE e.stream_id = s.stream_id
           AND e.version >= s.deleted_before
           AND e.version <= $2
         ORDER BY e.version DESC
         LIMIT $3) e ON true
 WHERE s.stream_id = $1`

// ReadStream returns events of one stream, as selected by opts. A stream that
// never had events, or whose events were all deleted, gives an error matching
// eventlog.ErrStreamNotFound.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventlog.ReadStreamOptions) ([]eventlog.RecordedEvent, error) {
	if opts.Max < 0 {
		return nil, fmt.Errorf("pgstore: read stream %s: negative Max %d", stream, opts.Max)
	}
	var limit *int64
	if opts.Max > 0 {
		l := int64(opts.Max)
		limit = &l
	}
	from := int64(math.MaxInt64)
	if !opts.FromEnd && opts.From < math.MaxInt64 {
		from = int64(opts.From)
	}
	query := readStreamForwardsSQL
	if opts.Direction == eventlog.Backwards {
		query = readStreamBackwardsSQL
	}
	rows, err := s.pool.Query(ctx, query, stream, from, limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read stream %s: %w", stream, err)
	}
	defer rows.Close()
	var (
		events []eventlog.RecordedEvent
		found  bool
	)
	for rows.Next() {
		var (
			last, deletedBefore int64
			position, version   *int64
			id, typ             *string
			data, meta          []byte
			recordedAt          *time.Time
		)
		if err := rows.Scan(&last, &deletedBefore, &position, &id, &version, &typ, &data, &meta, &recordedAt); err != nil {
			return nil, fmt.Errorf("pgstore: read stream %s: scan: %w", stream, err)
		}
		found = last >= deletedBefore
		if position == nil {
			continue
		}
		events = append(events, eventlog.RecordedEvent{
			ID:         *id,
			StreamID:   stream,
			Version:    uint64(*version),
			Position:   positionOf(*position),
			Type:       *typ,
			Data:       data,
			Metadata:   meta,
			RecordedAt: *recordedAt,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: read stream %s: %w", stream, err)
	}
	if !found {
		return nil, fmt.Errorf("pgstore: read stream %s: %w", stream, eventlog.ErrStreamNotFound)
	}
	return events, nil
}

// ReadAll returns a page of the global log: events after opts.After that pass
// opts.Filter, in position order, at most opts.Max (Config.ReadPageSize when
// 0). Events of deleted streams are included: the log is never edited.
func (s *Store) ReadAll(ctx context.Context, opts eventlog.ReadAllOptions) ([]eventlog.RecordedEvent, error) {
	if opts.Max < 0 {
		return nil, fmt.Errorf("pgstore: read all: negative Max %d", opts.Max)
	}
	limit := opts.Max
	if limit == 0 {
		limit = s.cfg.ReadPageSize
	}
	events, err := s.readAll(ctx, s.pool, opts.After, opts.Filter, limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read all after %s: %w", opts.After, err)
	}
	return events, nil
}

const readAllColumns = `SELECT position, event_id::text, stream_id, version, event_type, data, metadata, recorded_at
  FROM eventstore.events WHERE position > $1`

// readAllSQL are the reads of the global log: unfiltered, in position order
// (the primary key), and filtered by categories, event types or both within
// a window of positions ($2 < position <= $3). Four statements rather than
// one with "cardinality($n) = 0 OR …", so that each keeps a plan that can use
// its index.
var readAllSQL = [4]string{
	readAllColumns + ` ORDER BY position LIMIT $2`,
	readAllColumns + ` AND position <= $3 AND category = ANY($4::text[]) ORDER BY position LIMIT $2`,
	readAllColumns + ` AND position <= $3 AND event_type = ANY($4::text[]) ORDER BY position LIMIT $2`,
	readAllColumns + ` AND position <= $3 AND category = ANY($4::text[]) AND event_type = ANY($5::text[]) ORDER BY position LIMIT $2`,
}

// readWindow is how many positions one filtered read covers at most. A
// filtered read could use the primary key (scan in order, filter) or a
// (category, position) index (fetch the matches, sort them); which is fast
// depends on how many events match, and the planner's estimate of that is
// only as good as the table's statistics — which are stale right after a
// burst of appends, or missing where autovacuum is off (it is on this
// project's CI machines). A wrong choice once cost 300 ms per page of 256
// events on a log of a million. Within a window of positions either plan
// touches at most readWindow rows, so no estimate can make a read slow; a
// sparse filter costs one cheap query per window instead.
const readWindow = 8192

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (s *Store) readAll(ctx context.Context, q querier, after eventlog.Position, f eventlog.Filter, limit int) ([]eventlog.RecordedEvent, error) {
	events, _, err := s.readAllScanned(ctx, q, after, f, limit)
	return events, err
}

// readAllScanned is readAll that also tells how far it looked: no event
// after `after` up to scanned passes f but those returned. A filtered read
// that found fewer than limit looked up to the head of the log.
func (s *Store) readAllScanned(ctx context.Context, q querier, after eventlog.Position, f eventlog.Filter, limit int) ([]eventlog.RecordedEvent, eventlog.Position, error) {
	if len(f.Categories) == 0 && len(f.EventTypes) == 0 {
		events, err := s.readPage(ctx, q, readAllSQL[0], []any{commitOf(after), limit}, limit)
		if err != nil || len(events) == 0 {
			return events, after, err
		}
		return events, events[len(events)-1].Position, nil
	}
	// window reads the events after from, up to to, that pass f: at most want.
	window := func(from int64, want int, to int64) ([]eventlog.RecordedEvent, error) {
		switch {
		case len(f.Categories) > 0 && len(f.EventTypes) > 0:
			return s.readPage(ctx, q, readAllSQL[3], []any{from, want, to, f.Categories, f.EventTypes}, want)
		case len(f.Categories) > 0:
			return s.readPage(ctx, q, readAllSQL[1], []any{from, want, to, f.Categories}, want)
		default:
			return s.readPage(ctx, q, readAllSQL[2], []any{from, want, to, f.EventTypes}, want)
		}
	}
	// Where most events pass f (a projection catching up on the events it
	// was made for), the next 2×limit positions fill the page: one query,
	// no head. The page is complete up to its last event, because positions
	// become visible in order.
	from := commitOf(after)
	events, err := window(from, limit, from+2*int64(limit))
	if err != nil {
		return nil, after, err
	}
	if len(events) == limit {
		return events, events[limit-1].Position, nil
	}
	if len(events) > 0 {
		from = commitOf(events[len(events)-1].Position)
	}
	// Otherwise look on, window by window, up to the head as it is now.
	var head int64
	if err := q.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM eventstore.events`).Scan(&head); err != nil {
		return nil, after, fmt.Errorf("head: %w", err)
	}
	for from < head && len(events) < limit {
		to := min(from+readWindow, head)
		page, err := window(from, limit-len(events), to)
		if err != nil {
			return nil, after, err
		}
		events = append(events, page...)
		from = to
	}
	if len(events) == limit {
		return events, events[len(events)-1].Position, nil
	}
	if scanned := positionOf(head); after.Less(scanned) {
		return events, scanned, nil
	}
	return events, after, nil
}

// readPage runs one read of the global log (see rawpage.go).
func (s *Store) readPage(ctx context.Context, q querier, query string, args []any, limit int) ([]eventlog.RecordedEvent, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	events := make([]eventlog.RecordedEvent, 0, min(limit, 64))
	raw := rawReadable(rows.FieldDescriptions())
	var arena pageArena
	for rows.Next() {
		if raw {
			e, err := arena.rawEvent(rows.RawValues())
			if err != nil {
				return nil, fmt.Errorf("read: %w", err)
			}
			events = append(events, e)
			continue
		}
		var (
			e                 eventlog.RecordedEvent
			position, version int64
		)
		if err := rows.Scan(&position, &e.ID, &e.StreamID, &version, &e.Type, &e.Data, &e.Metadata, &e.RecordedAt); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		e.Position = positionOf(position)
		e.Version = uint64(version)
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return events, nil
}

// DeleteStream soft-deletes a stream if expected holds: ReadStream then gives
// eventlog.ErrStreamNotFound, its events stay in the global log, and an
// append with NoStream or Any starts it again with versions continuing after
// the deleted ones. A stream without events gives eventlog.ErrStreamNotFound;
// a failed expected-version check gives a *eventlog.WrongVersionError.
func (s *Store) DeleteStream(ctx context.Context, stream string, expected eventlog.ExpectedVersion) error {
	if s.isClosed() {
		return fmt.Errorf("pgstore: delete stream %s: %w", stream, ErrClosed)
	}
	// READ COMMITTED: the read after the lock must see every append that
	// committed before the lock was granted.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		// The append lock serializes the check-then-update with appends,
		// whose writes compare the stream's row under the same lock.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", appendLockKey); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		var last, deletedBefore int64
		err := tx.QueryRow(ctx,
			`SELECT last_version, deleted_before FROM eventstore.streams WHERE stream_id = $1`,
			stream).Scan(&last, &deletedBefore)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && last < deletedBefore {
			return eventlog.ErrStreamNotFound
		}
		if err != nil {
			return fmt.Errorf("read stream state: %w", err)
		}
		current := uint64(last)
		if !expected.Satisfied(&current) {
			return &eventlog.WrongVersionError{Stream: stream, Expected: expected, Actual: &current}
		}
		if _, err := tx.Exec(ctx,
			`UPDATE eventstore.streams SET deleted_before = last_version + 1 WHERE stream_id = $1`,
			stream); err != nil {
			return fmt.Errorf("mark deleted: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pgstore: delete stream %s: %w", stream, err)
	}
	return nil
}
