package meetingrooms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// MoveReservation is an admin moving a reservation to a new time and
// optionally another room (PATCH /api/admin/hhu/reservations/{id}/). RoomID
// and Day locate its current roomday stream; the HTTP layer finds them in the
// read model. ToRoomID is the room it moves to (its own for a new time only).
type MoveReservation struct {
	Actor         access.Actor
	ReservationID int64
	RoomID        int64
	Day           string
	ToRoomID      int64
	From, To      time.Time
	Reason        string
	Meta          eventlog.Metadata
}

// MoveResult is the completed move and where its last event landed.
type MoveResult struct {
	Moved    meetingrooms.ReservationMoved
	Position eventlog.Position
}

// MoveReservation moves a reservation under the rules of a new request.
//
// Within one room and day it is one decision on that roomday stream:
// ReservationMoved frees the old slot and takes the new one in one append,
// expecting the version read (a move to the same slot appends nothing).
//
// To another room or day it takes two appends, because no event store
// changes two streams atomically: first ReservationMoved on the new roomday
// stream, decided there with the exact expected version like any request (so
// it can never overlap a booking there); then ReservationReleased on the old
// one, decided there with its exact version, which succeeds only if the
// booking is still as the move found it. If it is not (cancelled or moved by
// someone else meanwhile) the arrival is undone (ReservationMoveReverted) and
// the answer is ErrMoveRaced. Between the two appends the reservation holds
// both slots: never a double booking, never a lost reservation.
func (h *Handlers) MoveReservation(ctx context.Context, cmd MoveReservation) (MoveResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return MoveResult{}, err
	}
	by, err := cmd.Actor.User()
	if err != nil {
		return MoveResult{}, err
	}
	now := h.now(&cmd.Meta)
	zone := h.cfg.Zone
	m := meetingrooms.Move{ReservationID: cmd.ReservationID, ToRoomID: cmd.ToRoomID, From: cmd.From, To: cmd.To, MovedBy: by, Reason: cmd.Reason}
	if err := meetingrooms.CheckMove(m, now, zone); err != nil {
		return MoveResult{}, err
	}
	room, err := h.loadRoom(ctx, cmd.ToRoomID)
	if err != nil {
		return MoveResult{}, err
	}
	if !room.Exists() {
		return MoveResult{}, ErrNoSuchRoom(cmd.ToRoomID)
	}
	oldStream := meetingrooms.RoomDayStream(cmd.RoomID, cmd.Day)
	toDay := meetingrooms.DayOf(cmd.From, zone)
	if cmd.ToRoomID == cmd.RoomID && toDay == cmd.Day {
		var moved meetingrooms.ReservationMoved
		res, err := h.days.ExecuteLast(ctx, oldStream, cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
			day := dayState(last)
			b, err := meetingrooms.MovableBooking(day, cmd.ReservationID, now)
			if err != nil {
				return nil, err
			}
			if meetingrooms.Unchanged(b, cmd.RoomID, m, zone) {
				moved = meetingrooms.ReservationMoved{ReservationID: b.ReservationID, UserID: b.UserID, RoomID: cmd.RoomID, Day: cmd.Day,
					ReserveFrom: b.From, ReserveTo: b.To, FromRoomID: cmd.RoomID, FromDay: cmd.Day, FromReserveFrom: b.From, FromReserveTo: b.To}
				return nil, nil // nothing moves: nothing to append, nothing to mail
			}
			if moved, err = meetingrooms.Arrive(room, day, b, cmd.RoomID, cmd.Day, m, now, zone); err != nil {
				return nil, err
			}
			return []eventlog.Event{moved}, nil
		})
		if err != nil {
			return MoveResult{}, err
		}
		return MoveResult{Moved: moved, Position: res.Append.Position}, nil
	}

	// Another room or day. The booking as it is now on its stream (read, not
	// decided on: Release checks it again).
	last, _, err := h.store.LoadLast(ctx, oldStream)
	if err != nil {
		return MoveResult{}, fmt.Errorf("move reservation %d: %w", cmd.ReservationID, err)
	}
	b, err := meetingrooms.MovableBooking(dayState(last), cmd.ReservationID, now)
	if err != nil {
		return MoveResult{}, err
	}
	newStream := meetingrooms.RoomDayStream(cmd.ToRoomID, toDay)
	var moved meetingrooms.ReservationMoved
	if _, err := h.days.ExecuteLast(ctx, newStream, cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var err error
		if moved, err = meetingrooms.Arrive(room, dayState(last), b, cmd.RoomID, cmd.Day, m, now, zone); err != nil {
			return nil, err
		}
		return []eventlog.Event{moved}, nil
	}); err != nil {
		return MoveResult{}, err
	}
	// The rest must happen even if the client goes away; if this process
	// dies before it, CompleteMove finishes it.
	res, err := h.releaseOrRevert(context.WithoutCancel(ctx), moved, cmd.Meta, false)
	if err != nil {
		return MoveResult{}, err
	}
	return MoveResult{Moved: moved, Position: res}, nil
}

