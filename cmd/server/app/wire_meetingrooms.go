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

// ReservationMailWorkerName is the checkpoint key of the mail worker that
// tells users an admin moved or cancelled their reservation.
const ReservationMailWorkerName = "mail-reservation-notices"

// wireMeetingRooms builds 001's meeting rooms and reservations: the
// projector, the HHU routes (/meetingrooms/, /reservations/ and the admin
// routes under /api/admin/hhu/), the reservation notices and the recovery
// of moves a dying process left half done.
func wireMeetingRooms(ctx context.Context, p *Platform) (Module, error) {
	m := Module{Name: "meetingrooms", Events: meetingrooms.Events(), Projectors: roomproj.All()}
	cmds, err := roomcmd.New(p.Runner, p.Clock, roomcmd.Config{})
	if err != nil {
		return m, fmt.Errorf("meeting rooms: %w", err)
	}
	queries := roomq.New(p.Pool)
	dir := reservationDirectory{contactDirectory: newContactDirectory(p), rooms: queries}
	_, run, err := p.mailWorker(ctx, ReservationMailWorkerName, mail.ReservationNoticeFilter, mail.ReservationNotices(dir, cmds.Zone()))
	if err != nil {
		return m, fmt.Errorf("meeting rooms: %w", err)
	}
	if run != nil {
		m.Background = append(m.Background, run)
	}
	m.Background = append(m.Background, completeMoves(p, cmds, queries))
	m.Routes = append(m.Routes, hhu.NewMeetingRooms(hhu.MeetingRoomDeps{
		Commands:    cmds,
		Queries:     queries,
		Clock:       p.Clock,
		Consistency: p.Consistency,
	}))
	return m, nil
}

// Move recovery: how often the read model is checked for moves to another
// room or day left half done, and how old such a move must be (a move
// normally completes within its request).
const (
	moveRecoveryInterval = 30 * time.Second
	moveRecoveryAge      = time.Minute
)

// completeMoves returns the worker that finishes the moves a dying process
// cut off between their two appends (roomcmd CompleteMove; exact however many
// processes run it).
func completeMoves(p *Platform, cmds *roomcmd.Handlers, queries *roomq.Queries) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(moveRecoveryInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			moves, err := queries.PendingMoves(ctx, p.Clock.Now().Add(-moveRecoveryAge), 100)
			if err != nil {
				p.Logger.Warn("move recovery: list pending moves", "err", err)
				continue
			}
			for _, mv := range moves {
				meta := eventlog.Metadata{CorrelationID: "move-recovery", OccurredAt: p.Clock.Now().UTC()}
				if err := cmds.CompleteMove(ctx, mv.ReservationID, mv.RoomID, mv.Day, meta); err != nil {
					p.Logger.Warn("move recovery: complete move", "reservation", mv.ReservationID, "err", err)
					continue
				}
				p.Logger.Info("move recovery: completed a move cut off by a dying process", "reservation", mv.ReservationID)
			}
		}
	}
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
