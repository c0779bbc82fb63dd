package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/fiveapis/backend/domain/eventlog"
)

// RetryPolicy is how often and how fast a failing event is retried before the
// poison policy applies. It has the same fields as messaging.RetryConfig, so
// the wiring converts it with messaging.RetryConfig(p).
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt; zero means
	// DefaultMaxRetries, a negative value disables retries.
	MaxRetries      int
	InitialInterval time.Duration
	Multiplier      float64
	MaxInterval     time.Duration
}

// Attempts is how many times an event is applied before it is poisoned.
func (p RetryPolicy) Attempts() int {
	if p.MaxRetries < 0 {
		return 1
	}
	return p.MaxRetries + 1
}

// PoisonPolicy says what happens to an event that still fails after the
// retries; the values are those of messaging.PoisonPolicy.
type PoisonPolicy string

const (
	// PoisonSkip parks the event (Parked, ReplayParked, SkipParked), moves
	// the checkpoint past it in the same transaction, and goes on. Default.
	PoisonSkip PoisonPolicy = "skip"
	// PoisonStop stops the projector at the event; the engine tries it again
	// every LockRetryInterval, and Status shows the error meanwhile.
	PoisonStop PoisonPolicy = "stop"
)

// Defaults of Config.
const (
	DefaultMaxRetries           = 3
	DefaultInitialInterval      = 100 * time.Millisecond
	DefaultMultiplier           = 2.0
	DefaultMaxInterval          = 2 * time.Second
	DefaultWaitTimeout          = 5 * time.Second
	DefaultLockRetryInterval    = 2 * time.Second
	DefaultSwitchWait           = 2 * time.Second
	DefaultSwitchCheckInterval  = 200 * time.Millisecond
	DefaultListenReconnectDelay = 500 * time.Millisecond
	DefaultMaxBatch             = 500
	DefaultRebuildMaxBatch      = 2000
	DefaultMaxBatchWait         = 200 * time.Millisecond
	DefaultAnalyzeInterval      = 10 * time.Second
)

// Config configures an Engine. The zero value plus a Transport is valid: New
// fills in the defaults.
type Config struct {
	// Transport runs consumers through Watermill; required. See Transport.
	Transport Transport

	// Retry is the retry policy of failing events.
	Retry RetryPolicy
	// Poison is the poison policy of projectors; default PoisonSkip.
	// Reactions always park (an eventlog.ErrUnavailable error stops them
	// instead); they retry with their own MaxAttempts and Backoff when set.
	Poison PoisonPolicy

	// WaitTimeout bounds WaitFor when its context has no earlier deadline.
	WaitTimeout time.Duration
	// LockRetryInterval is how often a process that does not run a consumer
	// tries to take it over (and how often the lock connection is checked);
	// also the pause before a failed reaction or job runner starts again,
	// and the longest a job's runner waits before it looks whether the job
	// is due.
	LockRetryInterval time.Duration
	// SwitchWait is how long a switch to a rebuilt generation may hold the
	// old generation still while the new one reaches the head of the log;
	// when it does not in time, the switch is tried again later.
	SwitchWait time.Duration
	// SwitchCheckInterval is how often a rebuild checks whether it caught up.
	SwitchCheckInterval time.Duration
	// Notices is where the engine hears its channels (CheckpointChannel,
	// ControlChannel): other processes' checkpoints, generations and resets.
	// It must carry the notifications of the engine's own database, as the
	// PostgreSQL event store on that database does (pgstore.Store.Listen):
	// then the process listens on one connection instead of two. Nil: the
	// engine listens on a connection of its own.
	Notices eventlog.Notices
	// ListenReconnectDelay is the pause before the engine's own notification
	// listener reconnects (when Notices is nil).
	ListenReconnectDelay time.Duration
	// AnalyzeInterval is how often the engine looks for read-model tables
	// whose planner statistics are stale while autovacuum does not keep
	// them (see analyze.go). Default DefaultAnalyzeInterval; negative: never
	// (a rebuilt generation is still analyzed before its switch).
	AnalyzeInterval time.Duration

	// MaxBatch is the most events a projector applies in one transaction
	// while it catches up (1 disables batching); MaxBatchWait the longest such
	// a transaction stays open. Live events, one at a time, commit at once.
	// A reaction catching up saves its checkpoint as seldom.
	MaxBatch     int
	MaxBatchWait time.Duration
	// RebuildMaxBatch is MaxBatch for a generation being built beside the
	// active one (a rebuild, or a projector's new version), whose batches
	// serve no reader until the switch:
	// larger batches spread its per-batch costs (the round trips, the
	// counts' statements, the commit) over more events. Default
	// DefaultRebuildMaxBatch; never below MaxBatch, and MaxBatch 1 disables
	// batching for every generation.
	RebuildMaxBatch int

	// Reactions are the side effects of events the engine runs beside its
	// projectors (see reaction.go), Jobs its time-driven work (job.go).
	// Their names and the projectors' are unique together.
	Reactions []eventlog.Reaction
	Jobs      []eventlog.Job
	// Clock tells jobs the time; default the wall clock. Tests pass one
	// they control.
	Clock Clock

	// Logger receives the engine's logs; default slog.Default().
	Logger *slog.Logger

	// Tracer, when set, records a span for each event a projector applies
	// or a reaction handles one by one, continuing the trace of the request
	// that appended it (the traceparent of its metadata). Events applied in
	// a batch (a catch-up, a backlog) are not traced one by one. Nil: no
	// spans.
	Tracer trace.Tracer
}

