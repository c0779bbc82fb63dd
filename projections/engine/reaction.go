package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Running reactions (eventlog.Reaction).
//
// A reaction runs in the one process holding its advisory lock
// ("react:<name>"), through the same Transport as the projectors: one
// Watermill consumer named after the reaction, subscribed from its
// checkpoint (the row "<name>" of projection.checkpoints). Each event the
// filter lets through is decoded (unless the reaction is Raw) and handed to
// the reaction; the checkpoint moves only after it succeeded. Live events
// save the checkpoint at once; while the subscriber reports a backlog, the
// checkpoint is saved every MaxBatch events or MaxBatchWait, and when the
// run ends. A crash therefore only delivers events again, never skips one.
// A handler that keeps failing is retried with the reaction's policy, then
// the event is parked (projection.parked, kind "reaction") and the checkpoint
// moves past it in the same transaction. An error matching
// eventlog.ErrUnavailable stops the run at the event instead; the supervisor
// starts it again from the checkpoint after LockRetryInterval.

// reactRun is one run of a reaction in this process.
type reactRun struct {
	rc     *reactor
	handle eventlog.ReactionFunc
	stop   context.CancelFunc

	mu      sync.Mutex
	saved   eventlog.Position // the checkpoint as saved
	done    eventlog.Position // handled up to here; saved < done while a batch is open
	pending int               // events handled since the last save
	since   time.Time         // when the first of them was handled
	timer   *time.Timer       // saves an open batch after MaxBatchWait
	broken  error             // a save failed: the run restarts from the checkpoint

	// healthy is set at the run's first save, which clears LastError.
	healthy atomic.Bool
}

