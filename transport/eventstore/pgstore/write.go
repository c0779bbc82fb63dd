package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// maxRounds bounds how often writeBatch re-decides requests whose streams
// changed between its snapshot and its write. Each extra round means another
// writer committed to the same stream meanwhile, so it is not reached in
// practice.
const maxRounds = 64

// appendAlone writes one request on its own (group commit off, or the
// fallback of a failed batch).
func (s *Store) appendAlone(ctx context.Context, r *appendRequest) (eventlog.AppendResult, error) {
	resps, err := s.writeBatch(ctx, []*appendRequest{r})
	if err != nil {
		return s.aloneError(ctx, r, err)
	}
	return resps[0].res, resps[0].err
}

// aloneError maps the failure of a write of r alone. The unique constraints
// are a safety net: every writer checks under the append lock, so they cannot
// fire. If one does, the committed state tells what happened.
func (s *Store) aloneError(ctx context.Context, r *appendRequest, err error) (eventlog.AppendResult, error) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		if res, done, perr := s.precheck(ctx, r); done {
			return res, perr
		}
		if pgErr.ConstraintName == "events_stream_version_key" {
			return eventlog.AppendResult{}, fmt.Errorf("pgstore: append to %s: %w: %w", r.stream, eventlog.ErrWrongExpectedVersion, err)
		}
	}
	return eventlog.AppendResult{}, fmt.Errorf("pgstore: append to %s: %w", r.stream, err)
}

// writeBatch settles every request of batch and returns their responses in
// batch order. It works in rounds, each of at most two round trips:
//
//  1. Read a snapshot of the requests' streams and of which of their event
//     ids are stored (one statement, no lock); in the first round, when every
//     request names the state it expects, assume that state instead
//     (assumedState).
//  2. Decide every request in order against the snapshot, including the
//     effect of the requests accepted before it (decide). Idempotent retries
//     and failed checks against the snapshot itself are final: a failed
//     conditional append changes nothing, so it takes effect at the moment
//     of the snapshot, and stored ids never change.
//  3. Write the accepted requests in one pipelined transaction that takes the
//     append lock, then writes the events of each stream only if the stream
//     is still as in the snapshot and none of its event ids got stored
//     meanwhile (a compare-and-set under the lock), and commits (apply).
//
// Requests of streams that changed, and requests deferred because their ids
// collide with an earlier request of the batch, go to the next round. After
// an error, the requests settled before it are marked answered.
func (s *Store) writeBatch(ctx context.Context, batch []*appendRequest) ([]appendResponse, error) {
	resps := make([]appendResponse, len(batch))
	index := make(map[*appendRequest]int, len(batch))
	for i, r := range batch {
		index[r] = i
	}
	pending := batch
	for round := 0; len(pending) > 0; round++ {
		if round == maxRounds {
			return resps, fmt.Errorf("gave up after %d rounds of concurrent changes to the same streams", maxRounds)
		}
		st, assumed := assumedState(pending)
		if round > 0 || !assumed {
			var err error
			if st, err = s.snapshot(ctx, pending); err != nil {
				return resps, err
			}
		}
		settled, p, next := decide(pending, st)
		for r, resp := range settled {
			resp.answered = true
			resps[index[r]] = resp
		}
		if len(p.accepted) > 0 {
			applied, err := s.apply(ctx, p)
			if err != nil {
				return resps, err
			}
			for r, resp := range applied {
				resp.answered = true
				resps[index[r]] = resp
			}
			next = append(next, p.retry(applied)...)
		}
		pending = inBatchOrder(next, index)
	}
	return resps, nil
}

// assumedState is the state the requests expect, when every one of them
// names it: NoStream (no row) or Exact(v) (last version v, never deleted).
// The first round of a batch decides against it instead of reading a
// snapshot, so a batch of such requests (a new card use, an aggregate
// appended to after it was loaded) costs one round trip instead of two. The
// write checks the state under the lock anyway (applySQL's compare-and-set,
// which also finds event ids already stored); a stream that is not as
// assumed is not written, and its requests are decided again on a snapshot
// in the next round, so every answer is the one a snapshot would have given.
// The first request of each stream sets the assumption; later ones of the
// same stream are decided against it as updated by the ones before them.
func assumedState(rs []*appendRequest) (logState, bool) {
	st := logState{streams: make(map[string]streamState, len(rs)), events: map[string]storedEvent{}}
	for _, r := range rs {
		if _, seen := st.streams[r.stream]; seen {
			continue
		}
		if r.expected.IsNoStream() {
			st.streams[r.stream] = streamState{}
			continue
		}
		v, ok := r.expected.ExactVersion()
		if !ok {
			return logState{}, false
		}
		st.streams[r.stream] = streamState{exists: true, lastVersion: v}
	}
	return st, true
}

