package pgstore

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// tail is the store's shared reader of the head of the log. Without it every
// subscription of a process (one per projector generation, one per mail
// worker, …) runs its own filtered query on every notification, most of them
// finding nothing; with it, one goroutine reads each new event once, unfiltered,
// and keeps the most recent ones in memory, and the subscriptions that have
// caught up take their events from there and wait for the tail instead of for
// the database. Subscriptions that are further behind (a rebuild, a consumer
// started from an old checkpoint) read the database as before until they
// reach the window.
//
// The window is exact: it holds every event with a position in (start, head],
// because the tail reads the unfiltered log in position order after head and
// the append lock makes positions visible in order (see the package
// documentation), so an event past head that is not read yet cannot have a
// position at or below head. Events in the window are shared between
// subscriptions: their Data and Metadata must not be modified.
type tail struct {
	store    *Store
	capacity int

	started atomic.Bool // the reader goroutine runs (and the listener)

	// refreshMu guards running (the read in progress) and queued (the one
	// to run after it, shared by everyone who asked meanwhile).
	refreshMu sync.Mutex
	running   *refreshCall
	queued    *refreshCall

	mu    sync.Mutex
	ready bool // the window is positioned (first head read)
	// stale is set when a write of this process committed events the
	// window could not take (it was behind them); seenEpoch is the
	// notifier's epoch at the start of the last successful read. See
	// behind.
	stale     bool
	seenEpoch uint64

	from    eventlog.Position        // the window covers (from, head]
	head    eventlog.Position        // last event read or recorded
	events  []eventlog.RecordedEvent // events in (from, head], in order
	changed chan struct{}            // closed and replaced when head moves

	// kick wakes the reader goroutine when a write of this process found
	// the window behind (capacity 1).
	kick chan struct{}
}

func newTail(s *Store, capacity int) *tail {
	return &tail{store: s, capacity: capacity, changed: make(chan struct{}), kick: make(chan struct{}, 1)}
}

// ensureStarted starts the reader goroutine once. It positions the window at
// the head of the log first, so the window never holds history nobody asked
// for; until that succeeds subscriptions read the database.
func (t *tail) ensureStarted() {
	if t.started.CompareAndSwap(false, true) {
		go t.run()
	}
}

func (t *tail) run() {
	s := t.store
	poll := true // the first round reads
	for s.ctx.Err() == nil {
		wake := s.notifier.channel()
		if poll || t.behind() {
			if err := t.refresh(s.ctx); err != nil && s.ctx.Err() == nil {
				// The subscriptions keep their safety poll of the database;
				// try again after the reconnect delay.
				select {
				case <-s.ctx.Done():
					return
				case <-time.After(s.cfg.ReconnectDelay):
				}
				continue
			}
		}
		poll = false
		select {
		case <-wake:
		case <-t.kick:
		case <-time.After(s.cfg.PollInterval):
			poll = true
		case <-s.ctx.Done():
			return
		}
	}
}

// behind reports whether the log may hold events after the window's head
// that this process knows of: the window is not positioned yet, a write of
// this process could not be recorded, a notification announced a later
// position, or the listener (re)connected since the last read and may have
// missed announcements. Events of other processes whose notification has not
// arrived yet are not known; a reader that waits for them is woken by it.
// Before the first subscription started the tail and the listener, nothing
// is known, so it is always behind.
func (t *tail) behind() bool {
	if !t.started.Load() {
		return true
	}
	heard, epoch := t.store.notifier.news()
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.ready || t.stale || epoch != t.seenEpoch || int64(t.head.Commit) < heard
}

// record takes the events a write of this process has just committed, which
// directly follow prev in the log (see applySQL), when prev is the window's
// head: then the window stays exact without reading them back, and the
// subscriptions waiting for the tail get them at once instead of after a
// notification and a read. Otherwise (the window is behind, or already past
// them) it makes the reader read the log now.
func (t *tail) record(prev eventlog.Position, events []eventlog.RecordedEvent) {
	t.mu.Lock()
	if !t.ready || t.head != prev {
		behind := t.ready && t.head.Less(events[len(events)-1].Position)
		if behind {
			t.stale = true
		}
		t.mu.Unlock()
		if behind {
			select {
			case t.kick <- struct{}{}:
			default:
			}
		}
		return
	}
	t.addLocked(events)
	t.mu.Unlock()
	t.broadcast()
}

// refresh reads every event committed after the window's head into the
// window; when it returns nil, the window holds every event that was visible
// when it was called. At most one read runs at a time: callers that arrive
// while one runs (it may have started before their events became visible)
// share the next one, so any number of concurrent callers cost at most two
// reads in a row.
func (t *tail) refresh(ctx context.Context) error {
	t.refreshMu.Lock()
	if t.running == nil {
		c := newRefreshCall()
		t.running = c
		t.refreshMu.Unlock()
		t.runRefresh(c)
		return c.err
	}
	if t.queued == nil {
		t.queued = newRefreshCall()
	}
	c := t.queued
	t.refreshMu.Unlock()
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refreshCall is one read of the log into the window, shared by its callers.
type refreshCall struct {
	done chan struct{}
	err  error
}

func newRefreshCall() *refreshCall { return &refreshCall{done: make(chan struct{})} }

// runRefresh performs c, then starts the call queued meanwhile, if any.
func (t *tail) runRefresh(c *refreshCall) {
	c.err = t.read(t.store.ctx)
	t.refreshMu.Lock()
	next := t.queued
	t.queued = nil
	t.running = next
	t.refreshMu.Unlock()
	close(c.done)
	if next != nil {
		go t.runRefresh(next)
	}
}

// read reads the events after head into the window (positioning the window
// at the log's head first, when it is not yet).
func (t *tail) read(ctx context.Context) (err error) {
	_, epoch := t.store.notifier.news()
	t.mu.Lock()
	ready, head := t.ready, t.head
	t.stale = false // claimed by this read; a write recorded during it may set it again
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		if err != nil {
			t.stale = true
		} else {
			t.seenEpoch = epoch
		}
		t.mu.Unlock()
	}()
	if !ready {
		h, err := t.store.Head(ctx)
		if err != nil {
			return err
		}
		t.mu.Lock()
		t.ready, t.from, t.head = true, h, h
		t.mu.Unlock()
		t.broadcast()
		return nil
	}
	page := t.store.cfg.TailPageSize
	for {
		events, err := t.store.readAll(ctx, t.store.pool, head, eventlog.Filter{}, page)
		if err != nil {
			return fmt.Errorf("pgstore: tail read after %s: %w", head, err)
		}
		if len(events) == 0 {
			return nil
		}
		head = events[len(events)-1].Position
		t.add(events)
		if len(events) < page {
			return nil
		}
	}
}

