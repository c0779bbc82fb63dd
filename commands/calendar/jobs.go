package calendar

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
)

// DueReminders lists the events whose reminder may be due at now (the
// calendar read model answers it; each is decided again on its stream), at
// most limit.
type DueReminders interface {
	DueReminders(ctx context.Context, now time.Time, limit int) ([]int64, error)
}

// The reminder job: its name (checkpoint key), how often it looks by
// default and how many reminders it decides per run.
const (
	ReminderJob             = "calendar_reminders"
	DefaultReminderInterval = 30 * time.Second
	reminderBatch           = 500
)

// Jobs returns the module's periodic jobs: the reminder job, every
// interval, appends CalendarReminderDue for every event whose reminder is
// due (the mail reaction sends it).
func (h *Handlers) Jobs(due DueReminders, interval time.Duration) []eventlog.Job {
	if interval <= 0 {
		interval = DefaultReminderInterval
	}
	return []eventlog.Job{{
		Name:  ReminderJob,
		Every: interval,
		Run: func(ctx context.Context, now time.Time) error {
			_, err := h.SendDueReminders(ctx, due, now)
			return err
		},
	}}
}

// SendDueReminders decides the reminders due at now; it returns how many
// it appended. Each is decided on its event's stream with the version read,
// so however many processes or runs look at once, a reminder is due once per
// start time.
func (h *Handlers) SendDueReminders(ctx context.Context, due DueReminders, now time.Time) (int, error) {
	ids, err := due.DueReminders(ctx, now, reminderBatch)
	if err != nil {
		return 0, fmt.Errorf("calendar reminders: list due: %w", err)
	}
	var errs []error
	sent := 0
	for _, id := range ids {
		meta := eventlog.Metadata{CorrelationID: "calendar-reminders", OccurredAt: now.UTC()}
		res, err := h.runner.Execute(ctx, calendar.EventStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
			if r := calendar.RemindIfDue(calendar.EventFrom(history), now.UTC()); r != nil {
				return []eventlog.Event{*r}, nil
			}
			return nil, nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("calendar reminders: event %d: %w", id, err))
			continue
		}
		sent += len(res.Events)
	}
	return sent, errors.Join(errs...)
}
