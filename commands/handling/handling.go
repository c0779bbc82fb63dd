// Package handling runs the command loop shared by every module: load the
// aggregate's stream, let the domain decide, append the decided events with
// the version that was read, and on a concurrency conflict reload and decide
// again, a bounded number of times.
package handling

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// EventStore is what command handlers need of the event log: streams of
// decoded domain events. transport/eventstore implements it over any
// eventlog.Store and the codec.
type EventStore interface {
	// Load returns every event of the stream and the version of the last one
	// (nil when the stream has no events).
	Load(ctx context.Context, stream string) ([]eventlog.Envelope, *uint64, error)
	// LoadLast returns only the stream's last event (nil when none) and its
	// version, for aggregates whose state is carried by their last event.
	LoadLast(ctx context.Context, stream string) (*eventlog.Envelope, *uint64, error)
	// Append writes events with expected as the concurrency condition.
	Append(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.Event, meta eventlog.Metadata) (eventlog.AppendResult, error)
}

// Clock tells the time a command is decided at.
type Clock interface{ Now() time.Time }

// ErrConflict is returned when a stream kept changing under the command for
// every attempt. APIs answer it with 409 or their own conflict code.
var ErrConflict = fault.New(fault.Conflict, "CONCURRENT_MODIFICATION", "the resource was modified concurrently, please retry")

// Config bounds the retry loop.
type Config struct {
	// MaxAttempts is how many times a command is decided before ErrConflict.
	MaxAttempts int
	// Backoff is the base pause between attempts; each attempt waits a random
	// duration up to Backoff × attempt.
	Backoff time.Duration
}

// DefaultConfig is used for zero fields.
var DefaultConfig = Config{MaxAttempts: 20, Backoff: 2 * time.Millisecond}

func (c Config) withDefaults() Config {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultConfig.MaxAttempts
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultConfig.Backoff
	}
	return c
}

// Result is what an executed command produced.
type Result struct {
	// Events are the appended events (empty when the decision was a no-op).
	Events []eventlog.Event
	// Append is where they landed; zero when nothing was appended.
	Append eventlog.AppendResult
}

// Runner executes decisions against an EventStore.
type Runner struct {
	store EventStore
	cfg   Config
}

// NewRunner returns a Runner; zero Config fields take DefaultConfig.
func NewRunner(store EventStore, cfg Config) *Runner {
	return &Runner{store: store, cfg: cfg.withDefaults()}
}

// Store returns the underlying event store.
func (r *Runner) Store() EventStore { return r.store }

// WithStore returns a Runner with r's configuration on another store (a
// decorator of r's, typically).
func (r *Runner) WithStore(s EventStore) *Runner { return &Runner{store: s, cfg: r.cfg} }

// Decide is a command's decision over a stream's history: the events to append
// (none for a no-op) or a domain error, which ends the loop.
type Decide func(history []eventlog.Envelope) ([]eventlog.Event, error)

// DecideLast is a decision that needs only the stream's last event.
type DecideLast func(last *eventlog.Envelope) ([]eventlog.Event, error)

// Execute loads the whole stream, decides and appends, retrying on conflict.
func (r *Runner) Execute(ctx context.Context, stream string, meta eventlog.Metadata, decide Decide) (Result, error) {
	return r.loop(ctx, stream, meta, func(ctx context.Context) ([]eventlog.Event, *uint64, error) {
		history, version, err := r.store.Load(ctx, stream)
		if err != nil {
			return nil, nil, err
		}
		events, err := decide(history)
		return events, version, err
	})
}

// ExecuteLast loads only the stream's last event, decides and appends,
// retrying on conflict. Its cost does not grow with the stream's length.
func (r *Runner) ExecuteLast(ctx context.Context, stream string, meta eventlog.Metadata, decide DecideLast) (Result, error) {
	return r.loop(ctx, stream, meta, func(ctx context.Context) ([]eventlog.Event, *uint64, error) {
		last, version, err := r.store.LoadLast(ctx, stream)
		if err != nil {
			return nil, nil, err
		}
		events, err := decide(last)
		return events, version, err
	})
}

// ExecuteLastOptimistic is ExecuteLast for streams that are usually new (a
// card's stream, which only a use creates). The first attempt decides as if
// the stream were empty and appends expecting no stream, without reading it;
// when the stream exists (the append conflicts) or the decision over an empty
// stream fails, it continues as ExecuteLast. The outcome is ExecuteLast's, one
// read cheaper in the common case.
func (r *Runner) ExecuteLastOptimistic(ctx context.Context, stream string, meta eventlog.Metadata, decide DecideLast) (Result, error) {
	if events, err := decide(nil); err == nil && len(events) > 0 {
		res, err := r.store.Append(ctx, stream, eventlog.NoStream(), events, meta)
		if err == nil {
			return Result{Events: events, Append: res}, nil
		}
		if !errors.Is(err, eventlog.ErrWrongExpectedVersion) {
			return Result{}, fmt.Errorf("append to %s: %w", stream, err)
		}
	}
	return r.ExecuteLast(ctx, stream, meta, decide)
}

type loadDecide func(ctx context.Context) ([]eventlog.Event, *uint64, error)

func (r *Runner) loop(ctx context.Context, stream string, meta eventlog.Metadata, attempt loadDecide) (Result, error) {
	for n := 1; ; n++ {
		events, version, err := attempt(ctx)
		if err != nil {
			return Result{}, err
		}
		if len(events) == 0 {
			return Result{}, nil
		}
		res, err := r.store.Append(ctx, stream, eventlog.AfterVersion(version), events, meta)
		if err == nil {
			return Result{Events: events, Append: res}, nil
		}
		if !errors.Is(err, eventlog.ErrWrongExpectedVersion) {
			return Result{}, fmt.Errorf("append to %s: %w", stream, err)
		}
		if n >= r.cfg.MaxAttempts {
			return Result{}, ErrConflict.Wrap(err)
		}
		pause := time.Duration(rand.Int64N(int64(r.cfg.Backoff) * int64(n)))
		select {
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case <-time.After(pause):
		}
	}
}
