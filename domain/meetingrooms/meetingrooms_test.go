package meetingrooms_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

var zone = time.FixedZone("CST", 8*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
	if err != nil {
		panic(err)
	}
	return t
}

func room() meetingrooms.Room {
	added, err := meetingrooms.AddRoom(7, meetingrooms.RoomSpec{Name: "A101", Location: "勤学楼", Label: "大", Seats: 20}, at("2026-01-01 08:00"))
	if err != nil {
		panic(err)
	}
	return meetingrooms.RoomFrom(added)
}

func TestReserve(t *testing.T) {
	now := at("2026-03-02 09:05")
	existing := meetingrooms.DayState{Bookings: []meetingrooms.Booking{
		{ReservationID: 1, UserID: 9, From: at("2026-03-02 10:00").UTC(), To: at("2026-03-02 10:30").UTC()},
		{ReservationID: 2, UserID: 9, From: at("2026-03-02 14:00").UTC(), To: at("2026-03-02 16:00").UTC()},
	}}
	tests := []struct {
		name             string
		from, to         string
		wantErr          error
		wantFrom, wantTo string
	}{
		{name: "floored to 30 minutes", from: "2026-03-02 11:17", to: "2026-03-02 12:59", wantFrom: "2026-03-02 11:00", wantTo: "2026-03-02 12:30"},
		{name: "exactly 30 minutes", from: "2026-03-02 11:00", to: "2026-03-02 11:30", wantFrom: "2026-03-02 11:00", wantTo: "2026-03-02 11:30"},
		{name: "exactly 3 hours", from: "2026-03-02 17:00", to: "2026-03-02 20:00", wantFrom: "2026-03-02 17:00", wantTo: "2026-03-02 20:00"},
		{name: "shorter than 30 minutes after flooring", from: "2026-03-02 11:10", to: "2026-03-02 11:29", wantErr: meetingrooms.ErrTooShort},
		{name: "floored to 0 length", from: "2026-03-02 11:00", to: "2026-03-02 11:20", wantErr: meetingrooms.ErrTooShort},
		{name: "end before start", from: "2026-03-02 12:00", to: "2026-03-02 11:00", wantErr: meetingrooms.ErrEndBeforeStart},
		{name: "longer than 3 hours", from: "2026-03-02 17:00", to: "2026-03-02 20:30", wantErr: meetingrooms.ErrTooLong},
		{name: "ended in the past", from: "2026-03-02 08:00", to: "2026-03-02 09:00", wantErr: meetingrooms.ErrInPast},
		{name: "started, ends in the future", from: "2026-03-02 09:00", to: "2026-03-02 09:30", wantFrom: "2026-03-02 09:00", wantTo: "2026-03-02 09:30"},
		{name: "overlaps the start", from: "2026-03-02 13:30", to: "2026-03-02 14:30", wantErr: meetingrooms.ErrOverlap},
		{name: "inside another", from: "2026-03-02 14:30", to: "2026-03-02 15:00", wantErr: meetingrooms.ErrOverlap},
		{name: "covers another", from: "2026-03-02 09:30", to: "2026-03-02 11:00", wantErr: meetingrooms.ErrOverlap},
		{name: "same slot", from: "2026-03-02 10:00", to: "2026-03-02 10:30", wantErr: meetingrooms.ErrOverlap},
		{name: "overlap only after flooring", from: "2026-03-02 10:29", to: "2026-03-02 11:00", wantErr: meetingrooms.ErrOverlap},
		{name: "touching before", from: "2026-03-02 09:30", to: "2026-03-02 10:00", wantFrom: "2026-03-02 09:30", wantTo: "2026-03-02 10:00"},
		{name: "touching after", from: "2026-03-02 10:30", to: "2026-03-02 11:00", wantFrom: "2026-03-02 10:30", wantTo: "2026-03-02 11:00"},
		{name: "between two", from: "2026-03-02 10:30", to: "2026-03-02 14:00", wantErr: meetingrooms.ErrTooLong},
		{name: "ends at midnight", from: "2026-03-02 22:00", to: "2026-03-03 00:00", wantFrom: "2026-03-02 22:00", wantTo: "2026-03-03 00:00"},
		{name: "spans midnight", from: "2026-03-02 23:00", to: "2026-03-03 00:30", wantErr: meetingrooms.ErrSpansMidnight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := meetingrooms.Request{ReservationID: 50, RoomID: 7, UserID: 3, From: at(tt.from), To: at(tt.to), Description: "组会"}
			d := meetingrooms.Reserve(room(), existing, req, now, zone)
			if d.Requested.ReservationID != 50 || !d.Requested.ReserveFrom.Equal(at(tt.from)) {
				t.Errorf("requested = %+v", d.Requested)
			}
			if tt.wantErr != nil {
				if !errors.Is(d.Reason, tt.wantErr) || d.Rejected == nil || d.Confirmed != nil {
					t.Fatalf("want rejection %v, got %+v", tt.wantErr, d)
				}
				if got := d.Events(); len(got) != 2 || got[1].EventType() != meetingrooms.EventReservationRejected {
					t.Errorf("events = %v", got)
				}
				return
			}
			if d.Confirmed == nil {
				t.Fatalf("want confirmation, got %v", d.Reason)
			}
			c := d.Confirmed
			if !c.ReserveFrom.Equal(at(tt.wantFrom)) || !c.ReserveTo.Equal(at(tt.wantTo)) {
				t.Errorf("booked %v–%v, want %s–%s", c.ReserveFrom.In(zone), c.ReserveTo.In(zone), tt.wantFrom, tt.wantTo)
			}
			if c.Day != "20260302" || len(c.DayBookings) != 3 {
				t.Errorf("day %s, bookings %v", c.Day, c.DayBookings)
			}
			for i := 1; i < len(c.DayBookings); i++ {
				if c.DayBookings[i].From.Before(c.DayBookings[i-1].From) {
					t.Errorf("bookings not sorted: %v", c.DayBookings)
				}
			}
		})
	}
}

