package calendar

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/calendar"
	calendarq "github.com/fiveapis/backend/queries/calendar"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// eventJSON is an event as the clients read it: the seed's fields, the
// Android client's map_url and is_public_calendar, the trip link and the
// reminder's state.
type eventJSON struct {
	ID               int64    `json:"id"`
	User             int64    `json:"user"`
	Title            string   `json:"title"`
	Description      string   `json:"description"`
	StartTime        string   `json:"start_time"`
	EndTime          *string  `json:"end_time"`
	AllDay           bool     `json:"all_day"`
	Location         string   `json:"location"`
	Latitude         *float64 `json:"latitude"`
	Longitude        *float64 `json:"longitude"`
	MapProvider      string   `json:"map_provider"`
	MapURL           *string  `json:"map_url"`
	ReminderMinutes  int      `json:"reminder_minutes"`
	EmailReminder    bool     `json:"email_reminder"`
	NotificationSent bool     `json:"notification_sent"`
	RelatedTripSlug  *string  `json:"related_trip_slug"`
	SourceApp        string   `json:"source_app"`
	SourceID         *string  `json:"source_id"`
	IsPublicCalendar bool     `json:"is_public_calendar"`
	Calendar         *int64   `json:"calendar"`
	CreatedAt        string   `json:"created_at"`
	UpdatedAt        string   `json:"updated_at"`
}

// stamp formats a time as Django answers it in Ralendar's zone.
func stamp(t time.Time) string { return t.In(calendar.Zone).Format(time.RFC3339) }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toJSON(e calendarq.Event) eventJSON {
	out := eventJSON{ID: e.ID, User: e.UserID, Title: e.Title, Description: e.Description, StartTime: stamp(e.StartTime),
		AllDay: e.AllDay, Location: e.Location, Latitude: e.Latitude, Longitude: e.Longitude, MapProvider: e.MapProvider,
		ReminderMinutes: e.ReminderMinutes, EmailReminder: e.EmailReminder, NotificationSent: e.NotificationSent,
		RelatedTripSlug: optString(e.RelatedTripSlug), SourceApp: e.SourceApp, SourceID: optString(e.SourceID),
		CreatedAt: stamp(e.CreatedAt), UpdatedAt: stamp(e.UpdatedAt)}
	if e.IsPublicCalendar {
		out.IsPublicCalendar = true
		if e.CalendarID != 0 {
			id := e.CalendarID
			out.Calendar = &id
		}
	}
	if out.SourceApp == "" {
		out.SourceApp = "manual"
	}
	if e.EndTime != nil {
		s := stamp(*e.EndTime)
		out.EndTime = &s
	}
	if e.Latitude != nil && e.Longitude != nil {
		u := MapURL(e.MapProvider, *e.Latitude, *e.Longitude, e.Title, e.Location)
		out.MapURL = &u
	}
	return out
}

// fromState renders the state a command left (before the read model has
// it).
func fromState(ev calendar.Event, created, updated time.Time) calendarq.Event {
	d := ev.Details
	return calendarq.Event{ID: ev.ID, UserID: ev.UserID, Title: d.Title, Description: d.Description, StartTime: d.StartTime,
		EndTime: d.EndTime, AllDay: d.AllDay, Location: d.Location, Latitude: d.Latitude, Longitude: d.Longitude,
		MapProvider: d.MapProvider, ReminderMinutes: d.ReminderMinutes, EmailReminder: d.EmailReminder,
		NotificationSent: ev.NotificationSent(), RelatedTripSlug: ev.Link.TripSlug, SourceApp: ev.Link.SourceApp,
		SourceID: ev.Link.SourceID, CreatedAt: created, UpdatedAt: updated, CalendarID: ev.CalendarID, IsPublicCalendar: ev.CalendarID != 0}
}

