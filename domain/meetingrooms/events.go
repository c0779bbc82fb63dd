// Package meetingrooms is 001's meeting-room reservation context: rooms that
// admins manage, and reservations that never overlap in one room.
//
// It is pure: decisions take the current state, the time, the time zone and
// allocated ids as arguments and return events or a classified error
// (domain/fault).
//
// Streams:
//
//	meetingroom-<id>                 MeetingRoomAdded, MeetingRoomChanged, MeetingRoomRemoved
//	                                 (each carries the room's whole state: a decision reads
//	                                 only the last event)
//	roomday-<room id>-<yyyymmdd>     ReservationRequested + ReservationConfirmed (appended
//	                                 together), ReservationCancelled, ReservationMoved,
//	                                 ReservationReleased, ReservationMoveReverted: the day's
//	                                 bookings of one room. Each of these but Requested carries
//	                                 the day's bookings after it (at most 48), so a decision
//	                                 reads only the stream's last event
//	reservation-<id>                 ReservationRequested + ReservationRejected: a request
//	                                 refused by the rules (length, past, overlap)
//
// The day of a reservation is its start's calendar day in the configured time
// zone (Asia/Shanghai for 001). A reservation may end at the next midnight at
// the latest: one that would span midnight is rejected, so every booking lives
// in exactly one roomday stream and a decision appends to one stream only. See
// docs/hhu.md for why this bounds what a decision reads.
//
// Ids come from sequences (domain/sequence): "meetingroom" and "reservation".
package meetingrooms

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories.
const (
	RoomCategory        = "meetingroom"
	RoomDayCategory     = "roomday"
	ReservationCategory = "reservation"
)

// Sequence names of the module's ids.
const (
	RoomSequence        = "meetingroom"
	ReservationSequence = "reservation"
)

// RoomStream is the stream of a room.
func RoomStream(id int64) string { return eventlog.StreamID(RoomCategory, strconv.FormatInt(id, 10)) }

// RoomDayStream is the stream of a room's bookings on day ("yyyymmdd").
func RoomDayStream(roomID int64, day string) string {
	return eventlog.StreamID(RoomDayCategory, strconv.FormatInt(roomID, 10)+"-"+day)
}

// ReservationStream is the stream of a rejected reservation request.
func ReservationStream(id int64) string {
	return eventlog.StreamID(ReservationCategory, strconv.FormatInt(id, 10))
}

// Wire names of the events.
const (
	EventMeetingRoomAdded        = "MeetingRoomAdded_v1"
	EventMeetingRoomChanged      = "MeetingRoomChanged_v1"
	EventMeetingRoomRemoved      = "MeetingRoomRemoved_v1"
	EventReservationRequested    = "ReservationRequested_v1"
	EventReservationConfirmed    = "ReservationConfirmed_v1"
	EventReservationRejected     = "ReservationRejected_v1"
	EventReservationCancelled    = "ReservationCancelled_v1"
	EventReservationMoved        = "ReservationMoved_v1"
	EventReservationReleased     = "ReservationReleased_v1"
	EventReservationMoveReverted = "ReservationMoveReverted_v1"
)

// MeetingRoomAdded records a new room (admin).
type MeetingRoomAdded struct {
	RoomID   int64     `json:"room_id"`
	Name     string    `json:"name"`
	Location string    `json:"location"`
	Label    string    `json:"label"`
	Seats    int       `json:"seats"`
	AddedAt  time.Time `json:"added_at"`
}

// MeetingRoomChanged records a room's new state after an edit (admin); every
// field is the room's value after the change.
type MeetingRoomChanged struct {
	RoomID    int64     `json:"room_id"`
	Name      string    `json:"name"`
	Location  string    `json:"location"`
	Label     string    `json:"label"`
	Seats     int       `json:"seats"`
	ChangedAt time.Time `json:"changed_at"`
}

// MeetingRoomRemoved records that a room can no longer be reserved; its past
// reservations stay.
type MeetingRoomRemoved struct {
	RoomID    int64     `json:"room_id"`
	RemovedAt time.Time `json:"removed_at"`
}

// ReservationRequested records a user's request, with the times as sent.
type ReservationRequested struct {
	ReservationID int64     `json:"reservation_id"`
	RoomID        int64     `json:"room_id"`
	UserID        int64     `json:"user_id"`
	ReserveFrom   time.Time `json:"reserve_from"`
	ReserveTo     time.Time `json:"reserve_to"`
	Description   string    `json:"description"`
	RequestedAt   time.Time `json:"requested_at"`
}

