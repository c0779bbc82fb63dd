package calendar

import (
	"context"
	"errors"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
)

// CreateEvent is a user's new event (POST /api/events/). An event with a
// trip link and a source id is the trip sync's (SyncTripEvents): a repeat
// updates the event the item made before.
type CreateEvent struct {
	Actor   access.Actor
	Details calendar.Details
	Link    calendar.TripLink
	Meta    eventlog.Metadata
}

// CreateEvent validates the event, takes an id from the "calevent" sequence
// and appends CalendarEventCreated to calevent-<id>.
func (h *Handlers) CreateEvent(ctx context.Context, cmd CreateEvent) (EventResult, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return EventResult{}, err
	}
	now := h.now(&cmd.Meta)
	if cmd.Link.TripSlug != "" && cmd.Link.SourceID != "" {
		res, err := h.SyncTripEvents(ctx, SyncTripEvents{Actor: cmd.Actor, TripSlug: cmd.Link.TripSlug, SourceApp: cmd.Link.SourceApp,
			Items: []TripItem{{SourceID: cmd.Link.SourceID, Details: cmd.Details}}, Meta: cmd.Meta})
		if err != nil {
			return EventResult{}, err
		}
		return res.Events[0], nil
	}
	if _, err := calendar.Create(0, uid, cmd.Details, cmd.Link, now); err != nil {
		return EventResult{}, err
	}
	id, err := h.allocate(ctx, 1, cmd.Meta)
	if err != nil {
		return EventResult{}, err
	}
	return h.create(ctx, id, uid, cmd.Details, cmd.Link, cmd.Meta)
}

// errExists is a creation that found its event made already (by a
// concurrent sync of the same trip item).
var errExists = errors.New("already exists")

// create appends CalendarEventCreated to the new stream of id.
func (h *Handlers) create(ctx context.Context, id, uid int64, d calendar.Details, link calendar.TripLink, meta eventlog.Metadata) (EventResult, error) {
	at := meta.OccurredAt
	res, err := h.onEvent(ctx, id, meta, func(ev calendar.Event) ([]eventlog.Event, error) {
		if ev.ID != 0 {
			return nil, fmt.Errorf("calendar event %d: %w", id, errExists)
		}
		e, err := calendar.Create(id, uid, d, link, at)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	res.Created = err == nil
	return res, err
}
