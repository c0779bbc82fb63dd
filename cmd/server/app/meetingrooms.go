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
	queries := roomq.New(a.pool)
	a.projectors = append(a.projectors, roomproj.All()...)
	a.workers = append(a.workers, a.completeMoves(cmds, queries))
	a.modules = append(a.modules, hhu.NewMeetingRooms(hhu.MeetingRoomDeps{
		Commands:    cmds,
		Queries:     queries,
		Clock:       a.clock,
		Consistency: a.consistency,
	}))
	return nil
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
func (a *App) completeMoves(cmds *roomcmd.Handlers, queries *roomq.Queries) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(moveRecoveryInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			moves, err := queries.PendingMoves(ctx, a.clock.Now().Add(-moveRecoveryAge), 100)
			if err != nil {
				a.logger.Warn("move recovery: list pending moves", "err", err)
				continue
			}
			for _, m := range moves {
				meta := eventlog.Metadata{CorrelationID: "move-recovery", OccurredAt: a.clock.Now().UTC()}
				if err := cmds.CompleteMove(ctx, m.ReservationID, m.RoomID, m.Day, meta); err != nil {
					a.logger.Warn("move recovery: complete move", "reservation", m.ReservationID, "err", err)
					continue
				}
				a.logger.Info("move recovery: completed a move cut off by a dying process", "reservation", m.ReservationID)
			}
		}
	}
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