// add appends events read after the window's head as it was when the read
// began to the window and wakes the waiting subscriptions.
func (t *tail) add(events []eventlog.RecordedEvent) {
	t.mu.Lock()
	n := t.addLocked(events)
	t.mu.Unlock()
	if n > 0 {
		t.broadcast()
	}
}

// addLocked appends the events after head (a write of this process may have
// recorded some of them while they were being read), drops the oldest beyond
// the capacity and returns how many it added. t.mu is held.
func (t *tail) addLocked(events []eventlog.RecordedEvent) int {
	skip := sort.Search(len(events), func(i int) bool { return t.head.Less(events[i].Position) })
	events = events[skip:]
	if len(events) == 0 {
		return 0
	}
	t.events = append(t.events, events...)
	t.head = events[len(events)-1].Position
	if over := len(t.events) - t.capacity; over > 0 {
		// Drop a little more than needed so that trimming copies rarely.
		over = min(len(t.events), over+t.capacity/4)
		t.from = t.events[over-1].Position
		// In place: the array keeps its room for the next appends, and the
		// slots past the kept events drop their payloads. No reader holds
		// the array (after copies the events it returns).
		n := copy(t.events, t.events[over:])
		clear(t.events[n:])
		t.events = t.events[:n]
	}
	return len(events)
}

func (t *tail) broadcast() {
	t.mu.Lock()
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
}

// window is what the tail knows after a position.
type window struct {
	// covered: the tail holds every event after the position up to head.
	covered bool
	// events: those passing the filter, at most max, in order.
	events []eventlog.RecordedEvent
	// scanned: no event passing the filter lies in (after, scanned] beyond
	// the ones returned.
	scanned eventlog.Position
	// changed is closed when the tail reads more events.
	changed <-chan struct{}
	// more: events passing the filter follow the max returned.
	more bool
}

// after returns the events after pos that pass f, at most max, when the
// window covers pos.
func (t *tail) after(pos eventlog.Position, f eventlog.Filter, max int) window {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := window{changed: t.changed}
	if !t.ready || pos.Commit < t.from.Commit {
		return w
	}
	w.covered = true
	w.scanned = pos
	if !pos.Less(t.head) {
		return w
	}
	i := sort.Search(len(t.events), func(i int) bool { return pos.Less(t.events[i].Position) })
	for ; i < len(t.events); i++ {
		e := t.events[i]
		if f.Match(e.StreamID, e.Type) {
			if len(w.events) == max {
				w.more = true
				return w
			}
			if w.events == nil {
				// Room for the rest of the window, once, at the first match:
				// a consumer whose filter passes nothing allocates nothing.
				w.events = make([]eventlog.RecordedEvent, 0, min(max, len(t.events)-i))
			}
			w.events = append(w.events, e)
		}
		w.scanned = e.Position
	}
	w.scanned = t.head
	return w
}

// Head returns the position of the last event of the log (eventlog.Start for
// an empty log). Every event up to it is visible: positions become visible in
// order.
func (s *Store) Head(ctx context.Context) (eventlog.Position, error) {
	var p int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM eventstore.events`).Scan(&p); err != nil {
		return eventlog.Position{}, fmt.Errorf("pgstore: head: %w", err)
	}
	return positionOf(p), nil
}

// SafeProgress implements eventlog.ProgressReader from the in-memory tail:
// after bringing the tail up to date when it is behind what this process
// knows (one query, shared by concurrent callers), it answers the tail's
// head when no event after `after` passes f. The answer is a lower bound, as
// the port asks: every event up to it is known. A position the tail does not
// cover is answered from the database.
func (s *Store) SafeProgress(ctx context.Context, after eventlog.Position, f eventlog.Filter) (eventlog.Position, error) {
	if s.tail != nil {
		if s.tail.behind() {
			if err := s.tail.refresh(ctx); err != nil {
				return after, err
			}
		}
		if w := s.tail.after(after, f, 1); w.covered {
			if len(w.events) > 0 {
				return after, nil
			}
			return w.scanned, nil
		}
	}
	head, err := s.Head(ctx)
	if err != nil || !after.Less(head) {
		return after, err
	}
	next, err := s.readAll(ctx, s.pool, after, f, 1)
	if err != nil {
		return after, fmt.Errorf("pgstore: progress after %s: %w", after, err)
	}
	if len(next) == 0 || head.Less(next[0].Position) {
		return head, nil
	}
	return after, nil
}
