package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
	roomproj "github.com/fiveapis/backend/projections/meetingrooms"
	roomq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
	"github.com/fiveapis/backend/transport/mail"
)

// meetingRoomEvents lists the meeting-room module's events for the codec.
func meetingRoomEvents() []eventlog.Event { return meetingrooms.Events() }

// mountMeetingRooms wires 001's meeting rooms and reservations: the
// projector, the HHU routes (/meetingrooms/, /reservations/ and the admin
// routes under /api/admin/hhu/) and the mail worker of the reservation
// notices. It appends to a.projectors and a.modules (and a.workers).
func (a *App) mountMeetingRooms(ctx context.Context) error {
	cmds, err := roomcmd.New(a.runner, a.clock, roomcmd.Config{})
	if err != nil {
		return fmt.Errorf("meeting rooms: %w", err)
	}
	if err := a.mountReservationMail(ctx, cmds.Zone()); err != nil {
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

// ReservationMailWorkerName is the checkpoint key of the mail worker that
// tells users an admin moved or cancelled their reservation.
const ReservationMailWorkerName = "mail-reservation-notices"

// mountReservationMail starts the reservation-notice mail worker when
// SMTP_ADDR is set (startMailWorker).
func (a *App) mountReservationMail(ctx context.Context, zone *time.Location) error {
	dir := reservationDirectory{contactDirectory: a.contactDirectory(), rooms: roomq.New(a.pool)}
	_, err := a.startMailWorker(ctx, ReservationMailWorkerName, mail.ReservationNoticeFilter, mail.ReservationNotices(dir, zone))
	return err
}

// reservationDirectory adapts the identity and meeting-room read models to
// mail.ReservationDirectory.
type reservationDirectory struct {
	contactDirectory
	rooms *roomq.Queries
}

func (d reservationDirectory) RoomName(ctx context.Context, id int64) (string, error) {
	r, err := d.rooms.GetRoom(ctx, id)
	if errors.Is(err, roomq.ErrNotFound) {
		return "", nil
	}
	return r.Name, err
}
