package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// ReservationDirectory tells the reservation notices who and what they are
// about (the read models, wired in cmd/server/app).
type ReservationDirectory interface {
	// EmailOf is the user's e-mail address; "" when the user has none (or
	// is unknown), and nothing is sent.
	EmailOf(ctx context.Context, userID int64) (string, error)
	// RoomName is the room's name ("" when unknown).
	RoomName(ctx context.Context, roomID int64) (string, error)
}

// ReservationNoticeFilter selects the events ReservationNotices renders.
var ReservationNoticeFilter = eventlog.Filter{
	Categories: []string{meetingrooms.RoomDayCategory},
	EventTypes: []string{
		meetingrooms.EventReservationMoved, meetingrooms.EventReservationReleased, meetingrooms.EventReservationCancelled,
	},
}

// ReservationNotices renders the mail that tells a user an admin moved or
// cancelled their reservation: a move when it is complete (ReservationMoved
// within one room and day, or ReservationReleased after a move to another
// room or day; an arrival that is later reverted is never announced), a
// cancellation when someone other than the owner cancelled. Times are shown
// in zone.
func ReservationNotices(dir ReservationDirectory, zone *time.Location) Renderer {
	return func(ctx context.Context, env eventlog.Envelope) (Message, bool, error) {
		switch e := env.Event.(type) {
		case meetingrooms.ReservationMoved:
			if e.Within() {
				return movedNotice(ctx, dir, zone, e)
			}
		case meetingrooms.ReservationReleased:
			return movedNotice(ctx, dir, zone, e.Moved)
		case meetingrooms.ReservationCancelled:
			if e.UserID != 0 && e.CancelledBy != e.UserID {
				return cancelledNotice(ctx, dir, zone, e)
			}
		}
		return Message{}, false, nil
	}
}

func movedNotice(ctx context.Context, dir ReservationDirectory, zone *time.Location, e meetingrooms.ReservationMoved) (Message, bool, error) {
	to, err := dir.EmailOf(ctx, e.UserID)
	if err != nil || to == "" {
		return Message{}, false, err
	}
	oldRoom, err := roomLabel(ctx, dir, e.FromRoomID)
	if err != nil {
		return Message{}, false, err
	}
	newRoom, err := roomLabel(ctx, dir, e.RoomID)
	if err != nil {
		return Message{}, false, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "您的会议室预约（编号 %d）已由管理员调整。\n\n", e.ReservationID)
	fmt.Fprintf(&b, "原预约：%s %s\n", oldRoom, span(e.FromReserveFrom, e.FromReserveTo, zone))
	fmt.Fprintf(&b, "新预约：%s %s\n", newRoom, span(e.ReserveFrom, e.ReserveTo, zone))
	if e.Reason != "" {
		fmt.Fprintf(&b, "原因：%s\n", e.Reason)
	}
	b.WriteString("\n如有疑问，请联系管理员。\n")
	return Message{To: to, Subject: "【会议室预约】您的预约时间已调整", Body: b.String()}, true, nil
}

func cancelledNotice(ctx context.Context, dir ReservationDirectory, zone *time.Location, e meetingrooms.ReservationCancelled) (Message, bool, error) {
	to, err := dir.EmailOf(ctx, e.UserID)
	if err != nil || to == "" {
		return Message{}, false, err
	}
	room, err := roomLabel(ctx, dir, e.RoomID)
	if err != nil {
		return Message{}, false, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "您的会议室预约（编号 %d）已由管理员取消。\n\n", e.ReservationID)
	fmt.Fprintf(&b, "预约：%s %s\n", room, span(e.ReserveFrom, e.ReserveTo, zone))
	if e.Reason != "" {
		fmt.Fprintf(&b, "原因：%s\n", e.Reason)
	}
	b.WriteString("\n如有疑问，请联系管理员。\n")
	return Message{To: to, Subject: "【会议室预约】您的预约已被取消", Body: b.String()}, true, nil
}

func roomLabel(ctx context.Context, dir ReservationDirectory, id int64) (string, error) {
	name, err := dir.RoomName(ctx, id)
	if err != nil {
		return "", fmt.Errorf("reservation notice: room %d: %w", id, err)
	}
	if name == "" {
		return fmt.Sprintf("会议室 #%d", id), nil
	}
	return name, nil
}

// span is "2006-01-02 15:04–16:00" (the end with its date when it is on
// another day, e.g. midnight).
func span(from, to time.Time, zone *time.Location) string {
	from, to = from.In(zone), to.In(zone)
	end := to.Format("15:04")
	if to.Format("20060102") != from.Format("20060102") {
		end = to.Format("2006-01-02 15:04")
	}
	return from.Format("2006-01-02 15:04") + "–" + end
}
