package calendar

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/labstack/echo/v4"

	calendarcmd "github.com/fiveapis/backend/commands/calendar"
	"github.com/fiveapis/backend/domain/calendar"
	calendarq "github.com/fiveapis/backend/queries/calendar"
	"github.com/fiveapis/backend/transport/httpapi"
)

// The window of a feed: what Google Calendar, Apple Calendar and
// Thunderbird poll, from a quarter back to a year ahead.
const (
	feedBack     = 90 * 24 * time.Hour
	feedAhead    = 366 * 24 * time.Hour
	feedMaxItems = 2000
)

// renderFeed writes events as an RFC 5545 calendar (github.com/arran4/
// golang-ical): UTC times, all-day events as dates, the reminder of each
// of the owner's events as a VALARM.
func renderFeed(c echo.Context, name string, events []calendarq.Event, alarms bool, now time.Time) error {
	cal := ics.NewCalendarFor("Ralendar")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(name)
	cal.SetXWRTimezone("Asia/Shanghai")
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	host := strings.NewReplacer(":", "-", "/", "-").Replace(c.Request().Host)
	for _, e := range events {
		v := cal.AddEvent(fmt.Sprintf("ralendar-%d@%s", e.ID, host))
		v.SetDtStampTime(now.UTC())
		v.SetCreatedTime(e.CreatedAt.UTC())
		v.SetModifiedAt(e.UpdatedAt.UTC())
		if e.AllDay {
			day := e.StartTime.In(calendar.Zone)
			v.SetAllDayStartAt(day)
			end := day.AddDate(0, 0, 1)
			if e.EndTime != nil && e.EndTime.In(calendar.Zone).After(end) {
				end = e.EndTime.In(calendar.Zone).AddDate(0, 0, 1)
			}
			v.SetAllDayEndAt(end)
		} else {
			v.SetStartAt(e.StartTime.UTC())
			if e.EndTime != nil {
				v.SetEndAt(e.EndTime.UTC())
			}
		}
		v.SetSummary(e.Title)
		if e.Description != "" {
			v.SetDescription(e.Description)
		}
		if e.Location != "" {
			v.SetLocation(e.Location)
		}
		if e.Latitude != nil && e.Longitude != nil {
			ics.SetGeo(v, *e.Latitude, *e.Longitude)
			v.SetURL(MapURL(e.MapProvider, *e.Latitude, *e.Longitude, e.Title, e.Location))
		}
		if alarms && !e.IsPublicCalendar {
			a := v.AddAlarm()
			a.SetAction(ics.ActionDisplay)
			a.SetTrigger(fmt.Sprintf("-PT%dM", e.ReminderMinutes))
			a.SetProperty(ics.ComponentPropertyDescription, e.Title)
		}
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/calendar; charset=utf-8")
	c.Response().Header().Set("Cache-Control", "private, max-age=300")
	return c.String(http.StatusOK, cal.Serialize(ics.WithNewLineWindows))
}

// feedURL is the feed's address for a token.
func feedURL(c echo.Context, token string) string {
	return c.Scheme() + "://" + c.Request().Host + "/api/feeds/" + token + ".ics"
}

func digestOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newFeedToken: POST /api/feeds/token/ → {token, feed_url, webcal_url}: a
// new unguessable token for the caller's feed (256 random bits); the
// previous one stops working. Only its digest is kept.
func (h *Handlers) newFeedToken(c echo.Context) error {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("feed token: %w", err)
	}
	token := hex.EncodeToString(b)
	if _, err := h.d.Commands.SetFeedToken(c.Request().Context(), calendarcmd.SetFeedToken{Actor: httpapi.Actor(c), TokenDigest: digestOf(token),
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	u := feedURL(c, token)
	return c.JSON(http.StatusCreated, map[string]any{"token": token, "feed_url": u,
		"webcal_url": "webcal://" + strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")})
}

// revokeFeedToken: DELETE /api/feeds/token/ → 204; the feed's URL stops
// working.
func (h *Handlers) revokeFeedToken(c echo.Context) error {
	if _, err := h.d.Commands.RevokeFeed(c.Request().Context(), httpapi.Actor(c), httpapi.EventMeta(c, h.d.Clock.Now())); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// userFeed: GET /api/feeds/{token}.ics → the token owner's events (and
// those of the calendars they subscribe to) as iCalendar; an unknown or
// revoked token is 404.
func (h *Handlers) userFeed(c echo.Context) error {
	token := strings.TrimSuffix(c.Param("token"), ".ics")
	if len(token) != 64 {
		return errNotFound
	}
	uid, err := h.d.Queries.FeedOwner(c.Request().Context(), digestOf(token))
	if errors.Is(err, calendarq.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	now := h.d.Clock.Now()
	from, to := now.Add(-feedBack), now.Add(feedAhead)
	events, _, err := h.d.Queries.ListEvents(c.Request().Context(), calendarq.ListEvents{UserID: uid, From: &from, To: &to, Limit: feedMaxItems})
	if err != nil {
		return err
	}
	subscribed, err := h.d.Queries.Subscribes(c.Request().Context(), uid, calendar.HolidaysSlug)
	if err != nil {
		return err
	}
	if subscribed {
		events = mergeByStart(events, holidayEvents(h.holidayCalendarID(c), &from, &to, now), false)
	}
	return renderFeed(c, "Ralendar", events, true, now)
}

// calendarFeed: GET /api/calendars/{id or url_slug}/feed/ → the public
// calendar as iCalendar (no alarms: they are each subscriber's own).
func (h *Handlers) calendarFeed(c echo.Context) error {
	cal, err := h.calendarOf(c)
	if err != nil {
		return err
	}
	now := h.d.Clock.Now()
	from, to := now.Add(-feedBack), now.Add(feedAhead)
	events, err := h.d.Queries.CalendarEvents(c.Request().Context(), cal.ID, &from, &to, feedMaxItems)
	if err != nil {
		return err
	}
	if cal.URLSlug == calendar.HolidaysSlug {
		events = mergeByStart(events, holidayEvents(cal.ID, &from, &to, now), false)
	}
	return renderFeed(c, cal.Name, events, false, now)
}
