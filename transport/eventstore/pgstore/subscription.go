package pgstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// notifier LISTENs on NotifyChannel over a dedicated connection and wakes
// every waiting subscription when an append commits. The same connection
// listens on the channels of the process's other listeners (Store.Listen).
type notifier struct {
	connConfig *pgx.ConnConfig
	delay      time.Duration
	ctx        context.Context

	start   sync.Once
	ready   chan struct{} // closed after the first connection attempt
	stopped chan struct{} // closed when run returns; nil until started

	mu   sync.Mutex
	wake chan struct{} // closed and replaced on every wake-up
	pid  uint32        // backend pid of the listening connection, for tests
	// listeners are the registrations of Store.Listen; added are those the
	// open connection does not listen for yet, and interrupt ends its wait
	// for a notification so that it does (nil while it is not waiting).
	listeners map[*noticeListener]struct{}
	added     []*noticeListener
	interrupt context.CancelFunc
	// heard is the largest position announced by a notification; epoch
	// counts the wake-ups that announced nothing (a (re)connect: anything
	// may have been missed). The tail reads the log only when one of them
	// tells of events it does not hold.
	heard int64
	epoch uint64
}

func newNotifier(ctx context.Context, cfg *pgx.ConnConfig, delay time.Duration) *notifier {
	cc := cfg.Copy()
	// A wait for a notification that is called off (a listener registered,
	// the store closes) ends by a deadline at once, not by a cancel request
	// to the server, and leaves the connection usable.
	cc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	return &notifier{
		connConfig: cc,
		delay:      delay,
		ctx:        ctx,
		ready:      make(chan struct{}),
		wake:       make(chan struct{}),
		listeners:  map[*noticeListener]struct{}{},
	}
}

// ensureStarted starts the listener on first use and waits until its first
// connection attempt is over (or ctx ends). A subscription that starts while
// the listener is down still progresses by the safety poll.
func (n *notifier) ensureStarted(ctx context.Context) error {
	n.startOnce()
	select {
	case <-n.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *notifier) startOnce() {
	n.start.Do(func() {
		n.mu.Lock()
		n.stopped = make(chan struct{})
		n.mu.Unlock()
		go n.run()
	})
}

// wait blocks until the listener, if it was started, has stopped.
func (n *notifier) wait() {
	n.mu.Lock()
	stopped := n.stopped
	n.mu.Unlock()
	if stopped != nil {
		<-stopped
	}
}

// channel returns the channel closed by the next wake-up. Take it before
// reading the log, so a notification that arrives in between is not lost.
func (n *notifier) channel() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.wake
}

// broadcast wakes everyone after a (re)connect: notifications may have been
// missed.
func (n *notifier) broadcast() {
	n.mu.Lock()
	n.epoch++
	n.wakeLocked()
	n.mu.Unlock()
}

// wakeLocked wakes everyone waiting on the current channel; n.mu is held.
func (n *notifier) wakeLocked() {
	close(n.wake)
	n.wake = make(chan struct{})
}

// announce wakes everyone for a notification that events up to position
// were committed (the payload of the appending transaction's pg_notify).
func (n *notifier) announce(payload string) {
	pos, err := strconv.ParseInt(payload, 10, 64)
	if err != nil {
		n.broadcast() // not ours to parse: wake everyone as if missed
		return
	}
	n.mu.Lock()
	n.heard = max(n.heard, pos)
	n.wakeLocked()
	n.mu.Unlock()
}

// news returns the largest announced position and the number of wake-ups
// without one so far.
func (n *notifier) news() (heard int64, epoch uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.heard, n.epoch
}

func (n *notifier) listenerPID() uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pid
}

func (n *notifier) run() {
	defer close(n.stopped)
	var readyOnce sync.Once
	markReady := func() { readyOnce.Do(func() { close(n.ready) }) }
	defer markReady()
	for n.ctx.Err() == nil {
		n.listen(markReady)
		markReady()
		// Anything may have been appended while the listener was down.
		n.broadcast()
		select {
		case <-n.ctx.Done():
		case <-time.After(n.delay):
		}
	}
}

// listen connects, LISTENs and wakes subscriptions on each notification until
// the connection fails or the store closes; it hands the other listeners'
// notices to them. connected runs once LISTEN is active and every listener
// has loaded what it may have missed. A listener registered meanwhile is
// added on the same connection: its wait is interrupted by a deadline
// (pgconn.DeadlineContextWatcherHandler), which leaves the connection usable.
func (n *notifier) listen(connected func()) {
	n.mu.Lock()
	listeners := make([]*noticeListener, 0, len(n.listeners))
	for l := range n.listeners {
		listeners = append(listeners, l)
	}
	n.added = nil
	n.mu.Unlock()
	listeners = live(listeners)
	conn, err := pgx.ConnectConfig(n.ctx, n.connConfig)
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	if err := listenOn(n.ctx, conn, NotifyChannel, listeners); err != nil {
		return
	}
	n.mu.Lock()
	n.pid = conn.PgConn().PID()
	n.mu.Unlock()
	connected()
	// Events appended before LISTEN took effect are found by the next read
	// of every subscription: wake them once.
	n.broadcast()
	for {
		wait, interrupt := context.WithCancel(n.ctx)
		n.mu.Lock()
		added := live(n.added)
		n.added = nil
		n.interrupt = interrupt
		n.mu.Unlock()
		if len(added) > 0 {
			interrupt()
			if err := listenOn(n.ctx, conn, "", added); err != nil {
				return
			}
			listeners = append(listeners, added...)
			continue
		}
		note, err := conn.WaitForNotification(wait)
		interrupt()
		n.mu.Lock()
		n.interrupt = nil
		n.mu.Unlock()
		if err != nil {
			if wait.Err() != nil && n.ctx.Err() == nil && !conn.IsClosed() {
				continue // a listener registered
			}
			return
		}
		if note.Channel == NotifyChannel {
			n.announce(note.Payload)
			continue
		}
		for _, l := range listeners {
			l.hear(note.Channel, note.Payload)
		}
	}
}