// superviseReaction keeps the reaction running in this process whenever this
// process holds its lock.
func (e *Engine) superviseReaction(ctx context.Context, locks *locker, rc *reactor) {
	name := rc.re.Name
	lockName := reactLockName(name)
	for ctx.Err() == nil {
		ran, err := func() (bool, error) {
			lost, ok, err := locks.tryLock(ctx, lockName)
			if err != nil || !ok {
				return false, err
			}
			defer locks.unlock(lockName)
			return true, e.runReaction(ctx, rc, lost)
		}()
		if ctx.Err() != nil {
			return
		}
		delay := e.cfg.LockRetryInterval
		if err != nil {
			e.log.Error("engine: reaction failed", "reaction", name, "err", err)
			e.setLastErr(name, err)
		} else if ran {
			delay = 10 * time.Millisecond // lock lost or checkpoint reset: start again at once
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// runReaction runs the reaction until ctx ends, the lock is lost or the
// consumer stops.
func (e *Engine) runReaction(ctx context.Context, rc *reactor, lost <-chan struct{}) error {
	name := rc.re.Name
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	reset := e.signals[name].reset.wait()
	go func() {
		select {
		case <-lost:
			e.log.Warn("engine: lock lost; stopping", "reaction", name)
			cancel()
		case <-reset:
			e.log.Info("engine: checkpoint reset; restarting", "reaction", name)
			cancel()
		case <-runCtx.Done():
		}
	}()
	handle := rc.re.Handle
	if rc.re.Open != nil {
		h, closeFn, err := rc.re.Open(runCtx)
		if err != nil {
			return fmt.Errorf("engine: reaction %s: open: %w", name, err)
		}
		if closeFn != nil {
			defer closeFn()
		}
		handle = h
	}
	cp, err := e.Checkpoint(runCtx, name)
	if err != nil {
		return err
	}
	r := &reactRun{rc: rc, handle: handle, stop: cancel, saved: cp, done: cp}
	e.runMu.Lock()
	e.reacting[name] = r
	e.runMu.Unlock()
	defer func() {
		e.runMu.Lock()
		delete(e.reacting, name)
		e.runMu.Unlock()
	}()
	defer e.flushReaction(r) // before close: what was handled is kept
	e.log.Info("engine: running reaction", "reaction", name, "checkpoint", cp.String())

	err = e.cfg.Transport.RunConsumer(runCtx, Consumer{
		Name:        name,
		Filter:      rc.re.Filter,
		Progress:    true,
		Store:       e.store,
		Checkpoints: e,
		Handle: func(ctx context.Context, ev eventlog.RecordedEvent, backlog bool) error {
			return e.reactHandle(ctx, r, ev, backlog)
		},
		Advance: func(ctx context.Context, pos eventlog.Position) error {
			return e.reactAdvance(ctx, r, pos)
		},
		Park: func(ctx context.Context, _ string, ev eventlog.RecordedEvent, cause error) error {
			return e.reactPark(ctx, r, ev, cause)
		},
		Retry:  rc.retry,
		Poison: PoisonSkip,
	})
	if ctx.Err() != nil {
		return nil
	}
	r.mu.Lock()
	broken := r.broken
	r.mu.Unlock()
	if broken != nil {
		err = broken
	}
	if err == nil && runCtx.Err() != nil {
		return nil // the lock was lost, the checkpoint reset
	}
	if err == nil {
		err = errors.New("transport stopped")
	}
	return fmt.Errorf("engine: reaction %s: %w", name, err)
}

// reactHandle delivers one event (Consumer.Handle).
func (e *Engine) reactHandle(ctx context.Context, r *reactRun, ev eventlog.RecordedEvent, backlog bool) error {
	r.mu.Lock()
	broken, seen := r.broken, !r.done.Less(ev.Position)
	r.mu.Unlock()
	if broken != nil {
		return &restartError{broken}
	}
	if seen {
		return nil
	}
	if r.rc.re.Filter.Match(ev.StreamID, ev.Type) {
		if err := e.react(ctx, r.rc, r.handle, ev); err != nil {
			return err
		}
	}
	return e.reactDone(ctx, r, ev.Position, backlog)
}

// react hands ev to the reaction's handler, decoded unless it is Raw.
func (e *Engine) react(ctx context.Context, rc *reactor, handle eventlog.ReactionFunc, ev eventlog.RecordedEvent) error {
	name := rc.re.Name
	env := eventlog.Envelope{Recorded: ev}
	if !rc.re.Raw {
		var err error
		if env, err = e.decoder.Decode(ev); err != nil {
			return fmt.Errorf("engine: reaction %s: decode %s (%s at %s): %w", name, ev.Type, ev.ID, ev.Position, err)
		}
	}
	ctx, span := e.startSpan(ctx, "reaction "+name, env)
	err := handle(ctx, env)
	endSpan(span, err)
	if err != nil {
		err = fmt.Errorf("engine: reaction %s: %s (%s at %s): %w", name, ev.Type, ev.ID, ev.Position, err)
		if errors.Is(err, eventlog.ErrUnavailable) {
			return &unavailableError{err}
		}
		return err
	}
	return nil
}

// reactDone records that the events up to pos were handled and saves the
// checkpoint unless a backlog lets it wait.
func (e *Engine) reactDone(ctx context.Context, r *reactRun, pos eventlog.Position, backlog bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.done.Less(pos) {
		return nil
	}
	r.done = pos
	if r.pending == 0 {
		r.since = time.Now()
	}
	r.pending++
	if backlog && r.pending < e.cfg.MaxBatch && time.Since(r.since) < e.cfg.MaxBatchWait {
		if r.timer == nil {
			r.timer = time.AfterFunc(e.cfg.MaxBatchWait, func() { e.flushReaction(r) })
		}
		return nil
	}
	return e.saveReactionLocked(ctx, r)
}

// reactAdvance moves the checkpoint to pos, past events the filter skips
// (Consumer.Advance).
func (e *Engine) reactAdvance(ctx context.Context, r *reactRun, pos eventlog.Position) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken != nil {
		return &restartError{r.broken}
	}
	if r.done.Less(pos) {
		r.done = pos
	}
	return e.saveReactionLocked(ctx, r)
}

// saveReactionLocked saves the checkpoint up to r.done. A failure makes the
// run restart from the saved checkpoint (the events since are delivered
// again). r.mu is held.
func (e *Engine) saveReactionLocked(ctx context.Context, r *reactRun) error {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	if !r.saved.Less(r.done) {
		r.pending = 0
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := saveReactionCheckpoint(ctx, e.pool, r.rc.re.Name, r.saved, r.done); err != nil {
		r.broken = err
		r.stop()
		return &restartError{err}
	}
	r.saved, r.pending = r.done, 0
	if !r.healthy.Swap(true) {
		e.clearLastErr(r.rc.re.Name)
	}
	return nil
}

// flushReaction saves what the run handled and has not saved (the batch
// timer, the end of the run).
func (e *Engine) flushReaction(r *reactRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken != nil {
		return
	}
	if err := e.saveReactionLocked(context.Background(), r); err != nil {
		e.log.Error("engine: saving a reaction's checkpoint failed", "reaction", r.rc.re.Name, "err", err)
	}
}

// reactPark parks ev and moves the checkpoint past it, in one transaction
// (Consumer.Park). The events before it were handled.
func (e *Engine) reactPark(ctx context.Context, r *reactRun, ev eventlog.RecordedEvent, cause error) error {
	name := r.rc.re.Name
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("engine: park for reaction %s: %w", name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	r.mu.Lock()
	from := r.saved
	r.mu.Unlock()
	if err := insertParked(ctx, tx, KindReaction, name, name, ev, cause, r.rc.retry.Attempts()); err != nil {
		return err
	}
	if err := saveReactionCheckpoint(ctx, tx, name, from, ev.Position); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("engine: park for reaction %s: %w", name, err)
	}
	e.log.Warn("engine: event parked", "reaction", name, "position", ev.Position.String(),
		"event_id", ev.ID, "type", ev.Type, "err", cause)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done.Less(ev.Position) {
		r.done = ev.Position
	}
	if r.saved.Less(ev.Position) {
		r.saved = ev.Position
	}
	if !r.saved.Less(r.done) {
		r.pending = 0
		if r.timer != nil {
			r.timer.Stop()
			r.timer = nil
		}
	}
	return nil
}

func (e *Engine) clearLastErr(name string) {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	delete(e.lastErr, name)
}
