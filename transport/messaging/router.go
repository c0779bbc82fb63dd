package messaging

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/fiveapis/backend/domain/eventlog"
)

// PoisonPolicy says what happens to a message whose handler still fails after
// the retries.
//
//   - PoisonSkip (the default): the message is handed to the Parker, which
//     records it where an operator can see and replay it (and, for a
//     checkpointed consumer, moves the checkpoint past it in the same
//     transaction); then the message is acked and the consumer goes on with
//     the next event. Use it where one bad event must not hold up the rest:
//     read models, notifications.
//   - PoisonStop: the handler is stopped and the message is nacked, so the
//     consumer stays at that event; Router.StopError tells why. Whoever runs
//     the router decides when to start it again (the projection engine
//     retries after its lock retry interval). Use it where order matters more
//     than progress: nothing after a failing event may take effect first.
//
// If parking itself fails, the message is nacked and delivered again, retries
// included, so nothing is lost. Errors caused by the end of the message's
// context (shutdown) are never parked, and errors marked with StopConsumer
// stop the handler whatever the policy.
type PoisonPolicy string

// The poison policies.
const (
	PoisonSkip PoisonPolicy = "skip"
	PoisonStop PoisonPolicy = "stop"
)

// Parker is the port that records a message that kept failing, so that an
// operator can see and replay it. consumer is the handler's name.
type Parker interface {
	Park(ctx context.Context, consumer string, msg *message.Message, err error) error
}

// EventParkerFunc adapts a function that parks a recorded event to Parker;
// progress messages are never parked (a failing progress message is returned
// as an error, so it is retried later).
type EventParkerFunc func(ctx context.Context, consumer string, ev eventlog.RecordedEvent, err error) error

// Park implements Parker.
func (f EventParkerFunc) Park(ctx context.Context, consumer string, msg *message.Message, cause error) error {
	if IsProgress(msg) {
		return fmt.Errorf("messaging: progress message of %s failed: %w", consumer, cause)
	}
	ev, err := EventFromMessage(msg)
	if err != nil {
		return err
	}
	return f(ctx, consumer, ev, cause)
}

// RetryConfig is the retry policy of a router: a failing handler is called
// again after InitialInterval, then after intervals multiplied by Multiplier
// up to MaxInterval, MaxRetries times at most.
type RetryConfig struct {
	// MaxRetries is the number of retries after the first attempt. Zero means
	// DefaultMaxRetries; a negative value disables retries.
	MaxRetries      int
	InitialInterval time.Duration
	Multiplier      float64
	MaxInterval     time.Duration
}

// Defaults of RetryConfig and RouterConfig.
const (
	DefaultMaxRetries      = 3
	DefaultInitialInterval = 100 * time.Millisecond
	DefaultMultiplier      = 2.0
	DefaultMaxInterval     = 2 * time.Second
	DefaultCloseTimeout    = 30 * time.Second
)

// Attempts is how many times a handler runs for one message before the poison
// policy applies.
func (c RetryConfig) Attempts() int {
	if c.MaxRetries < 0 {
		return 1
	}
	return c.MaxRetries + 1
}

// RouterConfig configures NewRouter.
type RouterConfig struct {
	// CloseTimeout is how long Close waits for running handlers.
	CloseTimeout time.Duration
	Retry        RetryConfig
	// Poison is the poison policy; default PoisonSkip.
	Poison PoisonPolicy
	// Parker records poisoned messages; required with PoisonSkip.
	Parker Parker
}

func (c *RouterConfig) setDefaults() {
	if c.CloseTimeout == 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
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
}

