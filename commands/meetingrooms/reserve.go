package meetingrooms

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// Reserve is a user's reservation request (POST /reservations/).
type Reserve struct {
	Actor       access.Actor
	RoomID      int64
	From, To    time.Time
	Description string
	Meta        eventlog.Metadata
}

// ReserveResult is the decided request and where its events landed.
type ReserveResult struct {
	Decision meetingrooms.Decision
	Position eventlog.Position
}

// ErrNoSuchRoom answers a request naming a room that does not exist, as
// DRF's PrimaryKeyRelatedField does; nothing is appended.
func ErrNoSuchRoom(id int64) error {
	return fault.Invalidf("meetingroom", "Invalid pk \"%d\" - object does not exist.", id)
}

// Reserve decides a request of a member of the staff or an administrator
// (access.ErrForbidden for any other account) in one command: ReservationRequested and
// ReservationConfirmed are appended together to the roomday stream of the
// room and the request's day, expecting the version read, or
// ReservationRequested and ReservationRejected to the request's own stream
// reservation-<id>. The answer is the outcome: a confirmed Decision, or the
// rejection's classified error (with the Decision).
//
// Of any number of concurrent overlapping requests (in any number of
// processes) only one append to the roomday stream succeeds; the others get a
// wrong-expected-version, reload the stream's last event, which now carries
// the winner's booking, and are rejected.
func (h *Handlers) Reserve(ctx context.Context, cmd Reserve) (ReserveResult, error) {
	uid, err := handling.RequireMember(ctx, h.members, cmd.Actor)
	if err != nil {
		return ReserveResult{}, err
	}
	now := h.now(&cmd.Meta)
	req := meetingrooms.Request{RoomID: cmd.RoomID, UserID: uid, From: cmd.From, To: cmd.To, Description: cmd.Description}
	if err := meetingrooms.CheckRequest(req); err != nil {
		return ReserveResult{}, err
	}
	room, err := h.loadRoom(ctx, cmd.RoomID)
	if err != nil {
		return ReserveResult{}, err
	}
	if !room.Exists() {
		return ReserveResult{}, ErrNoSuchRoom(cmd.RoomID)
	}
	if req.ReservationID, err = h.reservationID(ctx, cmd.Meta); err != nil {
		return ReserveResult{}, err
	}
	zone := h.cfg.Zone

	// The rules that do not depend on other bookings are decided without
	// reading the day.
	d := meetingrooms.Reserve(room, meetingrooms.DayState{}, req, now, zone)
	if d.Confirmed != nil {
		day := meetingrooms.DayOf(req.From, zone)
		res, err := h.days.ExecuteLast(ctx, meetingrooms.RoomDayStream(cmd.RoomID, day), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
			d = meetingrooms.Reserve(room, dayState(last), req, now, zone)
			if d.Confirmed == nil {
				return nil, nil // rejected: nothing for this stream
			}
			return d.Events(), nil
		})
		if err != nil {
			return ReserveResult{}, err
		}
		if d.Confirmed != nil {
			return ReserveResult{Decision: d, Position: res.Append.Position}, nil
		}
	}
	res, err := h.store.Append(ctx, meetingrooms.ReservationStream(req.ReservationID), eventlog.NoStream(), d.Events(), cmd.Meta)
	if err != nil {
		return ReserveResult{}, fmt.Errorf("record rejected reservation %d: %w", req.ReservationID, err)
	}
	return ReserveResult{Decision: d, Position: res.Position}, d.Reason
}
