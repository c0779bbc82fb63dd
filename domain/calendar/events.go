// Package calendar is Ralendar's calendar (seed 000, /api/): a user's
// events with a time range, a place, a reminder; events created from a
// Roamio trip; the reminders that are mailed once.
//
// It is pure: decisions take the current state, the time and allocated ids
// as arguments and return events or a classified error (domain/fault).
//
// Streams:
//
//	calevent-<id>           CalendarEventCreated, CalendarEventChanged (the
//	                        whole state after an edit), CalendarEventTripLinked,
//	                        CalendarReminderDue, CalendarEventDeleted
//	caltrip-<user>-<digest> TripSourceClaimed: which event holds each
//	                        source item of one trip of one user (the
//	                        idempotence of the trip sync); the digest is of
//	                        the trip's slug
//
// Event ids come from the sequence "calevent".
package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories and the sequence of event ids.
const (
	EventCategory = "calevent"
	TripCategory  = "caltrip"
	EventSequence = "calevent"
)

// EventStream is the stream of a calendar event.
func EventStream(id int64) string {
	return eventlog.StreamID(EventCategory, strconv.FormatInt(id, 10))
}

// TripStream is the stream that maps the source items of one user's trip to
// the calendar events they became.
func TripStream(userID int64, tripSlug string) string {
	sum := sha256.Sum256([]byte(tripSlug))
	return eventlog.StreamID(TripCategory, strconv.FormatInt(userID, 10)+"-"+hex.EncodeToString(sum[:12]))
}

// Wire names of the events.
const (
	EventCalendarEventCreated    = "CalendarEventCreated_v1"
	EventCalendarEventChanged    = "CalendarEventChanged_v1"
	EventCalendarEventTripLinked = "CalendarEventTripLinked_v1"
	EventCalendarEventDeleted    = "CalendarEventDeleted_v1"
	EventCalendarReminderDue     = "CalendarReminderDue_v1"
	EventTripSourceClaimed       = "TripSourceClaimed_v1"
)

// Details are an event's fields as its owner edits them.
type Details struct {
	Title       string     `json:"title"`
	Description string     `json:"description"`
	StartTime   time.Time  `json:"start_time"`
	EndTime     *time.Time `json:"end_time"`
	AllDay      bool       `json:"all_day"`
	Location    string     `json:"location"`
	Latitude    *float64   `json:"latitude"`
	Longitude   *float64   `json:"longitude"`
	MapProvider string     `json:"map_provider"`
	// ReminderMinutes is how long before the start the reminder is due (one
	// of ReminderChoices); EmailReminder whether it is mailed.
	ReminderMinutes int  `json:"reminder_minutes"`
	EmailReminder   bool `json:"email_reminder"`
}

// TripLink ties an event to a Roamio trip: the trip's slug, the app that
// created it and the item of the trip it came from.
type TripLink struct {
	TripSlug  string `json:"related_trip_slug"`
	SourceApp string `json:"source_app"`
	SourceID  string `json:"source_id"`
}

// CalendarEventCreated records a new event of a user, or of a public
// calendar (CalendarID; UserID is then the calendar's owner).
type CalendarEventCreated struct {
	EventID    int64 `json:"event_id"`
	UserID     int64 `json:"user_id"`
	CalendarID int64 `json:"calendar_id,omitempty"`
	Details
	TripLink
	CreatedAt time.Time `json:"created_at"`
}

// CalendarEventChanged records an event's whole state after an edit (PUT or
// PATCH).
type CalendarEventChanged struct {
	EventID int64 `json:"event_id"`
	UserID  int64 `json:"user_id"`
	Details
	ChangedAt time.Time `json:"changed_at"`
}

// CalendarEventTripLinked records the event's link to a trip (an empty
// slug: unlinked).
type CalendarEventTripLinked struct {
	EventID int64 `json:"event_id"`
	UserID  int64 `json:"user_id"`
	TripLink
	LinkedAt time.Time `json:"linked_at"`
}

// CalendarEventDeleted records that the owner deleted the event.
type CalendarEventDeleted struct {
	EventID   int64     `json:"event_id"`
	UserID    int64     `json:"user_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// CalendarReminderDue records that the reminder of the event, for the
// start time StartTime, became due and is to be mailed (once: a later one
// only when the event moves later than StartTime).
type CalendarReminderDue struct {
	EventID         int64     `json:"event_id"`
	UserID          int64     `json:"user_id"`
	Title           string    `json:"title"`
	Location        string    `json:"location"`
	StartTime       time.Time `json:"start_time"`
	ReminderMinutes int       `json:"reminder_minutes"`
	DueAt           time.Time `json:"due_at"`
}

// TripSourceClaimed records that the item SourceID of the user's trip is
// held by the event EventID.
type TripSourceClaimed struct {
	UserID    int64     `json:"user_id"`
	TripSlug  string    `json:"trip_slug"`
	SourceApp string    `json:"source_app"`
	SourceID  string    `json:"source_id"`
	EventID   int64     `json:"event_id"`
	ClaimedAt time.Time `json:"claimed_at"`
}

func (CalendarEventCreated) EventType() string    { return EventCalendarEventCreated }
func (CalendarEventChanged) EventType() string    { return EventCalendarEventChanged }
func (CalendarEventTripLinked) EventType() string { return EventCalendarEventTripLinked }
func (CalendarEventDeleted) EventType() string    { return EventCalendarEventDeleted }
func (CalendarReminderDue) EventType() string     { return EventCalendarReminderDue }
func (TripSourceClaimed) EventType() string       { return EventTripSourceClaimed }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return append([]eventlog.Event{
		CalendarEventCreated{}, CalendarEventChanged{}, CalendarEventTripLinked{}, CalendarEventDeleted{},
		CalendarReminderDue{}, TripSourceClaimed{},
		CalendarFeedTokenSet{}, CalendarFeedRevoked{},
	}, PublicEvents()...)
}
