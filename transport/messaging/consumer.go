package messaging

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/fiveapis/backend/domain/eventlog"
)

// EventHandler adapts functions over recorded events to a Watermill handler:
// handle gets every event message, with backlog telling that the next event
// is already waiting (MetadataBacklog); progress (may be nil: progress is
// then ignored) gets every progress message. A message that is neither fails,
// so it is retried and parked like any failure.
//
// A page message is handled as its events one after the other, in order,
// each with the backlog hint it would have had alone (true but for the
// page's last event, which has the page's). handle's first failure ends the
// page with a *PageEventError; the subscriber then sends that event again
// alone (see page.go), so it is retried and parked as a single event.
func EventHandler(handle func(ctx context.Context, ev eventlog.RecordedEvent, backlog bool) error, progress func(context.Context, eventlog.Position) error) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		if IsPage(msg) {
			return handlePage(msg, handle)
		}
		if IsProgress(msg) {
			if progress == nil {
				return nil
			}
			pos, err := MessagePosition(msg)
			if err != nil {
				return err
			}
			return progress(msg.Context(), pos)
		}
		ev, err := EventFromMessage(msg)
		if err != nil {
			return err
		}
		return handle(msg.Context(), ev, msg.Metadata.Get(MetadataBacklog) == "true")
	}
}

// handlePage hands the events of the page msg to handle, in order, and
// records how many it handled for the subscriber.
func handlePage(msg *message.Message, handle func(ctx context.Context, ev eventlog.RecordedEvent, backlog bool) error) error {
	events, err := EventsFromPage(msg)
	if err != nil {
		return err
	}
	ctx := msg.Context()
	backlog := msg.Metadata.Get(MetadataBacklog) == "true"
	for i, ev := range events {
		if err := ctx.Err(); err != nil {
			// Shutting down: Watermill would not hand over the next
			// message either; the rest is delivered again next time.
			return &PageEventError{Index: i, Event: ev, Err: err}
		}
		if err := handle(ctx, ev, backlog || i < len(events)-1); err != nil {
			markPageFailed(msg, err)
			return &PageEventError{Index: i, Event: ev, Err: err}
		}
		markPageHandled(msg, i+1)
	}
	return nil
}

// ConsumerConfig describes one consumer for RunConsumer.
type ConsumerConfig struct {
	// Name is the consumer's name: handler name, topic and checkpoint key.
	Name string
	// Filter selects the events the store delivers; empty means all.
	Filter eventlog.Filter
	// Progress asks for progress messages (see WithProgress).
	Progress bool
	// Nudge, when not nil, triggers an immediate progress check (see WithNudge).
	Nudge <-chan struct{}
	// IdleMin and IdleMax tune the progress checks (see WithIdleInterval);
	// zero means the defaults.
	IdleMin, IdleMax time.Duration
	// PageSize is the largest page of events sent as one message while the
	// consumer catches up (see WithPageSize); zero means DefaultPageSize, one
	// or less sends every event alone. Handler must handle page messages:
	// EventHandler does.
	PageSize int

	Store       eventlog.Store
	Checkpoints CheckpointReader
	// Router configures retries and the poison policy (and its Parker).
	Router RouterConfig
	// Handler handles every message; see EventHandler.
	Handler message.NoPublishHandlerFunc
}

// StoppedError is returned by RunConsumer when the consumer's handler was
// stopped by the poison policy or by a StopConsumer error.
type StoppedError struct {
	Consumer string
	Err      error
}

func (e *StoppedError) Error() string {
	return fmt.Sprintf("messaging: consumer %s stopped: %v", e.Consumer, e.Err)
}

func (e *StoppedError) Unwrap() error { return e.Err }

// RunConsumer runs one consumer through a Router of its own until ctx ends
// (it returns nil) or the handler stops (it returns a *StoppedError, or the
// error that kept the router from starting, such as a failing checkpoint
// read). It is what a checkpointed consumer such as a projector needs: a
// process runs each consumer only while it holds that consumer's lock, so each
// gets its own short-lived router.
func RunConsumer(ctx context.Context, cfg ConsumerConfig, logger watermill.LoggerAdapter) error {
	if cfg.Name == "" || cfg.Store == nil || cfg.Checkpoints == nil || cfg.Handler == nil {
		return errors.New("messaging: run consumer: Name, Store, Checkpoints and Handler are required")
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	opts := []SubscriberOption{WithFilter(cfg.Name, cfg.Filter)}
	if cfg.Progress {
		opts = append(opts, WithProgress(cfg.Name))
	}
	if cfg.Nudge != nil {
		opts = append(opts, WithNudge(cfg.Name, cfg.Nudge))
	}
	pageSize := cfg.PageSize
	if pageSize == 0 {
		pageSize = DefaultPageSize
	}
	if pageSize > 1 {
		opts = append(opts, WithPageSize(cfg.Name, pageSize))
	}
	if cfg.IdleMin > 0 || cfg.IdleMax > 0 {
		opts = append(opts, WithIdleInterval(cfg.IdleMin, cfg.IdleMax))
	}
	sub := NewLogSubscriber(cfg.Store, cfg.Checkpoints, logger, opts...)
	defer sub.Close()

	router, err := NewRouter(cfg.Router, logger)
	if err != nil {
		return err
	}
	router.AddConsumer(cfg.Name, sub, cfg.Handler)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		<-runCtx.Done()
		_ = router.Close()
	}()
	runErr := router.Run(runCtx)
	cancel()
	<-closed
	if serr := router.StopError(cfg.Name); serr != nil {
		return &StoppedError{Consumer: cfg.Name, Err: serr}
	}
	if runErr != nil {
		return fmt.Errorf("messaging: consumer %s: %w", cfg.Name, runErr)
	}
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("messaging: consumer %s: router stopped", cfg.Name)
}