// releaseOrRevert is the second step of a move to another room or day:
// ReservationReleased on the old roomday stream, decided there with its exact
// version; when the booking is no longer there as the move found it, the
// arrival is undone (ReservationMoveReverted) and the answer is ErrMoveRaced.
// With recovering set, a release of this very move already in the old
// stream's history makes it a no-op (CompleteMove may run after the command
// finished, or twice).
func (h *Handlers) releaseOrRevert(ctx context.Context, moved meetingrooms.ReservationMoved, meta eventlog.Metadata, recovering bool) (eventlog.Position, error) {
	oldStream := meetingrooms.RoomDayStream(moved.FromRoomID, moved.FromDay)
	newStream := meetingrooms.RoomDayStream(moved.RoomID, moved.Day)
	now := h.now(&meta)
	var old meetingrooms.DayState
	decide := func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		var last *eventlog.Envelope
		if n := len(history); n > 0 {
			last = &history[n-1]
		}
		if recovering && releasedBy(history, moved) {
			return nil, nil
		}
		old = dayState(last)
		released, err := meetingrooms.Release(old, moved, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{released}, nil
	}
	var (
		res handling.Result
		err error
	)
	if recovering {
		res, err = h.days.Execute(ctx, oldStream, meta, decide)
	} else {
		res, err = h.days.ExecuteLast(ctx, oldStream, meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
			if last == nil {
				return decide(nil)
			}
			return decide([]eventlog.Envelope{*last})
		})
	}
	if err == nil {
		return res.Append.Position, nil
	}
	if !errors.Is(err, meetingrooms.ErrMoveRaced) {
		return eventlog.Position{}, fmt.Errorf("move reservation %d: release %s (the arrival on %s stays until it is released): %w",
			moved.ReservationID, oldStream, newStream, err)
	}
	if _, rerr := h.days.ExecuteLast(ctx, newStream, meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		if r := meetingrooms.Revert(dayState(last), old, moved, meetingrooms.ErrMoveRaced.Code, now); r != nil {
			return []eventlog.Event{*r}, nil
		}
		return nil, nil
	}); rerr != nil {
		return eventlog.Position{}, fmt.Errorf("move reservation %d: revert the arrival on %s: %w", moved.ReservationID, newStream, rerr)
	}
	return eventlog.Position{}, err
}

// releasedBy reports whether an old day's history holds the release of this
// move.
func releasedBy(history []eventlog.Envelope, moved meetingrooms.ReservationMoved) bool {
	for _, env := range history {
		if r, ok := env.Event.(meetingrooms.ReservationReleased); ok && sameMove(r.Moved, moved) {
			return true
		}
	}
	return false
}

func sameMove(a, b meetingrooms.ReservationMoved) bool {
	return a.ReservationID == b.ReservationID && a.RoomID == b.RoomID && a.Day == b.Day &&
		a.ReserveFrom.Equal(b.ReserveFrom) && a.ReserveTo.Equal(b.ReserveTo) && a.MovedAt.Equal(b.MovedAt)
}

// CompleteMove is the move-recovery job finishing a move to another room or
// day whose release never happened because the process that made it died
// between its two appends (the read model lists such moves: queries
// PendingMoves). RoomID and Day locate the roomday stream it arrived on.
type CompleteMove struct {
	ReservationID int64
	RoomID        int64
	Day           string
	Meta          eventlog.Metadata
}

// CompleteMove finds the arrival on the new roomday stream and runs the
// second step again, exactly once however many processes try: the release is
// decided on the old day's whole history (bounded: one room, one day), so a
// release already made is seen, and a booking that changed meanwhile has the
// arrival undone, as the command would have. A move that is no longer
// pending (completed, reverted, or moved on) is a no-op.
func (h *Handlers) CompleteMove(ctx context.Context, cmd CompleteMove) (Result, error) {
	history, _, err := h.store.Load(ctx, meetingrooms.RoomDayStream(cmd.RoomID, cmd.Day))
	if err != nil {
		return Result{}, fmt.Errorf("complete move of reservation %d: %w", cmd.ReservationID, err)
	}
	var moved *meetingrooms.ReservationMoved
	for _, env := range history {
		switch e := env.Event.(type) {
		case meetingrooms.ReservationMoved:
			if e.ReservationID == cmd.ReservationID && !e.Within() {
				moved = &e
			}
		case meetingrooms.ReservationMoveReverted:
			if moved != nil && sameMove(e.Moved, *moved) {
				moved = nil
			}
		}
	}
	if moved == nil {
		return Result{}, nil
	}
	pos, err := h.releaseOrRevert(ctx, *moved, cmd.Meta, true)
	if err != nil && !errors.Is(err, meetingrooms.ErrMoveRaced) {
		return Result{}, err
	}
	return Result{Position: pos}, nil
}

// dayState is the state carried by a roomday stream's last event (nil: none).
func dayState(last *eventlog.Envelope) meetingrooms.DayState {
	if last == nil {
		return meetingrooms.DayState{}
	}
	return meetingrooms.DayFrom(last.Event)
}