// live returns the listeners whose context has not ended.
func live(listeners []*noticeListener) []*noticeListener {
	out := listeners[:0:0]
	for _, l := range listeners {
		if l.ctx.Err() == nil {
			out = append(out, l)
		}
	}
	return out
}

// listenOn LISTENs on conn to channel (unless empty) and to every channel of
// listeners, then runs their connected.
func listenOn(ctx context.Context, conn *pgx.Conn, channel string, listeners []*noticeListener) error {
	if sql := listenSQL(channel, listeners); sql != "" {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return err
		}
	}
	for _, l := range listeners {
		if err := l.connected(ctx); err != nil {
			return err
		}
	}
	return nil
}

// listenSQL is the LISTEN statement of channel (unless empty) and of every
// listener's channels.
func listenSQL(channel string, listeners []*noticeListener) string {
	var b strings.Builder
	seen := map[string]bool{}
	add := func(ch string) {
		if ch == "" || seen[ch] {
			return
		}
		seen[ch] = true
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString("LISTEN " + pgx.Identifier{ch}.Sanitize())
	}
	add(channel)
	for _, l := range listeners {
		for ch := range l.channels {
			add(ch)
		}
	}
	return b.String()
}

// noticeListener is one registration of Store.Listen.
type noticeListener struct {
	ctx       context.Context
	channels  map[string]bool
	connected func(context.Context) error
	deliver   func(channel, payload string)
}

// hear delivers a notice on one of l's channels, unless l has ended.
func (l *noticeListener) hear(channel, payload string) {
	if l.channels[channel] && l.ctx.Err() == nil {
		l.deliver(channel, payload)
	}
}

// Listen implements eventlog.Notices on the connection that listens for the
// store's own news (NotifyChannel), so that the process needs no other
// listening connection: in PostgreSQL every notification wakes every
// listening connection of the database. A listener registered while the
// connection is open is added to it (LISTEN, then its connected), without a
// second connection.
func (s *Store) Listen(ctx context.Context, channels []string, connected func(context.Context) error, deliver func(channel, payload string)) {
	n := s.notifier
	l := &noticeListener{ctx: ctx, channels: map[string]bool{}, connected: connected, deliver: deliver}
	for _, ch := range channels {
		l.channels[ch] = true
	}
	n.mu.Lock()
	n.listeners[l] = struct{}{}
	n.added = append(n.added, l)
	if n.interrupt != nil {
		n.interrupt()
	}
	n.mu.Unlock()
	n.startOnce()
	go func() {
		select {
		case <-ctx.Done():
		case <-n.ctx.Done():
		}
		n.mu.Lock()
		delete(n.listeners, l)
		n.mu.Unlock()
	}()
}

// SubscribeAll starts a catch-up subscription: Recv delivers every event after
// opts.After that passes opts.Filter, in position order, first the stored ones
// and then each new one as it is committed, never skipping or repeating one.
// ctx bounds only the start; the subscription lives until its Close or the
// Store's Close.
func (s *Store) SubscribeAll(ctx context.Context, opts eventlog.SubscribeOptions) (eventlog.Subscription, error) {
	if s.isClosed() {
		return nil, fmt.Errorf("pgstore: subscribe after %s: %w", opts.After, ErrClosed)
	}
	if err := s.notifier.ensureStarted(ctx); err != nil {
		return nil, fmt.Errorf("pgstore: subscribe after %s: %w", opts.After, err)
	}
	if s.tail != nil {
		s.tail.ensureStarted()
	}
	subCtx, cancel := context.WithCancel(context.Background())
	sub := &subscription{
		store:  s,
		filter: opts.Filter,
		last:   opts.After,
		ctx:    subCtx,
		cancel: cancel,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		cancel()
		return nil, fmt.Errorf("pgstore: subscribe after %s: %w", opts.After, ErrClosed)
	}
	s.subs[sub] = struct{}{}
	return sub, nil
}

