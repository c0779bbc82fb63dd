package trips

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of an itinerary item.
const (
	MaxItemTitleLength       = 200
	MaxItemDescriptionLength = 2000
)

// CheckItem validates an item's fields (field names prefixed with prefix,
// e.g. "events[2].").
func CheckItem(prefix string, it Item) (Item, error) {
	it.Title = strings.TrimSpace(it.Title)
	return it, errors.Join(
		checkLen(prefix+"title", it.Title, MaxItemTitleLength, true),
		checkLen(prefix+"description", it.Description, MaxItemDescriptionLength, false),
		CheckJSON(prefix+"location", it.Location, MaxItemJSONBytes),
		CheckJSON(prefix+"reminder", it.Reminder, MaxItemJSONBytes))
}

// AddItems decides new items by the trip's author (or an admin), with
// allocated ids: anyone else is refused 403 (404 when the trip is not
// visible to them).
func AddItems(t Trip, a access.Actor, ids []int64, items []Item, now time.Time) ([]TripEventAdded, error) {
	if err := mayEdit(t, a); err != nil {
		return nil, err
	}
	if len(t.Items)+len(items) > MaxItems {
		return nil, ErrTooManyItems
	}
	out := make([]TripEventAdded, 0, len(items))
	var errs []error
	for i, it := range items {
		prefix := ""
		if len(items) > 1 {
			prefix = "events[" + strconv.Itoa(i) + "]."
		}
		it, err := CheckItem(prefix, it)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, TripEventAdded{TripID: t.ID, EventID: ids[i], Item: it, AddedAt: now})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// itemFor finds an item the actor may edit: another's trip's item is 404.
func itemFor(t Trip, a access.Actor, id int64) (*ItemState, error) {
	if !t.Exists() || (!a.Owns(t.AuthorID) && !a.Admin) {
		return nil, ErrEventNotFound
	}
	it, ok := t.Items[id]
	if !ok {
		return nil, ErrEventNotFound
	}
	return it, nil
}

// ItemPatch is an edit of an item: nil fields are kept.
type ItemPatch struct {
	Title, Description *string
	EventTime          **time.Time
	Location, Reminder *map[string]any
}

// ChangeItem decides an edit of an item by the author (others: 404); no
// change appends nothing.
func ChangeItem(t Trip, a access.Actor, id int64, p ItemPatch, now time.Time) (*TripEventChanged, Item, error) {
	st, err := itemFor(t, a, id)
	if err != nil {
		return nil, Item{}, err
	}
	it := st.Item
	if p.Title != nil {
		it.Title = *p.Title
	}
	if p.Description != nil {
		it.Description = *p.Description
	}
	if p.EventTime != nil {
		it.EventTime = *p.EventTime
	}
	if p.Location != nil {
		it.Location = *p.Location
	}
	if p.Reminder != nil {
		it.Reminder = *p.Reminder
	}
	it, err = CheckItem("", it)
	if err != nil {
		return nil, Item{}, err
	}
	if reflect.DeepEqual(it, st.Item) {
		return nil, it, nil
	}
	return &TripEventChanged{TripID: t.ID, EventID: id, Item: it, ChangedAt: now}, it, nil
}

// RemoveItem decides an item's removal by the author (others: 404).
func RemoveItem(t Trip, a access.Actor, id int64, now time.Time) (TripEventRemoved, error) {
	if _, err := itemFor(t, a, id); err != nil {
		return TripEventRemoved{}, err
	}
	return TripEventRemoved{TripID: t.ID, EventID: id, RemovedAt: now}, nil
}

// ToggleItem decides flipping an item's completion (others: 404).
func ToggleItem(t Trip, a access.Actor, id int64, now time.Time) (TripEventCompletionSet, error) {
	st, err := itemFor(t, a, id)
	if err != nil {
		return TripEventCompletionSet{}, err
	}
	return TripEventCompletionSet{TripID: t.ID, EventID: id, Completed: !st.Completed, SetAt: now}, nil
}

// ErrInvalidTime is an item's time that cannot be read.
var ErrInvalidTime = fault.Invalidf("event_time", "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
