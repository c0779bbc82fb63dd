package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Header names of the read-your-writes protocol.
const (
	// HeaderPosition is set on every command response: the global log
	// position of the command's last event.
	HeaderPosition = "X-Event-Position"
	// HeaderMinPosition asks a query to wait until the read models have
	// reached the given position (e.g. one returned to another client).
	HeaderMinPosition = "X-Min-Position"
	// HeaderServerTiming on a command response reports, as "ryw;dur=<ms>",
	// how long the answer waited for the projections (read-your-writes lag),
	// and, where the handler says so (ServerTiming), other steps, such as
	// "cmd;dur=<ms>" for deciding and appending the command's events.
	HeaderServerTiming = "Server-Timing"
)

// PositionWaiter waits for the read models. The projection engine (through
// the wiring) implements it.
type PositionWaiter interface {
	// WaitFor blocks until the named projections (all when none are named)
	// have applied the log up to pos.
	WaitFor(ctx context.Context, pos eventlog.Position, projections ...string) error
	// WaitForAppends blocks until every projection that follows an event
	// recorded in a has applied the log up to a.Last().
	WaitForAppends(ctx context.Context, a *eventlog.Appends) error
}

// Consistency makes command answers reflect the command: before a request
// that appended events answers, it waits (bounded by Timeout) until the
// projections that follow those events have reached them, and sets
// X-Event-Position. The projections are derived from what was appended
// (eventlog.Appends), never listed by the handler.
type Consistency struct {
	Waiter  PositionWaiter
	Timeout time.Duration
}

const consistencyKey = "httpapi.consistency"

// Middleware records the request's appends and, just before the answer's
// header is written, sets X-Event-Position and waits for the projections
// that follow them. A read with X-Min-Position (or ?min_position=) first
// waits until every projection has reached that position. Install it once
// on the server, after authentication.
func (k Consistency) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ctx, rec := eventlog.WithAppends(req.Context())
			c.SetRequest(req.WithContext(ctx))
			c.Set(consistencyKey, k)
			k.beforeQuery(c)
			c.Response().Before(func() { k.settle(c, rec) })
			return next(c)
		}
	}
}

// Settle waits now until the read models reflect what the request appended
// so far: for a handler that reads its own write back before it answers.
// The answer then does not wait again.
func Settle(c echo.Context) {
	k, ok := c.Get(consistencyKey).(Consistency)
	if !ok {
		return
	}
	if rec, ok := eventlog.AppendsFrom(c.Request().Context()); ok {
		k.settle(c, rec)
	}
}

// settle sets the position header and waits for the projections following
// what rec holds. A wait that times out is not an error for the client: the
// command did happen; the answer carries the position so the client can ask
// a query to wait for it.
func (k Consistency) settle(c echo.Context, rec *eventlog.Appends) {
	pos, pending := rec.Unsettled()
	if pos.IsStart() {
		return
	}
	c.Response().Header().Set(HeaderPosition, pos.String())
	if !pending {
		return
	}
	start := time.Now()
	if k.Waiter != nil {
		ctx, cancel := k.bounded(c.Request().Context())
		_ = k.Waiter.WaitForAppends(ctx, rec)
		cancel()
	}
	rec.Settled(pos)
	// The read-your-writes lag as the handler saw it: from the append's
	// acknowledgement to the read models having reached its position.
	ServerTiming(c, "ryw", time.Since(start))
}

// ServerTiming adds a step's duration to the answer's Server-Timing header,
// as "<name>;dur=<ms>".
func ServerTiming(c echo.Context, name string, d time.Duration) {
	h := c.Response().Header()
	prev := h.Get(HeaderServerTiming)
	b := make([]byte, 0, len(prev)+len(name)+24)
	if prev != "" {
		b = append(append(b, prev...), ", "...)
	}
	b = append(append(b, name...), ";dur="...)
	b = strconv.AppendFloat(b, float64(d.Microseconds())/1000, 'f', 3, 64)
	h.Set(HeaderServerTiming, string(b))
}

// beforeQuery waits for every projection to reach the position the request
// asks for, if any. A malformed value is ignored.
func (k Consistency) beforeQuery(c echo.Context) {
	if pos, ok := minPosition(c); ok {
		k.wait(c.Request().Context(), pos)
	}
}

func minPosition(c echo.Context) (eventlog.Position, bool) {
	raw := c.Request().Header.Get(HeaderMinPosition)
	if raw == "" {
		raw = c.QueryParam("min_position")
	}
	if raw == "" {
		return eventlog.Position{}, false
	}
	pos, err := eventlog.ParsePosition(raw)
	return pos, err == nil && !pos.IsStart()
}

func (k Consistency) wait(ctx context.Context, pos eventlog.Position, projections ...string) {
	if k.Waiter == nil {
		return
	}
	ctx, cancel := k.bounded(ctx)
	defer cancel()
	_ = k.Waiter.WaitFor(ctx, pos, projections...)
}

func (k Consistency) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	return context.WithTimeout(ctx, timeout)
}