// MapURL is the marker link of a place on the provider's map: Baidu and
// Tencent take "lat,lon", AMap (Gaode) takes "lon,lat".
func MapURL(provider string, lat, lon float64, title, location string) string {
	name := location
	if name == "" {
		name = title
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	switch provider {
	case calendar.MapBaidu:
		q := url.Values{"location": {f(lat) + "," + f(lon)}, "title": {name}, "content": {name}, "output": {"html"}, "coord_type": {"gcj02"}, "src": {"ralendar"}}
		return "https://api.map.baidu.com/marker?" + q.Encode()
	case calendar.MapTencent:
		q := url.Values{"marker": {"coord:" + f(lat) + "," + f(lon) + ";title:" + name + ";addr:" + name}, "referer": {"ralendar"}}
		return "https://apis.map.qq.com/uri/v1/marker?" + q.Encode()
	default:
		q := url.Values{"position": {f(lon) + "," + f(lat)}, "name": {name}, "src": {"ralendar"}, "coordinate": {"gaode"}}
		return "https://uri.amap.com/marker?" + q.Encode()
	}
}

// Time formats the clients send: RFC 3339, or a naive time (read in
// Ralendar's zone) as the web client's AI path sends it, or a date (its
// midnight).
var naiveLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// ParseTime reads a time a client sent.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, t.Year() >= 1 && t.Year() <= 9999
	}
	for _, l := range naiveLayouts {
		if t, err := time.ParseInLocation(l, s, calendar.Zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

const badTime = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."

func readTime(f drf.Form, name string, errs drf.FieldErrors) (time.Time, bool) {
	s, ok := f.Str(name, errs, false)
	if !ok {
		return time.Time{}, false
	}
	t, ok := ParseTime(s)
	if !ok {
		errs.Add(name, badTime)
	}
	return t, ok
}

// readFloat reads a number (or its text); null is nil.
func readFloat(f drf.Form, name string, errs drf.FieldErrors) (*float64, bool) {
	v, _ := f.Value(name)
	var s string
	switch v := v.(type) {
	case nil:
		return nil, true
	case json.Number:
		s = v.String()
	case string:
		if strings.TrimSpace(v) == "" {
			return nil, true
		}
		s = v
	default:
		errs.Add(name, "A valid number is required.")
		return nil, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		errs.Add(name, "A valid number is required.")
		return nil, false
	}
	return &n, true
}

// readInt reads a whole number (or its text).
func readInt(f drf.Form, name string, errs drf.FieldErrors) (int, bool) {
	v, _ := f.Value(name)
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = v
	default:
		errs.Add(name, "A valid integer is required.")
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
		errs.Add(name, "A valid integer is required.")
		return 0, false
	}
	return n, true
}

// readBool reads a boolean: JSON true/false, or the texts DRF accepts.
func readBool(f drf.Form, name string, errs drf.FieldErrors) (bool, bool) {
	v, _ := f.Value(name)
	switch v := v.(type) {
	case bool:
		return v, true
	case json.Number:
		switch v.String() {
		case "1":
			return true, true
		case "0":
			return false, true
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1", "yes", "on":
			return true, true
		case "false", "0", "no", "off", "":
			return false, true
		}
	}
	errs.Add(name, "Must be a valid boolean.")
	return false, false
}

// readDetails applies the request's fields to d: every field it carries,
// and for a whole object (partial false) the required title and start_time
// even when missing (refused then).
func readDetails(f drf.Form, d *calendar.Details, partial bool, errs drf.FieldErrors) {
	has := func(name string) bool { return f.Has(name) || !partial }
	if has("title") {
		if s, ok := f.Str("title", errs, false); ok {
			d.Title = s
		}
	}
	if f.Has("description") && !f.IsNull("description") {
		if s, ok := f.Str("description", errs, true); ok {
			d.Description = s
		}
	}
	if has("start_time") {
		if t, ok := readTime(f, "start_time", errs); ok {
			d.StartTime = t
		}
	}
	if f.Has("end_time") {
		if s, _ := f.Opt("end_time"); f.IsNull("end_time") || strings.TrimSpace(s) == "" {
			d.EndTime = nil
		} else if t, ok := readTime(f, "end_time", errs); ok {
			d.EndTime = &t
		}
	}
	if f.Has("all_day") {
		if b, ok := readBool(f, "all_day", errs); ok {
			d.AllDay = b
		}
	}
	if f.Has("location") && !f.IsNull("location") {
		if s, ok := f.Str("location", errs, true); ok {
			d.Location = s
		}
	}
	if f.Has("latitude") {
		if v, ok := readFloat(f, "latitude", errs); ok {
			d.Latitude = v
		}
	}
	if f.Has("longitude") {
		if v, ok := readFloat(f, "longitude", errs); ok {
			d.Longitude = v
		}
	}
	if f.Has("map_provider") && !f.IsNull("map_provider") {
		if s, ok := f.Str("map_provider", errs, true); ok {
			d.MapProvider = strings.ToLower(strings.TrimSpace(s))
		}
	}
	if f.Has("reminder_minutes") && !f.IsNull("reminder_minutes") {
		if n, ok := readInt(f, "reminder_minutes", errs); ok {
			d.ReminderMinutes = n
		}
	}
	if f.Has("email_reminder") {
		if b, ok := readBool(f, "email_reminder", errs); ok {
			d.EmailReminder = b
		}
	}
}

// readLink reads a trip link: related_trip_slug (or the seed's trip_slug),
// source_app, source_id.
func readLink(f drf.Form, errs drf.FieldErrors) calendar.TripLink {
	var l calendar.TripLink
	text := func(names ...string) string {
		for _, n := range names {
			if f.Has(n) && !f.IsNull(n) {
				s, _ := f.Str(n, errs, true)
				return strings.TrimSpace(s)
			}
		}
		return ""
	}
	l.TripSlug = text("related_trip_slug", "trip_slug")
	l.SourceApp = text("source_app", "sync_from")
	l.SourceID = text("source_id")
	if l.SourceApp == "manual" {
		l.SourceApp = ""
	}
	return l
}

// newDetails are the fields of an event no request named yet.
func newDetails() calendar.Details {
	return calendar.Details{ReminderMinutes: calendar.DefaultReminderMinutes, EmailReminder: true, MapProvider: calendar.MapProviders[0]}
}

// itemField names a field of a batch's item.
func itemField(i int, name string) string { return fmt.Sprintf("events[%d].%s", i, name) }
