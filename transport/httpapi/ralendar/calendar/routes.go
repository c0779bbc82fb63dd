// Package calendar serves Ralendar's calendar routes under /api/: events
// (CRUD, range lists, batches, the trip link), public calendars and
// subscriptions, iCalendar feeds, lunar dates and China's holidays. Its dialect is the Ralendar
// package's (errors.go there: DRF's field errors and details).
package calendar

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	calendarcmd "github.com/fiveapis/backend/commands/calendar"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	calendarq "github.com/fiveapis/backend/queries/calendar"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
	"github.com/fiveapis/backend/transport/httpapi/ralendar"
)

// Commands are the calendar commands the routes issue.
type Commands interface {
	CreateEvent(ctx context.Context, cmd calendarcmd.CreateEvent) (calendarcmd.EventResult, error)
	CreateEvents(ctx context.Context, cmd calendarcmd.CreateEvents) (calendarcmd.BatchResult, error)
	SyncTripEvents(ctx context.Context, cmd calendarcmd.SyncTripEvents) (calendarcmd.BatchResult, error)
	UpdateEvent(ctx context.Context, cmd calendarcmd.UpdateEvent) (calendarcmd.EventResult, error)
	LinkTrip(ctx context.Context, cmd calendarcmd.LinkTrip) (calendarcmd.EventResult, error)
	DeleteEvent(ctx context.Context, cmd calendarcmd.DeleteEvent) (calendarcmd.EventResult, error)
	CreateCalendar(ctx context.Context, cmd calendarcmd.CreateCalendar) (calendarcmd.CalendarResult, error)
	ChangeCalendar(ctx context.Context, cmd calendarcmd.ChangeCalendar) (calendarcmd.CalendarResult, error)
	DeleteCalendar(ctx context.Context, cmd calendarcmd.CalendarCommand) (calendarcmd.CalendarResult, error)
	Subscribe(ctx context.Context, cmd calendarcmd.CalendarCommand) (calendarcmd.CalendarResult, error)
	Unsubscribe(ctx context.Context, cmd calendarcmd.CalendarCommand) (calendarcmd.CalendarResult, error)
	CreateCalendarEvent(ctx context.Context, cmd calendarcmd.CreateCalendarEvent) (calendarcmd.EventResult, error)
	SetFeedToken(ctx context.Context, cmd calendarcmd.SetFeedToken) (eventlog.Position, error)
	RevokeFeed(ctx context.Context, actor access.Actor, meta eventlog.Metadata) (eventlog.Position, error)
}

// Queries are the calendar queries the routes answer from.
type Queries interface {
	GetEvent(ctx context.Context, userID, id int64) (calendarq.Event, error)
	ListEvents(ctx context.Context, l calendarq.ListEvents) ([]calendarq.Event, int, error)
	ListCalendars(ctx context.Context, viewer int64, admin bool) ([]calendarq.Calendar, error)
	GetCalendar(ctx context.Context, key string, viewer int64, admin bool) (calendarq.Calendar, error)
	CalendarEvents(ctx context.Context, calendarID int64, from, to *time.Time, limit int) ([]calendarq.Event, error)
	Subscribes(ctx context.Context, userID int64, slug string) (bool, error)
	FeedOwner(ctx context.Context, digest string) (int64, error)
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	Clock    Clock
}

// Handlers serves the calendar routes.
type Handlers struct{ d Deps }

// New returns the handlers.
func New(d Deps) *Handlers { return &Handlers{d: d} }

// Mount implements httpapi.Routes: every route with its middleware, each
// with and without its trailing slash.
func (h *Handlers) Mount(e *echo.Echo) {
	r := httpapi.NewRouter(e, ralendar.Prefix, ralendar.Render)
	user := r.With(identityauth.User)
	user.GET("/events/", h.list)
	user.POST("/events/", h.create)
	user.POST("/events/batch/", h.batch)
	user.GET("/events/:id/", h.get)
	user.PUT("/events/:id/", h.update(false))
	user.PATCH("/events/:id/", h.update(true))
	user.DELETE("/events/:id/", h.remove)
	user.PATCH("/events/:id/link-trip/", h.linkTrip)
	r.GET("/calendars/", h.listCalendars)
	user.POST("/calendars/", h.createCalendar)
	r.GET("/calendars/:id/", h.getCalendar)
	user.PUT("/calendars/:id/", h.updateCalendar(false))
	user.PATCH("/calendars/:id/", h.updateCalendar(true))
	user.DELETE("/calendars/:id/", h.deleteCalendar)
	user.POST("/calendars/:id/subscribe/", h.subscribe)
	user.POST("/calendars/:id/unsubscribe/", h.unsubscribe)
	user.DELETE("/calendars/:id/subscribe/", h.unsubscribe)
	r.GET("/calendars/:id/events/", h.calendarEvents)
	user.POST("/calendars/:id/events/", h.addCalendarEvent)
	r.GET("/calendars/:id/feed/", h.calendarFeed)
	user.POST("/feeds/token/", h.newFeedToken)
	user.DELETE("/feeds/token/", h.revokeFeedToken)
	r.GET("/feeds/:token", h.userFeed)
	r.GET("/lunar/", h.lunar)
	r.GET("/holidays/", h.holidays)
	r.GET("/holidays/check/", h.checkHoliday)
	r.GET("/holidays/today/", h.today)
}
