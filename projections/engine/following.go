package engine

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Following names the projectors whose filters let through any event
// recorded in a: the read models a request's writes change, which its
// answer waits for (read-your-writes).
func (e *Engine) Following(a *eventlog.Appends) []string {
	var names []string
	for _, p := range e.projectors {
		if a.Matches(p.Filter()) {
			names = append(names, p.Name())
		}
	}
	return names
}

// WaitForAppends waits until every projector following an event recorded in
// a has reached a.Last() (WaitFor); with none following, it returns at once.
func (e *Engine) WaitForAppends(ctx context.Context, a *eventlog.Appends) error {
	names := e.Following(a)
	if len(names) == 0 {
		return nil
	}
	return e.WaitFor(ctx, a.Last(), names...)
}
