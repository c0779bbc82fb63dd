package roomshttp

import (
	"time"

	"github.com/fiveapis/backend/domain/meetingrooms"
	meetingroomsq "github.com/fiveapis/backend/queries/meetingrooms"
)

func (h *Handlers) ts(t time.Time) string { return t.In(h.zone).Format(time.RFC3339) }

// roomJSON is a room: 001's seats and the original's seats_count (what
// the mini-program reads), the same number.
type roomJSON struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Location   string `json:"location"`
	Label      string `json:"label"`
	Seats      int    `json:"seats"`
	SeatsCount int    `json:"seats_count"`
}

func toRoomJSON(r meetingroomsq.Room) roomJSON {
	return roomJSON{ID: r.ID, Name: r.Name, Location: r.Location, Label: r.Label, Seats: r.Seats, SeatsCount: r.Seats}
}

// roomOut renders a room as a command left it.
func roomOut(r meetingrooms.Room) roomJSON {
	return roomJSON{ID: r.ID, Name: r.Name, Location: r.Location, Label: r.Label, Seats: r.Seats, SeatsCount: r.Seats}
}

type reservationJSON struct {
	ID          int64  `json:"id"`
	Meetingroom int64  `json:"meetingroom"`
	User        int64  `json:"user"`
	ReserveFrom string `json:"reserve_from"`
	ReserveTo   string `json:"reserve_to"`
	Description string `json:"description"`
	Created     string `json:"created,omitempty"`
	Status      string `json:"status,omitempty"`
}

func (h *Handlers) toReservationJSON(r meetingroomsq.Reservation) reservationJSON {
	out := reservationJSON{ID: r.ID, Meetingroom: r.RoomID, User: r.UserID, ReserveFrom: h.ts(r.From), ReserveTo: h.ts(r.To),
		Description: r.Description, Status: "confirmed"}
	if !r.CreatedAt.IsZero() {
		out.Created = h.ts(r.CreatedAt)
	}
	return out
}

type slotJSON struct {
	TimeFrom string `json:"time_from"`
	TimeTo   string `json:"time_to"`
}

type availableRoomJSON struct {
	roomJSON
	Reservations   []reservationJSON `json:"reservations"`
	AvailableTimes []slotJSON        `json:"available_times,omitempty"`
}

type locationJSON struct {
	Location     string              `json:"location"`
	Meetingrooms []availableRoomJSON `json:"meetingrooms"`
}

type contactJSON struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

type conflictJSON struct {
	reservationJSON
	MeetingroomDetail roomJSON    `json:"meetingroom_detail"`
	UserDetail        contactJSON `json:"user_detail"`
}

// roomDayJSON is a room and its bookings in a window, as the mini-program
// draws its day (the original's available_meetingrooms).
type roomDayJSON struct {
	Meetingroom  roomJSON      `json:"meetingroom"`
	Reservations []bookingJSON `json:"reservations"`
}

// bookingJSON is a booking as the mini-program shows it: time_range [from,
// to], who booked (reserve_user: "<username>-<name>") and their mobile to
// call (contact, null when none).
type bookingJSON struct {
	ID          int64     `json:"id"`
	User        int64     `json:"user"`
	TimeRange   [2]string `json:"time_range"`
	ReserveUser string    `json:"reserve_user"`
	Contact     *string   `json:"contact"`
	Description string    `json:"description"`
}

// miniProgramReservationJSON is one of my reservations as the mini-program
// reads it: the room as an object.
type miniProgramReservationJSON struct {
	ID            int64    `json:"id"`
	User          int64    `json:"user"`
	Meetingroom   roomJSON `json:"meetingroom"`
	MeetingroomID int64    `json:"meetingroom_id"`
	ReserveFrom   string   `json:"reserve_from"`
	ReserveTo     string   `json:"reserve_to"`
	Description   string   `json:"description"`
	Created       string   `json:"created,omitempty"`
	Status        string   `json:"status"`
}

// reservationsPage is DRF's page of the mini-program's reservations.
type reservationsPage struct {
	Count    int                          `json:"count"`
	Next     *string                      `json:"next"`
	Previous *string                      `json:"previous"`
	Results  []miniProgramReservationJSON `json:"results"`
}
