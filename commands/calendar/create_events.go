package calendar

import (
	"context"
	"errors"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// MaxBatch is how many events one batch creates at most.
const MaxBatch = 200

// NewEvent is one event of a batch.
type NewEvent struct {
	Details calendar.Details
	Link    calendar.TripLink
}

// CreateEvents is a batch of new events of one user (POST
// /api/events/batch/). Items with a trip link and a source id go through
// the trip sync (a repeat updates their event).
type CreateEvents struct {
	Actor  access.Actor
	Events []NewEvent
	Meta   eventlog.Metadata
}

// BatchResult is every event of a batch, in the batch's order.
type BatchResult struct {
	Events []EventResult
	// Removed are the ids of the events a complete trip sync deleted
	// (SyncTripEvents.Complete).
	Removed  []int64
	Position eventlog.Position
}

// CreateEvents validates every item first (an invalid item refuses the whole
// batch, naming "events[i].field"), then creates them in order.
func (h *Handlers) CreateEvents(ctx context.Context, cmd CreateEvents) (BatchResult, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return BatchResult{}, err
	}
	now := h.now(&cmd.Meta)
	if len(cmd.Events) == 0 {
		return BatchResult{}, fault.Invalidf("events", "This list may not be empty.")
	}
	if len(cmd.Events) > MaxBatch {
		return BatchResult{}, fault.Invalidf("events", "Ensure this list has no more than %d items.", MaxBatch)
	}
	var errs []error
	plain := 0
	for i, e := range cmd.Events {
		if _, err := calendar.Create(0, uid, e.Details, e.Link, now); err != nil {
			errs = append(errs, ItemFaults(i, err))
		}
		if !tripItem(e.Link) {
			plain++
		}
	}
	if err := errors.Join(errs...); err != nil {
		return BatchResult{}, err
	}
	var next int64
	if plain > 0 {
		if next, err = h.allocate(ctx, plain, cmd.Meta); err != nil {
			return BatchResult{}, err
		}
	}
	var out BatchResult
	for _, e := range cmd.Events {
		var res EventResult
		if tripItem(e.Link) {
			sync, err := h.SyncTripEvents(ctx, SyncTripEvents{Actor: cmd.Actor, TripSlug: e.Link.TripSlug, SourceApp: e.Link.SourceApp,
				Items: []TripItem{{SourceID: e.Link.SourceID, Details: e.Details}}, Meta: cmd.Meta})
			if err != nil {
				return out, err
			}
			res = sync.Events[0]
		} else {
			if res, err = h.create(ctx, next, uid, e.Details, e.Link, cmd.Meta); err != nil {
				return out, err
			}
			next++
		}
		out.Events = append(out.Events, res)
		out.Position = later(out.Position, res.Position)
	}
	return out, nil
}

func tripItem(l calendar.TripLink) bool { return l.TripSlug != "" && l.SourceID != "" }

// ItemFaults renames the fields of err's invalid-input faults to
// "events[i].field", so a batch's refusal names the item.
func ItemFaults(i int, err error) error {
	var out []error
	for _, e := range leafFaults(err) {
		if e.Kind == fault.Invalid {
			out = append(out, fault.Invalidf(fmt.Sprintf("events[%d].%s", i, e.Field), "%s", e.Message))
			continue
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return err
	}
	return errors.Join(out...)
}

func leafFaults(err error) []*fault.Error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*fault.Error
		for _, e := range j.Unwrap() {
			out = append(out, leafFaults(e)...)
		}
		return out
	}
	if f, ok := fault.As(err); ok {
		return []*fault.Error{f}
	}
	return nil
}
