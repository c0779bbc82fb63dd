package tripshttp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	calendarcmd "github.com/fiveapis/backend/commands/calendar"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/trips"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// Calendar is Ralendar's trip-linked batch (calendarcmd.Handlers): in one
// deployment Roamio and Ralendar share the identity, so a trip syncs into
// the caller's own calendar.
type Calendar interface {
	SyncTripEvents(ctx context.Context, cmd calendarcmd.SyncTripEvents) (calendarcmd.BatchResult, error)
}

// SourceApp marks the calendar events a trip sync makes.
const SourceApp = "roamio"

// The source ids of synced events: an itinerary item's (item-<id>) and the
// n-th event of the client's sync-ai-trip list (ai-<n>).
const (
	itemSource = "item-"
	aiSource   = "ai-"
)

// mayEdit is the author's (or an admin's) right on a visible trip: 403 for
// others.
func mayEdit(a access.Actor, t tripsq.Trip) error {
	if !a.Owns(t.AuthorID) && !a.Admin {
		return access.ErrForbidden
	}
	return nil
}

// itemDetails turns an itinerary item into calendar details (ok false: it
// has no time, so it cannot be put in a calendar).
func itemDetails(tripTitle string, it tripsq.Item) (calendar.Details, bool) {
	if it.EventTime == nil {
		return calendar.Details{}, false
	}
	d := calendar.Details{Title: it.Title, Description: it.Description, StartTime: it.EventTime.UTC()}
	if d.Description == "" {
		d.Description = "来自旅行:" + tripTitle
	}
	var loc struct {
		Name string   `json:"name"`
		Lat  *float64 `json:"lat"`
		Lng  *float64 `json:"lng"`
	}
	if json.Unmarshal(it.Location, &loc) == nil {
		d.Location, d.Latitude, d.Longitude = loc.Name, loc.Lat, loc.Lng
	}
	var rem struct {
		Enabled bool   `json:"enabled"`
		Time    any    `json:"time"`
		Method  string `json:"method"`
	}
	if json.Unmarshal(it.Reminder, &rem) == nil && rem.Enabled {
		m := minutesOf(rem.Time)
		if slices.Contains(calendar.ReminderChoices, m) {
			d.ReminderMinutes = m
		} else {
			d.ReminderMinutes = 30
		}
		d.EmailReminder = rem.Method == "" || rem.Method == "email"
	}
	return d, true
}

func minutesOf(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

// syncItems puts the trip's timed items into the caller's calendar;
// skipped counts the items without a time. complete says items are the
// whole itinerary (the events of removed items are deleted).
func (h *Handlers) syncItems(c echo.Context, t tripsq.Trip, items []tripsq.Item, complete bool) (calendarcmd.BatchResult, int, error) {
	var sync []calendarcmd.TripItem
	var keep []string
	for _, it := range items {
		src := itemSource + strconv.FormatInt(it.ID, 10)
		d, ok := itemDetails(t.Title, it)
		if !ok {
			keep = append(keep, src)
			continue
		}
		sync = append(sync, calendarcmd.TripItem{SourceID: src, Details: d})
	}
	cmd := calendarcmd.SyncTripEvents{Actor: httpapi.Actor(c), TripSlug: t.Slug, SourceApp: SourceApp, Items: sync,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}
	if complete {
		// The whole itinerary: the event of an item removed since the last
		// sync is deleted; an item that lost its time keeps its event.
		cmd.Complete, cmd.Keep = itemSource, keep
	} else if len(sync) == 0 {
		return calendarcmd.BatchResult{}, len(keep), nil
	}
	res, err := h.d.Calendar.SyncTripEvents(c.Request().Context(), cmd)
	return res, len(keep), err
}

type syncedJSON struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	StartTime string `json:"start_time"`
}

func syncedOf(res calendarcmd.BatchResult) []syncedJSON {
	out := make([]syncedJSON, 0, len(res.Events))
	for _, e := range res.Events {
		out = append(out, syncedJSON{ID: e.Event.ID, Title: e.Event.Details.Title, StartTime: e.Event.Details.StartTime.UTC().Format(time.RFC3339)})
	}
	return out
}

// syncToCalendar: POST /trips/{slug}/sync-to-calendar/ {create_events,
// calendar_api_base} (the seed) → {success, synced_events, synced_count,
// skipped_count}: the trip's timed itinerary items as events of the
// caller's calendar linked by related_trip_slug; syncing again updates
// them instead of duplicating. calendar_api_base is not followed: the
// calendar is this deployment's.
func (h *Handlers) syncToCalendar(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	if err := mayEdit(httpapi.Actor(c), t); err != nil {
		return err
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	if v, ok := b["create_events"]; ok && string(v) == "false" {
		return c.JSON(http.StatusOK, map[string]any{"success": true, "synced_events": []syncedJSON{}, "synced_count": 0})
	}
	items, err := h.d.Queries.Items(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	res, skipped, err := h.syncItems(c, t, items, true)
	if err != nil {
		return err
	}
	synced := syncedOf(res)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "synced_events": synced, "synced_count": len(synced),
		"synced_events_count": len(synced), "skipped_count": skipped})
}

