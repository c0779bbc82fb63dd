package calendar_test

import (
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
)

func given(events ...eventlog.Event) calendar.Event {
	h := make([]eventlog.Envelope, len(events))
	for i, e := range events {
		h[i] = eventlog.Envelope{Event: e}
	}
	return calendar.EventFrom(h)
}

func TestReminders(t *testing.T) {
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	d := calendar.Details{Title: "t", StartTime: start, ReminderMinutes: 15, EmailReminder: true, MapProvider: calendar.MapAmap}
	created := calendar.CalendarEventCreated{EventID: 1, UserID: 7, Details: d}
	moved := func(to time.Time) calendar.CalendarEventChanged {
		d2 := d
		d2.StartTime = to
		return calendar.CalendarEventChanged{EventID: 1, UserID: 7, Details: d2}
	}
	due := calendar.CalendarReminderDue{EventID: 1, UserID: 7, StartTime: start}
	for _, c := range []struct {
		name  string
		given []eventlog.Event
		now   time.Time
		want  bool
	}{
		{"before its time", []eventlog.Event{created}, start.Add(-16 * time.Minute), false},
		{"at its time", []eventlog.Event{created}, start.Add(-15 * time.Minute), true},
		{"after the start, within the grace", []eventlog.Event{created}, start.Add(30 * time.Minute), true},
		{"long after the start", []eventlog.Event{created}, start.Add(2 * time.Hour), false},
		{"already due for this start", []eventlog.Event{created, due}, start, false},
		{"moved later after it was due: due again", []eventlog.Event{created, due, moved(start.Add(time.Hour))}, start.Add(50 * time.Minute), true},
		{"moved earlier after it was due: not again", []eventlog.Event{created, due, moved(start.Add(-time.Hour))}, start.Add(-70 * time.Minute), false},
		{"deleted", []eventlog.Event{created, calendar.CalendarEventDeleted{EventID: 1, UserID: 7}}, start, false},
		{"not mailed", []eventlog.Event{calendar.CalendarEventCreated{EventID: 1, UserID: 7, Details: func() calendar.Details { x := d; x.EmailReminder = false; return x }()}}, start, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := calendar.RemindIfDue(given(c.given...), c.now)
			if (got != nil) != c.want {
				t.Fatalf("RemindIfDue = %+v, want due %v", got, c.want)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	lat, lon, bad := 31.2, 121.5, 200.0
	before := start.Add(-time.Minute)
	for _, c := range []struct {
		name, field string
		edit        func(d *calendar.Details)
	}{
		{"no title", "title", func(d *calendar.Details) { d.Title = " " }},
		{"end before start", "end_time", func(d *calendar.Details) { d.EndTime = &before }},
		{"latitude alone", "longitude", func(d *calendar.Details) { d.Latitude = &lat }},
		{"longitude alone", "latitude", func(d *calendar.Details) { d.Longitude = &lon }},
		{"longitude out of range", "longitude", func(d *calendar.Details) { d.Latitude, d.Longitude = &lat, &bad }},
		{"reminder not a choice", "reminder_minutes", func(d *calendar.Details) { d.ReminderMinutes = 3 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := calendar.Details{Title: "t", StartTime: start, ReminderMinutes: 15, MapProvider: calendar.MapAmap}
			c.edit(&d)
			_, err := calendar.Create(1, 7, d, calendar.TripLink{}, start)
			if err == nil || !contains(err.Error(), c.field+":") {
				t.Fatalf("Create: %v, want a fault naming %s", err, c.field)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