// subscription is a pull-based catch-up subscription: when its buffer is
// empty, Recv takes the next page from the store's tail once the tail covers
// its position (and then waits for the tail), and reads the database
// otherwise (and then waits for a notification).
type subscription struct {
	store  *Store
	filter eventlog.Filter

	// ctx ends on Close.
	ctx    context.Context
	cancel context.CancelFunc

	mu   sync.Mutex // serializes Recv
	last eventlog.Position
	buf  []eventlog.RecordedEvent
	// scanned ≥ last: no event passing the filter lies in (last, scanned]
	// beyond those in buf. The tail moves it past events the filter skips.
	scanned eventlog.Position
	// more: events are known (from the tail) or likely (a database page
	// that filled SubscriptionPageSize) to follow those in buf.
	more bool
}

// cursor is where the next read starts.
func (sub *subscription) cursor() eventlog.Position {
	if sub.last.Less(sub.scanned) {
		return sub.scanned
	}
	return sub.last
}

// Recv returns the next event. It returns ctx's error when ctx ends and
// eventlog.ErrSubscriptionClosed after Close. After any error the
// subscription is still positioned after the last event it returned, so Recv
// may be called again.
func (sub *subscription) Recv(ctx context.Context) (eventlog.RecordedEvent, error) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	s := sub.store
	var poll *time.Timer
	defer func() {
		if poll != nil {
			poll.Stop()
		}
	}()
	for {
		if sub.ctx.Err() != nil {
			return eventlog.RecordedEvent{}, eventlog.ErrSubscriptionClosed
		}
		if len(sub.buf) > 0 {
			e := sub.buf[0]
			sub.buf[0] = eventlog.RecordedEvent{}
			sub.buf = sub.buf[1:]
			sub.last = e.Position
			return e, nil
		}
		if err := ctx.Err(); err != nil {
			return eventlog.RecordedEvent{}, err
		}
		wake := s.notifier.channel()
		if s.tail != nil {
			if w := s.tail.after(sub.cursor(), sub.filter, s.cfg.SubscriptionPageSize); w.covered {
				sub.scanned = w.scanned
				if len(w.events) > 0 {
					sub.buf = w.events
					sub.more = w.more
					continue
				}
				// Wait for the tail; the safety poll reads the database
				// below in case the tail is stuck.
				wake = w.changed
				if poll == nil {
					poll = time.NewTimer(s.cfg.PollInterval)
				} else {
					poll.Reset(s.cfg.PollInterval)
				}
				select {
				case <-wake:
					continue
				case <-poll.C:
				case <-ctx.Done():
					return eventlog.RecordedEvent{}, ctx.Err()
				case <-sub.ctx.Done():
					return eventlog.RecordedEvent{}, eventlog.ErrSubscriptionClosed
				}
				wake = s.notifier.channel()
			}
		}
		page, err := sub.read(ctx)
		if err != nil {
			switch {
			case sub.ctx.Err() != nil:
				return eventlog.RecordedEvent{}, eventlog.ErrSubscriptionClosed
			case ctx.Err() != nil:
				return eventlog.RecordedEvent{}, ctx.Err()
			}
			return eventlog.RecordedEvent{}, fmt.Errorf("pgstore: subscription after %s: %w", sub.last, err)
		}
		if len(page) > 0 {
			sub.buf = page
			sub.more = len(page) == s.cfg.SubscriptionPageSize
			continue
		}
		if poll == nil {
			poll = time.NewTimer(s.cfg.PollInterval)
		} else {
			poll.Reset(s.cfg.PollInterval)
		}
		select {
		case <-wake:
		case <-poll.C:
		case <-ctx.Done():
			return eventlog.RecordedEvent{}, ctx.Err()
		case <-sub.ctx.Done():
			return eventlog.RecordedEvent{}, eventlog.ErrSubscriptionClosed
		}
	}
}

// Backlog reports whether more events are known to follow the last one Recv
// returned: the subscription holds some, the tail holds more than the page
// it gave, or the last page read from the database was full (the
// subscription is reading history). It implements eventlog.BacklogReporter.
func (sub *subscription) Backlog() bool {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return len(sub.buf) > 0 || sub.more
}

// read reads the next page after sub.last; Close cancels it.
func (sub *subscription) read(ctx context.Context) ([]eventlog.RecordedEvent, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(sub.ctx, cancel)
	defer stop()
	page, scanned, err := sub.store.readAllScanned(ctx, sub.store.pool, sub.cursor(), sub.filter, sub.store.cfg.SubscriptionPageSize)
	if err != nil {
		return nil, err
	}
	// Past the events it skipped (a sparse filter far behind the head
	// would otherwise look through them again at every wake-up). Events in
	// the page are delivered before the cursor moves past them.
	if len(page) == 0 && sub.scanned.Less(scanned) {
		sub.scanned = scanned
	}
	return page, nil
}

// Close ends the subscription: a Recv blocked in it and every later Recv
// return eventlog.ErrSubscriptionClosed. Close is idempotent.
func (sub *subscription) Close() error {
	sub.closeSub()
	s := sub.store
	s.mu.Lock()
	if s.subs != nil {
		delete(s.subs, sub)
	}
	s.mu.Unlock()
	return nil
}

func (sub *subscription) closeSub() { sub.cancel() }
