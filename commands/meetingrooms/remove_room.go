package meetingrooms

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// RemoveRoom is an admin removing a room.
type RemoveRoom struct {
	Actor  access.Actor
	RoomID int64
	Meta   eventlog.Metadata
}

// RemoveRoom appends MeetingRoomRemoved. The room's reservations stay (the
// admin conflict query still shows them); new requests for it are refused.
func (h *Handlers) RemoveRoom(ctx context.Context, cmd RemoveRoom) (Result, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.ExecuteLast(ctx, meetingrooms.RoomStream(cmd.RoomID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var room meetingrooms.Room
		if last != nil {
			room = meetingrooms.RoomFrom(last.Event)
		}
		removed, err := meetingrooms.RemoveRoom(room, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{removed}, nil
	})
	return Result{Position: res.Append.Position}, err
}
