package meetingrooms_test

import (
	"errors"
	"testing"

	"github.com/fiveapis/backend/domain/meetingrooms"
)

func TestMove(t *testing.T) {
	now := at("2026-03-02 09:05")
	mine := meetingrooms.Booking{ReservationID: 1, UserID: 9, From: at("2026-03-02 10:00").UTC(), To: at("2026-03-02 11:00").UTC()}
	other := meetingrooms.Booking{ReservationID: 2, UserID: 8, From: at("2026-03-02 14:00").UTC(), To: at("2026-03-02 16:00").UTC()}
	day := meetingrooms.DayState{Bookings: []meetingrooms.Booking{mine, other}}
	tests := []struct {
		name     string
		from, to string
		want     error
	}{
		{"later the same day", "2026-03-02 12:10", "2026-03-02 13:00", nil},
		{"overlapping itself only", "2026-03-02 10:30", "2026-03-02 11:30", nil},
		{"touching the other", "2026-03-02 13:00", "2026-03-02 14:00", nil},
		{"overlapping the other", "2026-03-02 13:30", "2026-03-02 14:30", meetingrooms.ErrOverlap},
		{"too long", "2026-03-02 10:00", "2026-03-02 13:30", meetingrooms.ErrTooLong},
		{"in the past", "2026-03-02 07:00", "2026-03-02 08:00", meetingrooms.ErrInPast},
		{"across midnight", "2026-03-02 23:00", "2026-03-03 00:30", meetingrooms.ErrSpansMidnight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := meetingrooms.Move{ReservationID: 1, ToRoomID: 7, From: at(tt.from), To: at(tt.to), MovedBy: 1, Reason: "调整"}
			moved, err := meetingrooms.Arrive(room(), day, mine, 7, "20260302", m, now, zone)
			if tt.want != nil || err != nil {
				if !errors.Is(err, tt.want) || tt.want == nil {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if !moved.Within() || len(moved.DayBookings) != 2 || !moved.FromReserveFrom.Equal(mine.From) {
				t.Fatalf("moved: %+v", moved)
			}
			if b, _ := meetingrooms.DayFrom(moved).Find(1); !b.From.Equal(meetingrooms.Floor(at(tt.from), zone)) {
				t.Errorf("booking after the move: %+v", b)
			}
		})
	}
}

func TestMoveToAnotherDay(t *testing.T) {
	now := at("2026-03-02 09:05")
	mine := meetingrooms.Booking{ReservationID: 1, UserID: 9, From: at("2026-03-02 10:00").UTC(), To: at("2026-03-02 11:00").UTC()}
	old := meetingrooms.DayState{Bookings: []meetingrooms.Booking{mine}}
	m := meetingrooms.Move{ReservationID: 1, ToRoomID: 7, From: at("2026-03-03 10:00"), To: at("2026-03-03 11:00"), MovedBy: 1}
	moved, err := meetingrooms.Arrive(room(), meetingrooms.DayState{}, mine, 7, "20260302", m, now, zone)
	if err != nil || moved.Within() || moved.Day != "20260303" {
		t.Fatalf("arrive: %+v %v", moved, err)
	}
	// A second arrival of the same reservation on that day is refused.
	if _, err := meetingrooms.Arrive(room(), meetingrooms.DayFrom(moved), mine, 7, "20260302", m, now, zone); !errors.Is(err, meetingrooms.ErrMoving) {
		t.Fatalf("second arrival: %v", err)
	}
	released, err := meetingrooms.Release(old, moved, now)
	if err != nil || len(released.DayBookings) != 0 {
		t.Fatalf("release: %+v %v", released, err)
	}
	// Released already (or cancelled): the release is refused and the
	// arrival reverted, restoring nothing.
	if _, err := meetingrooms.Release(meetingrooms.DayFrom(released), moved, now); !errors.Is(err, meetingrooms.ErrMoveRaced) {
		t.Fatalf("release twice: %v", err)
	}
	r := meetingrooms.Revert(meetingrooms.DayFrom(moved), meetingrooms.DayState{}, moved, "x", now)
	if r == nil || len(r.DayBookings) != 0 || r.Restored != nil {
		t.Fatalf("revert: %+v", r)
	}
	// Moved meanwhile on its old day: restored as it is there.
	shifted := mine
	shifted.From, shifted.To = at("2026-03-02 15:00").UTC(), at("2026-03-02 16:00").UTC()
	if _, err := meetingrooms.Release(meetingrooms.DayState{Bookings: []meetingrooms.Booking{shifted}}, moved, now); !errors.Is(err, meetingrooms.ErrMoveRaced) {
		t.Fatalf("release after a move on the old day: %v", err)
	}
	r = meetingrooms.Revert(meetingrooms.DayFrom(moved), meetingrooms.DayState{Bookings: []meetingrooms.Booking{shifted}}, moved, "x", now)
	if r == nil || r.Restored == nil || !r.Restored.From.Equal(shifted.From) {
		t.Fatalf("revert: %+v", r)
	}
	// An arrival no longer there is not reverted.
	if meetingrooms.Revert(meetingrooms.DayState{}, old, moved, "x", now) != nil {
		t.Fatal("reverted an arrival that is gone")
	}
	// Ended bookings cannot be moved.
	if _, err := meetingrooms.MovableBooking(old, 1, at("2026-03-02 11:00")); !errors.Is(err, meetingrooms.ErrAlreadyEnded) {
		t.Fatalf("ended: %v", err)
	}
}
