package calendar

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
)

// CalendarResult is a public calendar's state after a command and where
// its last event landed.
type CalendarResult struct {
	Calendar calendar.PublicCalendar
	Position eventlog.Position
}

// onCalendar decides on a calendar's stream.
func (h *Handlers) onCalendar(ctx context.Context, id int64, meta eventlog.Metadata, decide func(calendar.PublicCalendar) (eventlog.Event, error)) (CalendarResult, error) {
	var state calendar.PublicCalendar
	res, err := h.runner.Execute(ctx, calendar.PublicStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		c := calendar.PublicCalendarFrom(history)
		e, err := decide(c)
		if err != nil {
			return nil, err
		}
		if e == nil {
			state = c
			return nil, nil
		}
		state = calendar.PublicCalendarFrom(append(append([]eventlog.Envelope{}, history...), eventlog.Envelope{Event: e}))
		return []eventlog.Event{e}, nil
	})
	return CalendarResult{Calendar: state, Position: res.Append.Position}, err
}

// CreateCalendar is a user's new public calendar (POST /api/calendars/).
type CreateCalendar struct {
	Actor   access.Actor
	URLSlug string
	Info    calendar.CalendarInfo
	Meta    eventlog.Metadata
}

// CreateCalendar validates, takes an id from the "pubcal" sequence, claims
// the slug on its stream (ErrSlugTaken when another calendar has it) and
// appends PublicCalendarCreated. The server itself (access.System) creates
// calendars without an owner.
func (h *Handlers) CreateCalendar(ctx context.Context, cmd CreateCalendar) (CalendarResult, error) {
	owner := int64(0)
	if !cmd.Actor.System {
		uid, err := cmd.Actor.User()
		if err != nil {
			return CalendarResult{}, err
		}
		owner = uid
	}
	now := h.now(&cmd.Meta)
	if _, err := calendar.CreateCalendar(0, owner, cmd.URLSlug, cmd.Info, now); err != nil {
		return CalendarResult{}, err
	}
	holder, err := h.slugHolder(ctx, cmd.URLSlug)
	if err != nil {
		return CalendarResult{}, err
	}
	if holder != 0 {
		return CalendarResult{}, calendar.ErrSlugTaken
	}
	ids, err := h.seqs.AllocateIDs(ctx, calendar.PublicSequence, 1, "", cmd.Meta)
	if err != nil {
		return CalendarResult{}, err
	}
	id := ids.First
	if _, err := h.runner.Execute(ctx, calendar.SlugStream(cmd.URLSlug), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		c, err := calendar.ClaimSlug(holderOf(history), cmd.URLSlug, id, now)
		if err != nil || c == nil {
			return nil, err
		}
		return []eventlog.Event{*c}, nil
	}); err != nil {
		return CalendarResult{}, err
	}
	return h.onCalendar(ctx, id, cmd.Meta, func(c calendar.PublicCalendar) (eventlog.Event, error) {
		if c.ID != 0 {
			return nil, fmt.Errorf("public calendar %d already exists", id)
		}
		return calendar.CreateCalendar(id, owner, cmd.URLSlug, cmd.Info, now)
	})
}

func holderOf(history []eventlog.Envelope) int64 {
	var id int64
	for _, env := range history {
		if e, ok := env.Event.(calendar.CalendarSlugClaimed); ok {
			id = e.CalendarID
		}
	}
	return id
}

// slugHolder is the calendar that holds slug (0: none).
func (h *Handlers) slugHolder(ctx context.Context, slug string) (int64, error) {
	history, _, err := h.store.Load(ctx, calendar.SlugStream(slug))
	if err != nil {
		return 0, fmt.Errorf("load calendar slug: %w", err)
	}
	return holderOf(history), nil
}

// EnsureHolidayCalendar creates the china-holidays calendar unless it
// exists (the module's start-up task; its events are China's official
// holiday arrangement, computed, not stored). It returns the position of
// the creation (the start when the calendar existed).
func (h *Handlers) EnsureHolidayCalendar(ctx context.Context) (eventlog.Position, error) {
	holder, err := h.slugHolder(ctx, calendar.HolidaysSlug)
	if err != nil || holder != 0 {
		return eventlog.Position{}, err
	}
	res, err := h.CreateCalendar(ctx, CreateCalendar{Actor: access.System, URLSlug: calendar.HolidaysSlug,
		Info: calendar.CalendarInfo{Name: "中国法定假日", Description: "中国法定节假日、调休上班日（国务院办公厅每年公布的安排）", IsPublic: true},
		Meta: eventlog.Metadata{CorrelationID: "calendar-startup"}})
	if err == calendar.ErrSlugTaken {
		return eventlog.Position{}, nil // another process made it meanwhile
	}
	return res.Position, err
}

// ChangeCalendar is an edit by the owner or an admin (PUT or PATCH
// /api/calendars/{id}/); Edit changes what the request names.
type ChangeCalendar struct {
	Actor      access.Actor
	CalendarID int64
	Edit       func(info *calendar.CalendarInfo)
	Meta       eventlog.Metadata
}