// inBatchOrder sorts requests by their place in the batch.
func inBatchOrder(rs []*appendRequest, index map[*appendRequest]int) []*appendRequest {
	slices.SortFunc(rs, func(a, b *appendRequest) int { return index[a] - index[b] })
	return rs
}

// snapshot loads the state of the requests' streams and event ids.
func (s *Store) snapshot(ctx context.Context, rs []*appendRequest) (logState, error) {
	s.snapshots.Add(1)
	streams, ids := keys(rs)
	rows, err := s.pool.Query(ctx, loadStateSQL, streams, ids)
	if err != nil {
		return logState{}, fmt.Errorf("load state: %w", err)
	}
	return scanState(rows)
}

func keys(rs []*appendRequest) (streams, ids []string) {
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.stream] {
			seen[r.stream] = true
			streams = append(streams, r.stream)
		}
		ids = append(ids, r.ids()...)
	}
	return streams, ids
}

// plan is what one round writes: the accepted requests, and per stream the
// snapshot state the write is conditional on.
type plan struct {
	accepted []acceptedRequest
	streams  []string               // streams of accepted requests, first seen first
	guard    map[string]streamState // snapshot state of each such stream
	newLast  map[string]uint64      // its last version after the write
	// held are answers that depend on an accepted request of the same stream
	// (a conflict with it): final only if that stream's write is applied.
	held map[*appendRequest]appendResponse
	// heldBy lists the held requests of each stream.
	heldBy map[string][]*appendRequest
}

type acceptedRequest struct {
	r            *appendRequest
	firstVersion uint64
}

// decide decides pending in order against st, which it updates with the
// effect of every accepted request. It returns the final answers, the plan
// to write, and the requests deferred to the next round because their ids
// collide with an accepted request.
func decide(pending []*appendRequest, st logState) (settled map[*appendRequest]appendResponse, p *plan, deferred []*appendRequest) {
	settled = map[*appendRequest]appendResponse{}
	p = &plan{
		guard:   map[string]streamState{},
		newLast: map[string]uint64{},
		held:    map[*appendRequest]appendResponse{},
		heldBy:  map[string][]*appendRequest{},
	}
	inPlan := map[string]bool{}
	for _, r := range pending {
		collides := false
		for _, e := range r.events {
			if inPlan[e.ID] {
				collides = true
				break
			}
		}
		if collides {
			deferred = append(deferred, r)
			continue
		}
		_, planned := p.guard[r.stream]
		res, done, err := st.check(r)
		if done {
			var wv *eventlog.WrongVersionError
			if planned && errors.As(err, &wv) {
				p.held[r] = appendResponse{res: res, err: err}
				p.heldBy[r.stream] = append(p.heldBy[r.stream], r)
			} else {
				settled[r] = appendResponse{res: res, err: err}
			}
			continue
		}
		ss := st.streams[r.stream]
		if !planned {
			p.guard[r.stream] = ss
			p.streams = append(p.streams, r.stream)
		}
		first := ss.next()
		p.accepted = append(p.accepted, acceptedRequest{r: r, firstVersion: first})
		for _, e := range r.events {
			inPlan[e.ID] = true
		}
		ss.exists = true
		ss.lastVersion = first + uint64(len(r.events)) - 1
		st.streams[r.stream] = ss
		p.newLast[r.stream] = ss.lastVersion
	}
	return settled, p, deferred
}

// retry returns the requests of the plan whose stream's write was not
// applied: they are decided again in the next round.
func (p *plan) retry(applied map[*appendRequest]appendResponse) []*appendRequest {
	var out []*appendRequest
	for _, a := range p.accepted {
		if _, ok := applied[a.r]; !ok {
			out = append(out, a.r)
		}
	}
	for r := range p.held {
		if _, ok := applied[r]; !ok {
			out = append(out, r)
		}
	}
	return out
}

