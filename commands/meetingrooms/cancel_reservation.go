package meetingrooms

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// CancelReservation is its owner or an admin cancelling a reservation
// (DELETE /reservations/{id}/). RoomID and Day locate its roomday stream;
// the HTTP layer finds them in the read model.
type CancelReservation struct {
	Actor         Actor
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
func (h *Handlers) CancelReservation(ctx context.Context, cmd CancelReservation) (eventlog.Position, error) {
	uid, err := cmd.Actor.ID()
	if err != nil {
		return eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	if err := meetingrooms.CheckReason(cmd.Reason); err != nil {
		return eventlog.Position{}, err
	}
	by := meetingrooms.Canceller{UserID: uid, IsAdmin: cmd.Actor.IsAdmin, Reason: cmd.Reason}
	res, err := h.days.ExecuteLast(ctx, meetingrooms.RoomDayStream(cmd.RoomID, cmd.Day), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		cancelled, err := meetingrooms.Cancel(dayState(last), cmd.RoomID, cmd.Day, cmd.ReservationID, by, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{cancelled}, nil
	})
	return res.Append.Position, err
}
