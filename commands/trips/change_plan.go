package trips

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/trips"
)

// ChangePlan is an edit of a plan (PATCH /trip-plans/{slug}/).
type ChangePlan struct {
	Actor  access.Actor
	TripID int64
	Patch  trips.Patch
	Meta   eventlog.Metadata
}

// Changed is the plan after the edit.
type Changed struct {
	Trip     trips.Trip
	Position eventlog.Position
}

// ChangePlan appends TripPlanChanged with the version read (nothing when
// nothing changes); others than the author and admins are refused.
func (h *Handlers) ChangePlan(ctx context.Context, cmd ChangePlan) (Changed, error) {
	now := h.now(&cmd.Meta)
	var t trips.Trip
	res, err := h.runner.Execute(ctx, trips.TripStream(cmd.TripID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		t = trips.TripFrom(history)
		e, err := trips.ChangePlan(t, cmd.Actor, cmd.Patch, now)
		if err != nil || e == nil {
			return nil, err
		}
		t.Plan = e.Plan
		return []eventlog.Event{*e}, nil
	})
	return Changed{Trip: t, Position: res.Append.Position}, err
}

// DeletePlan is a plan's deletion (DELETE /trip-plans/{slug}/).
type DeletePlan struct {
	Actor  access.Actor
	TripID int64
	Meta   eventlog.Metadata
}

// DeletePlan appends TripPlanDeleted; others than the author and admins are
// refused.
func (h *Handlers) DeletePlan(ctx context.Context, cmd DeletePlan) (Result, error) {
	now := h.now(&cmd.Meta)
	res, err := h.runner.Execute(ctx, trips.TripStream(cmd.TripID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := trips.DeletePlan(trips.TripFrom(history), cmd.Actor, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	return Result{Position: res.Append.Position}, err
}