// applySQL writes the events of every stream that is still in its snapshot
// state and none of whose event ids is stored, in plan order (so positions
// follow versions), updates those streams, and returns the stored
// events' ids, positions and times, then one row without an id whose
// position is the log's head before the write (prev). It runs right after
// the append lock was taken, so its snapshot includes every earlier append;
// all its parts share that snapshot, so prev does not see the rows inserted
// here. Under the lock no other event can come between prev and these:
// whoever drew a position before committed before the lock was granted, and
// whoever draws one after draws a larger one. So the written events directly
// follow prev in the log, which lets the store's tail take them without
// reading them back (tail.record).
//
// applySQL is the checked form: it reads every stream's row and looks up
// every event id before it writes. fastApplySQL (below) is what apply runs
// first; applySQL is its fallback.
const applySQL = guardSQL + `, changed AS (
    SELECT g.stream_id
      FROM guard g LEFT JOIN eventstore.streams s ON s.stream_id = g.stream_id
     WHERE (s.stream_id IS NOT NULL) <> g.existed
        OR g.existed AND (s.last_version <> g.last_version OR s.deleted_before <> g.deleted_before)
    UNION
    SELECT t.stream
      FROM unnest($6::text[], $7::text[]) AS t(id, stream)
      JOIN eventstore.events e ON e.event_id = t.id::uuid
), ok AS (
    SELECT * FROM guard WHERE stream_id NOT IN (SELECT stream_id FROM changed)
), claimed AS (
    SELECT stream_id FROM ok
), up AS (
    INSERT INTO eventstore.streams (stream_id, last_version)
    SELECT stream_id, new_last FROM ok
        ON CONFLICT (stream_id) DO UPDATE SET last_version = EXCLUDED.last_version
)` + writeClaimedSQL

// fastApplySQL writes what applySQL writes, in fewer index lookups: it
// claims each stream with the write itself instead of reading its row
// first, and lets UNIQUE (event_id) find a stored event id instead of
// looking every id up. A new stream is claimed by inserting its row (ON
// CONFLICT DO NOTHING: a row that exists, whatever its state, means the
// stream is not new any more); an existing one by updating its row only
// where it still holds the snapshot's last version and deletion mark (a
// compare-and-set, as in applySQL). Only the claimed streams' events are
// inserted. An event id that is already stored (an id reused in another
// stream, or an idempotent retry of an append that another round or
// process wrote meanwhile) fails the statement with a unique violation on
// events_event_id_key; the transaction then writes nothing, and apply runs
// applySQL, which answers such requests as before. Per event of a new
// stream this saves two index descents (the streams row and the event id)
// and the anti-join of applySQL.
const fastApplySQL = guardSQL + `, created AS (
    INSERT INTO eventstore.streams (stream_id, last_version)
    SELECT stream_id, new_last FROM guard WHERE NOT existed
        ON CONFLICT (stream_id) DO NOTHING
    RETURNING stream_id
), updated AS (
    UPDATE eventstore.streams s SET last_version = g.new_last
      FROM guard g
     WHERE g.existed AND s.stream_id = g.stream_id
       AND s.last_version = g.last_version AND s.deleted_before = g.deleted_before
    RETURNING s.stream_id
), claimed AS (
    SELECT stream_id FROM created UNION ALL SELECT stream_id FROM updated
)` + writeClaimedSQL

// guardSQL begins both write statements: the streams of the plan, each
// with the snapshot state its write is conditional on ($1–$5).
const guardSQL = `
WITH guard AS (
    SELECT * FROM unnest($1::text[], $2::bool[], $3::bigint[], $4::bigint[], $5::bigint[])
           AS g(stream_id, existed, last_version, deleted_before, new_last)
)`

