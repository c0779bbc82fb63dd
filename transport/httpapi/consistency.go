package httpapi

import (
	"context"
	"fmt"
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

// PositionWaiter blocks until the named projections (all when none are named)
// have applied the log up to pos. The projection engine implements it.
type PositionWaiter interface {
	WaitFor(ctx context.Context, pos eventlog.Position, projections ...string) error
}

// Consistency makes command answers reflect the command: after an append the
// handler waits (bounded) for its module's projections before it answers.
type Consistency struct {
	Waiter  PositionWaiter
	Timeout time.Duration
}

// AfterCommand sets the position header and waits for the projections. A wait
// that times out is not an error for the client: the command did happen; the
// answer carries the position so the client can ask a query to wait for it.
func (k Consistency) AfterCommand(c echo.Context, pos eventlog.Position, projections ...string) {
	if pos.IsStart() {
		return
	}
	c.Response().Header().Set(HeaderPosition, pos.String())
	start := time.Now()
	k.wait(c.Request().Context(), pos, projections...)
	// The read-your-writes lag as the handler saw it: from the append's
	// acknowledgement to the read models having reached its position.
	ServerTiming(c, "ryw", time.Since(start))
}

// ServerTiming adds a step's duration to the answer's Server-Timing header,
// as "<name>;dur=<ms>".
func ServerTiming(c echo.Context, name string, d time.Duration) {
	h := c.Response().Header()
	entry := fmt.Sprintf("%s;dur=%.3f", name, float64(d.Microseconds())/1000)
	if v := h.Get(HeaderServerTiming); v != "" {
		entry = v + ", " + entry
	}
	h.Set(HeaderServerTiming, entry)
}

// BeforeQuery honours HeaderMinPosition (or the query parameter min_position).
// A malformed value is ignored.
func (k Consistency) BeforeQuery(c echo.Context, projections ...string) {
	raw := c.Request().Header.Get(HeaderMinPosition)
	if raw == "" {
		raw = c.QueryParam("min_position")
	}
	if raw == "" {
		return
	}
	pos, err := eventlog.ParsePosition(raw)
	if err != nil {
		return
	}
	k.wait(c.Request().Context(), pos, projections...)
}

func (k Consistency) wait(ctx context.Context, pos eventlog.Position, projections ...string) {
	if k.Waiter == nil {
		return
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_ = k.Waiter.WaitFor(ctx, pos, projections...)
}
