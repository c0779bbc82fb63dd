package trips

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits and choices of a plan's fields.
const (
	MaxTitleLength       = 200
	MaxDescriptionLength = 5000
	MaxIconLength        = 16
	MaxThemeColorLength  = 32
	MaxMusicLength       = 500
	// MaxJSONBytes bounds config and overview (and an item's location and
	// reminder), encoded.
	MaxJSONBytes = 64 << 10
	// MaxItemJSONBytes bounds an item's location and reminder, encoded.
	MaxItemJSONBytes = 4 << 10
	// MaxItems bounds a trip's itinerary items.
	MaxItems = 500

	StatusDraft       = "draft"
	StatusPublished   = "published"
	VisibilityPrivate = "private"
	VisibilityPublic  = "public"
	DateLayout        = "2006-01-02"
)

// Errors of trips.
var (
	ErrTripNotFound  = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrEventNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrTooManyItems  = fault.Invalidf("events", "A trip has at most %d events.", MaxItems)
)

var slugPattern = regexp.MustCompile(`^[0-9a-f]{12}$`)

// ValidSlug reports whether s is a trip slug: 12 lowercase hex characters.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

func checkLen(field, v string, max int, required bool) error {
	switch {
	case required && strings.TrimSpace(v) == "":
		return fault.Invalidf(field, "This field may not be blank.")
	case utf8.RuneCountInString(v) > max:
		return fault.Invalidf(field, "Ensure this field has no more than %d characters.", max)
	}
	return nil
}

func checkDate(field, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(DateLayout, v); err != nil {
		return fault.Invalidf(field, "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")
	}
	return nil
}

// CheckJSON bounds an object's encoded size.
func CheckJSON(field string, v map[string]any, max int) error {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fault.Invalidf(field, "Value must be valid JSON.")
	}
	if len(b) > max {
		return fault.Invalidf(field, "Ensure this JSON object has no more than %d bytes.", max)
	}
	return nil
}

// CheckPlan validates a plan's fields; empty status and visibility take
// draft and private.
func CheckPlan(p Plan) (Plan, error) {
	if p.Status == "" {
		p.Status = StatusDraft
	}
	if p.Visibility == "" {
		p.Visibility = VisibilityPrivate
	}
	p.Title = strings.TrimSpace(p.Title)
	var errs []error
	errs = append(errs,
		checkLen("title", p.Title, MaxTitleLength, true),
		checkLen("description", p.Description, MaxDescriptionLength, false),
		checkLen("icon", p.Icon, MaxIconLength, false),
		checkLen("theme_color", p.ThemeColor, MaxThemeColorLength, false),
		checkLen("background_music", p.BackgroundMusic, MaxMusicLength, false),
		checkDate("start_date", p.StartDate), checkDate("end_date", p.EndDate),
		CheckJSON("config", p.Config, MaxJSONBytes), CheckJSON("overview", p.Overview, MaxJSONBytes))
	if p.Status != StatusDraft && p.Status != StatusPublished {
		errs = append(errs, fault.Invalidf("status", "\"%s\" is not a valid choice.", p.Status))
	}
	if p.Visibility != VisibilityPrivate && p.Visibility != VisibilityPublic {
		errs = append(errs, fault.Invalidf("visibility", "\"%s\" is not a valid choice.", p.Visibility))
	}
	if p.StartDate != "" && p.EndDate != "" && p.EndDate < p.StartDate {
		errs = append(errs, fault.Invalidf("end_date", "The end date must not be before the start date."))
	}
	return p, errors.Join(errs...)
}

// DaysCount is the number of days from start to end inclusive (0 without
// both dates).
func DaysCount(start, end string) int {
	s, err1 := time.Parse(DateLayout, start)
	e, err2 := time.Parse(DateLayout, end)
	if err1 != nil || err2 != nil || e.Before(s) {
		return 0
	}
	return int(e.Sub(s).Hours()/24) + 1
}

// Trip is a trip's state, folded from its stream.
type Trip struct {
	ID       int64
	Slug     string
	AuthorID int64
	Plan     Plan
	Deleted  bool
	Items    map[int64]*ItemState
}

// ItemState is an itinerary item's state.
type ItemState struct {
	Item      Item
	Completed bool
}

// Exists reports whether the trip was created and not deleted.
func (t Trip) Exists() bool { return t.ID != 0 && !t.Deleted }

