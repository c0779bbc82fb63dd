package calendar

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
)

// SetFeedToken gives the actor's iCalendar feed a new token, given by its
// SHA-256 digest (hex); the previous token stops working.
type SetFeedToken struct {
	Actor       access.Actor
	TokenDigest string
	Meta        eventlog.Metadata
}

// SetFeedToken appends CalendarFeedTokenSet to calfeed-<user>.
func (h *Handlers) SetFeedToken(ctx context.Context, cmd SetFeedToken) (eventlog.Position, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.Execute(ctx, calendar.FeedStream(uid), cmd.Meta, func([]eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := calendar.SetFeedToken(uid, cmd.TokenDigest, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	return res.Append.Position, err
}

// RevokeFeed ends the actor's feed token (nothing when there is none).
func (h *Handlers) RevokeFeed(ctx context.Context, actor access.Actor, meta eventlog.Metadata) (eventlog.Position, error) {
	uid, err := actor.User()
	if err != nil {
		return eventlog.Position{}, err
	}
	now := h.now(&meta)
	res, err := h.runner.Execute(ctx, calendar.FeedStream(uid), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if e := calendar.RevokeFeed(history, uid, now); e != nil {
			return []eventlog.Event{*e}, nil
		}
		return nil, nil
	})
	return res.Append.Position, err
}
