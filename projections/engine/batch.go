package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Applying events: one transaction per event when live, one per batch when
// catching up.
//
// Every transaction starts by locking the generation's checkpoint row
// (lockCheckpoint). That serializes every writer of the generation (a runner
// that lost its lock and has not noticed yet, ReplayParked, a switch), tells
// a late runner that its generation is gone, and skips events already
// applied; then the events are applied and the checkpoint saved, and the
// commit makes both durable together.
//
// While the subscriber has the next event waiting (backlog), handle keeps the
// transaction open and returns at once, so the message is acked before its
// effects commit. That is safe because the checkpoint commits with them: a
// crash rolls both back and the events are delivered again. The batch commits
// when the backlog ends, at MaxBatch events, after MaxBatchWait (a timer does
// it if no message comes), at a progress message, and when the run ends. When
// an event fails inside a batch, the batch is rolled back, the events before
// it (already acked) are applied again in a transaction of their own, and the
// failure is returned, so the failing event is retried (and parked) alone.

// batch is the open transaction of a run that is catching up.
type batch struct {
	tx     pgx.Tx
	pipe   pipe                     // tx, when the projector is Pipelined
	cp     eventlog.Position        // checkpoint when the batch began
	upTo   eventlog.Position        // checkpoint the commit writes
	events []eventlog.RecordedEvent // applied in tx and acked, not committed
	// pending are decoded events of a BatchApplier, applied at the commit.
	pending []eventlog.Envelope
	began   time.Time
	timer   *time.Timer
}

// restartError stops a run whose acked events could not be committed: it
// starts again from its checkpoint. It stops the consumer at once
// (StopConsumer), without retrying or parking.
type restartError struct{ err error }

func (e *restartError) Error() string {
	return "engine: restarting from the checkpoint: " + e.err.Error()
}
func (e *restartError) Unwrap() error      { return e.err }
func (e *restartError) StopConsumer() bool { return true }

// handle applies one event (Consumer.Handle).
func (e *Engine) handle(ctx context.Context, r *genRun, ev eventlog.RecordedEvent, backlog bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken != nil {
		return &restartError{r.broken}
	}
	if r.open == nil && (!backlog || e.cfg.MaxBatch == 1) {
		return e.applyBatch(ctx, r, []eventlog.RecordedEvent{ev}, ev.Position)
	}
	if r.open == nil {
		if err := e.beginBatch(ctx, r); err != nil {
			return err
		}
	}
	b := r.open
	if b.upTo.Less(ev.Position) {
		tx := b.tx
		if b.pipe != nil && !e.noPipe.allowed(r.gen.Schema, ev.Position) {
			// Found the slow way after a pipelined batch failed.
			var err error
			if tx, err = b.pipe.direct(ctx); err != nil {
				return e.failPipeline(ctx, r, ev.Position, err)
			}
		}
		if _, ok := batchApplier(r.p); ok && b.pipe != nil && e.noPipe.allowed(r.gen.Schema, ev.Position) {
			if r.filter.Match(ev.StreamID, ev.Type) {
				env, err := e.decoder.Decode(ev)
				if err != nil {
					return e.failBatch(ctx, r, &decodeError{fmt.Errorf("engine: %s: decode %s (%s at %s): %w", r.gen.Schema, ev.Type, ev.ID, ev.Position, err)})
				}
				b.pending = append(b.pending, env)
			}
		} else if err := e.applyEvent(ctx, tx, r, ev); err != nil {
			if isPipelineError(err) {
				return e.failPipeline(ctx, r, ev.Position, err)
			}
			return e.failBatch(ctx, r, err)
		}
		b.events = append(b.events, ev)
		b.upTo = ev.Position
	}
	if backlog && len(b.events) < e.maxBatch(r) && time.Since(b.began) < e.cfg.MaxBatchWait {
		return nil // acked now; committed with the events after it
	}
	return e.commitBatch(ctx, r)
}

// maxBatch is the most events r applies in one batch: Config.MaxBatch, or
// Config.RebuildMaxBatch for a generation being built.
func (e *Engine) maxBatch(r *genRun) int {
	if r.active || e.cfg.MaxBatch == 1 {
		return e.cfg.MaxBatch
	}
	return max(e.cfg.MaxBatch, e.cfg.RebuildMaxBatch)
}

// advance moves the checkpoint to pos (Consumer.Advance).
func (e *Engine) advance(ctx context.Context, r *genRun, pos eventlog.Position) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken != nil {
		return &restartError{r.broken}
	}
	if r.open != nil {
		if r.open.upTo.Less(pos) {
			r.open.upTo = pos
		}
		return e.commitBatch(ctx, r)
	}
	return e.applyBatch(ctx, r, nil, pos)
}

