package meetingrooms

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// CancelReservation is its owner or an admin cancelling a reservation
// (DELETE /reservations/{id}/). RoomID and Day locate its roomday stream;
// the HTTP layer finds them in the read model.
type CancelReservation struct {
	Actor         access.Actor
	ReservationID int64
	RoomID        int64
	Day           string
	// Reason is an admin's optional note to the owner (mailed with the
	// cancellation).
	Reason string
	Meta   eventlog.Metadata
}

// CancelReservation appends ReservationCancelled, with the day's remaining
// bookings, to the roomday stream, expecting the version read.
func (h *Handlers) CancelReservation(ctx context.Context, cmd CancelReservation) (Result, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	if err := meetingrooms.CheckReason(cmd.Reason); err != nil {
		return Result{}, err
	}
	by := meetingrooms.Canceller{UserID: uid, IsAdmin: cmd.Actor.Admin, Reason: cmd.Reason}
	res, err := h.days.ExecuteLast(ctx, meetingrooms.RoomDayStream(cmd.RoomID, cmd.Day), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		cancelled, err := meetingrooms.Cancel(dayState(last), cmd.RoomID, cmd.Day, cmd.ReservationID, by, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{cancelled}, nil
	})
	return Result{Position: res.Append.Position}, err
}
