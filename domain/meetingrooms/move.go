package meetingrooms

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/fault"
)

// MaxReasonLength bounds an admin's note on a move or cancellation.
const MaxReasonLength = 255

// ErrMoveRaced refuses a move whose booking changed on its old stream while
// it was moved (cancelled, or moved by someone else): the arrival was undone.
var ErrMoveRaced = &fault.Error{Kind: fault.Conflict, Code: "RESERVATION_CHANGED", Field: "non_field_errors", Message: "预约已被修改，请刷新后重试"}

// ErrMoving refuses a move to a day the reservation is already arriving at
// (another move of it is under way).
var ErrMoving = &fault.Error{Kind: fault.Conflict, Code: "RESERVATION_MOVING", Field: "non_field_errors", Message: "该预约正在被调整，请稍后重试"}

// Move is an admin moving a reservation: to ToRoomID, over [From, To) as
// sent (floored like a request).
type Move struct {
	ReservationID int64
	ToRoomID      int64
	From, To      time.Time
	MovedBy       int64
	Reason        string
}

// CheckReason validates an admin's note.
func CheckReason(reason string) error {
	if utf8.RuneCountInString(reason) > MaxReasonLength {
		return fault.Invalidf("reason", "Ensure this field has no more than %d characters.", MaxReasonLength)
	}
	return nil
}

// CheckMove applies the rules that do not depend on other bookings (those of
// a request) and the note's length.
func CheckMove(m Move, now time.Time, zone *time.Location) error {
	if err := CheckReason(m.Reason); err != nil {
		return err
	}
	if err := checkSlot(m.From, m.To, now, zone); err != nil {
		return err
	}
	return nil
}

// MovableBooking returns the booking of the reservation on its current day,
// if it exists and has not ended.
func MovableBooking(day DayState, reservationID int64, now time.Time) (Booking, error) {
	b, ok := day.Find(reservationID)
	if !ok {
		return Booking{}, ErrReservationNotFound
	}
	if !b.To.After(now) {
		return Booking{}, ErrAlreadyEnded
	}
	return b, nil
}

// Unchanged reports whether moving booking b (in room) as m would leave it
// where it is: same room, same floored times. Such a move appends nothing.
func Unchanged(b Booking, room int64, m Move, zone *time.Location) bool {
	return m.ToRoomID == room && Floor(m.From, zone).Equal(b.From) && Floor(m.To, zone).Equal(b.To)
}

// Arrive decides a move of booking b (on fromRoom's fromDay) into the room
// and day of the move's floored start, whose bookings are target (the same
// state as the old day when room and day stay: then b's old slot is freed in
// the same event). The rules are a request's: 30 min to 3 h, in the future,
// not across midnight, no overlap with another booking (touching is fine).
func Arrive(room Room, target DayState, b Booking, fromRoom int64, fromDay string, m Move, now time.Time, zone *time.Location) (ReservationMoved, error) {
	if !room.Exists() {
		return ReservationMoved{}, ErrRoomGone
	}
	if err := CheckMove(m, now, zone); err != nil {
		return ReservationMoved{}, err
	}
	from, to := Floor(m.From, zone), Floor(m.To, zone)
	day := Day(from, zone)
	within := m.ToRoomID == fromRoom && day == fromDay
	if !within {
		if _, ok := target.Find(b.ReservationID); ok {
			return ReservationMoved{}, ErrMoving
		}
	}
	if target.overlaps(from, to, b.ReservationID) {
		return ReservationMoved{}, ErrOverlap
	}
	bookings := slices.DeleteFunc(slices.Clone(target.Bookings), func(x Booking) bool { return x.ReservationID == b.ReservationID })
	bookings = append(bookings, Booking{ReservationID: b.ReservationID, UserID: b.UserID, From: from.UTC(), To: to.UTC()})
	slices.SortFunc(bookings, func(x, y Booking) int { return x.From.Compare(y.From) })
	return ReservationMoved{
		ReservationID: b.ReservationID, UserID: b.UserID, RoomID: m.ToRoomID, Day: day,
		ReserveFrom: from.UTC(), ReserveTo: to.UTC(),
		FromRoomID: fromRoom, FromDay: fromDay, FromReserveFrom: b.From, FromReserveTo: b.To,
		MovedBy: m.MovedBy, Reason: m.Reason, MovedAt: now, DayBookings: bookings,
	}, nil
}

// Release decides, on the old day of a move to another room or day, that the
// booking gives up its old slot. It fails with ErrMoveRaced when the booking
// is no longer there as it was when the move began.
func Release(old DayState, moved ReservationMoved, now time.Time) (ReservationReleased, error) {
	b, ok := old.Find(moved.ReservationID)
	if !ok || !b.From.Equal(moved.FromReserveFrom) || !b.To.Equal(moved.FromReserveTo) {
		return ReservationReleased{}, ErrMoveRaced
	}
	left := slices.DeleteFunc(slices.Clone(old.Bookings), func(x Booking) bool { return x.ReservationID == moved.ReservationID })
	if left == nil {
		left = []Booking{}
	}
	return ReservationReleased{ReservationID: moved.ReservationID, RoomID: moved.FromRoomID, Day: moved.FromDay,
		Moved: moved, ReleasedAt: now, DayBookings: left}, nil
}

// Revert decides, on the new day, that an arrival whose release failed is
// undone. old is the old day as the failed release found it: the booking's
// state there is what the reservation is again (Restored; nil when it is gone,
// e.g. cancelled). It appends nothing (nil) when the arrival is no longer
// there as moved (cancelled or moved again meanwhile).
func Revert(target, old DayState, moved ReservationMoved, cause string, now time.Time) *ReservationMoveReverted {
	b, ok := target.Find(moved.ReservationID)
	if !ok || !b.From.Equal(moved.ReserveFrom) || !b.To.Equal(moved.ReserveTo) {
		return nil
	}
	left := slices.DeleteFunc(slices.Clone(target.Bookings), func(x Booking) bool { return x.ReservationID == moved.ReservationID })
	if left == nil {
		left = []Booking{}
	}
	var restored *Booking
	if ob, ok := old.Find(moved.ReservationID); ok {
		restored = &ob
	}
	return &ReservationMoveReverted{ReservationID: moved.ReservationID, RoomID: moved.RoomID, Day: moved.Day,
		Moved: moved, Restored: restored, Cause: cause, RevertedAt: now, DayBookings: left}
}