// Clock tells the time (handling.Clock and test clocks have this method).
type Clock interface {
	Now() time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (c *Config) setDefaults() {
	if c.Retry.MaxRetries == 0 {
		c.Retry.MaxRetries = DefaultMaxRetries
	}
	if c.Retry.InitialInterval == 0 {
		c.Retry.InitialInterval = DefaultInitialInterval
	}
	if c.Retry.Multiplier == 0 {
		c.Retry.Multiplier = DefaultMultiplier
	}
	if c.Retry.MaxInterval == 0 {
		c.Retry.MaxInterval = DefaultMaxInterval
	}
	if c.Poison == "" {
		c.Poison = PoisonSkip
	}
	if c.WaitTimeout == 0 {
		c.WaitTimeout = DefaultWaitTimeout
	}
	if c.LockRetryInterval == 0 {
		c.LockRetryInterval = DefaultLockRetryInterval
	}
	if c.SwitchWait == 0 {
		c.SwitchWait = DefaultSwitchWait
	}
	if c.SwitchCheckInterval == 0 {
		c.SwitchCheckInterval = DefaultSwitchCheckInterval
	}
	if c.ListenReconnectDelay == 0 {
		c.ListenReconnectDelay = DefaultListenReconnectDelay
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.RebuildMaxBatch == 0 {
		c.RebuildMaxBatch = DefaultRebuildMaxBatch
	}
	if c.MaxBatchWait == 0 {
		c.MaxBatchWait = DefaultMaxBatchWait
	}
	if c.AnalyzeInterval == 0 {
		c.AnalyzeInterval = DefaultAnalyzeInterval
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports every invalid field of a Config whose defaults were set.
func (c Config) Validate() error {
	var errs []error
	if c.Transport == nil {
		errs = append(errs, errors.New("Transport is required (wire transport/messaging in cmd)"))
	}
	if c.Retry.InitialInterval < 0 {
		errs = append(errs, fmt.Errorf("Retry.InitialInterval must not be negative, got %s", c.Retry.InitialInterval))
	}
	if c.Retry.Multiplier < 1 {
		errs = append(errs, fmt.Errorf("Retry.Multiplier must be at least 1, got %g", c.Retry.Multiplier))
	}
	if c.Retry.MaxInterval < c.Retry.InitialInterval {
		errs = append(errs, fmt.Errorf("Retry.MaxInterval (%s) must not be less than Retry.InitialInterval (%s)", c.Retry.MaxInterval, c.Retry.InitialInterval))
	}
	if c.Poison != PoisonSkip && c.Poison != PoisonStop {
		errs = append(errs, fmt.Errorf("Poison must be %q or %q, got %q", PoisonSkip, PoisonStop, c.Poison))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"WaitTimeout", c.WaitTimeout},
		{"LockRetryInterval", c.LockRetryInterval},
		{"SwitchWait", c.SwitchWait},
		{"SwitchCheckInterval", c.SwitchCheckInterval},
		{"ListenReconnectDelay", c.ListenReconnectDelay},
		{"MaxBatchWait", c.MaxBatchWait},
	} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", d.name, d.v))
		}
	}
	if c.MaxBatch < 1 {
		errs = append(errs, fmt.Errorf("MaxBatch must be at least 1, got %d", c.MaxBatch))
	}
	if c.RebuildMaxBatch < 1 {
		errs = append(errs, fmt.Errorf("RebuildMaxBatch must be at least 1, got %d", c.RebuildMaxBatch))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("engine: invalid config: %w", err)
	}
	return nil
}
