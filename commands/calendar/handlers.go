// Package calendar holds the command handlers of Ralendar's calendar: one
// file per command. Each event is decided on its own stream calevent-<id>
// with the version read; the trip sync claims each source item of a trip on
// the trip's stream first, so a repeated sync updates instead of
// duplicating; the reminder job appends CalendarReminderDue once per start
// time, which the mail reaction delivers.
package calendar

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Handlers executes the calendar commands.
type Handlers struct {
	runner *handling.Runner
	seqs   *handling.Runner
	store  handling.EventStore
	clock  Clock
}

// New returns the handlers.
func New(runner *handling.Runner, clock Clock) *Handlers {
	store := runner.Store()
	return &Handlers{
		runner: handling.NewRunner(store, handling.Config{MaxAttempts: 50, Backoff: 2 * time.Millisecond}),
		seqs:   handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		store:  store,
		clock:  clock,
	}
}

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

// EventResult is an event's state after a command and where its last event
// landed (the zero position when nothing changed).
type EventResult struct {
	Event    calendar.Event
	Created  bool
	Position eventlog.Position
}

// load folds an event's stream.
func (h *Handlers) load(ctx context.Context, id int64) (calendar.Event, error) {
	history, _, err := h.store.Load(ctx, calendar.EventStream(id))
	if err != nil {
		return calendar.Event{}, fmt.Errorf("load calendar event %d: %w", id, err)
	}
	return calendar.EventFrom(history), nil
}

// onEvent decides on an event's stream: decide gets the folded event and
// returns the events to append; the result is the state after them.
func (h *Handlers) onEvent(ctx context.Context, id int64, meta eventlog.Metadata, decide func(calendar.Event) ([]eventlog.Event, error)) (EventResult, error) {
	var state calendar.Event
	res, err := h.runner.Execute(ctx, calendar.EventStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		ev := calendar.EventFrom(history)
		out, err := decide(ev)
		if err != nil {
			return nil, err
		}
		all := append([]eventlog.Envelope{}, history...)
		for _, e := range out {
			all = append(all, eventlog.Envelope{Event: e})
		}
		state = calendar.EventFrom(all)
		return out, nil
	})
	if err != nil {
		return EventResult{}, err
	}
	return EventResult{Event: state, Position: res.Append.Position}, nil
}

// allocate takes n event ids.
func (h *Handlers) allocate(ctx context.Context, n int, meta eventlog.Metadata) (int64, error) {
	ids, err := h.seqs.AllocateIDs(ctx, calendar.EventSequence, int64(n), "", meta)
	if err != nil {
		return 0, err
	}
	return ids.First, nil
}

func later(a, b eventlog.Position) eventlog.Position {
	if a.Less(b) {
		return b
	}
	return a
}