// applyBatch applies events, in log order, and moves the checkpoint to upTo,
// in one transaction of its own, then wakes local waiters.
func (e *Engine) applyBatch(ctx context.Context, r *genRun, events []eventlog.RecordedEvent, upTo eventlog.Position) error {
	if err := e.settle(r); err != nil {
		return err
	}
	// The checkpoint alone, or one live event of a Pipelined projector, when
	// the run knows its checkpoint: one round trip (oneTripTx).
	if r.cpKnown && r.cp.Less(upTo) && (len(events) == 0 ||
		len(events) == 1 && r.cp.Less(events[0].Position) && pipelined(r.p) && e.noPipe.allowed(r.gen.Schema, events[0].Position)) {
		return e.applyInOneTrip(ctx, r, events, upTo)
	}
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	cp, err := lockCheckpoint(ctx, tx, r.gen.Schema)
	if err != nil {
		return err
	}
	r.knowCheckpoint(cp)
	if !cp.Less(upTo) {
		return nil // already applied
	}
	// One live event of a Pipelined projector: its statements and the
	// checkpoint go in one round trip before the commit. A failure belongs
	// to that event, so it is retried and parked as without the pipeline.
	var wtx pgx.Tx = tx
	if len(events) == 1 && pipelined(r.p) && e.noPipe.allowed(r.gen.Schema, events[0].Position) {
		wtx = newPipeTx(tx)
	}
	for _, ev := range events {
		if !cp.Less(ev.Position) {
			continue
		}
		if err := e.applyEvent(ctx, wtx, r, ev); err != nil {
			return err
		}
	}
	return e.commitApplied(ctx, r, wtx, events, upTo)
}

// commitApplied saves the checkpoint upTo in tx and commits it with the
// events applied in tx. A pipelined statement's failure, with one event, is
// that event's: it is named, so the event is retried and parked alone.
func (e *Engine) commitApplied(ctx context.Context, r *genRun, tx pgx.Tx, events []eventlog.RecordedEvent, upTo eventlog.Position) error {
	if err := saveCheckpoint(ctx, tx, r, upTo); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		r.cpKnown = false
		if ev := events; len(ev) == 1 && isPipelineError(err) {
			return fmt.Errorf("engine: %s: apply %s (%s at %s): %w", r.gen.Schema, ev[0].Type, ev[0].ID, ev[0].Position, err)
		}
		return err
	}
	r.knowCheckpoint(upTo)
	e.committed(r, upTo)
	return nil
}

// applyInOneTrip is applyBatch in one round trip: the run knows its
// checkpoint, and events is empty or one event of a Pipelined projector.
// When the checkpoint moved meanwhile, nothing was written and the error
// says so; the next attempt takes the ordinary way, which reads it.
func (e *Engine) applyInOneTrip(ctx context.Context, r *genRun, events []eventlog.RecordedEvent, upTo eventlog.Position) error {
	tx := newOneTripTx(e.pool, r.gen.Schema, r.cp)
	defer tx.Rollback(context.WithoutCancel(ctx))
	r.cpKnown = false // until the commit says
	for _, ev := range events {
		if err := e.applyEvent(ctx, tx, r, ev); err != nil {
			return err
		}
	}
	return e.commitApplied(ctx, r, tx, events, upTo)
}

// applyEvent decodes ev and lets the projector apply it, if its filter
// lets it through.
func (e *Engine) applyEvent(ctx context.Context, tx pgx.Tx, r *genRun, ev eventlog.RecordedEvent) error {
	if !r.filter.Match(ev.StreamID, ev.Type) {
		return nil
	}
	env, err := e.decoder.Decode(ev)
	if err != nil {
		return &decodeError{fmt.Errorf("engine: %s: decode %s (%s at %s): %w", r.gen.Schema, ev.Type, ev.ID, ev.Position, err)}
	}
	ctx, span := e.startSpan(ctx, "projection "+r.p.Name(), env)
	err = r.p.Apply(ctx, tx, env)
	endSpan(span, err)
	if err != nil {
		return fmt.Errorf("engine: %s: apply %s (%s at %s): %w", r.gen.Schema, ev.Type, ev.ID, ev.Position, err)
	}
	return nil
}

