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
// routes under /api/admin/hhu/), the mail reaction of the reservation notices
// and the move-recovery job. It appends to a.projectors, a.modules,
// a.reactions and a.jobs.
func (a *App) mountMeetingRooms(ctx context.Context) error {
	cmds, err := roomcmd.New(a.runner, a.clock, roomcmd.Config{})
	if err != nil {
		return fmt.Errorf("meeting rooms: %w", err)
	}
	if err := a.mountReservationMail(cmds.Zone()); err != nil {
		return fmt.Errorf("meeting rooms: %w", err)
	}
	queries := roomq.New(a.pool)
	a.projectors = append(a.projectors, roomproj.All()...)
	a.jobs = append(a.jobs, cmds.Jobs(pendingMoves{queries})...)
	a.modules = append(a.modules, hhu.NewMeetingRooms(hhu.MeetingRoomDeps{
		Commands:    cmds,
		Queries:     queries,
		Clock:       a.clock,
		Consistency: a.consistency,
	}))
	return nil
}

// pendingMoves adapts the meeting-room read model to the move-recovery
// job's port.
type pendingMoves struct{ q *roomq.Queries }

func (p pendingMoves) PendingMoves(ctx context.Context, movedBefore time.Time, limit int) ([]roomcmd.PendingMove, error) {
	moves, err := p.q.PendingMoves(ctx, movedBefore, limit)
	if err != nil {
		return nil, err
	}
	out := make([]roomcmd.PendingMove, len(moves))
	for i, m := range moves {
		out[i] = roomcmd.PendingMove{ReservationID: m.ReservationID, RoomID: m.RoomID, Day: m.Day}
	}
	return out, nil
}

// ReservationMailWorkerName is the name (checkpoint key) of the mail
// reaction that tells users an admin moved or cancelled their reservation
// (the mail worker before it was "mail-reservation-notices").
const ReservationMailWorkerName = "mail_reservation_notices"

// mountReservationMail adds the reservation-notice mail reaction when
// SMTP_ADDR is set (addMailReaction).
func (a *App) mountReservationMail(zone *time.Location) error {
	dir := reservationDirectory{contactDirectory: a.contactDirectory(), rooms: roomq.New(a.pool)}
	return a.addMailReaction(ReservationMailWorkerName, mail.ReservationNoticeFilter, mail.ReservationNotices(dir, zone))
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
