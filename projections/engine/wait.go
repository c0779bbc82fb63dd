package engine

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Notification channels. Payloads are plain text:
//
//	projection_checkpoint  "<projector> <commit>/<prepare> <generation>"  the active generation's checkpoint:
//	                                                                      advanced, switched to, reset
//	projection_control     "generation <projector>"                a generation was created, switched or dropped
//	                       "reset <projector>"                     ResetCheckpoint: runners restart
//	                       "nudge <projector>"                     a reader waits: check progress now
const (
	CheckpointChannel = "projection_checkpoint"
	ControlChannel    = "projection_control"
)

// LagError is returned by WaitFor when its context ends before a projector
// reached the position. It wraps the context's error.
type LagError struct {
	Projection string
	Want       eventlog.Position
	Reached    eventlog.Position
	Err        error
}

func (e *LagError) Error() string {
	return fmt.Sprintf("engine: projection %s reached %s, not %s: %v", e.Projection, e.Reached, e.Want, e.Err)
}

func (e *LagError) Unwrap() error { return e.Err }

// ErrUnknownProjection is returned for a name that no projector of the Engine has.
var ErrUnknownProjection = errors.New("engine: unknown projection")

// WaitFor returns when the checkpoint of every named projector (all when none
// is named) has reached pos, so that their read models reflect every event up
// to pos. It gives up with a *LagError naming the first projector that lagged
// when ctx ends or Config.WaitTimeout passes. It works in every process
// sharing the database: checkpoints advanced by this process wake waiters
// directly, others arrive by LISTEN on one connection shared by all waiters.
// A waiter costs a goroutine blocked on a channel, nothing more.
func (e *Engine) WaitFor(ctx context.Context, pos eventlog.Position, names ...string) error {
	if len(names) == 0 {
		names = e.names
	}
	for _, n := range names {
		if _, ok := e.byName[n]; !ok {
			return fmt.Errorf("%w: %q", ErrUnknownProjection, n)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.WaitTimeout)
	defer cancel()
	for _, n := range names {
		if err := e.waitOne(ctx, n, pos, true); err != nil {
			return err
		}
	}
	return nil
}

// waitOne waits until name's checkpoint reaches target; with nudge, a
// filtered projector is asked to check for progress, now and every 100 ms.
func (e *Engine) waitOne(ctx context.Context, name string, target eventlog.Position, nudge bool) error {
	ent := e.hub.entry(name)
	if !ent.position().Less(target) {
		return nil
	}
	if err := e.ensureLoaded(ctx); err != nil {
		return &LagError{Projection: name, Want: target, Reached: ent.position(), Err: err}
	}
	w := ent.register(target)
	if w == nil {
		return nil
	}
	defer ent.remove(w)
	// A filtered projector's checkpoint moves past ignored events when its
	// subscriber checks for progress: ask for that now, and again while
	// waiting (nudges are rate-limited and cheap).
	var renudge <-chan time.Time
	if nudge && e.nudge(ctx, name) {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		renudge = t.C
	}
	for {
		select {
		case <-w.reached:
			return nil
		case <-renudge:
			e.nudge(ctx, name)
		case <-ctx.Done():
			reached := ent.position()
			if !reached.Less(target) {
				return nil
			}
			return &LagError{Projection: name, Want: target, Reached: reached, Err: ctx.Err()}
		}
	}
}

// hubEntry is what this process knows of one projector's active checkpoint,
// and who waits for it: a min-heap of targets, so an advance wakes exactly the
// waiters it satisfies.
//
// News of the checkpoint arrives out of order: this process's own commits at
// once, everything by notification later, a reload after a reconnect from a
// read made earlier. So the entry keeps the generation its position belongs
// to, and moves only forward: to a later position of the same generation, or
// to any position of a later generation (a switch). News of an older
// generation, or of an earlier position, is stale and changes nothing. A
// reset that moves a checkpoint back therefore leaves the entry where it was:
// the read model still holds every event up to there (a projector that may
// be reset is idempotent), so a waiter answered from it is still right.
type hubEntry struct {
	mu      sync.Mutex
	gen     int
	pos     eventlog.Position
	waiters waiterHeap
	// lastNudge rate-limits nudges sent to other processes.
	lastNudge time.Time
}

type waiter struct {
	target  eventlog.Position
	reached chan struct{}
	index   int // in the heap; -1 once removed
}

type waiterHeap []*waiter

func (h waiterHeap) Len() int           { return len(h) }
func (h waiterHeap) Less(i, j int) bool { return h[i].target.Less(h[j].target) }
func (h waiterHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waiterHeap) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waiterHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

func (h *hubEntry) position() eventlog.Position {
	_, pos := h.version()
	return pos
}

func (h *hubEntry) version() (int, eventlog.Position) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.gen, h.pos
}

