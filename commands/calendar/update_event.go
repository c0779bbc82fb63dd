package calendar

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
)

// UpdateEvent is the owner's edit of an event (PUT or PATCH
// /api/events/{id}/): Edit gets the current fields and changes what the
// request names (all of them for PUT).
type UpdateEvent struct {
	Actor   access.Actor
	EventID int64
	Edit    func(d *calendar.Details)
	Meta    eventlog.Metadata
}

// UpdateEvent appends CalendarEventChanged with the whole new state,
// expecting the version read; an edit that changes nothing appends
// nothing. Another user's event is not found.
func (h *Handlers) UpdateEvent(ctx context.Context, cmd UpdateEvent) (EventResult, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return EventResult{}, err
	}
	now := h.now(&cmd.Meta)
	return h.onEvent(ctx, cmd.EventID, cmd.Meta, func(ev calendar.Event) ([]eventlog.Event, error) {
		d := ev.Details
		if cmd.Edit != nil && ev.Exists() && ev.UserID == uid {
			cmd.Edit(&d)
		}
		changed, err := calendar.Change(ev, uid, d, now)
		if err != nil || changed == nil {
			return nil, err
		}
		return []eventlog.Event{*changed}, nil
	})
}

// LinkTrip is the owner's link of an event to a Roamio trip (PATCH
// /api/events/{id}/link-trip/); an empty slug unlinks it.
type LinkTrip struct {
	Actor   access.Actor
	EventID int64
	Link    calendar.TripLink
	Meta    eventlog.Metadata
}

// LinkTrip appends CalendarEventTripLinked unless the link is the same.
func (h *Handlers) LinkTrip(ctx context.Context, cmd LinkTrip) (EventResult, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return EventResult{}, err
	}
	now := h.now(&cmd.Meta)
	return h.onEvent(ctx, cmd.EventID, cmd.Meta, func(ev calendar.Event) ([]eventlog.Event, error) {
		linked, err := calendar.LinkTrip(ev, uid, cmd.Link, now)
		if err != nil || linked == nil {
			return nil, err
		}
		return []eventlog.Event{*linked}, nil
	})
}

// DeleteEvent is the owner's deletion of an event (DELETE
// /api/events/{id}/).
type DeleteEvent struct {
	Actor   access.Actor
	EventID int64
	Meta    eventlog.Metadata
}

// DeleteEvent appends CalendarEventDeleted; a deleted event's reminder is
// never sent.
func (h *Handlers) DeleteEvent(ctx context.Context, cmd DeleteEvent) (EventResult, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return EventResult{}, err
	}
	now := h.now(&cmd.Meta)
	return h.onEvent(ctx, cmd.EventID, cmd.Meta, func(ev calendar.Event) ([]eventlog.Event, error) {
		e, err := calendar.Delete(ev, uid, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
}
