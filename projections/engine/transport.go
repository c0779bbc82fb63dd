package engine

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Transport runs one consumer of the event log through a Watermill router
// (LogSubscriber, Recoverer, Retry, poison policy). transport/messaging
// implements it with messaging.RunConsumer; projections may not import
// transport code, so cmd wires it:
//
//	engine.Config{Transport: engine.TransportFunc(func(ctx context.Context, c engine.Consumer) error {
//		return messaging.RunConsumer(ctx, messaging.ConsumerConfig{
//			Name: c.Name, Filter: c.Filter, Progress: c.Progress, Nudge: c.Nudge,
//			Store: c.Store, Checkpoints: c.Checkpoints,
//			Handler: messaging.EventHandler(c.Handle, c.Advance),
//			Router: messaging.RouterConfig{
//				Retry:  messaging.RetryConfig(c.Retry),
//				Poison: messaging.PoisonPolicy(c.Poison),
//				Parker: messaging.EventParkerFunc(c.Park),
//			},
//		}, watermillLogger)
//	})}
//
// RunConsumer must return nil when ctx ends, and an error (wrapping the
// handler's error with %w) when the handler stopped.
type Transport interface {
	RunConsumer(ctx context.Context, c Consumer) error
}

// TransportFunc adapts a function to Transport.
type TransportFunc func(ctx context.Context, c Consumer) error

// RunConsumer implements Transport.
func (f TransportFunc) RunConsumer(ctx context.Context, c Consumer) error { return f(ctx, c) }

// CheckpointReader reads a consumer's checkpoint; it has the method set of
// messaging.CheckpointReader. The Engine implements it.
type CheckpointReader interface {
	Checkpoint(ctx context.Context, name string) (eventlog.Position, error)
}

// Consumer is one generation of one projector, or one reaction, as the
// engine hands it to the Transport.
type Consumer struct {
	// Name is the handler name and checkpoint key: the generation's schema,
	// "<projector>__g<N>", stable for the generation's life; a reaction's
	// name.
	Name string
	// Filter is the projector's filter, for the store subscription.
	Filter eventlog.Filter
	// Progress asks for progress messages (Advance) when Filter skips events.
	Progress bool
	// Nudge asks for an immediate progress check: a reader is waiting.
	Nudge <-chan struct{}

	Store       eventlog.Store
	Checkpoints CheckpointReader

	// Handle applies (or delivers) one event and advances the checkpoint to
	// it. backlog
	// tells that the next event is already waiting (messaging's
	// MetadataBacklog): Handle may then return before committing, keeping its
	// transaction open for the next events (the checkpoint commits with
	// them, so a crash loses nothing). Its errors are retried, then
	// poisoned; errors that must stop the consumer at once have a method
	// StopConsumer() bool.
	Handle func(ctx context.Context, ev eventlog.RecordedEvent, backlog bool) error
	// Advance moves the checkpoint to pos: no event the filter lets through
	// lies between the last one handled and pos.
	Advance func(ctx context.Context, pos eventlog.Position) error
	// Park records an event that kept failing and moves the checkpoint past
	// it, in one transaction (poison policy skip).
	Park func(ctx context.Context, consumer string, ev eventlog.RecordedEvent, cause error) error

	// Retry and Poison are the engine's for a projector; a reaction's own
	// retries and PoisonSkip for a reaction.
	Retry  RetryPolicy
	Poison PoisonPolicy
}
