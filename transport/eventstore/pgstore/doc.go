// Package pgstore is the PostgreSQL adapter of the event store port
// (eventlog.Store): the default event store, needing nothing but the database
// the read models already use.
//
// # Schema
//
// Everything lives in the PostgreSQL schema "eventstore", created by Migrate
// from numbered goose migrations embedded in the binary (goose keeps its
// version table inside that schema too, so read-model migrations can use goose
// with their own table). eventstore.events is the global log: position is a
// bigint identity, event_id is unique (idempotency) and (stream_id, version)
// is unique (a safety net behind the expected-version check).
// eventstore.streams holds each stream's last version and its soft-delete mark.
//
// # Ordering: why a subscriber never skips an event
//
// The classic defect of PostgreSQL event stores is that positions drawn from a
// sequence become visible out of order: transaction A draws 10, B draws 11 and
// commits first, a reader sees 11, moves its checkpoint past 10, and never sees
// 10 when A commits. Here every appending transaction first takes
// pg_advisory_xact_lock(appendLockKey), then draws its positions and commits
// while still holding it. So positions are drawn in commit order. PostgreSQL
// marks a transaction visible (ProcArrayEndTransaction) before it releases its
// locks, so the next holder of the lock, and therefore every later position,
// commits strictly after every earlier position became visible: once a reader
// sees position N, every smaller position that will ever exist is already
// visible. Sequence values of rolled-back transactions leave gaps; readers
// never wait for them. This holds across any number of server processes,
// because the lock is in the database, and for a long transaction, which
// simply holds the lock (and delays other appends) until it commits.
// DeleteStream takes the same lock so its check-then-update is serialized
// with appends.
//
// # Appending
//
// An append is decided first and written second, and only the write holds
// the lock:
//
//  1. One statement, without the lock, reads a snapshot: the state of the
//     streams involved and which of the event ids are already stored. When
//     every request names the state it expects (NoStream or Exact), the
//     first round assumes that state instead of reading it: step 3 checks it
//     under the lock anyway, and a stream that is not as assumed is decided
//     again on a real snapshot (see assumedState).
//  2. The expected-version and idempotency checks run in memory against the
//     snapshot. A failed check is final (a failed conditional append changes
//     nothing, so it takes effect at the moment of the snapshot), and so is an
//     idempotent retry (stored ids never change): neither touches the lock.
//  3. The accepted events are written in one pipelined round trip: BEGIN
//     (READ COMMITTED), pg_advisory_xact_lock, one statement that inserts
//     the events (a multi-row INSERT … SELECT FROM unnest, in request order
//     so positions follow versions) and updates the streams, only for
//     streams whose row is still exactly as in the snapshot and none
//     of whose event ids got stored meanwhile (a compare-and-set, exact
//     because it runs under the lock and after it, in a fresh snapshot), and
//     COMMIT. The lock is thus held while the server runs one statement and
//     commits, never across a client round trip. The statement also returns
//     the log's head before the write, which lets the tail take the events
//     without reading them back (see applySQL). The statement sent first
//     (fastApplySQL) claims each stream by inserting or conditionally
//     updating its row instead of reading it, and leaves stored event ids to
//     UNIQUE (event_id); when that constraint fires, the transaction is
//     rolled back and the checked statement (applySQL), which reads the rows
//     and looks the ids up first, writes the batch instead.
//
// Requests of a stream that changed between the two steps are decided again
// on a new snapshot. UNIQUE (stream_id, version) and UNIQUE (event_id) stay as
// a safety net; a violation is reported as a wrong expected version or
// resolved as an idempotent retry.
//
// # Group commit
//
// Unless Config.DisableGroupCommit is set, Append hands its request to one
// writer goroutine per Store. While a batch is being written, new requests
// queue up; the writer then takes all queued requests (optionally waiting
// Config.GroupCommitWindow for more, up to Config.MaxBatchEvents events) and
// writes them with the steps above: one snapshot, one transaction, one lock
// acquisition, one commit and WAL flush for all of them. Every request keeps
// its own check and its own result or error: requests are decided in order,
// each against the snapshot plus the effect of the requests accepted before
// it (so a request that conflicts with an earlier one of the same batch gets
// its wrong-version error), and a request whose event ids are also in an
// earlier request of the batch waits for the next round. If writing a batch
// fails, its unanswered requests are retried one by one, so one bad request
// cannot fail its neighbours. With group commit off, each Append runs the
// same steps for itself.
//
// # Subscriptions
//
// After an append commits, the Store calls pg_notify(NotifyChannel, last
// position) in a statement of its own (announcer: a NOTIFY inside the
// appending transaction would hold PostgreSQL's notification lock across the
// WAL flush); the Store's own subscriptions get the events at once
// (tail.record).
// The Store keeps one dedicated connection (outside the pool) that LISTENs and
// wakes every subscription on a notification; it reconnects after an error
// and then wakes every subscription, and a slow safety poll
// (Config.PollInterval) covers anything missed. A subscription reads the log
// in pages of Config.SubscriptionPageSize events after the last position it
// delivered, in position order, with the filter applied in SQL; it never
// holds more than one page in memory and keeps no goroutine of its own.
//
// # System events
//
// Streams and event types starting with "$" are EventStoreDB's system events.
// This store refuses to append them, so it never returns any.
package pgstore