// writeClaimedSQL ends both write statements: it inserts the events
// ($6–$12) of the streams in the CTE claimed, in plan order, and returns
// them, then the log's head before them.
const writeClaimedSQL = `, ins AS (
    INSERT INTO eventstore.events (event_id, stream_id, version, category, event_type, data, metadata)
    SELECT t.id::uuid, t.stream, t.version, t.category, t.type, t.data, t.meta
      FROM unnest($6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::bytea[], $12::bytea[])
           WITH ORDINALITY AS t(id, stream, version, category, type, data, meta, ord)
     WHERE t.stream IN (SELECT stream_id FROM claimed)
     ORDER BY t.ord
    RETURNING event_id, position, recorded_at
), prev AS (
    SELECT coalesce(max(position), 0) AS position FROM eventstore.events
)
SELECT event_id::text, position, recorded_at FROM ins
UNION ALL
SELECT NULL, (SELECT position FROM prev), NULL
 WHERE EXISTS (SELECT FROM ins)`

// storedEventID reports whether err is fastApplySQL finding an event id
// that is already stored.
func storedEventID(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "events_event_id_key"
}

// batchSender is a connection or transaction.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// apply writes the plan in one round trip: BEGIN, take the append lock, the
// conditional write, COMMIT, pipelined. The lock is held only while the
// server runs the write and the commit, never across a client round trip.
// It returns the answers of the requests of the streams it wrote.
func (s *Store) apply(ctx context.Context, p *plan) (map[*appendRequest]appendResponse, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	applied, written, err := s.applyWith(ctx, conn, p, fastApplySQL)
	if storedEventID(err) {
		s.checkedWrites.Add(1)
		applied, written, err = s.applyWith(ctx, conn, p, applySQL)
	}
	if err == nil && len(written.rows) > 0 {
		last := written.rows[len(written.rows)-1].position
		s.announcer.announce(last)
		s.stats.appended(len(written.rows), uint64(last))
		if s.tail != nil && s.tail.started.Load() {
			s.tail.record(positionOf(written.prev), written.events())
		}
	}
	return applied, err
}

// applyWith runs the plan's write with statement query (fastApplySQL or
// applySQL) on conn, and ends a transaction that a failed statement left
// open.
func (s *Store) applyWith(ctx context.Context, conn *pgxpool.Conn, p *plan, query string) (map[*appendRequest]appendResponse, committed, error) {
	applied, written, err := p.run(ctx, conn, query, true)
	if err != nil && conn.Conn().PgConn().TxStatus() != 'I' && !conn.Conn().IsClosed() {
		// A failed statement skipped the COMMIT: end the transaction (or
		// the pool would discard the connection).
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = conn.Exec(rctx, "ROLLBACK")
	}
	return applied, written, err
}

// committed is what one write stored: its rows in position order, the head
// of the log just before them, and the plan they came from.
type committed struct {
	plan *plan
	rows []writtenRow
	prev int64
}

// run sends the plan's write (query: fastApplySQL or applySQL) to b; with
// wrap, inside BEGIN … COMMIT (READ COMMITTED, which the lock-then-read
// order needs: each statement sees what was committed before it started).
func (p *plan) run(ctx context.Context, b batchSender, query string, wrap bool) (map[*appendRequest]appendResponse, committed, error) {
	var (
		gStreams          []string
		gExisted          []bool
		gLast, gDel, gNew []int64
		ids, streams      []string
		versions          []int64
		cats, types       []string
		data, meta        [][]byte
	)
	for _, name := range p.streams {
		g := p.guard[name]
		gStreams = append(gStreams, name)
		gExisted = append(gExisted, g.exists)
		gLast = append(gLast, int64(g.lastVersion))
		gDel = append(gDel, int64(g.deletedBefore))
		gNew = append(gNew, int64(p.newLast[name]))
	}
	for _, a := range p.accepted {
		for j, e := range a.r.events {
			ids = append(ids, e.ID)
			streams = append(streams, a.r.stream)
			versions = append(versions, int64(a.firstVersion+uint64(j)))
			cats = append(cats, a.r.category)
			types = append(types, e.Type)
			data = append(data, e.Data)
			meta = append(meta, e.Metadata)
		}
	}
	batch := &pgx.Batch{}
	if wrap {
		batch.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
	}
	batch.Queue("SELECT pg_advisory_xact_lock($1)", appendLockKey)
	// The write announces itself after its commit (announcer); a caller
	// that writes inside its own transaction notifies in it.
	batch.Queue(query, gStreams, gExisted, gLast, gDel, gNew,
		ids, streams, versions, cats, types, data, meta)
	if wrap {
		batch.Queue("COMMIT")
	}
	br := b.SendBatch(ctx, batch)
	stored, head, err := readApply(br, wrap)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write events: %w", cerr)
	}
	if err != nil {
		return nil, committed{}, err
	}
	positions := make(map[string]int64, len(stored))
	for _, st := range stored {
		positions[st.id] = st.position
	}

	// Answer the requests of the streams written.
	written := map[string]bool{}
	for _, a := range p.accepted {
		if _, ok := positions[a.r.events[0].ID]; ok {
			written[a.r.stream] = true
		}
	}
	applied := map[*appendRequest]appendResponse{}
	var prev int64
	for _, a := range p.accepted {
		if !written[a.r.stream] {
			continue
		}
		for _, e := range a.r.events {
			pos, ok := positions[e.ID]
			if !ok || pos <= prev {
				// Cannot happen: the statement writes whole streams, in
				// order. The transaction is committed, so report it loudly.
				return nil, committed{}, fmt.Errorf("write events: event %s of %s stored out of order or partly (position %d after %d)", e.ID, a.r.stream, pos, prev)
			}
			prev = pos
		}
		last := a.r.events[len(a.r.events)-1]
		applied[a.r] = appendResponse{res: eventlog.AppendResult{
			NextVersion: a.firstVersion + uint64(len(a.r.events)) - 1,
			Position:    positionOf(positions[last.ID]),
		}}
	}
	for name := range written {
		for _, r := range p.heldBy[name] {
			applied[r] = p.held[r]
		}
	}
	slices.SortFunc(stored, func(a, b writtenRow) int { return cmp.Compare(a.position, b.position) })
	return applied, committed{plan: p, rows: stored, prev: head}, nil
}

