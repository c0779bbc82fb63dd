package meetingrooms

import (
	"slices"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// The rules of a booking (the original system's behaviour).
const (
	// Slot is the granularity times are floored to.
	Slot = 30 * time.Minute
	// MinLength and MaxLength bound a booking after flooring.
	MinLength = 30 * time.Minute
	MaxLength = 3 * time.Hour
	// MaxDescriptionLength bounds the description.
	MaxDescriptionLength = 255
)

// The rejections a request can get, with the messages 001's clients show.
var (
	ErrEndBeforeStart = invalidTimes("RESERVATION_END_BEFORE_START", "结束时间必须晚于开始时间")
	ErrTooShort       = invalidTimes("RESERVATION_TOO_SHORT", "预约时长不能少于30分钟")
	ErrTooLong        = invalidTimes("RESERVATION_TOO_LONG", "预约时长不能超过3小时")
	ErrInPast         = invalidTimes("RESERVATION_IN_PAST", "预约结束时间必须晚于当前时间")
	ErrSpansMidnight  = invalidTimes("RESERVATION_SPANS_MIDNIGHT", "预约不能跨天，请分别预约")
	ErrOverlap        = &fault.Error{Kind: fault.Conflict, Code: "RESERVATION_CONFLICT", Field: "non_field_errors", Message: "该时间段会议室已被预约"}
)

// invalidTimes is a rejection of a booking's times, named on reserve_to.
func invalidTimes(code, message string) *fault.Error {
	return &fault.Error{Kind: fault.Invalid, Code: code, Field: "reserve_to", Message: message}
}

// Errors of cancellations.
var (
	ErrReservationNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrNotOwner            = fault.New(fault.Forbidden, "PERMISSION_DENIED", "You do not have permission to perform this action.")
	ErrAlreadyEnded        = &fault.Error{Kind: fault.Invalid, Code: "RESERVATION_ENDED", Field: "non_field_errors", Message: "预约已结束，无法取消"}
)

// Floor returns t floored to its 30-minute slot in zone.
func Floor(t time.Time, zone *time.Location) time.Time {
	t = t.In(zone)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()-t.Minute()%30, 0, 0, zone)
}

// Day is the calendar day ("yyyymmdd") of t in zone.
func Day(t time.Time, zone *time.Location) string { return t.In(zone).Format("20060102") }

// DayOf is the day whose roomday stream decides a request: the day of its
// floored start.
func DayOf(from time.Time, zone *time.Location) string { return Day(Floor(from, zone), zone) }

// DayState is a room's bookings on one day, carried by the last event of its
// roomday stream.
type DayState struct {
	Bookings []Booking
}

// DayFrom returns the state carried by a roomday stream's last event (nil:
// no booking yet).
func DayFrom(last eventlog.Event) DayState {
	switch e := last.(type) {
	case ReservationConfirmed:
		return DayState{Bookings: e.DayBookings}
	case ReservationCancelled:
		return DayState{Bookings: e.DayBookings}
	case ReservationMoved:
		return DayState{Bookings: e.DayBookings}
	case ReservationReleased:
		return DayState{Bookings: e.DayBookings}
	case ReservationMoveReverted:
		return DayState{Bookings: e.DayBookings}
	}
	return DayState{}
}

// Find returns the booking with the id.
func (d DayState) Find(id int64) (Booking, bool) {
	for _, b := range d.Bookings {
		if b.ReservationID == id {
			return b, true
		}
	}
	return Booking{}, false
}

// Overlaps reports whether [a1, a2) and [b1, b2) share time. Touching
// intervals (a2 == b1) do not.
func Overlaps(a1, a2, b1, b2 time.Time) bool { return a1.Before(b2) && b1.Before(a2) }

// Request is a user's reservation request.
type Request struct {
	ReservationID int64
	RoomID        int64
	UserID        int64
	From, To      time.Time
	Description   string
}

// Decision is the outcome of a request: Requested, and Confirmed or Rejected
// (with Reason, the classified error the client gets).
type Decision struct {
	Requested ReservationRequested
	Confirmed *ReservationConfirmed
	Rejected  *ReservationRejected
	Reason    error
}

// Events are the decision's events in order.
func (d Decision) Events() []eventlog.Event {
	if d.Confirmed != nil {
		return []eventlog.Event{d.Requested, *d.Confirmed}
	}
	return []eventlog.Event{d.Requested, *d.Rejected}
}

// CheckRequest validates what is not a rule of the booking but bad input.
func CheckRequest(req Request) error {
	if len([]rune(req.Description)) > MaxDescriptionLength {
		return fault.Invalidf("description", "Ensure this field has no more than %d characters.", MaxDescriptionLength)
	}
	return nil
}

