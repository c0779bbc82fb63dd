package meetingrooms

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// ChangeRoom is an admin editing a room (PUT: every field set; PATCH: some).
type ChangeRoom struct {
	Actor  access.Actor
	RoomID int64
	Patch  meetingrooms.RoomPatch
	Meta   eventlog.Metadata
}

// ChangeRoom appends MeetingRoomChanged with the room's new state; an edit
// that changes nothing appends nothing.
func (h *Handlers) ChangeRoom(ctx context.Context, cmd ChangeRoom) (RoomResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return RoomResult{}, err
	}
	now := h.now(&cmd.Meta)
	var room meetingrooms.Room
	res, err := h.runner.ExecuteLast(ctx, meetingrooms.RoomStream(cmd.RoomID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		room = meetingrooms.Room{}
		if last != nil {
			room = meetingrooms.RoomFrom(last.Event)
		}
		changed, err := meetingrooms.ChangeRoom(room, cmd.Patch, now)
		if err != nil || changed == nil {
			return nil, err
		}
		return []eventlog.Event{*changed}, nil
	})
	if err != nil {
		return RoomResult{}, err
	}
	if len(res.Events) == 0 {
		return RoomResult{Room: room}, nil
	}
	return RoomResult{Room: meetingrooms.RoomFrom(res.Events[0]), Position: res.Append.Position}, nil
}