// register adds a waiter for target, or returns nil when it is reached.
func (h *hubEntry) register(target eventlog.Position) *waiter {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.pos.Less(target) {
		return nil
	}
	w := &waiter{target: target, reached: make(chan struct{})}
	heap.Push(&h.waiters, w)
	return w
}

func (h *hubEntry) remove(w *waiter) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.index >= 0 {
		heap.Remove(&h.waiters, w.index)
	}
}

// update records that generation gen of the projector reached p, unless
// that is stale (see hubEntry), and wakes the waiters it reached. A gen below
// zero means the generation the entry holds (a process of an earlier release
// sends none).
func (h *hubEntry) update(gen int, p eventlog.Position) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if gen < 0 {
		gen = h.gen
	}
	if gen < h.gen || gen == h.gen && p.Less(h.pos) {
		return
	}
	h.gen, h.pos = gen, p
	for len(h.waiters) > 0 && !p.Less(h.waiters[0].target) {
		close(heap.Pop(&h.waiters).(*waiter).reached)
	}
}

type waitHub struct {
	entries map[string]*hubEntry // fixed at New: one per projector
}

func newWaitHub(names []string) *waitHub {
	h := &waitHub{entries: map[string]*hubEntry{}}
	for _, n := range names {
		h.entries[n] = &hubEntry{}
	}
	return h
}

func (h *waitHub) entry(name string) *hubEntry { return h.entries[name] }

func (h *waitHub) update(name string, gen int, p eventlog.Position) {
	if ent := h.entries[name]; ent != nil {
		ent.update(gen, p)
	}
}

// checkpointNotice is the payload announcing that generation gen of
// projector name reached pos.
func checkpointNotice(name string, gen int, pos eventlog.Position) string {
	return name + " " + pos.String() + " " + strconv.Itoa(gen)
}

// parseCheckpointNotice reads a checkpointNotice; gen is -1 when the payload
// names none (a process of an earlier release: "<projector> <position>",
// with " set" after a switch or reset).
func parseCheckpointNotice(payload string) (name string, gen int, pos eventlog.Position, ok bool) {
	f := strings.Fields(payload)
	if len(f) < 2 {
		return "", 0, pos, false
	}
	pos, err := eventlog.ParsePosition(f[1])
	if err != nil {
		return "", 0, pos, false
	}
	gen = -1
	if len(f) > 2 {
		if n, err := strconv.Atoi(f[2]); err == nil && n >= 0 {
			gen = n
		}
	}
	return f[0], gen, pos, true
}

// ensureLoaded starts the listener once and waits until it has listened and
// loaded every active checkpoint at least once.
func (e *Engine) ensureLoaded(ctx context.Context) error {
	e.startListener()
	select {
	case <-e.lst.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-e.ctx.Done():
		return errors.New("engine: closed")
	}
}

// nudge asks the runner of a filtered projector to check for progress now;
// it reports whether the projector is filtered (nothing to nudge otherwise).
func (e *Engine) nudge(ctx context.Context, name string) bool {
	if f := e.filters[name]; len(f.Categories) == 0 && len(f.EventTypes) == 0 {
		return false // every event reaches it
	}
	if e.nudgeLocal(name) {
		return true
	}
	ent := e.hub.entry(name)
	ent.mu.Lock()
	due := time.Since(ent.lastNudge) > 20*time.Millisecond
	if due {
		ent.lastNudge = time.Now()
	}
	ent.mu.Unlock()
	if due {
		_, _ = e.pool.Exec(ctx, "SELECT pg_notify($1, $2)", ControlChannel, "nudge "+name)
	}
	return true
}

// nudgeLocal nudges the active runner of name if it runs in this process.
func (e *Engine) nudgeLocal(name string) bool {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	for r := range e.runs {
		if r.name == name && r.active {
			select {
			case r.nudge <- struct{}{}:
			default:
			}
			return true
		}
	}
	return false
}

// listener is how this process hears the engine's channels, for every
// waiter and every supervisor: through Config.Notices (the event store's
// listening connection), or a connection of the engine's own (ownNotices).
type listener struct {
	once      sync.Once
	readyOnce sync.Once
	ready     chan struct{} // closed after the first LISTEN and load
}

func (e *Engine) startListener() {
	e.lst.once.Do(func() {
		notices := e.cfg.Notices
		if notices == nil {
			notices = ownNotices{connConfig: e.pool.Config().ConnConfig, delay: e.cfg.ListenReconnectDelay, log: e.log, bg: &e.bg}
		}
		notices.Listen(e.ctx, []string{CheckpointChannel, ControlChannel}, e.listened, e.dispatch)
	})
}