// Validate reports every invalid field of a RouterConfig whose defaults were set.
func (c RouterConfig) Validate() error {
	var errs []error
	if c.CloseTimeout < 0 {
		errs = append(errs, fmt.Errorf("CloseTimeout must not be negative, got %s", c.CloseTimeout))
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
	switch c.Poison {
	case PoisonSkip:
		if c.Parker == nil {
			errs = append(errs, errors.New("Parker is required with the skip poison policy"))
		}
	case PoisonStop:
	default:
		errs = append(errs, fmt.Errorf("Poison must be %q or %q, got %q", PoisonSkip, PoisonStop, c.Poison))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("messaging: invalid router config: %w", err)
	}
	return nil
}

// ErrStopConsumer marks errors that stop a consumer's handler at once: no
// retry, no parking, the message is nacked. Wrap it (fmt.Errorf("…: %w",
// ErrStopConsumer)) or use StopConsumer. Packages that may not import this one
// can instead return an error with a method StopConsumer() bool returning true.
var ErrStopConsumer = errors.New("messaging: stop consumer")

// StopConsumer marks err so that the router stops the handler (see ErrStopConsumer).
func StopConsumer(err error) error { return stopError{err} }

type stopError struct{ err error }

func (e stopError) Error() string      { return e.err.Error() }
func (e stopError) Unwrap() error      { return e.err }
func (e stopError) StopConsumer() bool { return true }

// IsPermanent reports whether err (or an error it wraps) has a method
// Permanent() bool that returns true: the message fails the same way every
// time, so it goes to the poison policy at once, without retries.
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// IsStopConsumer reports whether err asks to stop the consumer.
func IsStopConsumer(err error) bool {
	if errors.Is(err, ErrStopConsumer) {
		return true
	}
	var s interface{ StopConsumer() bool }
	return errors.As(err, &s) && s.StopConsumer()
}

// Router is a Watermill router whose consumers (AddConsumer) run with the
// project's middleware, outermost first: the poison policy, Retry, Recoverer.
// Panics are recovered into errors, so they are retried and parked like any
// other failure. A page message (see page.go) is neither retried nor parked:
// its failing event comes again alone, and the policies apply to it.
type Router struct {
	*message.Router
	cfg    RouterConfig
	logger watermill.LoggerAdapter

	mu       sync.Mutex
	stopErrs map[string]error
}

// NewRouter returns a Router; cfg gets its defaults, then is validated.
// logger may be nil.
func NewRouter(cfg RouterConfig, logger watermill.LoggerAdapter) (*Router, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	r, err := message.NewRouter(message.RouterConfig{CloseTimeout: cfg.CloseTimeout}, logger)
	if err != nil {
		return nil, err
	}
	return &Router{Router: r, cfg: cfg, logger: logger, stopErrs: map[string]error{}}, nil
}

// Config returns the router's configuration with its defaults.
func (r *Router) Config() RouterConfig { return r.cfg }

// AddConsumer adds the handler name, subscribed to the topic name of sub (for
// a LogSubscriber: the consumer of that name, whose checkpoint key it is).
// Handler names must be stable: they are consumer names.
func (r *Router) AddConsumer(name string, sub message.Subscriber, handle message.NoPublishHandlerFunc) *message.Handler {
	h := r.AddConsumerHandler(name, name, sub, handle)
	h.AddMiddleware(
		r.poisonMiddleware(name, h),
		r.retryMiddleware,
		middleware.Recoverer,
	)
	return h
}

// retryMiddleware retries a failing event message. A page is not retried:
// the subscriber sends its failing event again alone (see page.go), marked
// with MetadataFailedInPage, and since the page was that event's first
// attempt, the retries go on from there: the same number of attempts, at the
// same intervals, as without pages. With retries off, the page's error goes
// straight to the poison policy.
func (r *Router) retryMiddleware(next message.HandlerFunc) message.HandlerFunc {
	retry := func(retries int, initial time.Duration) message.HandlerFunc {
		return middleware.Retry{
			MaxRetries:      retries,
			InitialInterval: initial,
			Multiplier:      r.cfg.Retry.Multiplier,
			MaxInterval:     r.cfg.Retry.MaxInterval,
			ShouldRetry: func(p middleware.RetryParams) bool {
				return !IsStopConsumer(p.Err) && !IsPermanent(p.Err)
			},
			Logger: r.logger,
		}.Middleware(next)
	}
	retries := max(r.cfg.Retry.MaxRetries, 0)
	full := retry(retries, r.cfg.Retry.InitialInterval)
	second := min(time.Duration(float64(r.cfg.Retry.InitialInterval)*r.cfg.Retry.Multiplier), r.cfg.Retry.MaxInterval)
	afterPage := retry(max(retries-1, 0), second)
	return func(msg *message.Message) ([]*message.Message, error) {
		switch {
		case IsPage(msg):
			return next(msg)
		case msg.Metadata.Get(MetadataFailedInPage) != "true":
			return full(msg)
		case retries == 0:
			if err := pageFailure(msg.Context()); err != nil {
				return nil, err
			}
			return next(msg)
		default:
			if err := pageFailure(msg.Context()); IsPermanent(err) {
				return nil, err // it failed the same way in its page: no retry
			}
			if !sleep(msg.Context(), r.cfg.Retry.InitialInterval) {
				return nil, msg.Context().Err()
			}
			return afterPage(msg)
		}
	}
}

// StopError returns the error that stopped the handler name (through the
// stop policy or a StopConsumer error), or nil.
func (r *Router) StopError(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopErrs[name]
}

func (r *Router) stop(name string, h *message.Handler, err error) {
	r.mu.Lock()
	if _, done := r.stopErrs[name]; !done {
		r.stopErrs[name] = err
	}
	r.mu.Unlock()
	h.Stop()
}

func (r *Router) poisonMiddleware(name string, h *message.Handler) message.HandlerMiddleware {
	return func(next message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := next(msg)
			if err == nil {
				return out, nil
			}
			ctx := msg.Context()
			if ctx.Err() != nil {
				// Shutting down or stopped: the message is delivered again
				// next time, nothing to park.
				return nil, err
			}
			fields := watermill.LogFields{"consumer": name, "message_uuid": msg.UUID, "position": msg.Metadata.Get(MetadataPosition)}
			if IsStopConsumer(err) {
				r.stop(name, h, err)
				return nil, err
			}
			if IsPage(msg) {
				// Not parked: the failing event comes again alone, and the
				// policy applies to it.
				return nil, err
			}
			switch r.cfg.Poison {
			case PoisonSkip:
				if perr := r.cfg.Parker.Park(ctx, name, msg, err); perr != nil {
					r.logger.Error("Cannot park message; it will be delivered again", perr, fields)
					return nil, errors.Join(err, perr)
				}
				r.logger.Error("Message parked after retries", err, fields)
				return nil, nil
			default:
				r.logger.Error("Handler stopped by the poison policy", err, fields)
				r.stop(name, h, err)
				return nil, err
			}
		}
	}
}