// beginBatch opens r's batch. r.mu is held.
func (e *Engine) beginBatch(ctx context.Context, r *genRun) error {
	var (
		tx pgx.Tx
		cp eventlog.Position
	)
	if r.flying != nil {
		// After the batch in flight, whose checkpoint it expects.
		cp = r.flying.b.upTo
		tx = newOneTripTx(e.pool, r.gen.Schema, cp)
	} else if r.cpKnown && pipelined(r.p) {
		// BEGIN, the lock and everything else go in one round trip at the
		// commit (oneTripTx).
		cp = r.cp
		tx = newOneTripTx(e.pool, r.gen.Schema, cp)
	} else {
		var err error
		if tx, err = e.pool.Begin(ctx); err != nil {
			return err
		}
		if cp, err = lockCheckpoint(ctx, tx, r.gen.Schema); err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return err
		}
		r.knowCheckpoint(cp)
	}
	r.cpKnown = false // until the batch commits
	// Room for a full batch up front: growing the slices event by event was
	// a visible share of a catch-up's CPU. The room is the last batch's
	// when there was one: live batches of a few events each allocated it
	// anew, half of the server's allocations under the card-use load.
	size := min(e.maxBatch(r), 1024)
	b := &batch{tx: tx, cp: cp, upTo: cp, began: time.Now(), events: r.spareEvents, pending: r.sparePending}
	r.spareEvents, r.sparePending = nil, nil
	if b.events == nil {
		b.events = make([]eventlog.RecordedEvent, 0, size)
	}
	if _, ok := batchApplier(r.p); ok && b.pending == nil {
		b.pending = make([]eventlog.Envelope, 0, size)
	}
	if one, ok := tx.(*oneTripTx); ok {
		b.pipe = one
	} else if pipelined(r.p) {
		b.pipe = newPipeTx(tx)
		b.tx = b.pipe
	}
	b.timer = time.AfterFunc(e.cfg.MaxBatchWait, func() { e.flushBatch(r, b) })
	r.open = b
	return nil
}

// commitBatch commits r's batch. r.mu is held. When the commit fails, acked
// events are lost to this run: it restarts from its checkpoint. A batch of a
// generation being built is committed in flight (see inflight).
func (e *Engine) commitBatch(ctx context.Context, r *genRun) error {
	b := r.open
	r.open = nil
	b.timer.Stop()
	if err := e.settle(r); err != nil {
		_ = b.tx.Rollback(context.WithoutCancel(ctx))
		r.recycle(b)
		return err
	}
	if !r.active && pipelined(r.p) {
		c := &inflight{b: b, done: make(chan struct{})}
		r.flying = c
		go e.commitInFlight(r, c)
		return nil
	}
	defer r.recycle(b)
	if err := e.writeBatch(ctx, r, b); err != nil {
		return e.breakRun(r, err)
	}
	e.batchCommitted(r, b)
	return nil
}

// writeBatch applies b's pending events, saves its checkpoint and commits
// it; on failure, b is rolled back. It touches only b and what never
// changes in r, so that it can run in flight.
func (e *Engine) writeBatch(ctx context.Context, r *genRun, b *batch) error {
	if len(b.pending) > 0 {
		ba, _ := batchApplier(r.p)
		if err := ba.ApplyBatch(ctx, b.tx, b.pending); err != nil {
			// Which event failed is not known: apply them one at a time.
			_ = b.tx.Rollback(context.WithoutCancel(ctx))
			e.noPipe.set(r.gen.Schema, b.upTo)
			return &pipelineError{fmt.Errorf("%s: apply %d events: %w", r.gen.Schema, len(b.pending), err)}
		}
	}
	if b.cp.Less(b.upTo) {
		if err := saveCheckpoint(ctx, b.tx, r, b.upTo); err != nil {
			_ = b.tx.Rollback(context.WithoutCancel(ctx))
			return err
		}
	}
	if err := b.tx.Commit(ctx); err != nil {
		if isPipelineError(err) {
			e.noPipe.set(r.gen.Schema, b.upTo)
			_ = b.tx.Rollback(context.WithoutCancel(ctx))
		}
		return err
	}
	return nil
}

// batchCommitted records b's commit. r.mu is held.
func (e *Engine) batchCommitted(r *genRun, b *batch) {
	if r.open == nil {
		r.knowCheckpoint(b.upTo)
	}
	if b.cp.Less(b.upTo) {
		e.committed(r, b.upTo)
	}
}

