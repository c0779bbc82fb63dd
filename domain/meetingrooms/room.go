package meetingrooms

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of a room's fields (the original Django model's max_length).
const (
	MaxNameLength     = 64
	MaxLocationLength = 128
	MaxLabelLength    = 64
	MaxSeats          = 10000
)

// RoomSpec is what an admin sets on a room.
type RoomSpec struct {
	Name     string
	Location string
	Label    string
	Seats    int
}

// RoomPatch is a partial edit: nil fields keep their value.
type RoomPatch struct {
	Name     *string
	Location *string
	Label    *string
	Seats    *int
}

// Room is a room's current state, carried by its stream's last event.
type Room struct {
	ID int64
	RoomSpec
	exists  bool
	removed bool
}

// Exists reports whether the room was added and not removed.
func (r Room) Exists() bool { return r.exists && !r.removed }

// RoomFrom returns the state carried by a room stream's last event (nil: none).
func RoomFrom(last eventlog.Event) Room {
	switch e := last.(type) {
	case MeetingRoomAdded:
		return Room{ID: e.RoomID, RoomSpec: RoomSpec{Name: e.Name, Location: e.Location, Label: e.Label, Seats: e.Seats}, exists: true}
	case MeetingRoomChanged:
		return Room{ID: e.RoomID, RoomSpec: RoomSpec{Name: e.Name, Location: e.Location, Label: e.Label, Seats: e.Seats}, exists: true}
	case MeetingRoomRemoved:
		return Room{ID: e.RoomID, exists: true, removed: true}
	}
	return Room{}
}

// ErrRoomNotFound answers an edit of a room that does not exist.
var ErrRoomNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")

// Validate checks a spec the way the original serializer did.
func (s RoomSpec) Validate() error {
	var errs []error
	check := func(field, v string, max int, allowBlank bool) {
		switch {
		case !allowBlank && strings.TrimSpace(v) == "":
			errs = append(errs, fault.Invalidf(field, "This field may not be blank."))
		case utf8.RuneCountInString(v) > max:
			errs = append(errs, fault.Invalidf(field, "Ensure this field has no more than %d characters.", max))
		}
	}
	check("name", s.Name, MaxNameLength, false)
	check("location", s.Location, MaxLocationLength, false)
	check("label", s.Label, MaxLabelLength, true)
	switch {
	case s.Seats < 0:
		errs = append(errs, fault.Invalidf("seats", "Ensure this value is greater than or equal to 0."))
	case s.Seats > MaxSeats:
		errs = append(errs, fault.Invalidf("seats", "Ensure this value is less than or equal to %d.", MaxSeats))
	}
	return errors.Join(errs...)
}

func normalize(s RoomSpec) RoomSpec {
	s.Name = strings.TrimSpace(s.Name)
	s.Location = strings.TrimSpace(s.Location)
	s.Label = strings.TrimSpace(s.Label)
	return s
}

// AddRoom decides a new room with an allocated id.
func AddRoom(id int64, spec RoomSpec, now time.Time) (MeetingRoomAdded, error) {
	spec = normalize(spec)
	if err := spec.Validate(); err != nil {
		return MeetingRoomAdded{}, err
	}
	return MeetingRoomAdded{RoomID: id, Name: spec.Name, Location: spec.Location, Label: spec.Label, Seats: spec.Seats, AddedAt: now}, nil
}

// ChangeRoom decides an edit of an existing room. An edit that changes
// nothing appends nothing (nil event, nil error).
func ChangeRoom(r Room, p RoomPatch, now time.Time) (*MeetingRoomChanged, error) {
	if !r.Exists() {
		return nil, ErrRoomNotFound
	}
	spec := r.RoomSpec
	if p.Name != nil {
		spec.Name = *p.Name
	}
	if p.Location != nil {
		spec.Location = *p.Location
	}
	if p.Label != nil {
		spec.Label = *p.Label
	}
	if p.Seats != nil {
		spec.Seats = *p.Seats
	}
	spec = normalize(spec)
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if spec == r.RoomSpec {
		return nil, nil
	}
	return &MeetingRoomChanged{RoomID: r.ID, Name: spec.Name, Location: spec.Location, Label: spec.Label, Seats: spec.Seats, ChangedAt: now}, nil
}

// RemoveRoom decides the removal of a room.
func RemoveRoom(r Room, now time.Time) (MeetingRoomRemoved, error) {
	if !r.Exists() {
		return MeetingRoomRemoved{}, ErrRoomNotFound
	}
	return MeetingRoomRemoved{RoomID: r.ID, RemovedAt: now}, nil
}
