package meetingrooms

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// AddRoom is an admin adding a room.
type AddRoom struct {
	Actor access.Actor
	Spec  meetingrooms.RoomSpec
	Meta  eventlog.Metadata
}

// RoomResult is a room after a command and where its event landed (the zero
// position when nothing changed).
type RoomResult struct {
	Room     meetingrooms.Room
	Position eventlog.Position
}

// AddRoom validates the room, takes its id from the "meetingroom" sequence
// and appends MeetingRoomAdded to meetingroom-<id>.
func (h *Handlers) AddRoom(ctx context.Context, cmd AddRoom) (RoomResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return RoomResult{}, err
	}
	now := h.now(&cmd.Meta)
	if _, err := meetingrooms.AddRoom(0, cmd.Spec, now); err != nil {
		return RoomResult{}, err
	}
	ids, err := h.allocate(ctx, meetingrooms.RoomSequence, 1, "", cmd.Meta)
	if err != nil {
		return RoomResult{}, err
	}
	id := ids.First
	res, err := h.runner.ExecuteLast(ctx, meetingrooms.RoomStream(id), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		if last != nil {
			return nil, fmt.Errorf("meeting room %d already exists", id)
		}
		added, err := meetingrooms.AddRoom(id, cmd.Spec, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{added}, nil
	})
	if err != nil {
		return RoomResult{}, err
	}
	return RoomResult{Room: meetingrooms.RoomFrom(res.Events[0]), Position: res.Append.Position}, nil
}