// syncAITrip: POST /ralendar/trips/{slug}/sync-ai-trip/ {events: [{title,
// description, start_time, end_time, reminder_minutes, email_reminder,
// location, latitude, longitude}]} (the web client) → {code: 200, data:
// {synced_count, failed_count}}. The client's events carry no ids: the
// n-th event of a trip is the same calendar event at every sync, so a
// changed plan updates it.
func (h *Handlers) syncAITrip(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return clientError(c, err)
	}
	if err := mayEdit(httpapi.Actor(c), t); err != nil {
		return clientError(c, err)
	}
	b, err := readBody(c)
	if err != nil {
		return clientError(c, err)
	}
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(b["events"], &raws); err != nil || len(raws) == 0 {
		return clientError(c, drf.FieldErrors{"events": {"Expected a non-empty list of events."}})
	}
	var items []calendarcmd.TripItem
	var keep []string
	for i, raw := range raws {
		src := aiSource + strconv.Itoa(i)
		d, ok := aiDetails(raw)
		if !ok {
			keep = append(keep, src)
			continue
		}
		items = append(items, calendarcmd.TripItem{SourceID: src, Details: d})
	}
	// The list is the whole plan: a shorter list deletes the events of the
	// positions it no longer has; an unreadable event keeps its old one.
	res, err := h.d.Calendar.SyncTripEvents(c.Request().Context(), calendarcmd.SyncTripEvents{Actor: httpapi.Actor(c),
		TripSlug: t.Slug, SourceApp: SourceApp, Items: items, Complete: aiSource, Keep: keep, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return clientError(c, err)
	}
	synced, failed := len(res.Events), len(keep)
	return c.JSON(http.StatusOK, map[string]any{"code": 200, "message": "同步成功",
		"data": map[string]any{"synced_count": synced, "failed_count": failed}})
}

func aiDetails(raw map[string]json.RawMessage) (calendar.Details, bool) {
	var d calendar.Details
	var title, desc, start, end, location string
	_ = json.Unmarshal(raw["title"], &title)
	_ = json.Unmarshal(raw["description"], &desc)
	_ = json.Unmarshal(raw["start_time"], &start)
	_ = json.Unmarshal(raw["end_time"], &end)
	_ = json.Unmarshal(raw["location"], &location)
	st, ok := parseTime(start)
	if !ok || title == "" {
		return d, false
	}
	d = calendar.Details{Title: title, Description: desc, StartTime: st, Location: location}
	if et, ok := parseTime(end); ok && et.After(st) {
		d.EndTime = &et
	}
	var lat, lng float64
	if json.Unmarshal(raw["latitude"], &lat) == nil && raw["latitude"] != nil {
		d.Latitude = &lat
	}
	if json.Unmarshal(raw["longitude"], &lng) == nil && raw["longitude"] != nil {
		d.Longitude = &lng
	}
	var minutes int
	if json.Unmarshal(raw["reminder_minutes"], &minutes) == nil && slices.Contains(calendar.ReminderChoices, minutes) {
		d.ReminderMinutes = minutes
	}
	var email bool
	if json.Unmarshal(raw["email_reminder"], &email) == nil {
		d.EmailReminder = email
	}
	return d, true
}

// clientError answers the web client's Ralendar calls: it reads code,
// error and message; a bad input names its fields in details.
func clientError(c echo.Context, err error) error {
	if handled, rerr := roamio.RenderRalendar(c, err); handled {
		return rerr
	}
	status, code, msg := http.StatusBadRequest, "INVALID_INPUT", "请求无效"
	var details drf.FieldErrors
	switch {
	case errors.Is(err, trips.ErrTripNotFound):
		status, code, msg = http.StatusNotFound, "NOT_FOUND", "旅行不存在"
	case errors.Is(err, access.ErrForbidden):
		status, code, msg = http.StatusForbidden, "FORBIDDEN", "只有作者可以同步"
	default:
		fields, ok := drf.FieldsOf(err)
		if !ok {
			return err
		}
		details = fields
	}
	out := map[string]any{"code": code, "error": msg, "message": msg}
	if details != nil {
		out["details"] = details
	}
	return c.JSON(status, out)
}

// syncItem: POST /trip-plans/{id}/events/{eid}/sync_to_ralendar/ → {status,
// message, ralendar_event_id}: one item into the caller's calendar.
func (h *Handlers) syncItem(c echo.Context) error {
	t, id, err := h.itemOf(c)
	if err != nil {
		return err
	}
	if err := mayEdit(httpapi.Actor(c), t); err != nil {
		return trips.ErrEventNotFound
	}
	it, err := h.d.Queries.ItemByID(c.Request().Context(), t.ID, id)
	if errors.Is(err, tripsq.ErrNotFound) {
		return trips.ErrEventNotFound
	}
	if err != nil {
		return err
	}
	if it.EventTime == nil {
		return drf.FieldErrors{"event_time": {"The event has no time to put in a calendar."}}
	}
	res, _, err := h.syncItems(c, t, []tripsq.Item{it}, false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "success", "message": "已同步到 Ralendar",
		"ralendar_event_id": res.Events[0].Event.ID})
}
