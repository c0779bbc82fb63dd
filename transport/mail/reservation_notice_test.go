package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
	"github.com/fiveapis/backend/transport/mail"
)

type fakeDirectory map[int64]string

func (d fakeDirectory) EmailOf(_ context.Context, id int64) (string, error) { return d[id], nil }
func (fakeDirectory) RoomName(_ context.Context, id int64) (string, error) {
	if id == 1 {
		return "A101", nil
	}
	return "", nil
}

func TestReservationNotices(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(s string) time.Time {
		v, _ := time.ParseInLocation("2006-01-02 15:04", s, cst)
		return v.UTC()
	}
	render := mail.ReservationNotices(fakeDirectory{9: "owner@example.com"}, cst)
	within := meetingrooms.ReservationMoved{ReservationID: 5, UserID: 9, RoomID: 1, Day: "20260302", FromRoomID: 1, FromDay: "20260302",
		ReserveFrom: at("2026-03-02 14:00"), ReserveTo: at("2026-03-02 15:00"),
		FromReserveFrom: at("2026-03-02 10:00"), FromReserveTo: at("2026-03-02 11:00"), Reason: "开会"}
	across := within
	across.RoomID, across.Day = 2, "20260303"
	across.ReserveFrom, across.ReserveTo = at("2026-03-03 22:00"), at("2026-03-04 00:00")
	tests := []struct {
		name  string
		event eventlog.Event
		want  []string // substrings of the body; nil: no mail
	}{
		{"move within a day", within, []string{"原预约：A101 2026-03-02 10:00–11:00", "新预约：A101 2026-03-02 14:00–15:00", "原因：开会"}},
		{"arrival on another day: not yet", across, nil},
		{"released: the move is complete", meetingrooms.ReservationReleased{ReservationID: 5, Moved: across},
			[]string{"新预约：会议室 #2 2026-03-03 22:00–2026-03-04 00:00"}},
		{"cancelled by its owner", meetingrooms.ReservationCancelled{ReservationID: 5, UserID: 9, CancelledBy: 9}, nil},
		{"cancelled before user_id was recorded", meetingrooms.ReservationCancelled{ReservationID: 5, CancelledBy: 1}, nil},
		{"cancelled by an admin", meetingrooms.ReservationCancelled{ReservationID: 5, RoomID: 1, UserID: 9, CancelledBy: 1,
			ReserveFrom: at("2026-03-02 10:00"), ReserveTo: at("2026-03-02 11:00"), Reason: "维修"},
			[]string{"已由管理员取消", "A101 2026-03-02 10:00–11:00", "原因：维修"}},
		{"owner without an address", meetingrooms.ReservationCancelled{ReservationID: 5, UserID: 8, CancelledBy: 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok, err := render(context.Background(), eventlog.Envelope{Event: tt.event})
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tt.want != nil) {
				t.Fatalf("mailed %v: %+v", ok, m)
			}
			if ok && m.To != "owner@example.com" {
				t.Errorf("to %s", m.To)
			}
			for _, w := range tt.want {
				if !strings.Contains(m.Body, w) {
					t.Errorf("body lacks %q:\n%s", w, m.Body)
				}
			}
		})
	}
}
