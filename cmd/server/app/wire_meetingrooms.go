package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/meetingrooms"
	meetingroomsproj "github.com/fiveapis/backend/projections/meetingrooms"
	meetingroomsq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi"
	roomshttp "github.com/fiveapis/backend/transport/httpapi/hhu/rooms"
	"github.com/fiveapis/backend/transport/mail"
)

// ReservationMailWorkerName is the name (checkpoint key) of the mail
// reaction that tells users an admin moved or cancelled their reservation
// (the mail worker before it was "mail-reservation-notices").
const ReservationMailWorkerName = "mail_reservation_notices"

// wireMeetingRooms builds 001's meeting rooms and reservations: the
// projector, the HHU routes (/meetingrooms/, /reservations/ and the admin
// routes under /api/admin/hhu/), the mail reaction of the reservation
// notices and the job that completes moves a dying process left half done.
func wireMeetingRooms(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "meetingrooms", Events: meetingrooms.Events(), Projectors: meetingroomsproj.All()}
	members := hhuMembership(p)
	cmds, err := meetingroomscmd.New(p.Runner, p.Clock, members, meetingroomscmd.Config{})
	if err != nil {
		return m, fmt.Errorf("meeting rooms: %w", err)
	}
	queries := meetingroomsq.New(p.Pool, members)
	dir := reservationDirectory{contactDirectory: newContactDirectory(p), rooms: queries}
	m.Reactions = p.mailReaction(ReservationMailWorkerName, mail.ReservationNoticeFilter, mail.ReservationNotices(dir, cmds.Zone()))
	m.Jobs = cmds.Jobs(pendingMoves{queries})
	m.Routes = []httpapi.Routes{roomshttp.New(roomshttp.Deps{Commands: cmds, Queries: queries, People: members, Clock: p.Clock})}
	return m, nil
}

// pendingMoves adapts the meeting-room read model to the move-recovery
// job's port.
type pendingMoves struct{ q *meetingroomsq.Queries }

func (pm pendingMoves) PendingMoves(ctx context.Context, movedBefore time.Time, limit int) ([]meetingroomscmd.PendingMove, error) {
	moves, err := pm.q.PendingMoves(ctx, movedBefore, limit)
	if err != nil {
		return nil, err
	}
	out := make([]meetingroomscmd.PendingMove, len(moves))
	for i, mv := range moves {
		out[i] = meetingroomscmd.PendingMove{ReservationID: mv.ReservationID, RoomID: mv.RoomID, Day: mv.Day}
	}
	return out, nil
}

// reservationDirectory adapts the identity and meeting-room read models to
// mail.ReservationDirectory.
type reservationDirectory struct {
	contactDirectory
	rooms *meetingroomsq.Queries
}

func (d reservationDirectory) RoomName(ctx context.Context, id int64) (string, error) {
	r, err := d.rooms.GetRoom(ctx, id)
	if errors.Is(err, meetingroomsq.ErrNotFound) {
		return "", nil
	}
	return r.Name, err
}
