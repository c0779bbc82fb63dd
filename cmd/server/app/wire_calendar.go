package app

import (
	"context"
	"time"

	calendarcmd "github.com/fiveapis/backend/commands/calendar"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
	calendarproj "github.com/fiveapis/backend/projections/calendar"
	calendarq "github.com/fiveapis/backend/queries/calendar"
	"github.com/fiveapis/backend/transport/httpapi"
	calendarhttp "github.com/fiveapis/backend/transport/httpapi/ralendar/calendar"
	"github.com/fiveapis/backend/transport/mail"
)

// CalendarReminderMailName is the name (checkpoint key) of the mail
// reaction that sends Ralendar's event reminders.
const CalendarReminderMailName = "mail_calendar_reminders"

// wireCalendar builds Ralendar's calendar (000, /api/events/…): the
// projector, the routes, the china-holidays calendar (made at the first
// start), the reminder job (CalendarReminderDue once per
// start time) and the mail reaction that sends the reminders.
func wireCalendar(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "calendar", Events: calendar.Events(), Projectors: calendarproj.All()}
	cmds := calendarcmd.New(p.Runner, p.Clock)
	queries := calendarq.New(p.Pool)
	m.Jobs = cmds.Jobs(dueReminders{queries}, p.Config.Ralendar.ReminderInterval)
	m.Reactions = p.mailReaction(CalendarReminderMailName, mail.CalendarReminderFilter, mail.CalendarReminders(newContactDirectory(p)))
	m.Startup = []func(ctx context.Context) (eventlog.Position, error){cmds.EnsureHolidayCalendar}
	m.Routes = []httpapi.Routes{calendarhttp.New(calendarhttp.Deps{Commands: cmds, Queries: queries, Clock: p.Clock})}
	return m, nil
}

// dueReminders adapts the calendar read model to the reminder job's port.
type dueReminders struct{ q *calendarq.Queries }

func (d dueReminders) DueReminders(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	return d.q.DueReminders(ctx, now, calendar.ReminderGrace, limit)
}
