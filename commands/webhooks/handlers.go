// Package webhooks holds the commands of Roamio's webhook endpoints
// (register, remove) and the reaction that delivers trip changes to them
// (react_trip_changes.go).
package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/webhooks"
)

// Handlers executes the endpoint commands.
type Handlers struct {
	runner *handling.Runner
	seqs   *handling.Runner
	clock  handling.Clock
}

// New returns the handlers.
func New(runner *handling.Runner, clock handling.Clock) *Handlers {
	return &Handlers{runner: runner, seqs: handling.NewRunner(runner.Store(), handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		clock: clock}
}

// Register is an administrator's new endpoint.
type Register struct {
	Actor  access.Actor
	URL    string
	Events []string
	Meta   eventlog.Metadata
}

// Registered is the new endpoint's event.
type Registered struct {
	Registered webhooks.WebhookEndpointRegistered
	Position   eventlog.Position
}

// Register validates, takes an id and appends WebhookEndpointRegistered.
func (h *Handlers) Register(ctx context.Context, cmd Register) (Registered, error) {
	now := h.clock.Now().UTC()
	cmd.Meta.OccurredAt = now
	if _, err := webhooks.Register(cmd.Actor, 1, cmd.URL, cmd.Events, now); err != nil {
		return Registered{}, err
	}
	ids, err := h.seqs.AllocateIDs(ctx, webhooks.EndpointSequence, 1, "", cmd.Meta)
	if err != nil {
		return Registered{}, err
	}
	res, err := h.runner.Execute(ctx, webhooks.EndpointStream(ids.First), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if len(history) > 0 {
			return nil, fmt.Errorf("endpoint %d already exists", ids.First)
		}
		e, err := webhooks.Register(cmd.Actor, ids.First, cmd.URL, cmd.Events, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil {
		return Registered{}, err
	}
	return Registered{Registered: res.Events[0].(webhooks.WebhookEndpointRegistered), Position: res.Append.Position}, nil
}

// Remove is an endpoint's removal.
type Remove struct {
	Actor      access.Actor
	EndpointID int64
	Meta       eventlog.Metadata
}

// Remove appends WebhookEndpointRemoved.
func (h *Handlers) Remove(ctx context.Context, cmd Remove) (eventlog.Position, error) {
	now := h.clock.Now().UTC()
	cmd.Meta.OccurredAt = now
	res, err := h.runner.Execute(ctx, webhooks.EndpointStream(cmd.EndpointID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := webhooks.Remove(history, cmd.Actor, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	return res.Append.Position, err
}