// events returns the stored events as the log holds them, in position
// order. Their payloads are copied (into one buffer), because the tail
// shares them with every subscription for as long as they stay in its
// window, and the caller's slices are the caller's. Only a running tail
// asks for them.
func (c committed) events() []eventlog.RecordedEvent {
	type source struct {
		stream  string
		version uint64
		event   eventlog.EventData
	}
	byID := make(map[string]source, len(c.rows))
	size := 0
	for _, a := range c.plan.accepted {
		for j, e := range a.r.events {
			byID[e.ID] = source{stream: a.r.stream, version: a.firstVersion + uint64(j), event: e}
			size += len(e.Data) + len(e.Metadata)
		}
	}
	buf := make([]byte, 0, size)
	keep := func(b []byte) []byte {
		buf = append(buf, b...)
		return buf[len(buf)-len(b) : len(buf) : len(buf)]
	}
	out := make([]eventlog.RecordedEvent, 0, len(c.rows))
	for _, st := range c.rows {
		src := byID[st.id]
		out = append(out, eventlog.RecordedEvent{
			ID:         st.id,
			StreamID:   src.stream,
			Version:    src.version,
			Position:   positionOf(st.position),
			Type:       src.event.Type,
			Data:       keep(src.event.Data),
			Metadata:   keep(src.event.Metadata),
			RecordedAt: st.recordedAt,
		})
	}
	return out
}

// writtenRow is one event the write stored.
type writtenRow struct {
	id         string
	position   int64
	recordedAt time.Time
}

// readApply reads the results of the write: the stored events and the head
// of the log before them (0 when nothing was stored).
func readApply(br pgx.BatchResults, wrap bool) (stored []writtenRow, prev int64, err error) {
	if wrap {
		if _, err := br.Exec(); err != nil {
			return nil, 0, fmt.Errorf("begin: %w", err)
		}
	}
	if _, err := br.Exec(); err != nil {
		return nil, 0, fmt.Errorf("take append lock: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, 0, fmt.Errorf("write events: %w", err)
	}
	for rows.Next() {
		var (
			id  *string
			pos int64
			at  *time.Time
		)
		if err := rows.Scan(&id, &pos, &at); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("write events: scan: %w", err)
		}
		if id == nil {
			prev = pos
			continue
		}
		stored = append(stored, writtenRow{id: *id, position: pos, recordedAt: *at})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("write events: %w", err)
	}
	if wrap {
		if _, err := br.Exec(); err != nil {
			return nil, 0, fmt.Errorf("commit: %w", err)
		}
	}
	return stored, prev, nil
}
