package eventlog

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Consumers of the log besides projectors: reactions (side effects of
// events) and jobs (time-driven work). A module declares them as values; the
// projection engine runs them, with one checkpoint table, one parked table
// and one leadership mechanism for every consumer (projections/engine).

// ReactionFunc handles one event of a reaction.
type ReactionFunc func(ctx context.Context, env Envelope) error

// Reaction is a side effect of events: a mail, a webhook, a NATS publish, a
// command in another module. The engine delivers each event the Filter lets
// through at least once, in log order, from the reaction's checkpoint, in one
// process at a time; the checkpoint moves after the handler succeeded. A
// crash between the side effect and the checkpoint delivers the event again,
// so the handler must be idempotent by event id (Envelope.Recorded.ID). A
// handler that keeps failing has the event parked after MaxAttempts (an
// operator lists, replays or skips it) and the reaction goes on with the
// next event.
type Reaction struct {
	// Name is the stable checkpoint key: lowercase letters, digits and
	// single underscores, starting with a letter (e.g. "mail_guides"). It is
	// unique among every consumer of the engine (projectors, reactions,
	// jobs). Renaming a reaction starts it from the beginning of the log.
	Name string
	// Filter selects the events the reaction receives.
	Filter Filter
	// Handle handles one event. Set Handle or Open, not both.
	Handle ReactionFunc
	// Open is for reactions that hold a resource (a connection): the engine
	// calls it when this process starts running the reaction (or replays one
	// of its parked events), uses the returned function for the events of
	// that run, and calls close when the run ends. An error is retried after
	// a pause.
	Open func(ctx context.Context) (handle ReactionFunc, close func(), err error)
	// Raw hands the events over as stored, undecoded: Envelope.Recorded
	// only, Event nil and Meta zero. A reaction that forwards the log itself
	// (upcasting it) uses it, so an event the codec cannot decode is still
	// forwarded.
	Raw bool
	// MaxAttempts is how many times an event is handled before it is parked
	// (0: the engine's default). Backoff is the first pause between two
	// attempts, doubled after each (0: the engine's default).
	MaxAttempts int
	Backoff     time.Duration
}

// Validate reports what is wrong with the reaction's declaration (the
// engine also checks the name's form).
func (r Reaction) Validate() error {
	var errs []error
	if r.Name == "" {
		errs = append(errs, errors.New("no name"))
	}
	if (r.Handle == nil) == (r.Open == nil) {
		errs = append(errs, errors.New("set exactly one of Handle and Open"))
	}
	if r.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("MaxAttempts must not be negative, got %d", r.MaxAttempts))
	}
	if r.Backoff < 0 {
		errs = append(errs, fmt.Errorf("Backoff must not be negative, got %s", r.Backoff))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reaction %q: %w", r.Name, err)
	}
	return nil
}

// ErrUnavailable marks a reaction's error as an outage of the side effect's
// destination (the NATS server is down), not a problem of the event: the
// engine neither retries nor parks the event, but stops the reaction at it
// and starts it again from its checkpoint after a pause, so that nothing
// after the event takes effect first. Wrap it: fmt.Errorf("%w: %w",
// eventlog.ErrUnavailable, err).
var ErrUnavailable = errors.New("destination unavailable")

// Job is time-driven work: due reminders, expiring requests, half-finished
// moves. The engine runs it on one runner across processes, at most once
// per Every (across processes, even when another process takes over), and
// passes the time from its clock: domain code never reads the clock. A
// failure is logged and shown in the engine's status; the job runs again
// after Every.
type Job struct {
	// Name is the job's stable key, unique among every consumer of the
	// engine; same form as a Reaction's.
	Name string
	// Every is the interval between two runs.
	Every time.Duration
	// Run does the work as of now. ctx ends when the engine stops or this
	// process loses the job to another.
	Run func(ctx context.Context, now time.Time) error
}

// Validate reports what is wrong with the job's declaration.
func (j Job) Validate() error {
	var errs []error
	if j.Name == "" {
		errs = append(errs, errors.New("no name"))
	}
	if j.Every <= 0 {
		errs = append(errs, fmt.Errorf("Every must be positive, got %s", j.Every))
	}
	if j.Run == nil {
		errs = append(errs, errors.New("no Run"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("job %q: %w", j.Name, err)
	}
	return nil
}