// Reserve decides a request against the bookings of its room's day (the day
// of DayOf(req.From)). Times are floored to 30-minute slots; the booking must
// last 30 min to 3 h, end in the future, end by the next midnight and not
// overlap another booking (touching is fine).
func Reserve(room Room, day DayState, req Request, now time.Time, zone *time.Location) Decision {
	from, to := Floor(req.From, zone), Floor(req.To, zone)
	d := Decision{Requested: ReservationRequested{
		ReservationID: req.ReservationID, RoomID: req.RoomID, UserID: req.UserID,
		ReserveFrom: req.From, ReserveTo: req.To, Description: req.Description, RequestedAt: now,
	}}
	reject := func(err *fault.Error) Decision {
		d.Reason = err
		d.Rejected = &ReservationRejected{ReservationID: req.ReservationID, RoomID: req.RoomID, UserID: req.UserID,
			Code: err.Code, Field: err.Field, Reason: err.Message, RejectedAt: now}
		return d
	}
	if !room.Exists() {
		return reject(ErrRoomGone)
	}
	if err := checkSlot(req.From, req.To, now, zone); err != nil {
		return reject(err)
	}
	if day.overlaps(from, to, 0) {
		return reject(ErrOverlap)
	}
	bookings := append(slices.Clone(day.Bookings), Booking{ReservationID: req.ReservationID, UserID: req.UserID, From: from.UTC(), To: to.UTC()})
	slices.SortFunc(bookings, func(a, b Booking) int { return a.From.Compare(b.From) })
	d.Confirmed = &ReservationConfirmed{
		ReservationID: req.ReservationID, RoomID: req.RoomID, UserID: req.UserID, Day: Day(from, zone),
		ReserveFrom: from.UTC(), ReserveTo: to.UTC(), Description: req.Description, ConfirmedAt: now,
		DayBookings: bookings,
	}
	return d
}

// checkSlot applies the rules of a booking that do not depend on other
// bookings to the times as sent: floored to half hours, 30 min to 3 h, ending
// in the future and by the next midnight.
func checkSlot(reqFrom, reqTo, now time.Time, zone *time.Location) *fault.Error {
	from, to := Floor(reqFrom, zone), Floor(reqTo, zone)
	length := to.Sub(from)
	switch {
	case !reqTo.After(reqFrom):
		return ErrEndBeforeStart
	case length < MinLength:
		return ErrTooShort
	case length > MaxLength:
		return ErrTooLong
	case !to.After(now):
		return ErrInPast
	case Day(from, zone) != Day(to.Add(-time.Nanosecond), zone):
		return ErrSpansMidnight
	}
	return nil
}

// overlaps reports whether [from, to) overlaps a booking of the day other
// than the reservation except (0: none).
func (d DayState) overlaps(from, to time.Time, except int64) bool {
	for _, b := range d.Bookings {
		if b.ReservationID != except && Overlaps(from, to, b.From, b.To) {
			return true
		}
	}
	return false
}

// ErrRoomGone rejects a request for a room removed while it was decided.
var ErrRoomGone = &fault.Error{Kind: fault.Invalid, Code: "ROOM_NOT_FOUND", Field: "meetingroom", Message: "会议室不存在"}

// Canceller is who cancels, and why (an admin's optional note to the owner).
type Canceller struct {
	UserID  int64
	IsAdmin bool
	Reason  string
}

// Cancel decides the cancellation of a booking of a room's day by its owner
// or an admin. A booking that has ended cannot be cancelled.
func Cancel(day DayState, roomID int64, dayKey string, reservationID int64, by Canceller, now time.Time) (ReservationCancelled, error) {
	b, ok := day.Find(reservationID)
	if !ok {
		return ReservationCancelled{}, ErrReservationNotFound
	}
	if b.UserID != by.UserID && !by.IsAdmin {
		return ReservationCancelled{}, ErrNotOwner
	}
	if !b.To.After(now) {
		return ReservationCancelled{}, ErrAlreadyEnded
	}
	left := slices.DeleteFunc(slices.Clone(day.Bookings), func(x Booking) bool { return x.ReservationID == reservationID })
	if left == nil {
		left = []Booking{}
	}
	return ReservationCancelled{ReservationID: reservationID, RoomID: roomID, Day: dayKey, CancelledBy: by.UserID,
		CancelledAt: now, DayBookings: left, UserID: b.UserID, ReserveFrom: b.From, ReserveTo: b.To, Reason: by.Reason}, nil
}
