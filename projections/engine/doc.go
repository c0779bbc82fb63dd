// Package engine runs every consumer of the event log: projectors, reactions
// and jobs. It feeds each projector the global event log from its checkpoint
// through a Watermill router, applies every event and advances the checkpoint
// in one PostgreSQL transaction, parks events that keep failing, rebuilds
// read models into new tables while the old ones keep serving, and tells
// waiting command handlers when a position has been projected. Beside the
// projectors it runs reactions (side effects of events, at least once, see
// eventlog.Reaction) through the same transport, and jobs (time-driven work,
// see eventlog.Job), with the same checkpoint table, parked table, locks and
// operations.
//
// # Tables
//
// The engine's own tables live in the schema "projection", created by
// embedded goose migrations (version table projection.goose_version):
// generations (one row per generation of each projector), checkpoints (one row
// per consumer: "<name>__g<N>" for a projector's generation, "<name>" for a
// reaction), parked (events that kept failing, with their data, so they can
// be replayed; kind "projector" or "reaction") and jobs (when each job last
// ran and how). Migration 00002 copied the state of the consumers that had
// their own tables before (mail.checkpoints, mail.parked,
// app.consumer_checkpoints) under the reactions' names; rows copied from
// mail.parked have no event data, and a replay reads the event from the
// store by stream and event id.
//
// # Flow
//
// Run starts, for every projector, a supervisor per role (run the active
// generation; build a new one). A role runs only while this process holds its
// session advisory lock; the Transport (transport/messaging, wired in cmd)
// runs the generation as one Watermill consumer named after it: a
// LogSubscriber from the checkpoint, Recoverer, Retry and the poison policy.
// For each event the engine begins a transaction, locks the checkpoint row
// and sets search_path to the generation's schema (one round trip), applies
// the event when the projector's Filter lets it through, writes the
// checkpoint, commits, and only then lets the message be acked. While the
// subscriber reports a backlog, several events share one transaction (see
// batch.go); the checkpoint still commits with their effects, so after any
// crash each event has taken effect exactly once. The transport then also
// hands the events over in pages, many per Watermill message (see
// messaging.WithPageSize), which changes nothing here: Handle still gets them
// one by one, and an event that fails in a page comes again alone, so it is
// retried and parked by itself. A projector that
// implements Pipelined (it never reads tx.Exec's result) has the statements
// of a batch queued and sent in one round trip before the next read or the
// commit; if a queued statement fails, the batch is rolled back and the run
// restarts from its checkpoint with those events applied one statement at a
// time, so the failing event is retried and parked alone (pipeline.go).
// When the run knows its checkpoint (it locked or committed it itself), such
// a batch, a single live event of such a projector and a checkpoint advance
// take one round trip in all: BEGIN, projection.lock_checkpoint (which locks
// the row, checks it is still where the run left it and sets search_path),
// the statements, the checkpoint and COMMIT are sent together at the commit
// (onetrip.go). If another writer moved the checkpoint, or the generation is
// gone, the lock fails, nothing of the batch is written, and the run starts
// again from the stored checkpoint. While a generation is being built, such
// a batch commits in flight: the handler goes on collecting and decoding the
// next batch, whose one-trip transaction expects the checkpoint the batch in
// flight writes, so it commits after it and writes nothing if that one
// failed (batch.go, inflight).
// Projection transactions commit with synchronous_commit off: they do not
// wait for their WAL flush. A PostgreSQL crash can lose the last of them, but
// each only whole, with its checkpoint, so the events are applied again from
// the log; the log itself commits synchronously. The subscription filter is
// the projector's Filter; progress messages move the checkpoint past events it
// skips, so the checkpoint reaches the head of the log even for projectors
// that ignore most events.
//
// # Generations and views
//
// A projector's tables live in a generation schema "<name>__g<N>", created by
// its Schema() DDL. Queries read views in the schema "<name>", one per table
// of the active generation (CREATE VIEW <name>.<t> AS SELECT * FROM
// <name>__g<N>.<t>). The first generation is active at once and builds from
// position 0 behind its views. When the Version changes, or on Rebuild, a new
// generation is built from 0 beside the active one, which keeps serving. Once
// it is within a few events of the head, the switch takes the generations
// lock and the old generation's checkpoint row (the old runner stands still),
// reads the head of the log and waits, up to SwitchWait, for the new
// checkpoint to reach it; then, in that one transaction, the views are
// replaced (CREATE OR REPLACE when the columns fit, so readers never miss
// them), the old generation is retired and its schema dropped. A process
// whose projector has an older version than the active generation leaves the
// projector alone; one with a newer version builds its version and switches.
// During a version change with no old-version process left, the old views
// serve the read model as it was until the switch, and WaitFor for that
// projector times out.
//
// # Several processes
//
// Each projector's active generation, each rebuild, each reaction and each
// job runs in the one process holding its PostgreSQL session advisory lock
// ("run:<name>", "build:<name>", "react:<name>", "job:<name>"), all held on
// one dedicated connection per process. Names are unique across projectors,
// reactions and jobs. The other processes try again every LockRetryInterval,
// and take over when the holder dies (its session, and so its locks, end with
// it). A holder whose lock connection fails stops its runs. Even a holder
// that has not noticed yet cannot apply an event twice to a read model: every
// projector transaction locks the checkpoint row and skips what it already
// covers (a reaction may deliver an event twice then: at least once).
//
// # Reactions
//
// A reaction (eventlog.Reaction, Config.Reactions) runs in the one process
// holding its advisory lock ("react:<name>") through the Transport, as one
// Watermill consumer named after it, from its checkpoint. Each event its
// Filter lets through is decoded (unless Raw) and handed to its handler (the
// one Open returned for this run, when it holds a resource); the checkpoint
// moves after the handler succeeded: at once for live events, every MaxBatch
// events or MaxBatchWait while the subscriber reports a backlog, and when the
// run ends. So a crash delivers events again and never skips one: handlers
// are idempotent by event id. A failing event is retried with the reaction's
// MaxAttempts and Backoff (defaults: Retry), then parked and the checkpoint
// moved past it in one transaction, whatever the Poison policy; an error
// matching eventlog.ErrUnavailable instead stops the reaction at the event,
// shows in Status, and the run starts again from the checkpoint after
// LockRetryInterval. A reaction's checkpoint only moves forward, except by
// ResetCheckpoint (see reaction.go).
//
// # Jobs
//
// A job (eventlog.Job, Config.Jobs) runs in the one process holding its
// advisory lock ("job:<name>"). Its row in projection.jobs holds the start of
// its last run by Config.Clock; a run is claimed by one conditional UPDATE
// (the last start is at least Every ago), so it runs at most once per Every
// across processes, also when another process takes the lock over. Run gets
// the clock's time; its error is logged and recorded (Status: LastError,
// Failures), and the job runs again an interval later (see job.go).
//
// # Read-your-writes
//
// WaitFor(ctx, pos, names...) returns when the named projectors' active
// checkpoints have reached pos. Each process keeps the last known checkpoint
// of every projector with a min-heap of waiters; a commit in this process
// wakes the waiters it satisfies directly, commits elsewhere arrive through
// pg_notify on "projection_checkpoint", which one LISTEN connection per
// process receives for all waiters: the event store's, through
// Config.Notices, or the engine's own. Each notice names the generation, and
// what a process knows moves only forward: within a generation, or to a later
// one (a switch), so a notice that arrives after this process's own commits
// cannot undo them. Waiting for a filtered projector also
// nudges its runner (directly or through "projection_control") to check for
// progress at once. When ctx (or Config.WaitTimeout) ends first, WaitFor
// returns a *LagError naming the projector.
//
// # Operations
//
// Status, Parked, ReplayParked, SkipParked, ResetCheckpoint and Rebuild are
// for operators (HTTP admin endpoints, the CLI, metrics). Status lists every
// consumer with its Kind: checkpoint, lag and parked count of projectors and
// reactions, last run and next of jobs, and the last error of each.
// Parked("") lists the parked events of every consumer; ReplayParked applies
// a projector's event again, or hands a reaction's to the reaction again.
//
// # Connections
//
// Besides the pool, each Engine keeps one connection for its advisory locks
// and, unless it listens through Config.Notices, one for LISTEN. A running generation uses up to two pooled connections
// (its transaction, its subscription's reads), a switch one more while it
// waits, a running reaction two (its subscription's reads, its checkpoint
// saves), a job one while it runs: give the pool a few connections per
// consumer.
package engine
