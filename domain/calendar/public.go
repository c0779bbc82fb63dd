package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Public calendars.
//
// Streams:
//
//	pubcal-<id>             PublicCalendarCreated, PublicCalendarChanged,
//	                        CalendarSubscribed, CalendarUnsubscribed,
//	                        PublicCalendarDeleted
//	pubcalslug-<digest>     CalendarSlugClaimed: the calendar holding a
//	                        url_slug (unique; a slug stays with its calendar,
//	                        even deleted)
//
// Calendar ids come from the sequence "pubcal".
const (
	PublicCategory   = "pubcal"
	SlugCategory     = "pubcalslug"
	PublicSequence   = "pubcal"
	HolidaysSlug     = "china-holidays"
	MaxNameLength    = 100
	MaxCalendarSlug  = 50
	maxCalendarDescr = 1000
)

// PublicStream is the stream of a public calendar.
func PublicStream(id int64) string {
	return eventlog.StreamID(PublicCategory, strconv.FormatInt(id, 10))
}

// SlugStream is the stream that holds a url_slug.
func SlugStream(slug string) string {
	sum := sha256.Sum256([]byte(slug))
	return eventlog.StreamID(SlugCategory, hex.EncodeToString(sum[:12]))
}

// Wire names of the public calendars' events.
const (
	EventPublicCalendarCreated = "PublicCalendarCreated_v1"
	EventPublicCalendarChanged = "PublicCalendarChanged_v1"
	EventPublicCalendarDeleted = "PublicCalendarDeleted_v1"
	EventCalendarSubscribed    = "CalendarSubscribed_v1"
	EventCalendarUnsubscribed  = "CalendarUnsubscribed_v1"
	EventCalendarSlugClaimed   = "CalendarSlugClaimed_v1"
)

// CalendarInfo are a public calendar's fields as its owner edits them.
type CalendarInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	IsPublic    bool   `json:"is_public"`
}

// PublicCalendarCreated records a new calendar (OwnerID 0: the server's own,
// like china-holidays).
type PublicCalendarCreated struct {
	CalendarID int64  `json:"calendar_id"`
	OwnerID    int64  `json:"owner_id"`
	URLSlug    string `json:"url_slug"`
	CalendarInfo
	CreatedAt time.Time `json:"created_at"`
}

// PublicCalendarChanged records a calendar's fields after an edit.
type PublicCalendarChanged struct {
	CalendarID int64 `json:"calendar_id"`
	CalendarInfo
	ChangedAt time.Time `json:"changed_at"`
}

// PublicCalendarDeleted records a calendar's deletion by its owner or an
// admin.
type PublicCalendarDeleted struct {
	CalendarID int64     `json:"calendar_id"`
	DeletedBy  int64     `json:"deleted_by"`
	DeletedAt  time.Time `json:"deleted_at"`
}

// CalendarSubscribed records a user's subscription.
type CalendarSubscribed struct {
	CalendarID   int64     `json:"calendar_id"`
	UserID       int64     `json:"user_id"`
	SubscribedAt time.Time `json:"subscribed_at"`
}

// CalendarUnsubscribed records the end of a user's subscription.
type CalendarUnsubscribed struct {
	CalendarID     int64     `json:"calendar_id"`
	UserID         int64     `json:"user_id"`
	UnsubscribedAt time.Time `json:"unsubscribed_at"`
}

// CalendarSlugClaimed records that a url_slug is the calendar's.
type CalendarSlugClaimed struct {
	URLSlug    string    `json:"url_slug"`
	CalendarID int64     `json:"calendar_id"`
	ClaimedAt  time.Time `json:"claimed_at"`
}

func (PublicCalendarCreated) EventType() string { return EventPublicCalendarCreated }
func (PublicCalendarChanged) EventType() string { return EventPublicCalendarChanged }
func (PublicCalendarDeleted) EventType() string { return EventPublicCalendarDeleted }
func (CalendarSubscribed) EventType() string    { return EventCalendarSubscribed }
func (CalendarUnsubscribed) EventType() string  { return EventCalendarUnsubscribed }
func (CalendarSlugClaimed) EventType() string   { return EventCalendarSlugClaimed }

// PublicEvents lists the public calendars' events for the codec.
func PublicEvents() []eventlog.Event {
	return []eventlog.Event{PublicCalendarCreated{}, PublicCalendarChanged{}, PublicCalendarDeleted{},
		CalendarSubscribed{}, CalendarUnsubscribed{}, CalendarSlugClaimed{}}
}

// Errors of public calendars.
var (
	ErrCalendarNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrSlugTaken        = &fault.Error{Kind: fault.Conflict, Code: "SLUG_TAKEN", Field: "url_slug", Message: "calendar with this url slug already exists."}
)

var slugForm = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// CheckSlug validates a url_slug (Django's SlugField).
func CheckSlug(slug string) error {
	switch {
	case slug == "":
		return fault.Invalidf("url_slug", "This field may not be blank.")
	case len(slug) > MaxCalendarSlug:
		return fault.Invalidf("url_slug", "Ensure this field has no more than %d characters.", MaxCalendarSlug)
	case !slugForm.MatchString(slug):
		return fault.Invalidf("url_slug", "Enter a valid \"slug\" consisting of letters, numbers, underscores or hyphens.")
	}
	return nil
}