// Booking is one confirmed reservation of a room's day.
type Booking struct {
	ReservationID int64     `json:"reservation_id"`
	UserID        int64     `json:"user_id"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
}

// ReservationConfirmed records that a request was granted, with its times
// floored to 30-minute slots. DayBookings is every booking of the room's day
// after this one (this one included), so the next decision needs only this
// event.
type ReservationConfirmed struct {
	ReservationID int64     `json:"reservation_id"`
	RoomID        int64     `json:"room_id"`
	UserID        int64     `json:"user_id"`
	Day           string    `json:"day"`
	ReserveFrom   time.Time `json:"reserve_from"`
	ReserveTo     time.Time `json:"reserve_to"`
	Description   string    `json:"description"`
	ConfirmedAt   time.Time `json:"confirmed_at"`
	DayBookings   []Booking `json:"day_bookings"`
}

// ReservationRejected records that a request was refused; Field and Reason
// are what the client was told.
type ReservationRejected struct {
	ReservationID int64     `json:"reservation_id"`
	RoomID        int64     `json:"room_id"`
	UserID        int64     `json:"user_id"`
	Code          string    `json:"code"`
	Field         string    `json:"field"`
	Reason        string    `json:"reason"`
	RejectedAt    time.Time `json:"rejected_at"`
}

// ReservationCancelled records that a confirmed reservation was cancelled by
// its owner or an admin. DayBookings is the day's bookings left. UserID (the
// owner), ReserveFrom, ReserveTo and Reason (an admin's optional note) were
// added later: events recorded before carry none of them.
type ReservationCancelled struct {
	ReservationID int64     `json:"reservation_id"`
	RoomID        int64     `json:"room_id"`
	Day           string    `json:"day"`
	CancelledBy   int64     `json:"cancelled_by"`
	CancelledAt   time.Time `json:"cancelled_at"`
	DayBookings   []Booking `json:"day_bookings"`
	UserID        int64     `json:"user_id,omitzero"`
	ReserveFrom   time.Time `json:"reserve_from,omitzero"`
	ReserveTo     time.Time `json:"reserve_to,omitzero"`
	Reason        string    `json:"reason,omitzero"`
}

// ReservationMoved records that an admin moved a reservation to a new time
// and possibly another room or day; it is appended to the roomday stream of
// the new room and day, whose bookings (DayBookings, this one included) it
// carries. The From* fields are where the booking was. When room and day stay
// the same, this event is the whole move; otherwise the booking still holds
// its old slot until ReservationReleased is appended to the old roomday
// stream (or ReservationMoveReverted undoes this arrival).
type ReservationMoved struct {
	ReservationID   int64     `json:"reservation_id"`
	UserID          int64     `json:"user_id"`
	RoomID          int64     `json:"room_id"`
	Day             string    `json:"day"`
	ReserveFrom     time.Time `json:"reserve_from"`
	ReserveTo       time.Time `json:"reserve_to"`
	FromRoomID      int64     `json:"from_room_id"`
	FromDay         string    `json:"from_day"`
	FromReserveFrom time.Time `json:"from_reserve_from"`
	FromReserveTo   time.Time `json:"from_reserve_to"`
	MovedBy         int64     `json:"moved_by"`
	Reason          string    `json:"reason"`
	MovedAt         time.Time `json:"moved_at"`
	DayBookings     []Booking `json:"day_bookings"`
}

// Within reports whether the move stayed in one roomday stream.
func (e ReservationMoved) Within() bool { return e.RoomID == e.FromRoomID && e.Day == e.FromDay }

// ReservationReleased records, on the old roomday stream, that a reservation
// moved to another room or day gave up its old slot: the move is complete.
// Moved is the arrival it completes; DayBookings the old day's bookings left.
type ReservationReleased struct {
	ReservationID int64            `json:"reservation_id"`
	RoomID        int64            `json:"room_id"`
	Day           string           `json:"day"`
	Moved         ReservationMoved `json:"moved"`
	ReleasedAt    time.Time        `json:"released_at"`
	DayBookings   []Booking        `json:"day_bookings"`
}

// ReservationMoveReverted records, on the new roomday stream, that a move's
// arrival was undone because the booking changed on its old stream in the
// meantime (cancelled or moved by someone else). Moved is the arrival undone;
// Restored the booking as it is on the old stream (null when gone there);
// DayBookings the new day's bookings left.
type ReservationMoveReverted struct {
	ReservationID int64            `json:"reservation_id"`
	RoomID        int64            `json:"room_id"`
	Day           string           `json:"day"`
	Moved         ReservationMoved `json:"moved"`
	Restored      *Booking         `json:"restored"`
	Cause         string           `json:"cause"`
	RevertedAt    time.Time        `json:"reverted_at"`
	DayBookings   []Booking        `json:"day_bookings"`
}

func (MeetingRoomAdded) EventType() string     { return EventMeetingRoomAdded }
func (MeetingRoomChanged) EventType() string   { return EventMeetingRoomChanged }
func (MeetingRoomRemoved) EventType() string   { return EventMeetingRoomRemoved }
func (ReservationRequested) EventType() string { return EventReservationRequested }
func (ReservationConfirmed) EventType() string { return EventReservationConfirmed }
func (ReservationRejected) EventType() string  { return EventReservationRejected }
func (ReservationCancelled) EventType() string { return EventReservationCancelled }
func (ReservationMoved) EventType() string     { return EventReservationMoved }
func (ReservationReleased) EventType() string  { return EventReservationReleased }
func (ReservationMoveReverted) EventType() string {
	return EventReservationMoveReverted
}

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		MeetingRoomAdded{}, MeetingRoomChanged{}, MeetingRoomRemoved{},
		ReservationRequested{}, ReservationConfirmed{}, ReservationRejected{}, ReservationCancelled{},
		ReservationMoved{}, ReservationReleased{}, ReservationMoveReverted{},
	}
}