// Public reports whether everyone sees the trip.
func (t Trip) Public() bool { return t.Plan.Visibility == VisibilityPublic }

// VisibleTo reports whether the actor may see the trip: a public one
// everyone, a private one its author and administrators.
func (t Trip) VisibleTo(a access.Actor) bool {
	return t.Exists() && (t.Public() || a.Owns(t.AuthorID) || a.Admin)
}

// TripFrom folds a trip stream's history.
func TripFrom(history []eventlog.Envelope) Trip {
	t := Trip{Items: map[int64]*ItemState{}}
	for _, env := range history {
		switch e := env.Event.(type) {
		case TripPlanCreated:
			t.ID, t.Slug, t.AuthorID, t.Plan = e.TripID, e.Slug, e.AuthorID, e.Plan
		case TripPlanChanged:
			t.Plan = e.Plan
		case TripPlanDeleted:
			t.Deleted = true
		case TripEventAdded:
			t.Items[e.EventID] = &ItemState{Item: e.Item}
		case TripEventChanged:
			if it, ok := t.Items[e.EventID]; ok {
				it.Item = e.Item
			}
		case TripEventRemoved:
			delete(t.Items, e.EventID)
		case TripEventCompletionSet:
			if it, ok := t.Items[e.EventID]; ok {
				it.Completed = e.Completed
			}
		}
	}
	return t
}

// CreatePlan decides a new plan by author with an allocated id and slug.
func CreatePlan(id int64, slug string, author int64, clonedFrom int64, p Plan, now time.Time) (TripPlanCreated, error) {
	if author <= 0 {
		return TripPlanCreated{}, access.ErrUnauthenticated
	}
	p, err := CheckPlan(p)
	if err != nil {
		return TripPlanCreated{}, err
	}
	return TripPlanCreated{TripID: id, Slug: slug, AuthorID: author, ClonedFrom: clonedFrom, Plan: p, CreatedAt: now}, nil
}

// mayEdit checks that the actor may edit the trip: 404 when they cannot
// see it, 403 when they see it but are neither its author nor an admin.
func mayEdit(t Trip, a access.Actor) error {
	if !t.VisibleTo(a) {
		return ErrTripNotFound
	}
	if !a.Owns(t.AuthorID) && !a.Admin {
		return access.ErrForbidden
	}
	return nil
}

// Patch is an edit of a plan: nil fields are kept.
type Patch struct {
	Title, Description, Icon, StartDate, EndDate, Status, Visibility, ThemeColor, BackgroundMusic *string
	Config, Overview                                                                              *map[string]any
}

// Apply returns p with the patch's fields.
func (pt Patch) Apply(p Plan) Plan {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Title, pt.Title)
	set(&p.Description, pt.Description)
	set(&p.Icon, pt.Icon)
	set(&p.StartDate, pt.StartDate)
	set(&p.EndDate, pt.EndDate)
	set(&p.Status, pt.Status)
	set(&p.Visibility, pt.Visibility)
	set(&p.ThemeColor, pt.ThemeColor)
	set(&p.BackgroundMusic, pt.BackgroundMusic)
	if pt.Config != nil {
		p.Config = *pt.Config
	}
	if pt.Overview != nil {
		p.Overview = *pt.Overview
	}
	return p
}

// ChangePlan decides an edit by the author or an admin; an edit that
// changes nothing appends nothing.
func ChangePlan(t Trip, a access.Actor, pt Patch, now time.Time) (*TripPlanChanged, error) {
	if err := mayEdit(t, a); err != nil {
		return nil, err
	}
	p, err := CheckPlan(pt.Apply(t.Plan))
	if err != nil {
		return nil, err
	}
	if samePlan(p, t.Plan) {
		return nil, nil
	}
	return &TripPlanChanged{TripID: t.ID, ChangedBy: a.UserID, Plan: p, ChangedAt: now}, nil
}

func samePlan(a, b Plan) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// DeletePlan decides a deletion by the author or an admin.
func DeletePlan(t Trip, a access.Actor, now time.Time) (TripPlanDeleted, error) {
	if err := mayEdit(t, a); err != nil {
		return TripPlanDeleted{}, err
	}
	return TripPlanDeleted{TripID: t.ID, Slug: t.Slug, DeletedBy: a.UserID, DeletedAt: now}, nil
}