// Check validates a calendar's fields.
func (c CalendarInfo) Check() error {
	return errors.Join(checkText("name", c.Name, MaxNameLength, true), checkText("description", c.Description, maxCalendarDescr, false))
}

func (c CalendarInfo) normalized() CalendarInfo {
	c.Name, c.Description = strings.TrimSpace(c.Name), strings.TrimSpace(c.Description)
	return c
}

// PublicCalendar is a calendar's state, folded from its stream.
type PublicCalendar struct {
	ID          int64
	OwnerID     int64
	URLSlug     string
	Info        CalendarInfo
	Deleted     bool
	Subscribers map[int64]bool
}

// Exists reports whether the calendar was created and not deleted.
func (c PublicCalendar) Exists() bool { return c.ID != 0 && !c.Deleted }

// PublicCalendarFrom folds a calendar's stream.
func PublicCalendarFrom(history []eventlog.Envelope) PublicCalendar {
	c := PublicCalendar{Subscribers: map[int64]bool{}}
	for _, env := range history {
		switch e := env.Event.(type) {
		case PublicCalendarCreated:
			c.ID, c.OwnerID, c.URLSlug, c.Info = e.CalendarID, e.OwnerID, e.URLSlug, e.CalendarInfo
		case PublicCalendarChanged:
			c.Info = e.CalendarInfo
		case PublicCalendarDeleted:
			c.Deleted = true
		case CalendarSubscribed:
			c.Subscribers[e.UserID] = true
		case CalendarUnsubscribed:
			delete(c.Subscribers, e.UserID)
		}
	}
	return c
}

// visibleTo returns ErrCalendarNotFound unless the calendar exists and is
// public, or a is its owner or an admin.
func (c PublicCalendar) visibleTo(a access.Actor) error {
	if !c.Exists() || !c.Info.IsPublic && !c.ManagedBy(a) {
		return ErrCalendarNotFound
	}
	return nil
}

// ManagedBy reports whether a may edit the calendar: its owner, an admin, or
// the server itself.
func (c PublicCalendar) ManagedBy(a access.Actor) bool {
	return a.System || a.Admin || c.OwnerID != 0 && a.Owns(c.OwnerID)
}

// CreateCalendar decides a new calendar with an allocated id.
func CreateCalendar(id int64, owner int64, slug string, info CalendarInfo, now time.Time) (PublicCalendarCreated, error) {
	info = info.normalized()
	if err := errors.Join(CheckSlug(slug), info.Check()); err != nil {
		return PublicCalendarCreated{}, err
	}
	return PublicCalendarCreated{CalendarID: id, OwnerID: owner, URLSlug: slug, CalendarInfo: info, CreatedAt: now}, nil
}

// ClaimSlug decides that slug is the calendar id's; holder is the slug's
// current calendar (0: free).
func ClaimSlug(holder int64, slug string, id int64, now time.Time) (*CalendarSlugClaimed, error) {
	switch holder {
	case 0:
		return &CalendarSlugClaimed{URLSlug: slug, CalendarID: id, ClaimedAt: now}, nil
	case id:
		return nil, nil
	}
	return nil, ErrSlugTaken
}

// ChangeCalendar decides an edit by the owner or an admin.
func ChangeCalendar(c PublicCalendar, a access.Actor, info CalendarInfo, now time.Time) (*PublicCalendarChanged, error) {
	if err := c.visibleTo(a); err != nil {
		return nil, err
	}
	if !c.ManagedBy(a) {
		return nil, access.ErrForbidden
	}
	info = info.normalized()
	if err := info.Check(); err != nil {
		return nil, err
	}
	if info == c.Info {
		return nil, nil
	}
	return &PublicCalendarChanged{CalendarID: c.ID, CalendarInfo: info, ChangedAt: now}, nil
}

// DeleteCalendar decides a deletion by the owner or an admin.
func DeleteCalendar(c PublicCalendar, a access.Actor, now time.Time) (PublicCalendarDeleted, error) {
	if err := c.visibleTo(a); err != nil {
		return PublicCalendarDeleted{}, err
	}
	if !c.ManagedBy(a) {
		return PublicCalendarDeleted{}, access.ErrForbidden
	}
	return PublicCalendarDeleted{CalendarID: c.ID, DeletedBy: a.UserID, DeletedAt: now}, nil
}

// Subscribe decides a user's subscription; nil when already subscribed.
func Subscribe(c PublicCalendar, a access.Actor, now time.Time) (*CalendarSubscribed, error) {
	if err := c.visibleTo(a); err != nil {
		return nil, err
	}
	if c.Subscribers[a.UserID] {
		return nil, nil
	}
	return &CalendarSubscribed{CalendarID: c.ID, UserID: a.UserID, SubscribedAt: now}, nil
}

// Unsubscribe decides the end of a subscription; nil when not subscribed.
func Unsubscribe(c PublicCalendar, a access.Actor, now time.Time) (*CalendarUnsubscribed, error) {
	if !c.Exists() {
		return nil, ErrCalendarNotFound
	}
	if !c.Subscribers[a.UserID] {
		return nil, nil
	}
	return &CalendarUnsubscribed{CalendarID: c.ID, UserID: a.UserID, UnsubscribedAt: now}, nil
}
