package calendar

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	calendarcmd "github.com/fiveapis/backend/commands/calendar"
	"github.com/fiveapis/backend/domain/calendar"
	calendarq "github.com/fiveapis/backend/queries/calendar"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// Pages of the event list: DRF's PageNumberPagination as the seed sets it.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

var errNotFound = drf.Refusal{Status: http.StatusNotFound, Detail: "Not found."}

// eventID reads the path's id; one that cannot be an event's is not found.
func eventID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// answer renders the event a command left, read back from the read model
// once it has it (its timestamps), or as the command left it.
func (h *Handlers) answer(c echo.Context, status int, ev calendar.Event) error {
	httpapi.Settle(c)
	got, err := h.d.Queries.GetEvent(c.Request().Context(), ev.UserID, ev.ID)
	if errors.Is(err, calendarq.ErrNotFound) {
		now := h.d.Clock.Now()
		got = fromState(ev, now, now)
	} else if err != nil {
		return err
	}
	return c.JSON(status, toJSON(got))
}

// create: POST /api/events/ → 201 with the event.
func (h *Handlers) create(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	d := newDetails()
	readDetails(f, &d, false, errs)
	link := readLink(f, errs)
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.CreateEvent(c.Request().Context(), calendarcmd.CreateEvent{Actor: httpapi.Actor(c), Details: d, Link: link,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !res.Created {
		status = http.StatusOK // a trip item synced again: its event updated
	}
	return h.answer(c, status, res.Event)
}

// batch: POST /api/events/batch/ {events: [...], related_trip_slug?,
// source_app?, complete?, keep?} → 201 {success, created_count,
// updated_count, events, removed}. The top-level trip link applies to
// every item that names none. complete (a source_id prefix, with
// related_trip_slug) says the batch is the whole trip for that prefix: the
// trip sync (calendarcmd.SyncTripEvents) then deletes the events it made
// earlier for source ids under the prefix that are neither in the batch
// nor in keep (Roamio's sync to a bound account of another deployment).
func (h *Handlers) batch(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	common := readLink(f, errs)
	raw, ok := f.Value("events")
	list, isList := raw.([]any)
	if !ok || !isList {
		errs.Add("events", "Expected a list of items.")
		return errs
	}
	complete, keep := readComplete(f, common, errs)
	items := make([]calendarcmd.NewEvent, 0, len(list))
	for i, v := range list {
		if _, isObj := v.(map[string]any); !isObj {
			errs.Add(itemField(i, "non_field_errors"), "Invalid data. Expected a dictionary.")
			continue
		}
		b, _ := json.Marshal(v)
		item, err := drf.FormOf(b)
		if err != nil {
			errs.Add(itemField(i, "non_field_errors"), "Invalid data. Expected a dictionary.")
			continue
		}
		sub := drf.FieldErrors{}
		d := newDetails()
		readDetails(item, &d, false, sub)
		link := readLink(item, sub)
		if link.TripSlug == "" {
			link.TripSlug = common.TripSlug
		}
		if link.SourceApp == "" {
			link.SourceApp = common.SourceApp
		}
		for field, msgs := range sub {
			for _, m := range msgs {
				errs.Add(itemField(i, field), m)
			}
		}
		items = append(items, calendarcmd.NewEvent{Details: d, Link: link})
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if complete != "" {
		return h.syncTrip(c, common, complete, keep, items)
	}
	res, err := h.d.Commands.CreateEvents(c.Request().Context(), calendarcmd.CreateEvents{Actor: httpapi.Actor(c), Events: items,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	out, created, err := h.answerEvents(c, res.Events)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"success": true, "created_count": created, "updated_count": len(res.Events) - created,
		"synced_count": len(res.Events), "events": out})
}

// maxKeep bounds the source ids a complete batch keeps.
const maxKeep = 1000

// readComplete reads a batch's complete and keep.
func readComplete(f drf.Form, common calendar.TripLink, errs drf.FieldErrors) (string, []string) {
	if !f.Has("complete") || f.IsNull("complete") {
		return "", nil
	}
	complete, _ := f.Str("complete", errs, false)
	if len(complete) > 64 {
		errs.Add("complete", "Ensure this field has no more than 64 characters.")
	}
	if common.TripSlug == "" {
		errs.Add("related_trip_slug", "This field is required with complete.")
	}
	var keep []string
	if raw, ok := f.Value("keep"); ok && raw != nil {
		list, isList := raw.([]any)
		if !isList || len(list) > maxKeep {
			errs.Add("keep", "Expected a list of source ids.")
			return complete, nil
		}
		for _, v := range list {
			s, isStr := v.(string)
			if !isStr || len(s) > 200 {
				errs.Add("keep", "Expected a list of source ids.")
				return complete, nil
			}
			keep = append(keep, s)
		}
	}
	return complete, keep
}

// syncTrip is a complete batch: one trip sync of every item.
func (h *Handlers) syncTrip(c echo.Context, link calendar.TripLink, complete string, keep []string, items []calendarcmd.NewEvent) error {
	sync := make([]calendarcmd.TripItem, 0, len(items))
	errs := drf.FieldErrors{}
	for i, it := range items {
		if it.Link.TripSlug != link.TripSlug || !strings.HasPrefix(it.Link.SourceID, complete) {
			errs.Add(itemField(i, "source_id"), "Every item of a complete batch belongs to the trip and has a source_id under complete.")
		}
		sync = append(sync, calendarcmd.TripItem{SourceID: it.Link.SourceID, Details: it.Details})
	}
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.SyncTripEvents(c.Request().Context(), calendarcmd.SyncTripEvents{Actor: httpapi.Actor(c), TripSlug: link.TripSlug,
		SourceApp: link.SourceApp, Items: sync, Complete: complete, Keep: keep, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	out, created, err := h.answerEvents(c, res.Events)
	if err != nil {
		return err
	}
	removed := res.Removed
	if removed == nil {
		removed = []int64{}
	}
	return c.JSON(http.StatusCreated, map[string]any{"success": true, "created_count": created, "updated_count": len(res.Events) - created,
		"synced_count": len(res.Events), "events": out, "removed": removed})
}

// get: GET /api/events/{id}/ → the caller's event (others: 404).
func (h *Handlers) get(c echo.Context) error {
	id, err := eventID(c)
	if err != nil {
		return err
	}
	ev, err := h.d.Queries.GetEvent(c.Request().Context(), httpapi.Actor(c).UserID, id)
	if errors.Is(err, calendarq.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(ev))
}

// update: PUT (title and start_time required) or PATCH /api/events/{id}/
// → the event. Fields the request does not name keep their value (DRF's
// update).
func (h *Handlers) update(partial bool) httpapi.Handler {
	return func(c echo.Context) error {
		id, err := eventID(c)
		if err != nil {
			return err
		}
		f, err := drf.ReadForm(c)
		if err != nil {
			return err
		}
		// Validate the request's own shape first (types, formats).
		errs := drf.FieldErrors{}
		probe := newDetails()
		readDetails(f, &probe, partial, errs)
		if err := errs.Err(); err != nil {
			return err
		}
		res, err := h.d.Commands.UpdateEvent(c.Request().Context(), calendarcmd.UpdateEvent{Actor: httpapi.Actor(c), EventID: id,
			Edit: func(d *calendar.Details) { readDetails(f, d, partial, drf.FieldErrors{}) },
			Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
		if err != nil {
			return err
		}
		return h.answer(c, http.StatusOK, res.Event)
	}
}

// remove: DELETE /api/events/{id}/ → 204.
func (h *Handlers) remove(c echo.Context) error {
	id, err := eventID(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.DeleteEvent(c.Request().Context(), calendarcmd.DeleteEvent{Actor: httpapi.Actor(c), EventID: id,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// linkTrip: PATCH /api/events/{id}/link-trip/ {trip_slug or
// related_trip_slug, source_app?, source_id?, roamio_api_base?} →
// {success, event_id, trip_slug, linked}. An empty slug unlinks.
func (h *Handlers) linkTrip(c echo.Context) error {
	id, err := eventID(c)
	if err != nil {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	link := readLink(f, errs)
	if !f.Has("trip_slug") && !f.Has("related_trip_slug") {
		errs.Add("trip_slug", "This field is required.")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if link.TripSlug != "" && link.SourceApp == "" {
		link.SourceApp = "roamio"
	}
	if link.TripSlug == "" {
		link = calendar.TripLink{}
	}
	res, err := h.d.Commands.LinkTrip(c.Request().Context(), calendarcmd.LinkTrip{Actor: httpapi.Actor(c), EventID: id, Link: link,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "event_id": res.Event.ID, "trip_slug": optString(res.Event.Link.TripSlug),
		"linked": res.Event.Link.TripSlug != ""})
}

// holidayCalendarID is the id of china-holidays (0 when it cannot be read:
// the days are still listed).
func (h *Handlers) holidayCalendarID(c echo.Context) int64 {
	cal, err := h.d.Queries.GetCalendar(c.Request().Context(), calendar.HolidaysSlug, 0, false)
	if err != nil {
		return 0
	}
	return cal.ID
}

// listRange reads the range of a list: ?start=&end= (or start_date,
// end_date, start_time, end_time, from, to), or ?date= for one day.
func listRange(c echo.Context) (from, to *time.Time, err error) {
	if from, err = rangeParam(c, false, "start", "start_date", "start_time", "from"); err != nil {
		return nil, nil, err
	}
	if to, err = rangeParam(c, true, "end", "end_date", "end_time", "to"); err != nil {
		return nil, nil, err
	}
	if s := c.QueryParam("date"); s != "" && from == nil && to == nil {
		if from, err = rangeParam(c, false, "date"); err != nil {
			return nil, nil, err
		}
		if to, err = rangeParam(c, true, "date"); err != nil {
			return nil, nil, err
		}
	}
	return from, to, nil
}

// mergeByStart merges two lists ordered by start time.
func mergeByStart(a, b []calendarq.Event, desc bool) []calendarq.Event {
	out := append(append([]calendarq.Event{}, a...), b...)
	sort.SliceStable(out, func(i, j int) bool {
		if desc {
			return out[j].StartTime.Before(out[i].StartTime)
		}
		return out[i].StartTime.Before(out[j].StartTime)
	})
	return out
}

// rangeParam reads a bound of the list's range: a time or a date; an end
// given as a date includes that day.
func rangeParam(c echo.Context, end bool, names ...string) (*time.Time, error) {
	for _, n := range names {
		s := strings.TrimSpace(c.QueryParam(n))
		if s == "" {
			continue
		}
		t, ok := ParseTime(s)
		if !ok {
			return nil, drf.FieldErrors{n: {"Enter a valid date/time."}}
		}
		if end && len(s) == len("2006-01-02") {
			t = t.AddDate(0, 0, 1)
		}
		return &t, nil
	}
	return nil, nil
}

// list: GET /api/events/ → DRF's page {count, next, previous, results} of
// the caller's events, by start time; ?start=&end= (or start_date,
// end_date; times or dates) keep those that overlap the range; ?ordering=
// orders them; ?page=&page_size= page them.
func (h *Handlers) list(c echo.Context) error {
	from, to, err := listRange(c)
	if err != nil {
		return err
	}
	ordering := strings.TrimSpace(c.QueryParam("ordering"))
	if ordering != "" && !calendarq.ValidOrdering(ordering) {
		ordering = ""
	}
	page := 1
	if s := strings.TrimSpace(c.QueryParam("page")); s != "" {
		if page, err = strconv.Atoi(s); err != nil || page < 1 {
			return drf.Refusal{Status: http.StatusNotFound, Detail: "Invalid page."}
		}
	}
	size := defaultPageSize
	if s := c.QueryParam("page_size"); s != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			size = min(n, maxPageSize)
		}
	}
	if page > 1<<20 {
		return drf.Refusal{Status: http.StatusNotFound, Detail: "Invalid page."}
	}
	uid := httpapi.Actor(c).UserID
	// A subscriber of china-holidays gets its days too (computed, merged by
	// start time) when the list is ordered by start time and has a range.
	var holidays []calendarq.Event
	if (ordering == "" || ordering == "start_time" || ordering == "-start_time") && (from != nil || to != nil) {
		subscribed, err := h.d.Queries.Subscribes(c.Request().Context(), uid, calendar.HolidaysSlug)
		if err != nil {
			return err
		}
		if subscribed {
			holidays = holidayEvents(h.holidayCalendarID(c), from, to, h.d.Clock.Now())
		}
	}
	l := calendarq.ListEvents{UserID: uid, From: from, To: to, Ordering: ordering, Offset: (page - 1) * size, Limit: size}
	if len(holidays) > 0 {
		l.Offset, l.Limit = 0, page*size
	}
	events, total, err := h.d.Queries.ListEvents(c.Request().Context(), l)
	if err != nil {
		return err
	}
	if len(holidays) > 0 {
		total += len(holidays)
		events = mergeByStart(events, holidays, ordering == "-start_time")
		lo := min((page-1)*size, len(events))
		events = events[lo:min(lo+size, len(events))]
	}
	if len(events) == 0 && page > 1 {
		return drf.Refusal{Status: http.StatusNotFound, Detail: "Invalid page."}
	}
	results := make([]eventJSON, 0, len(events))
	for _, e := range events {
		results = append(results, toJSON(e))
	}
	link := func(n int) *string {
		if n < 1 || (n-1)*size >= total {
			return nil
		}
		u := url.URL{Scheme: c.Scheme(), Host: c.Request().Host, Path: c.Request().URL.Path}
		q := c.Request().URL.Query()
		if n == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		u.RawQuery = q.Encode()
		s := u.String()
		return &s
	}
	return c.JSON(http.StatusOK, map[string]any{"count": total, "next": link(page + 1), "previous": link(page - 1), "results": results})
}

// answerEvents reads back the events a batch created or updated (from the
// read model, or from the command's state while the read model has not
// caught up) and counts the ones created.
func (h *Handlers) answerEvents(c echo.Context, results []calendarcmd.EventResult) (out []eventJSON, created int, _ error) {
	out = make([]eventJSON, 0, len(results))
	now := h.d.Clock.Now()
	for _, r := range results {
		if r.Created {
			created++
		}
		got, err := h.d.Queries.GetEvent(c.Request().Context(), r.Event.UserID, r.Event.ID)
		if errors.Is(err, calendarq.ErrNotFound) {
			got = fromState(r.Event, now, now)
		} else if err != nil {
			return nil, 0, err
		}
		out = append(out, toJSON(got))
	}
	return out, created, nil
}
