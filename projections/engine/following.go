package engine

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
)

// WaitForAppends waits until every projector following an event recorded in
// a has reached the last such event (a.Reached); with none following, it
// returns at once. When that position is an event the projector applies, the
// wait needs no nudge (no progress check of the projector's subscriber, and
// no notification to the process that runs it): the commit that applies the
// event moves the checkpoint there. Otherwise it waits as WaitFor does.
func (e *Engine) WaitForAppends(ctx context.Context, a *eventlog.Appends) error {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.WaitTimeout)
	defer cancel()
	for _, name := range e.names {
		pos, exact := a.Reached(e.filters[name])
		if pos.IsStart() {
			continue
		}
		if err := e.waitOne(ctx, name, pos, !exact); err != nil {
			return err
		}
	}
	return nil
}
