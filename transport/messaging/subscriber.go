package messaging

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/fiveapis/backend/domain/eventlog"
)

// CheckpointReader is the port through which the LogSubscriber learns where a
// consumer stopped: the position of the last event it has taken into account
// (eventlog.Start when it has none). The consumer writes its checkpoint itself,
// in the same transaction as its effects.
type CheckpointReader interface {
	Checkpoint(ctx context.Context, name string) (eventlog.Position, error)
}

// HeadReader is eventlog.HeadReader: when the store has it, progress for
// filtered consumers costs two small queries; otherwise the subscriber scans
// the unfiltered log after the consumer's last position. A store that is an
// eventlog.ProgressReader answers progress itself (pgstore does it from its
// in-memory tail, without a query).
type HeadReader = eventlog.HeadReader

// Defaults of the subscriber options.
const (
	DefaultIdleMin          = 50 * time.Millisecond
	DefaultIdleMax          = time.Second
	DefaultNackDelay        = 100 * time.Millisecond
	DefaultResubscribeDelay = time.Second

	// progressScanPage and progressScanPages bound one progress scan of a
	// store without HeadReader.
	progressScanPage  = 500
	progressScanPages = 20

	// prefetch is how many events a subscription reads ahead of the consumer.
	prefetch = 256
)

// SubscriberOption configures a LogSubscriber.
type SubscriberOption func(*subscriberOptions)

type consumerOptions struct {
	filter   eventlog.Filter
	progress bool
	nudge    <-chan struct{}
	pageSize int
}

type subscriberOptions struct {
	consumers        map[string]*consumerOptions
	idleMin, idleMax time.Duration
	nackDelay        time.Duration
	resubscribeDelay time.Duration
}

func (o *subscriberOptions) consumer(name string) *consumerOptions {
	c, ok := o.consumers[name]
	if !ok {
		c = &consumerOptions{}
		o.consumers[name] = c
	}
	return c
}

// WithFilter makes Subscribe(consumer) pass f to the store, so the consumer
// receives only the events f lets through.
func WithFilter(consumer string, f eventlog.Filter) SubscriberOption {
	return func(o *subscriberOptions) { o.consumer(consumer).filter = f }
}

// WithProgress makes the subscriber send progress messages to consumer when it
// is idle (all messages acked and no event for a while) and the log has moved
// past events its filter skipped. Without a filter every event is delivered
// and no progress message is needed, so none is sent.
func WithProgress(consumer string) SubscriberOption {
	return func(o *subscriberOptions) { o.consumer(consumer).progress = true }
}

// WithNudge makes the subscriber check for progress (see WithProgress) as soon
// as a value arrives on ch instead of waiting for its idle timer; a consumer
// whose readers wait for a position uses it.
func WithNudge(consumer string, ch <-chan struct{}) SubscriberOption {
	return func(o *subscriberOptions) { o.consumer(consumer).nudge = ch }
}

// WithPageSize lets the subscriber send consumer, while it catches up, up to
// size consecutive events that are already waiting as one page message (see
// NewPageMessage) instead of one message each: Watermill's per-message costs
// (a goroutine, a copy, the middleware, the ack) are then paid per page. The
// consumer's handler must handle pages (EventHandler does). An event that
// fails in a page is sent again alone, so retries and the poison policy only
// ever see single events; live events come alone as well.
func WithPageSize(consumer string, size int) SubscriberOption {
	return func(o *subscriberOptions) { o.consumer(consumer).pageSize = size }
}

// WithIdleInterval sets how long the subscriber waits without an event before
// checking for progress; the wait doubles up to max after every check and
// drops back to min after every event. Defaults DefaultIdleMin, DefaultIdleMax.
func WithIdleInterval(min, max time.Duration) SubscriberOption {
	return func(o *subscriberOptions) { o.idleMin, o.idleMax = min, max }
}

// WithNackDelay sets the pause before a nacked message is sent again (default
// DefaultNackDelay); it doubles on consecutive nacks of one message up to 30×.
func WithNackDelay(d time.Duration) SubscriberOption {
	return func(o *subscriberOptions) { o.nackDelay = d }
}

// WithResubscribeDelay sets the pause before the subscriber reopens a store
// subscription that failed (default DefaultResubscribeDelay).
func WithResubscribeDelay(d time.Duration) SubscriberOption {
	return func(o *subscriberOptions) { o.resubscribeDelay = d }
}

// LogSubscriber is a Watermill message.Subscriber over the event log. Its
// topics are consumer names; see the package documentation.
type LogSubscriber struct {
	store       eventlog.Store
	checkpoints CheckpointReader
	logger      watermill.LoggerAdapter
	opts        subscriberOptions

	mu      sync.Mutex
	closed  bool
	closing chan struct{}
	wg      sync.WaitGroup
}