func TestReserveShortRejected(t *testing.T) {
	// 11:00–11:29 floors to 11:00–11:00, a zero length; 11:00–11:59 to
	// 11:00–11:30, the minimum.
	now := at("2026-03-02 09:00")
	req := meetingrooms.Request{ReservationID: 1, RoomID: 7, UserID: 3, From: at("2026-03-02 11:00"), To: at("2026-03-02 11:59")}
	if d := meetingrooms.Reserve(room(), meetingrooms.DayState{}, req, now, zone); d.Confirmed == nil {
		t.Fatalf("11:00–11:59: %v", d.Reason)
	}
}

func TestReserveRemovedRoom(t *testing.T) {
	removed, err := meetingrooms.RemoveRoom(room(), at("2026-03-01 08:00"))
	if err != nil {
		t.Fatal(err)
	}
	req := meetingrooms.Request{ReservationID: 1, RoomID: 7, UserID: 3, From: at("2026-03-02 11:00"), To: at("2026-03-02 12:00")}
	d := meetingrooms.Reserve(meetingrooms.RoomFrom(removed), meetingrooms.DayState{}, req, at("2026-03-02 09:00"), zone)
	if !errors.Is(d.Reason, meetingrooms.ErrRoomGone) {
		t.Fatalf("got %v", d.Reason)
	}
}

func TestCancel(t *testing.T) {
	now := at("2026-03-02 09:00")
	day := meetingrooms.DayState{Bookings: []meetingrooms.Booking{
		{ReservationID: 1, UserID: 9, From: at("2026-03-02 10:00"), To: at("2026-03-02 10:30")},
		{ReservationID: 2, UserID: 8, From: at("2026-03-02 08:00"), To: at("2026-03-02 08:30")},
	}}
	tests := []struct {
		name    string
		id      int64
		by      meetingrooms.Canceller
		wantErr error
	}{
		{name: "owner", id: 1, by: meetingrooms.Canceller{UserID: 9}},
		{name: "admin", id: 1, by: meetingrooms.Canceller{UserID: 1, IsAdmin: true}},
		{name: "someone else", id: 1, by: meetingrooms.Canceller{UserID: 5}, wantErr: meetingrooms.ErrNotOwner},
		{name: "unknown", id: 3, by: meetingrooms.Canceller{UserID: 9}, wantErr: meetingrooms.ErrReservationNotFound},
		{name: "ended", id: 2, by: meetingrooms.Canceller{UserID: 8}, wantErr: meetingrooms.ErrAlreadyEnded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := meetingrooms.Cancel(day, 7, "20260302", tt.id, tt.by, now)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.DayBookings) != 1 || got.DayBookings[0].ReservationID != 2 {
				t.Errorf("left %v", got.DayBookings)
			}
			// After the cancellation the slot can be booked again.
			again := meetingrooms.Reserve(room(), meetingrooms.DayFrom(got), meetingrooms.Request{ReservationID: 4, RoomID: 7, UserID: 5,
				From: at("2026-03-02 10:00"), To: at("2026-03-02 10:30")}, now, zone)
			if again.Confirmed == nil {
				t.Errorf("rebook: %v", again.Reason)
			}
		})
	}
}

func TestRooms(t *testing.T) {
	now := at("2026-01-01 08:00")
	if _, err := meetingrooms.AddRoom(1, meetingrooms.RoomSpec{Name: " ", Location: "", Seats: -1}, now); err == nil {
		t.Fatal("blank room accepted")
	} else {
		var fields []string
		var j interface{ Unwrap() []error }
		if errors.As(err, &j) {
			for _, e := range j.Unwrap() {
				f, _ := fault.As(e)
				fields = append(fields, f.Field)
			}
		}
		if diff := cmp.Diff([]string{"name", "location", "seats"}, fields); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
	}
	r := room()
	name := "A102"
	changed, err := meetingrooms.ChangeRoom(r, meetingrooms.RoomPatch{Name: &name}, now)
	if err != nil || changed == nil || changed.Name != "A102" || changed.Seats != 20 || changed.Location != "勤学楼" {
		t.Fatalf("change: %+v %v", changed, err)
	}
	same := "A101"
	if c, err := meetingrooms.ChangeRoom(r, meetingrooms.RoomPatch{Name: &same}, now); c != nil || err != nil {
		t.Errorf("no-op change: %+v %v", c, err)
	}
	if _, err := meetingrooms.ChangeRoom(meetingrooms.Room{}, meetingrooms.RoomPatch{}, now); !errors.Is(err, meetingrooms.ErrRoomNotFound) {
		t.Errorf("change of missing room: %v", err)
	}
}