// Commits in flight. A rebuild reads events and decodes them in the server,
// and writes them in PostgreSQL: one after the other, each waited for the
// other, and neither kept one of the two cores busy. While a generation is
// being built, a batch of a Pipelined projector is therefore committed (its
// ApplyBatch, checkpoint and COMMIT) in a goroutine of its own, and the
// handler goes on collecting and decoding the next batch meanwhile.
//
// Order and exactly-once hold as for a batch committed in place: a run has
// at most one commit in flight, and every other use of the checkpoint
// (the next commit, applyBatch, park, the run's end) waits for it first
// (settle). The next batch begins as a oneTripTx that expects the
// checkpoint the batch in flight writes, so if that one failed, the next
// writes nothing (checkpointMovedError); the failure breaks the run, which
// restarts from its checkpoint, as when a commit in place fails. Its events
// had been acked, as any batch's are before their commit.
type inflight struct {
	b    *batch
	done chan struct{} // closed when err is set
	err  error
}

// commitInFlight commits c's batch, then settles it unless someone else
// did.
func (e *Engine) commitInFlight(r *genRun, c *inflight) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	c.err = e.writeBatch(ctx, r, c.b)
	cancel()
	close(c.done)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.flying == c {
		_ = e.settle(r)
	}
}

// settle waits for r's commit in flight, if any, and records its outcome: a
// failure breaks the run, and the batch opened after it is dropped (it
// could not commit). r.mu is held.
func (e *Engine) settle(r *genRun) error {
	c := r.flying
	if c == nil {
		return nil
	}
	<-c.done
	r.flying = nil
	defer r.recycle(c.b)
	if c.err != nil {
		if b := r.open; b != nil {
			r.open = nil
			b.timer.Stop()
			_ = b.tx.Rollback(context.Background())
			r.recycle(b)
		}
		return e.breakRun(r, c.err)
	}
	e.batchCommitted(r, c.b)
	return nil
}

// failPipeline rolls r's batch back after a pipelined statement failed (the
// event it belongs to is not known) and restarts the run from its
// checkpoint; up to the batch's last event (at least pos), events are then
// applied without the pipeline, so the failing one is retried and parked
// alone. r.mu is held.
func (e *Engine) failPipeline(ctx context.Context, r *genRun, pos eventlog.Position, cause error) error {
	b := r.open
	r.open = nil
	b.timer.Stop()
	defer r.recycle(b)
	_ = b.tx.Rollback(context.WithoutCancel(ctx))
	upTo := b.upTo
	if upTo.Less(pos) {
		upTo = pos
	}
	e.noPipe.set(r.gen.Schema, upTo)
	return e.breakRun(r, cause)
}

// failBatch rolls r's batch back after cause, applies the events it had
// applied (they were acked) again on their own, and returns cause, so that
// the failing event is retried alone. r.mu is held.
func (e *Engine) failBatch(ctx context.Context, r *genRun, cause error) error {
	b := r.open
	r.open = nil
	b.timer.Stop()
	defer r.recycle(b)
	_ = b.tx.Rollback(context.WithoutCancel(ctx))
	if len(b.events) > 0 {
		last := b.events[len(b.events)-1].Position
		if err := e.applyBatch(ctx, r, b.events, last); err != nil {
			return e.breakRun(r, fmt.Errorf("apply again the %d events before a failing one: %w", len(b.events), err))
		}
	}
	return cause
}

// recycle keeps the slices of b, a closed batch, emptied, for r's next
// batch. r.mu is held.
func (r *genRun) recycle(b *batch) {
	clear(b.events) // no payloads kept alive until the next batch
	clear(b.pending)
	r.spareEvents, r.sparePending = b.events[:0], b.pending[:0]
}

// breakRun makes r restart from its checkpoint. r.mu is held.
func (e *Engine) breakRun(r *genRun, err error) error {
	r.broken = err
	r.stop()
	return &restartError{err}
}

// flushBatch commits b if it is still r's open batch (MaxBatchWait passed
// without a message that would have).
func (e *Engine) flushBatch(r *genRun, b *batch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open != b {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.commitBatch(ctx, r); err != nil {
		e.log.Error("engine: batch commit failed", "projection", r.name, "generation", r.gen.Schema, "err", err)
	}
}

// closeBatch commits what the run applied, when it ends with a batch open
// or in flight: those events were applied successfully and are kept.
func (e *Engine) closeBatch(r *genRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r.open != nil {
		if err := e.commitBatch(ctx, r); err != nil {
			e.log.Warn("engine: commit of the last batch failed", "projection", r.name, "generation", r.gen.Schema, "err", err)
		}
	}
	if err := e.settle(r); err != nil {
		e.log.Warn("engine: commit of the last batch failed", "projection", r.name, "generation", r.gen.Schema, "err", err)
	}
}
