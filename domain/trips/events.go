// Package trips is Roamio's trip plans (000, /api/v1/): a plan with its
// overview and itinerary items (trip events), shown publicly once public and
// published, liked, checked in and viewed by anyone, counted once per
// caller.
//
// It is pure: decisions take the current state, the time, allocated ids and
// the caller's key as arguments and return events or a classified error
// (domain/fault).
//
// Streams:
//
//	trip-<id>                  TripPlanCreated, TripPlanChanged, TripPlanDeleted
//	                           and the itinerary: TripEventAdded/Changed/Removed,
//	                           TripEventCompletionSet (the author's edits, in
//	                           order, appended with the version read)
//	tripslug-<slug>            TripSlugClaimed: the one event that makes a slug
//	                           unique (appended expecting no stream)
//	tripreaction-<id>_<kind>_<caller>
//	                           TripLiked or TripCheckedIn: at most one per trip,
//	                           kind and caller (appended expecting no stream)
//	tripview-<id>_<caller>     TripViewed: at most one per trip and caller every
//	                           ViewWindow
//
// Trip ids come from the sequence "trip", trip event ids from "tripevent".
package trips

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories and sequences.
const (
	TripCategory     = "trip"
	SlugCategory     = "tripslug"
	ReactionCategory = "tripreaction"
	ViewCategory     = "tripview"
	TripSequence     = "trip"
	EventSequence    = "tripevent"
)

// Reaction kinds.
const (
	KindLike    = "like"
	KindCheckin = "checkin"
)

// ViewWindow is how long a caller's view of a trip counts once: views of the
// same caller within it are not counted again.
const ViewWindow = 30 * time.Minute

// TripStream is a trip's stream.
func TripStream(id int64) string {
	return eventlog.StreamID(TripCategory, strconv.FormatInt(id, 10))
}

// SlugStream is the stream that claims a slug.
func SlugStream(slug string) string { return eventlog.StreamID(SlugCategory, slug) }

// ReactionStream is the stream of one caller's like or check-in of a trip.
func ReactionStream(tripID int64, kind, caller string) string {
	return eventlog.StreamID(ReactionCategory, strconv.FormatInt(tripID, 10)+"_"+kind+"_"+caller)
}

// ViewStream is the stream of one caller's views of a trip.
func ViewStream(tripID int64, caller string) string {
	return eventlog.StreamID(ViewCategory, strconv.FormatInt(tripID, 10)+"_"+caller)
}

// Wire names of the events.
const (
	EventTripSlugClaimed        = "TripSlugClaimed_v1"
	EventTripPlanCreated        = "TripPlanCreated_v1"
	EventTripPlanChanged        = "TripPlanChanged_v1"
	EventTripPlanDeleted        = "TripPlanDeleted_v1"
	EventTripLiked              = "TripLiked_v1"
	EventTripCheckedIn          = "TripCheckedIn_v1"
	EventTripViewed             = "TripViewed_v1"
	EventTripEventAdded         = "TripEventAdded_v1"
	EventTripEventChanged       = "TripEventChanged_v1"
	EventTripEventRemoved       = "TripEventRemoved_v1"
	EventTripEventCompletionSet = "TripEventCompletionSet_v1"
)

// Plan is a trip plan's content as its author sets it. Dates are
// YYYY-MM-DD or empty; Config and Overview are JSON objects stored as given.
type Plan struct {
	Title           string         `json:"title"`
	Description     string         `json:"description"`
	Icon            string         `json:"icon"`
	StartDate       string         `json:"start_date"`
	EndDate         string         `json:"end_date"`
	Status          string         `json:"status"`
	Visibility      string         `json:"visibility"`
	ThemeColor      string         `json:"theme_color"`
	BackgroundMusic string         `json:"background_music"`
	Config          map[string]any `json:"config"`
	Overview        map[string]any `json:"overview"`
}

// TripSlugClaimed records that a slug names a trip, for good.
type TripSlugClaimed struct {
	Slug      string    `json:"slug"`
	TripID    int64     `json:"trip_id"`
	ClaimedAt time.Time `json:"claimed_at"`
}

