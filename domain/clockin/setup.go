package clockin

import (
	"errors"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/enrollment"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// MaxLabelLength bounds an item's label.
const MaxLabelLength = 32

// ItemSpec is what an admin sets on an item.
type ItemSpec struct {
	Label    string
	OpenFrom time.Time
	OpenTo   time.Time
}

// ItemPatch is a partial edit: nil fields keep their value.
type ItemPatch struct {
	Label    *string
	OpenFrom *time.Time
	OpenTo   *time.Time
}

// Item is a clock-in item's current state.
type Item struct {
	ID         int64
	ActivityID int64
	ItemSpec
}

// Open reports whether users may clock in at the item at now: OpenFrom <= now
// < OpenTo.
func (it Item) Open(now time.Time) bool { return !now.Before(it.OpenFrom) && now.Before(it.OpenTo) }

// Setup is an activity's clock-in items and staff: the fold of its
// clockinsetup stream.
type Setup struct {
	ActivityID int64
	items      map[int64]Item
	staff      map[int64]bool
}

// SetupFrom folds a clockinsetup stream's events.
func SetupFrom(activityID int64, history []eventlog.Event) Setup {
	s := Setup{ActivityID: activityID, items: map[int64]Item{}, staff: map[int64]bool{}}
	for _, e := range history {
		s.apply(e)
	}
	return s
}

func (s *Setup) apply(e eventlog.Event) {
	switch e := e.(type) {
	case ClockInItemAdded:
		s.items[e.ItemID] = Item{ID: e.ItemID, ActivityID: e.ActivityID, ItemSpec: ItemSpec{Label: e.Label, OpenFrom: e.OpenFrom, OpenTo: e.OpenTo}}
	case ClockInItemChanged:
		s.items[e.ItemID] = Item{ID: e.ItemID, ActivityID: e.ActivityID, ItemSpec: ItemSpec{Label: e.Label, OpenFrom: e.OpenFrom, OpenTo: e.OpenTo}}
	case ClockInItemRemoved:
		delete(s.items, e.ItemID)
	case ClockInStaffAssigned:
		s.staff[e.UserID] = true
	case ClockInStaffUnassigned:
		delete(s.staff, e.UserID)
	}
}

// Item returns the item with the id, if the activity has it.
func (s Setup) Item(id int64) (Item, bool) {
	it, ok := s.items[id]
	return it, ok
}

// IsStaff reports whether the user is the activity's clock-in staff.
func (s Setup) IsStaff(userID int64) bool { return s.staff[userID] }

// Errors of the setup decisions, with the messages 001's clients show.
var (
	ErrItemNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrNotStaff     = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrWindowOrder  = &fault.Error{Kind: fault.Invalid, Code: "CLOCKIN_WINDOW_ORDER", Field: "open_to", Message: "结束时间必须晚于开始时间"}
	ErrLabelTaken   = &fault.Error{Kind: fault.Conflict, Code: "CLOCKIN_LABEL_TAKEN", Field: "label", Message: "该活动已有同名打卡项"}
	ErrLabelSyntax  = &fault.Error{Kind: fault.Invalid, Code: "CLOCKIN_LABEL_SYNTAX", Field: "label",
		Message: "标签不能包含空白、括号或筛选用字：且、或、未、了、但"}
)

// validate checks a spec; s is the activity (for unique labels), self the
// item being edited (0 for a new one).
func (s Setup) validate(spec ItemSpec, self int64) error {
	var errs []error
	switch {
	case spec.Label == "":
		errs = append(errs, fault.Invalidf("label", "This field may not be blank."))
	case utf8.RuneCountInString(spec.Label) > MaxLabelLength:
		errs = append(errs, fault.Invalidf("label", "Ensure this field has no more than %d characters.", MaxLabelLength))
	case !filterLabel(spec.Label):
		errs = append(errs, ErrLabelSyntax)
	default:
		for _, it := range s.items {
			if it.ID != self && it.Label == spec.Label {
				errs = append(errs, ErrLabelTaken)
				break
			}
		}
	}
	if !spec.OpenTo.After(spec.OpenFrom) {
		errs = append(errs, ErrWindowOrder)
	}
	return errors.Join(errs...)
}

// filterLabel reports whether the enrollment filter language reads label as
// exactly that one label, so that admins can filter records by it.
func filterLabel(label string) bool {
	return enrollment.Compile(label).String() == label
}

func normalize(spec ItemSpec) ItemSpec {
	spec.Label = strings.TrimSpace(spec.Label)
	spec.OpenFrom = spec.OpenFrom.UTC()
	spec.OpenTo = spec.OpenTo.UTC()
	return spec
}

// AddItem decides a new item with an allocated id.
func (s Setup) AddItem(id int64, spec ItemSpec, now time.Time) (ClockInItemAdded, error) {
	spec = normalize(spec)
	if err := s.validate(spec, 0); err != nil {
		return ClockInItemAdded{}, err
	}
	return ClockInItemAdded{ItemID: id, ActivityID: s.ActivityID, Label: spec.Label, OpenFrom: spec.OpenFrom, OpenTo: spec.OpenTo, AddedAt: now}, nil
}

// ChangeItem decides an edit of an item. An edit that changes nothing
// appends nothing (nil event, nil error).
func (s Setup) ChangeItem(id int64, p ItemPatch, now time.Time) (*ClockInItemChanged, error) {
	it, ok := s.items[id]
	if !ok {
		return nil, ErrItemNotFound
	}
	spec := it.ItemSpec
	if p.Label != nil {
		spec.Label = *p.Label
	}
	if p.OpenFrom != nil {
		spec.OpenFrom = *p.OpenFrom
	}
	if p.OpenTo != nil {
		spec.OpenTo = *p.OpenTo
	}
	spec = normalize(spec)
	if err := s.validate(spec, id); err != nil {
		return nil, err
	}
	if spec.Label == it.Label && spec.OpenFrom.Equal(it.OpenFrom) && spec.OpenTo.Equal(it.OpenTo) {
		return nil, nil
	}
	return &ClockInItemChanged{ItemID: id, ActivityID: s.ActivityID, Label: spec.Label, OpenFrom: spec.OpenFrom, OpenTo: spec.OpenTo, ChangedAt: now}, nil
}

// RemoveItem decides the removal of an item.
func (s Setup) RemoveItem(id int64, now time.Time) (ClockInItemRemoved, error) {
	if _, ok := s.items[id]; !ok {
		return ClockInItemRemoved{}, ErrItemNotFound
	}
	return ClockInItemRemoved{ItemID: id, ActivityID: s.ActivityID, RemovedAt: now}, nil
}

// AssignStaff decides making a user the activity's clock-in staff; assigning
// staff again appends nothing (nil event).
func (s Setup) AssignStaff(userID int64, now time.Time) *ClockInStaffAssigned {
	if s.staff[userID] {
		return nil
	}
	return &ClockInStaffAssigned{ActivityID: s.ActivityID, UserID: userID, AssignedAt: now}
}

// UnassignStaff decides removing a user from the activity's staff.
func (s Setup) UnassignStaff(userID int64, now time.Time) (ClockInStaffUnassigned, error) {
	if !s.staff[userID] {
		return ClockInStaffUnassigned{}, ErrNotStaff
	}
	return ClockInStaffUnassigned{ActivityID: s.ActivityID, UserID: userID, UnassignedAt: now}, nil
}

// Items returns a copy of the activity's items by id.
func (s Setup) Items() map[int64]Item { return maps.Clone(s.items) }
