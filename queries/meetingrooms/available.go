package meetingrooms

import (
	"context"
	"fmt"
	"time"
)

// SlotStep is the spacing of the start times offered for a length: bookings
// are floored to half hours, so slots start on half hours.
const SlotStep = 30 * time.Minute

// Availability asks which rooms are free (GET /meetingrooms/available/).
type Availability struct {
	From, To    time.Time
	PeopleCount int    // rooms with at least this many seats
	Label       string // exact label, "" for any
	Location    string // exact location, "" for any
	// Length, when not zero, asks for every free slot of this length inside
	// the window instead of the rooms free over the whole window.
	Length time.Duration
	// Now hides slots that have already ended.
	Now time.Time
	// AllRooms keeps every room that answers the filters, free or not, with
	// its reservations (001's mini-program draws each room's day), instead
	// of the free rooms or slots.
	AllRooms bool
	// Viewer asks: a member of the staff, or an administrator
	// (ViewerIsAdmin); any other viewer gets ErrNotMember.
	Viewer        int64
	ViewerIsAdmin bool
}

// Slot is a free time span.
type Slot struct{ From, To time.Time }

// AvailableRoom is a room with its reservations inside the window and, when a
// length was asked, its free slots.
type AvailableRoom struct {
	Room
	Reservations []Reservation
	Slots        []Slot
}

// LocationGroup is the available rooms of one location.
type LocationGroup struct {
	Location string
	Rooms    []AvailableRoom
}

// Available answers an availability query: without a length, the rooms with
// no reservation overlapping [From, To); with one, the rooms that have at
// least one free slot of that length inside the window, with every such slot
// (starting on each half hour); with AllRooms, every room. Rooms are grouped
// by location, in order of location and id.
func (q *Queries) Available(ctx context.Context, a Availability) ([]LocationGroup, error) {
	if !a.ViewerIsAdmin {
		ok, err := q.members.IsMember(ctx, a.Viewer)
		if err != nil {
			return nil, fmt.Errorf("available rooms: %w", err)
		}
		if !ok {
			return nil, ErrNotMember
		}
	}
	rows, err := q.db.Query(ctx, `
SELECT r.id, r.name, r.location, r.label, r.seats,
       v.id, v.room_id, v.user_id, v.day, v.reserve_from, v.reserve_to, v.description, v.created_at
  FROM `+ProjectionName+`.rooms r
  LEFT JOIN `+ProjectionName+`.reservations v
         ON v.room_id = r.id AND NOT v.cancelled AND v.reserve_from < $2 AND v.reserve_to > $1
 WHERE NOT r.removed AND r.seats >= $3 AND ($4 = '' OR r.label = $4) AND ($5 = '' OR r.location = $5)
 ORDER BY r.location, r.id, v.reserve_from`, a.From, a.To, a.PeopleCount, a.Label, a.Location)
	if err != nil {
		return nil, fmt.Errorf("available rooms: %w", err)
	}
	var rooms []AvailableRoom
	for rows.Next() {
		var r Room
		var v struct {
			id, roomID, userID *int64
			day, desc          *string
			from, to, created  *time.Time
		}
		if err := rows.Scan(&r.ID, &r.Name, &r.Location, &r.Label, &r.Seats,
			&v.id, &v.roomID, &v.userID, &v.day, &v.from, &v.to, &v.desc, &v.created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("available rooms: %w", err)
		}
		if len(rooms) == 0 || rooms[len(rooms)-1].ID != r.ID {
			rooms = append(rooms, AvailableRoom{Room: r, Reservations: []Reservation{}})
		}
		if v.id != nil {
			last := &rooms[len(rooms)-1]
			last.Reservations = append(last.Reservations, Reservation{ID: *v.id, RoomID: *v.roomID, UserID: *v.userID,
				Day: *v.day, From: *v.from, To: *v.to, Description: *v.desc, CreatedAt: *v.created})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("available rooms: %w", err)
	}
	return group(rooms, a), nil
}

// group keeps the rooms that answer the query and groups them by location.
func group(rooms []AvailableRoom, a Availability) []LocationGroup {
	out := []LocationGroup{}
	for _, r := range rooms {
		switch {
		case a.AllRooms:
		case a.Length == 0:
			if len(r.Reservations) > 0 {
				continue
			}
		default:
			r.Slots = FreeSlots(a.From, a.To, a.Length, a.Now, r.Reservations)
			if len(r.Slots) == 0 {
				continue
			}
		}
		if len(out) == 0 || out[len(out)-1].Location != r.Location {
			out = append(out, LocationGroup{Location: r.Location})
		}
		g := &out[len(out)-1]
		g.Rooms = append(g.Rooms, r)
	}
	return out
}

// FreeSlots lists every span of length that starts on a half hour inside
// [from, to), ends by to and after now, and overlaps none of the
// reservations (touching is free).
func FreeSlots(from, to time.Time, length time.Duration, now time.Time, reservations []Reservation) []Slot {
	slots := []Slot{}
	if length <= 0 {
		return slots
	}
	start := from.Truncate(SlotStep)
	if start.Before(from) {
		start = start.Add(SlotStep)
	}
	for s := start; !s.Add(length).After(to); s = s.Add(SlotStep) {
		e := s.Add(length)
		if !e.After(now) {
			continue
		}
		free := true
		for _, r := range reservations {
			if s.Before(r.To) && r.From.Before(e) {
				free = false
				break
			}
		}
		if free {
			slots = append(slots, Slot{From: s, To: e})
		}
	}
	return slots
}