var _ message.Subscriber = (*LogSubscriber)(nil)

// NewLogSubscriber returns a subscriber reading store from the checkpoints
// that checkpoints reports. logger may be nil.
func NewLogSubscriber(store eventlog.Store, checkpoints CheckpointReader, logger watermill.LoggerAdapter, opts ...SubscriberOption) *LogSubscriber {
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	o := subscriberOptions{
		consumers:        map[string]*consumerOptions{},
		idleMin:          DefaultIdleMin,
		idleMax:          DefaultIdleMax,
		nackDelay:        DefaultNackDelay,
		resubscribeDelay: DefaultResubscribeDelay,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.idleMin <= 0 {
		o.idleMin = DefaultIdleMin
	}
	if o.idleMax < o.idleMin {
		o.idleMax = o.idleMin
	}
	if o.nackDelay <= 0 {
		o.nackDelay = DefaultNackDelay
	}
	if o.resubscribeDelay <= 0 {
		o.resubscribeDelay = DefaultResubscribeDelay
	}
	return &LogSubscriber{
		store:       store,
		checkpoints: checkpoints,
		logger:      logger,
		opts:        o,
		closing:     make(chan struct{}),
	}
}

// ErrSubscriberClosed is returned by Subscribe after Close.
var ErrSubscriberClosed = errors.New("messaging: subscriber closed")

// Subscribe starts delivering the events after consumer's checkpoint, in log
// order, one message at a time (a message is one event, or a page of events
// while the consumer catches up, see WithPageSize). The channel is closed
// when ctx ends or Close is called. Subscribe itself fails only after Close:
// reading the checkpoint and opening the store subscription happen in the
// background and are retried (WithResubscribeDelay) until they succeed, and a
// store subscription that fails later is reopened after the last acked
// position, so the channel stays open through database hiccups.
func (s *LogSubscriber) Subscribe(ctx context.Context, consumer string) (<-chan *message.Message, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrSubscriberClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()

	co := s.opts.consumers[consumer]
	if co == nil {
		co = &consumerOptions{}
	}
	out := make(chan *message.Message)
	c := &consumerRun{
		s:        s,
		name:     consumer,
		opts:     co,
		out:      out,
		logger:   s.logger.With(watermill.LogFields{"consumer": consumer}),
		progress: co.progress && !filterIsEmpty(co.filter),
	}
	go func() {
		defer s.wg.Done()
		defer close(out)
		c.run(ctx)
	}()
	return out, nil
}

// Close closes every subscription and its channel, and waits for them.
func (s *LogSubscriber) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func filterIsEmpty(f eventlog.Filter) bool {
	return len(f.Categories) == 0 && len(f.EventTypes) == 0
}

// consumerRun is one Subscribe call.
type consumerRun struct {
	s        *LogSubscriber
	name     string
	opts     *consumerOptions
	out      chan<- *message.Message
	logger   watermill.LoggerAdapter
	progress bool
	// last is the position of the last message acked (or the checkpoint).
	last eventlog.Position
}

type received struct {
	ev  eventlog.RecordedEvent
	err error
	// more: the subscription knew of events after ev when it returned it
	// (eventlog.BacklogReporter).
	more bool
}

func (c *consumerRun) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		from, err := c.s.checkpoints.Checkpoint(ctx, c.name)
		if err == nil {
			c.last = from
			break
		}
		if ctx.Err() != nil {
			return
		}
		c.logger.Error("Cannot read checkpoint", err, nil)
		if !sleep(ctx, c.s.opts.resubscribeDelay) {
			return
		}
	}
	for {
		sub, err := c.s.store.SubscribeAll(ctx, eventlog.SubscribeOptions{After: c.last, Filter: c.opts.filter})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.logger.Error("Cannot open log subscription", err, watermill.LogFields{"after": c.last.String()})
			if !sleep(ctx, c.s.opts.resubscribeDelay) {
				return
			}
			continue
		}
		err = c.deliverFrom(ctx, sub)
		_ = sub.Close()
		if ctx.Err() != nil {
			return
		}
		c.logger.Error("Log subscription failed, reopening", err, watermill.LogFields{"after": c.last.String()})
		if !sleep(ctx, c.s.opts.resubscribeDelay) {
			return
		}
	}
}

