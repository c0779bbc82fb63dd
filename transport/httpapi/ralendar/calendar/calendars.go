package calendar

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	calendarcmd "github.com/fiveapis/backend/commands/calendar"
	"github.com/fiveapis/backend/domain/calendar"
	calendarq "github.com/fiveapis/backend/queries/calendar"
	chinesecalq "github.com/fiveapis/backend/queries/chinesecal"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

type calendarJSON struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	URLSlug          string `json:"url_slug"`
	Description      string `json:"description"`
	IsPublic         bool   `json:"is_public"`
	CreatedBy        *int64 `json:"created_by"`
	EventsCount      int    `json:"events_count"`
	SubscribersCount int    `json:"subscribers_count"`
	IsSubscribed     bool   `json:"is_subscribed"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
}

func (h *Handlers) calendarToJSON(c calendarq.Calendar) calendarJSON {
	out := calendarJSON{ID: c.ID, Name: c.Name, URLSlug: c.URLSlug, Description: c.Description, IsPublic: c.IsPublic,
		EventsCount: c.EventsCount, SubscribersCount: c.SubscribersCount, IsSubscribed: c.Subscribed,
		CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt)}
	if c.OwnerID != 0 {
		out.CreatedBy = &c.OwnerID
	}
	if c.URLSlug == calendar.HolidaysSlug {
		out.EventsCount += len(chinesecalq.HolidaysOf(h.d.Clock.Now().In(calendar.Zone).Year()))
	}
	return out
}

// calendarOf reads the calendar the path names (id or url_slug) as the
// caller may see it.
func (h *Handlers) calendarOf(c echo.Context) (calendarq.Calendar, error) {
	a := httpapi.Actor(c)
	cal, err := h.d.Queries.GetCalendar(c.Request().Context(), c.Param("id"), a.UserID, a.Admin)
	if errors.Is(err, calendarq.ErrNotFound) {
		return cal, errNotFound
	}
	return cal, err
}

// listCalendars: GET /api/calendars/ → the public calendars (and the
// caller's own), a bare list as the seed answers.
func (h *Handlers) listCalendars(c echo.Context) error {
	a := httpapi.Actor(c)
	cals, err := h.d.Queries.ListCalendars(c.Request().Context(), a.UserID, a.Admin)
	if err != nil {
		return err
	}
	out := make([]calendarJSON, 0, len(cals))
	for _, cal := range cals {
		out = append(out, h.calendarToJSON(cal))
	}
	return c.JSON(http.StatusOK, out)
}

// getCalendar: GET /api/calendars/{id or url_slug}/.
func (h *Handlers) getCalendar(c echo.Context) error {
	cal, err := h.calendarOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.calendarToJSON(cal))
}

func readInfo(f drf.Form, info *calendar.CalendarInfo, partial bool, errs drf.FieldErrors) {
	if f.Has("name") || !partial {
		if s, ok := f.Str("name", errs, false); ok {
			info.Name = s
		}
	}
	if f.Has("description") && !f.IsNull("description") {
		if s, ok := f.Str("description", errs, true); ok {
			info.Description = s
		}
	}
	if f.Has("is_public") {
		if b, ok := readBool(f, "is_public", errs); ok {
			info.IsPublic = b
		}
	}
}

// createCalendar: POST /api/calendars/ {name, url_slug, description?,
// is_public?} → 201 with the calendar.
func (h *Handlers) createCalendar(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	info := calendar.CalendarInfo{IsPublic: true}
	readInfo(f, &info, false, errs)
	slug, _ := f.Str("url_slug", errs, false)
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.CreateCalendar(c.Request().Context(), calendarcmd.CreateCalendar{Actor: httpapi.Actor(c),
		URLSlug: strings.TrimSpace(slug), Info: info, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return h.answerCalendar(c, http.StatusCreated, res.Calendar)
}

func (h *Handlers) answerCalendar(c echo.Context, status int, cal calendar.PublicCalendar) error {
	httpapi.Settle(c)
	a := httpapi.Actor(c)
	got, err := h.d.Queries.GetCalendar(c.Request().Context(), cal.URLSlug, a.UserID, true)
	if errors.Is(err, calendarq.ErrNotFound) {
		now := h.d.Clock.Now()
		got = calendarq.Calendar{ID: cal.ID, OwnerID: cal.OwnerID, URLSlug: cal.URLSlug, Name: cal.Info.Name,
			Description: cal.Info.Description, IsPublic: cal.Info.IsPublic, CreatedAt: now, UpdatedAt: now}
	} else if err != nil {
		return err
	}
	return c.JSON(status, h.calendarToJSON(got))
}

// updateCalendar: PUT or PATCH /api/calendars/{id}/ by its owner or an
// admin (url_slug stays).
func (h *Handlers) updateCalendar(partial bool) httpapi.Handler {
	return func(c echo.Context) error {
		cal, err := h.calendarOf(c)
		if err != nil {
			return err
		}
		f, err := drf.ReadForm(c)
		if err != nil {
			return err
		}
		errs := drf.FieldErrors{}
		probe := calendar.CalendarInfo{}
		readInfo(f, &probe, partial, errs)
		if err := errs.Err(); err != nil {
			return err
		}
		res, err := h.d.Commands.ChangeCalendar(c.Request().Context(), calendarcmd.ChangeCalendar{Actor: httpapi.Actor(c), CalendarID: cal.ID,
			Edit: func(info *calendar.CalendarInfo) { readInfo(f, info, partial, drf.FieldErrors{}) }, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
		if err != nil {
			return err
		}
		return h.answerCalendar(c, http.StatusOK, res.Calendar)
	}
}

// deleteCalendar: DELETE /api/calendars/{id}/ by its owner or an admin →
// 204.
func (h *Handlers) deleteCalendar(c echo.Context) error {
	cal, err := h.calendarOf(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.DeleteCalendar(c.Request().Context(), calendarcmd.CalendarCommand{Actor: httpapi.Actor(c), CalendarID: cal.ID,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// subscribe: POST /api/calendars/{id}/subscribe/ → {success, message,
// synced_events_count}.
func (h *Handlers) subscribe(c echo.Context) error {
	cal, err := h.calendarOf(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.Subscribe(c.Request().Context(), calendarcmd.CalendarCommand{Actor: httpapi.Actor(c), CalendarID: cal.ID,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "订阅成功", "synced_events_count": h.calendarToJSON(cal).EventsCount})
}

// unsubscribe: POST (or DELETE) /api/calendars/{id}/unsubscribe/ →
// {success, message}.
func (h *Handlers) unsubscribe(c echo.Context) error {
	cal, err := h.calendarOf(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.Unsubscribe(c.Request().Context(), calendarcmd.CalendarCommand{Actor: httpapi.Actor(c), CalendarID: cal.ID,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "已取消订阅"})
}

// calendarEvents: GET /api/calendars/{id or url_slug}/events/?start=&end=
// → the calendar's events (china-holidays: the official arrangement's
// days), a bare list.
func (h *Handlers) calendarEvents(c echo.Context) error {
	cal, err := h.calendarOf(c)
	if err != nil {
		return err
	}
	from, to, err := listRange(c)
	if err != nil {
		return err
	}
	events, err := h.d.Queries.CalendarEvents(c.Request().Context(), cal.ID, from, to, 1000)
	if err != nil {
		return err
	}
	if cal.URLSlug == calendar.HolidaysSlug {
		events = mergeByStart(events, holidayEvents(cal.ID, from, to, h.d.Clock.Now()), false)
	}
	out := make([]eventJSON, 0, len(events))
	for _, e := range events {
		out = append(out, toJSON(e))
	}
	return c.JSON(http.StatusOK, out)
}

// addCalendarEvent: POST /api/calendars/{id}/events/ by the calendar's
// owner or an admin → 201 with the event.
func (h *Handlers) addCalendarEvent(c echo.Context) error {
	cal, err := h.calendarOf(c)
	if err != nil {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	d := newDetails()
	d.EmailReminder = false
	readDetails(f, &d, false, errs)
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.CreateCalendarEvent(c.Request().Context(), calendarcmd.CreateCalendarEvent{Actor: httpapi.Actor(c),
		CalendarID: cal.ID, Details: d, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return h.answer(c, http.StatusCreated, res.Event)
}

// holidayEvents are the days of China's official arrangement in [from, to)
// as events of the china-holidays calendar (ids: minus the date's
// yyyymmdd), at most three years around now when the range is open.
func holidayEvents(calendarID int64, from, to *time.Time, now time.Time) []calendarq.Event {
	lo, hi := now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0)
	if from != nil {
		lo = *from
	}
	if to != nil {
		hi = *to
	}
	if hi.Sub(lo) > 3*366*24*time.Hour {
		hi = lo.AddDate(3, 0, 0)
	}
	var out []calendarq.Event
	for y := lo.In(calendar.Zone).Year(); y <= hi.In(calendar.Zone).Year(); y++ {
		for _, x := range chinesecalq.HolidaysOf(y) {
			day, err := time.ParseInLocation("2006-01-02", x.Date, calendar.Zone)
			if err != nil || !day.Add(24*time.Hour).After(lo) || !day.Before(hi) {
				continue
			}
			end := day.Add(24*time.Hour - time.Second)
			title := x.Name
			if x.Work {
				title += "（调休上班）"
			} else {
				title += "（放假）"
			}
			id := int64(-(day.Year()*10000 + int(day.Month())*100 + day.Day()))
			out = append(out, calendarq.Event{ID: id, Title: title, Description: "国务院办公厅节假日安排", StartTime: day, EndTime: &end,
				AllDay: true, MapProvider: calendar.MapProviders[0], CreatedAt: day, UpdatedAt: day, CalendarID: calendarID, IsPublicCalendar: true})
		}
	}
	return out
}