// listened runs each time the listener has (re)connected: notifications may
// have been missed while not listening, so it loads every active checkpoint
// now that new ones will arrive, and wakes the supervisors.
func (e *Engine) listened(ctx context.Context) error {
	err := e.ready(ctx)
	if err == nil {
		err = e.loadActiveCheckpoints(ctx)
	}
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("engine: loading checkpoints after LISTEN failed; listening again", "err", err)
		}
		return err
	}
	for _, n := range e.names {
		e.signals[n].gen.fire()
	}
	e.lst.readyOnce.Do(func() { close(e.lst.ready) })
	return nil
}

// ownNotices implements eventlog.Notices on a connection of the engine's
// own, for an engine whose Config.Notices is nil.
type ownNotices struct {
	connConfig *pgx.ConnConfig
	delay      time.Duration
	log        *slog.Logger
	bg         *sync.WaitGroup
}

func (o ownNotices) Listen(ctx context.Context, channels []string, connected func(context.Context) error, deliver func(channel, payload string)) {
	o.bg.Add(1)
	go func() {
		defer o.bg.Done()
		for ctx.Err() == nil {
			err := o.listenOnce(ctx, channels, connected, deliver)
			if ctx.Err() != nil {
				return
			}
			if !errors.Is(err, errNotLoaded) {
				o.log.Warn("engine: notification listener failed; reconnecting", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(o.delay):
			}
		}
	}()
}

// errNotLoaded marks a failure of the listener's connected (which logs it).
var errNotLoaded = errors.New("engine: not loaded after LISTEN")

func (o ownNotices) listenOnce(ctx context.Context, channels []string, connected func(context.Context) error, deliver func(channel, payload string)) error {
	conn, err := pgx.ConnectConfig(ctx, o.connConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	listen := make([]string, len(channels))
	for i, ch := range channels {
		listen[i] = "LISTEN " + pgx.Identifier{ch}.Sanitize()
	}
	if _, err := conn.Exec(ctx, strings.Join(listen, "; ")); err != nil {
		return err
	}
	if err := connected(ctx); err != nil {
		return fmt.Errorf("%w: %w", errNotLoaded, err)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		deliver(n.Channel, n.Payload)
	}
}

func (e *Engine) loadActiveCheckpoints(ctx context.Context) error {
	rows, err := e.pool.Query(ctx, `
SELECT g.projection, g.generation, c.commit_pos, c.prepare_pos
  FROM projection.generations g
  JOIN projection.checkpoints c ON c.name = g.schema_name
 WHERE g.state = 'active'`)
	if err != nil {
		return fmt.Errorf("engine: load checkpoints: %w", err)
	}
	var name string
	var gen int
	var c, p int64
	_, err = pgx.ForEachRow(rows, []any{&name, &gen, &c, &p}, func() error {
		e.hub.update(name, gen, position(c, p))
		return nil
	})
	return err
}

func (e *Engine) dispatch(channel, payload string) {
	switch channel {
	case CheckpointChannel:
		if name, gen, pos, ok := parseCheckpointNotice(payload); ok {
			e.hub.update(name, gen, pos)
		}
	case ControlChannel:
		kind, name, ok := strings.Cut(payload, " ")
		if !ok {
			return
		}
		sig := e.signals[name]
		if sig == nil {
			return
		}
		switch kind {
		case "generation":
			sig.gen.fire()
		case "reset":
			sig.reset.fire()
		case "nudge":
			e.nudgeLocal(name)
		}
	}
}

// signal is a broadcast: wait returns a channel that the next fire closes.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) fire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

type projSignals struct {
	gen   signal // generations of the projector changed
	reset signal // its checkpoint was reset: runners restart
}

// Known returns the version of the named projector's read model as this
// process last heard it: the active generation and its checkpoint, this
// process's own advances at once, other processes' by notification. A cache
// of read-model rows tagged with Known before they were read stays exact
// while Known answers the same version.
func (e *Engine) Known(ctx context.Context, name string) (eventlog.ReadModelVersion, error) {
	ent := e.hub.entry(name)
	if ent == nil {
		return eventlog.ReadModelVersion{}, fmt.Errorf("%w: %q", ErrUnknownProjection, name)
	}
	if err := e.ensureLoaded(ctx); err != nil {
		return eventlog.ReadModelVersion{}, err
	}
	gen, pos := ent.version()
	return eventlog.ReadModelVersion{Generation: gen, Position: pos}, nil
}