// deliverFrom delivers sub's events until sub fails or ctx ends.
func (c *consumerRun) deliverFrom(ctx context.Context, sub eventlog.Subscription) error {
	// The pump goroutine blocks in Recv so that the loop below can also wait
	// for its idle timer and nudges. It reads up to prefetch events ahead,
	// which makes the pages (collectPage) and, with what the subscription
	// reports (eventlog.BacklogReporter), tells the loop when the consumer
	// is catching up (MetadataBacklog).
	// Events it holds when stopped are read again by the next subscription,
	// which starts after c.last.
	events := make(chan received, prefetch)
	pumpCtx, stopPump := context.WithCancel(ctx)
	pumpDone := make(chan struct{})
	reporter, _ := sub.(eventlog.BacklogReporter)
	go func() {
		defer close(pumpDone)
		for {
			ev, err := sub.Recv(pumpCtx)
			r := received{ev: ev, err: err}
			if err == nil && reporter != nil {
				r.more = reporter.Backlog()
			}
			select {
			case events <- r:
			case <-pumpCtx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		stopPump()
		<-pumpDone
	}()

	idle := c.s.opts.idleMin
	var timer *time.Timer
	var timerC <-chan time.Time
	if c.progress {
		timer = time.NewTimer(idle)
		defer timer.Stop()
		timerC = timer.C
	}
	resetIdle := func(d time.Duration) {
		if timer != nil {
			idle = d
			timer.Reset(idle)
		}
	}
	for {
		select {
		case r := <-events:
			if r.err != nil {
				return r.err
			}
			if !c.last.Less(r.ev.Position) {
				// A store never repeats an event; be safe anyway.
				continue
			}
			if c.opts.pageSize > 1 && len(events) > 0 {
				page, more, pending := c.collectPage(r, events)
				if err := c.deliverPage(ctx, page, more || len(events) > 0 || pending != nil); err != nil {
					return err
				}
				if pending != nil {
					return pending
				}
				resetIdle(c.s.opts.idleMin)
				continue
			}
			if err := c.deliverEvent(ctx, r.ev, r.more || len(events) > 0, false, nil); err != nil {
				return err
			}
			resetIdle(c.s.opts.idleMin)
		case <-timerC:
			// Progress alone does not make the checks more frequent: a
			// busy log full of events for others would otherwise commit a
			// checkpoint every idleMin. Readers that need it sooner nudge.
			if _, err := c.checkProgress(ctx); err != nil {
				return err
			}
			resetIdle(min(idle*2, c.s.opts.idleMax))
		case <-c.opts.nudge:
			if !c.progress {
				continue
			}
			if _, err := c.checkProgress(ctx); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// deliverEvent sends ev alone until it is acked, then moves c.last to it.
// failedInPage marks an event that already failed once in a page, with
// pageErr (nil if not known): its first delivery carries
// MetadataFailedInPage, so that the router counts the page as its first
// attempt; should that delivery be nacked too (its parking failed), it is
// sent again as any event, retries included.
func (c *consumerRun) deliverEvent(ctx context.Context, ev eventlog.RecordedEvent, backlog, failedInPage bool, pageErr error) error {
	msg := NewEventMessage(ev)
	if backlog {
		msg.Metadata.Set(MetadataBacklog, "true")
	}
	if failedInPage {
		first := msg.Copy()
		first.Metadata.Set(MetadataFailedInPage, "true")
		fctx := ctx
		if pageErr != nil {
			fctx = withPageFailure(ctx, pageErr)
		}
		acked, _, _, err := c.send(fctx, first)
		if err != nil {
			return err
		}
		if acked {
			c.last = ev.Position
			return nil
		}
		if !sleep(ctx, c.s.opts.nackDelay) {
			return ctx.Err()
		}
	}
	if err := c.deliver(ctx, msg); err != nil {
		return err
	}
	c.last = ev.Position
	return nil
}

// collectPage returns first's event and the events after it that are already
// waiting in events, up to the page size, without waiting for more, and
// whether the subscription knew of events after the page's last. A failed
// read ends the page; it is returned as pending, to be reported after the
// page.
func (c *consumerRun) collectPage(first received, events <-chan received) (page []eventlog.RecordedEvent, more bool, pending error) {
	page = make([]eventlog.RecordedEvent, 1, min(c.opts.pageSize, len(events)+1))
	page[0] = first.ev
	// The handler takes the page's events as they are (withPageEvents),
	// so they are made what a page's payload and an event message give:
	// times in UTC, empty data and metadata nil.
	defer func() {
		for i := range page {
			ev := &page[i]
			ev.RecordedAt = ev.RecordedAt.UTC()
			if len(ev.Data) == 0 {
				ev.Data = nil
			}
			if len(ev.Metadata) == 0 {
				ev.Metadata = nil
			}
		}
	}()
	more = first.more
	last := first.ev.Position
	for len(page) < c.opts.pageSize && len(events) > 0 {
		r := <-events
		if r.err != nil {
			return page, more, r.err
		}
		if !last.Less(r.ev.Position) {
			continue
		}
		page = append(page, r.ev)
		more = r.more
		last = r.ev.Position
	}
	return page, more, nil
}

// deliverPage delivers page, consecutive events of the log, moving c.last
// along. backlog tells whether more events wait after the page. The events
// go as one page message; when the handler fails at one of them, the page is
// nacked, the events before that one count as handled, the failing event is
// delivered alone (deliverEvent: retried, parked or stopped at by the
// handler's middleware, exactly as a live event), and the events after it
// follow as a new page.
func (c *consumerRun) deliverPage(ctx context.Context, page []eventlog.RecordedEvent, backlog bool) error {
	for len(page) > 0 {
		if len(page) == 1 {
			return c.deliverEvent(ctx, page[0], backlog, false, nil)
		}
		msg := newPageHeader(page)
		if backlog {
			msg.Metadata.Set(MetadataBacklog, "true")
		}
		acked, handled, pageErr, err := c.send(withPageEvents(ctx, page), msg)
		if err != nil {
			return err
		}
		if acked || handled >= len(page) {
			c.last = page[len(page)-1].Position
			return nil
		}
		if handled > 0 {
			c.last = page[handled-1].Position
		}
		if err := c.deliverEvent(ctx, page[handled], backlog || handled < len(page)-1, true, pageErr); err != nil {
			return err
		}
		page = page[handled+1:]
	}
	return nil
}

// checkProgress sends a progress message when the log has moved past c.last
// with events the filter skips only. Errors reading the store are logged and
// retried at the next check; only ctx's end is returned.
func (c *consumerRun) checkProgress(ctx context.Context) (bool, error) {
	pos, err := safeProgress(ctx, c.s.store, c.last, c.opts.filter)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		c.logger.Error("Cannot compute progress", err, nil)
		return false, nil
	}
	if !c.last.Less(pos) {
		return false, nil
	}
	if err := c.deliver(ctx, NewProgressMessage(pos)); err != nil {
		return false, err
	}
	c.last = pos
	return true, nil
}

// safeProgress returns the highest position p ≥ last such that no event in
// (last, p] passes f. The subscription delivers every event that passes f in
// order, so p is a checkpoint the consumer may record once every message up
// to last was acked.
func safeProgress(ctx context.Context, store eventlog.Store, last eventlog.Position, f eventlog.Filter) (eventlog.Position, error) {
	if pr, ok := eventlog.Capability[eventlog.ProgressReader](store); ok {
		p, err := pr.SafeProgress(ctx, last, f)
		if err != nil || p.Less(last) {
			return last, err
		}
		return p, nil
	}
	if hr, ok := eventlog.Capability[eventlog.HeadReader](store); ok {
		head, err := hr.Head(ctx)
		if err != nil {
			return last, err
		}
		if !last.Less(head) {
			return last, nil
		}
		next, err := store.ReadAll(ctx, eventlog.ReadAllOptions{After: last, Filter: f, Max: 1})
		if err != nil {
			return last, err
		}
		if len(next) == 0 || head.Less(next[0].Position) {
			return head, nil
		}
		// An event for the consumer is on its way; it moves the checkpoint.
		return last, nil
	}
	p := last
	for range progressScanPages {
		page, err := store.ReadAll(ctx, eventlog.ReadAllOptions{After: p, Max: progressScanPage})
		if err != nil {
			return last, err
		}
		for _, ev := range page {
			if f.Match(ev.StreamID, ev.Type) {
				return p, nil
			}
			p = ev.Position
		}
		if len(page) < progressScanPage {
			break
		}
	}
	return p, nil
}

// deliver sends msg until it is acked: a nack sends a fresh copy again after a
// pause. It returns only nil (acked) or ctx's error.
func (c *consumerRun) deliver(ctx context.Context, msg *message.Message) error {
	delay := c.s.opts.nackDelay
	for {
		acked, _, _, err := c.send(ctx, msg)
		if err != nil || acked {
			return err
		}
		if !sleep(ctx, delay) {
			return ctx.Err()
		}
		delay = min(delay*2, 30*c.s.opts.nackDelay)
	}
}

// send sends a fresh copy of msg once and waits for its ack or nack. For a
// nacked page, handled is how many of its events the handler handled, and
// pageErr the error of the next one, if known (see pageProgress). err is
// only ctx's error.
func (c *consumerRun) send(ctx context.Context, msg *message.Message) (acked bool, handled int, pageErr, err error) {
	m := msg.Copy()
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var progress *pageProgress
	if IsPage(m) {
		mctx, progress = withPageProgress(mctx)
	}
	m.SetContext(mctx)
	select {
	case c.out <- m:
	case <-ctx.Done():
		return false, 0, nil, ctx.Err()
	}
	select {
	case <-m.Acked():
		return true, 0, nil, nil
	case <-m.Nacked():
		if progress != nil {
			handled = int(progress.handled.Load())
			if p := progress.failure.Load(); p != nil {
				pageErr = *p
			}
		}
		return false, handled, pageErr, nil
	case <-ctx.Done():
		return false, 0, nil, ctx.Err()
	}
}

// sleep waits d or until ctx ends; it reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
