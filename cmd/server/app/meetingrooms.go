package app

import (
	"context"
	"fmt"

	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
	roomproj "github.com/fiveapis/backend/projections/meetingrooms"
	roomq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// meetingRoomEvents lists the meeting-room module's events for the codec.
func meetingRoomEvents() []eventlog.Event { return meetingrooms.Events() }

// mountMeetingRooms wires 001's meeting rooms and reservations: the
// projector and the HHU routes (/meetingrooms/, /reservations/ and the admin
// routes under /api/admin/hhu/). It appends to a.projectors and a.modules.
func (a *App) mountMeetingRooms(context.Context) error {
	cmds, err := roomcmd.New(a.runner, a.clock, roomcmd.Config{})
	if err != nil {
		return fmt.Errorf("meeting rooms: %w", err)
	}
	a.projectors = append(a.projectors, roomproj.All()...)
	a.modules = append(a.modules, hhu.NewMeetingRooms(hhu.MeetingRoomDeps{
		Commands:    cmds,
		Queries:     roomq.New(a.pool),
		Clock:       a.clock,
		Consistency: a.consistency,
	}))
	return nil
}