// ChangeCalendar appends PublicCalendarChanged unless nothing changes.
func (h *Handlers) ChangeCalendar(ctx context.Context, cmd ChangeCalendar) (CalendarResult, error) {
	if _, err := cmd.Actor.User(); err != nil {
		return CalendarResult{}, err
	}
	now := h.now(&cmd.Meta)
	return h.onCalendar(ctx, cmd.CalendarID, cmd.Meta, func(c calendar.PublicCalendar) (eventlog.Event, error) {
		info := c.Info
		if cmd.Edit != nil {
			cmd.Edit(&info)
		}
		e, err := calendar.ChangeCalendar(c, cmd.Actor, info, now)
		if err != nil || e == nil {
			return nil, err
		}
		return *e, nil
	})
}

// CalendarCommand is a command on one calendar by one actor: delete,
// subscribe, unsubscribe.
type CalendarCommand struct {
	Actor      access.Actor
	CalendarID int64
	Meta       eventlog.Metadata
}

// DeleteCalendar appends PublicCalendarDeleted (owner or admin).
func (h *Handlers) DeleteCalendar(ctx context.Context, cmd CalendarCommand) (CalendarResult, error) {
	if _, err := cmd.Actor.User(); err != nil {
		return CalendarResult{}, err
	}
	now := h.now(&cmd.Meta)
	return h.onCalendar(ctx, cmd.CalendarID, cmd.Meta, func(c calendar.PublicCalendar) (eventlog.Event, error) {
		return calendar.DeleteCalendar(c, cmd.Actor, now)
	})
}

// Subscribe appends CalendarSubscribed unless subscribed already.
func (h *Handlers) Subscribe(ctx context.Context, cmd CalendarCommand) (CalendarResult, error) {
	if _, err := cmd.Actor.User(); err != nil {
		return CalendarResult{}, err
	}
	now := h.now(&cmd.Meta)
	return h.onCalendar(ctx, cmd.CalendarID, cmd.Meta, func(c calendar.PublicCalendar) (eventlog.Event, error) {
		e, err := calendar.Subscribe(c, cmd.Actor, now)
		if err != nil || e == nil {
			return nil, err
		}
		return *e, nil
	})
}

// Unsubscribe appends CalendarUnsubscribed when subscribed.
func (h *Handlers) Unsubscribe(ctx context.Context, cmd CalendarCommand) (CalendarResult, error) {
	if _, err := cmd.Actor.User(); err != nil {
		return CalendarResult{}, err
	}
	now := h.now(&cmd.Meta)
	return h.onCalendar(ctx, cmd.CalendarID, cmd.Meta, func(c calendar.PublicCalendar) (eventlog.Event, error) {
		e, err := calendar.Unsubscribe(c, cmd.Actor, now)
		if err != nil || e == nil {
			return nil, err
		}
		return *e, nil
	})
}

// CreateCalendarEvent is an event of a public calendar, by its owner or an
// admin (POST /api/calendars/{id}/events/): the event is the owner's, in
// the calendar, and its subscribers see it.
type CreateCalendarEvent struct {
	Actor      access.Actor
	CalendarID int64
	Details    calendar.Details
	Meta       eventlog.Metadata
}

// CreateCalendarEvent checks the actor manages the calendar, then appends
// CalendarEventCreated with the calendar's id.
func (h *Handlers) CreateCalendarEvent(ctx context.Context, cmd CreateCalendarEvent) (EventResult, error) {
	if _, err := cmd.Actor.User(); err != nil {
		return EventResult{}, err
	}
	now := h.now(&cmd.Meta)
	history, _, err := h.store.Load(ctx, calendar.PublicStream(cmd.CalendarID))
	if err != nil {
		return EventResult{}, fmt.Errorf("load public calendar %d: %w", cmd.CalendarID, err)
	}
	c := calendar.PublicCalendarFrom(history)
	if !c.Exists() || !c.Info.IsPublic && !c.ManagedBy(cmd.Actor) {
		return EventResult{}, calendar.ErrCalendarNotFound
	}
	if !c.ManagedBy(cmd.Actor) {
		return EventResult{}, access.ErrForbidden
	}
	owner := c.OwnerID
	if owner == 0 {
		owner = cmd.Actor.UserID
	}
	if _, err := calendar.Create(0, owner, cmd.Details, calendar.TripLink{}, now); err != nil {
		return EventResult{}, err
	}
	id, err := h.allocate(ctx, 1, cmd.Meta)
	if err != nil {
		return EventResult{}, err
	}
	res, err := h.onEvent(ctx, id, cmd.Meta, func(ev calendar.Event) ([]eventlog.Event, error) {
		if ev.ID != 0 {
			return nil, fmt.Errorf("calendar event %d: %w", id, errExists)
		}
		e, err := calendar.Create(id, owner, cmd.Details, calendar.TripLink{}, now)
		if err != nil {
			return nil, err
		}
		e.CalendarID = c.ID
		return []eventlog.Event{e}, nil
	})
	res.Created = err == nil
	return res, err
}