// TripPlanCreated records a new plan by its author (ClonedFrom: the plan it
// was cloned from, 0 for none).
type TripPlanCreated struct {
	TripID     int64  `json:"trip_id"`
	Slug       string `json:"slug"`
	AuthorID   int64  `json:"author_id"`
	ClonedFrom int64  `json:"cloned_from"`
	Plan
	CreatedAt time.Time `json:"created_at"`
}

// TripPlanChanged records a plan's whole content after an edit.
type TripPlanChanged struct {
	TripID    int64 `json:"trip_id"`
	ChangedBy int64 `json:"changed_by"`
	Plan
	ChangedAt time.Time `json:"changed_at"`
}

// TripPlanDeleted records that a plan is gone (its slug stays claimed).
type TripPlanDeleted struct {
	TripID    int64     `json:"trip_id"`
	Slug      string    `json:"slug"`
	DeletedBy int64     `json:"deleted_by"`
	DeletedAt time.Time `json:"deleted_at"`
}

// TripLiked records a caller's like (Caller: "u<id>" for a user, "a<digest>"
// for an anonymous address; UserID 0 for anonymous).
type TripLiked struct {
	TripID  int64     `json:"trip_id"`
	Caller  string    `json:"caller"`
	UserID  int64     `json:"user_id"`
	LikedAt time.Time `json:"liked_at"`
}

// TripCheckedIn records a caller's check-in.
type TripCheckedIn struct {
	TripID      int64     `json:"trip_id"`
	Caller      string    `json:"caller"`
	UserID      int64     `json:"user_id"`
	CheckedInAt time.Time `json:"checked_in_at"`
}

// TripViewed records a counted view.
type TripViewed struct {
	TripID   int64     `json:"trip_id"`
	Caller   string    `json:"caller"`
	ViewedAt time.Time `json:"viewed_at"`
}

// Item is an itinerary item (trip event) as the editor sets it: Location
// {name, address, lat, lng} and Reminder {enabled, time, method} are JSON
// objects stored as given.
type Item struct {
	Title       string         `json:"title"`
	Description string         `json:"description"`
	EventTime   *time.Time     `json:"event_time"`
	Location    map[string]any `json:"location"`
	Reminder    map[string]any `json:"reminder"`
}

// TripEventAdded records a new itinerary item.
type TripEventAdded struct {
	TripID  int64 `json:"trip_id"`
	EventID int64 `json:"event_id"`
	Item
	AddedAt time.Time `json:"added_at"`
}

// TripEventChanged records an item's whole content after an edit.
type TripEventChanged struct {
	TripID  int64 `json:"trip_id"`
	EventID int64 `json:"event_id"`
	Item
	ChangedAt time.Time `json:"changed_at"`
}

// TripEventRemoved records an item's removal.
type TripEventRemoved struct {
	TripID    int64     `json:"trip_id"`
	EventID   int64     `json:"event_id"`
	RemovedAt time.Time `json:"removed_at"`
}

// TripEventCompletionSet records an item marked done or not done.
type TripEventCompletionSet struct {
	TripID    int64     `json:"trip_id"`
	EventID   int64     `json:"event_id"`
	Completed bool      `json:"completed"`
	SetAt     time.Time `json:"set_at"`
}

func (TripSlugClaimed) EventType() string        { return EventTripSlugClaimed }
func (TripPlanCreated) EventType() string        { return EventTripPlanCreated }
func (TripPlanChanged) EventType() string        { return EventTripPlanChanged }
func (TripPlanDeleted) EventType() string        { return EventTripPlanDeleted }
func (TripLiked) EventType() string              { return EventTripLiked }
func (TripCheckedIn) EventType() string          { return EventTripCheckedIn }
func (TripViewed) EventType() string             { return EventTripViewed }
func (TripEventAdded) EventType() string         { return EventTripEventAdded }
func (TripEventChanged) EventType() string       { return EventTripEventChanged }
func (TripEventRemoved) EventType() string       { return EventTripEventRemoved }
func (TripEventCompletionSet) EventType() string { return EventTripEventCompletionSet }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		TripSlugClaimed{}, TripPlanCreated{}, TripPlanChanged{}, TripPlanDeleted{},
		TripLiked{}, TripCheckedIn{}, TripViewed{},
		TripEventAdded{}, TripEventChanged{}, TripEventRemoved{}, TripEventCompletionSet{},
	}
}
