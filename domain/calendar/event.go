package calendar

import (
	"errors"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of an event's text fields.
const (
	MaxTitleLength       = 200
	MaxDescriptionLength = 5000
	MaxLocationLength    = 200
	MaxSlugLength        = 200
	MaxSourceLength      = 100
)

// DefaultReminderMinutes is the reminder of an event that names none.
const DefaultReminderMinutes = 15

// ReminderChoices are the reminders an event may have, in minutes before
// its start (0: at the start).
var ReminderChoices = []int{0, 5, 15, 30, 60, 1440, 10080}

// Map providers of an event's map_url.
const (
	MapBaidu   = "baidu"
	MapAmap    = "amap"
	MapTencent = "tencent"
)

// MapProviders are the providers in their order; the first is the default.
var MapProviders = []string{MapAmap, MapBaidu, MapTencent}

// Zone is the time zone of Ralendar's users (China Standard Time, no
// daylight saving): naive times are read in it, answers and days are in it.
var Zone = time.FixedZone("Asia/Shanghai", 8*60*60)

func checkText(field, v string, maxLen int, required bool) error {
	switch {
	case required && strings.TrimSpace(v) == "":
		return fault.Invalidf(field, "This field may not be blank.")
	case utf8.RuneCountInString(v) > maxLen:
		return fault.Invalidf(field, "Ensure this field has no more than %d characters.", maxLen)
	}
	return nil
}

// Check validates an event's fields: a title, an end not before the start,
// latitude and longitude both or neither and in range, a reminder of
// ReminderChoices, a known map provider.
func (d Details) Check() error {
	errs := []error{
		checkText("title", d.Title, MaxTitleLength, true),
		checkText("description", d.Description, MaxDescriptionLength, false),
		checkText("location", d.Location, MaxLocationLength, false),
	}
	if d.StartTime.IsZero() {
		errs = append(errs, fault.Invalidf("start_time", "This field is required."))
	}
	if d.EndTime != nil && !d.StartTime.IsZero() && d.EndTime.Before(d.StartTime) {
		errs = append(errs, fault.Invalidf("end_time", "The end time must not be before the start time."))
	}
	switch {
	case (d.Latitude == nil) != (d.Longitude == nil):
		field := "latitude"
		if d.Longitude == nil {
			field = "longitude"
		}
		errs = append(errs, fault.Invalidf(field, "Latitude and longitude must be given together."))
	case d.Latitude != nil:
		if v := *d.Latitude; math.IsNaN(v) || v < -90 || v > 90 {
			errs = append(errs, fault.Invalidf("latitude", "Ensure this value is between -90 and 90."))
		}
		if v := *d.Longitude; math.IsNaN(v) || v < -180 || v > 180 {
			errs = append(errs, fault.Invalidf("longitude", "Ensure this value is between -180 and 180."))
		}
	}
	if !slices.Contains(ReminderChoices, d.ReminderMinutes) {
		errs = append(errs, fault.Invalidf("reminder_minutes", "\"%d\" is not a valid choice.", d.ReminderMinutes))
	}
	if !slices.Contains(MapProviders, d.MapProvider) {
		errs = append(errs, fault.Invalidf("map_provider", "\"%s\" is not a valid choice.", d.MapProvider))
	}
	return errors.Join(errs...)
}

// Normalized returns d with its text trimmed and its times in UTC.
func (d Details) Normalized() Details {
	d.Title = strings.TrimSpace(d.Title)
	d.Description = strings.TrimSpace(d.Description)
	d.Location = strings.TrimSpace(d.Location)
	d.StartTime = d.StartTime.UTC()
	if d.EndTime != nil {
		t := d.EndTime.UTC()
		d.EndTime = &t
	}
	if d.MapProvider == "" {
		d.MapProvider = MapProviders[0]
	}
	return d
}

// CheckLink validates a trip link's fields.
func (l TripLink) Check() error {
	return errors.Join(
		checkText("related_trip_slug", l.TripSlug, MaxSlugLength, false),
		checkText("source_app", l.SourceApp, MaxSourceLength, false),
		checkText("source_id", l.SourceID, MaxSourceLength, false),
	)
}

// Event is a calendar event's state, folded from its stream.
type Event struct {
	ID         int64
	UserID     int64
	CalendarID int64
	Deleted    bool
	Details    Details
	Link       TripLink
	// RemindedFor is the start time the last reminder was due for (zero:
	// none yet).
	RemindedFor time.Time
}

// Exists reports whether the event was created and not deleted.
func (e Event) Exists() bool { return e.ID != 0 && !e.Deleted }

// EventFrom folds an event stream's history.
func EventFrom(history []eventlog.Envelope) Event {
	var ev Event
	for _, env := range history {
		switch e := env.Event.(type) {
		case CalendarEventCreated:
			ev = Event{ID: e.EventID, UserID: e.UserID, CalendarID: e.CalendarID, Details: e.Details, Link: e.TripLink}
		case CalendarEventChanged:
			ev.Details = e.Details
		case CalendarEventTripLinked:
			ev.Link = e.TripLink
		case CalendarReminderDue:
			ev.RemindedFor = e.StartTime
		case CalendarEventDeleted:
			ev.Deleted = true
		}
	}
	return ev
}

// visibleTo returns ErrEventNotFound unless the event exists and userID
// owns it.
func (e Event) visibleTo(userID int64) error {
	if !e.Exists() || e.UserID != userID {
		return ErrEventNotFound
	}
	return nil
}

// Create decides a new event of userID with an allocated id.
func Create(id, userID int64, d Details, link TripLink, now time.Time) (CalendarEventCreated, error) {
	d = d.Normalized()
	if err := errors.Join(d.Check(), link.Check()); err != nil {
		return CalendarEventCreated{}, err
	}
	return CalendarEventCreated{EventID: id, UserID: userID, Details: d, TripLink: link, CreatedAt: now}, nil
}

// Change decides the owner's edit: d is the whole new state. The same state
// appends nothing.
func Change(e Event, userID int64, d Details, now time.Time) (*CalendarEventChanged, error) {
	if err := e.visibleTo(userID); err != nil {
		return nil, err
	}
	d = d.Normalized()
	if err := d.Check(); err != nil {
		return nil, err
	}
	if sameDetails(e.Details, d) {
		return nil, nil
	}
	return &CalendarEventChanged{EventID: e.ID, UserID: e.UserID, Details: d, ChangedAt: now}, nil
}

func sameDetails(a, b Details) bool {
	eqT := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	eqF := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Title == b.Title && a.Description == b.Description && a.StartTime.Equal(b.StartTime) &&
		eqT(a.EndTime, b.EndTime) && a.AllDay == b.AllDay && a.Location == b.Location &&
		eqF(a.Latitude, b.Latitude) && eqF(a.Longitude, b.Longitude) && a.MapProvider == b.MapProvider &&
		a.ReminderMinutes == b.ReminderMinutes && a.EmailReminder == b.EmailReminder
}

// LinkTrip decides the owner's link of the event to a trip; the same link
// appends nothing.
func LinkTrip(e Event, userID int64, link TripLink, now time.Time) (*CalendarEventTripLinked, error) {
	if err := e.visibleTo(userID); err != nil {
		return nil, err
	}
	link.TripSlug = strings.TrimSpace(link.TripSlug)
	if err := link.Check(); err != nil {
		return nil, err
	}
	if link == e.Link {
		return nil, nil
	}
	return &CalendarEventTripLinked{EventID: e.ID, UserID: e.UserID, TripLink: link, LinkedAt: now}, nil
}

// Delete decides the owner's deletion.
func Delete(e Event, userID int64, now time.Time) (CalendarEventDeleted, error) {
	if err := e.visibleTo(userID); err != nil {
		return CalendarEventDeleted{}, err
	}
	return CalendarEventDeleted{EventID: e.ID, UserID: e.UserID, DeletedAt: now}, nil
}

// ReminderGrace is how long after an event's start a reminder that was not
// sent yet (the server was down) is still sent; later it is dropped.
const ReminderGrace = time.Hour

// RemindAt is when the event's reminder is due.
func (d Details) RemindAt() time.Time {
	return d.StartTime.Add(-time.Duration(d.ReminderMinutes) * time.Minute)
}

// ReminderPending reports whether the event's reminder for its current
// start is still to be sent: it is mailed, and no reminder was due for this
// start or a later one (a reminder sent before the event moved later is
// sent again for the new time; one sent before it moved earlier is not).
func (e Event) ReminderPending() bool {
	return e.Exists() && e.Details.EmailReminder && (e.RemindedFor.IsZero() || e.Details.StartTime.After(e.RemindedFor))
}

// NotificationSent reports whether the reminder for the event's current
// start was sent (notification_sent).
func (e Event) NotificationSent() bool {
	return !e.RemindedFor.IsZero() && !e.Details.StartTime.After(e.RemindedFor)
}

// RemindIfDue decides the reminder at now: due when it is pending, its
// time has come and the event started at most ReminderGrace ago. nil: not
// due (or no longer).
func RemindIfDue(e Event, now time.Time) *CalendarReminderDue {
	if !e.ReminderPending() {
		return nil
	}
	d := e.Details
	if now.Before(d.RemindAt()) || now.After(d.StartTime.Add(ReminderGrace)) {
		return nil
	}
	return &CalendarReminderDue{EventID: e.ID, UserID: e.UserID, Title: d.Title, Location: d.Location,
		StartTime: d.StartTime, ReminderMinutes: d.ReminderMinutes, DueAt: now}
}
