package meetingrooms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Periodic jobs of the module, run by the projection engine.

// PendingMove is a move to another room or day whose old slot was not
// released yet: where the reservation arrived.
type PendingMove struct {
	ReservationID int64
	RoomID        int64
	Day           string
}

// PendingMoves lists the moves still waiting for their release that were
// made before movedBefore, oldest first, at most limit (the meeting-room
// read model answers it).
type PendingMoves interface {
	PendingMoves(ctx context.Context, movedBefore time.Time, limit int) ([]PendingMove, error)
}

// Move recovery: its job's name, how often it looks for moves left half
// done, how old such a move must be (a move normally completes within its
// request) and how many it completes per run.
const (
	MoveRecoveryJob      = "meetingrooms_move_recovery"
	MoveRecoveryInterval = 30 * time.Second
	MoveRecoveryAge      = time.Minute
	moveRecoveryBatch    = 100
)

// Jobs returns the module's periodic jobs: move recovery, which completes the
// moves to another room or day that a dying process cut off between their two
// appends (CompleteMove, exact however often it runs).
func (h *Handlers) Jobs(pending PendingMoves) []eventlog.Job {
	return []eventlog.Job{{
		Name:  MoveRecoveryJob,
		Every: MoveRecoveryInterval,
		Run: func(ctx context.Context, now time.Time) error {
			return h.recoverMoves(ctx, pending, now)
		},
	}}
}

// recoverMoves completes the moves pending since before now minus
// MoveRecoveryAge; it tries every one and reports those that failed.
func (h *Handlers) recoverMoves(ctx context.Context, pending PendingMoves, now time.Time) error {
	moves, err := pending.PendingMoves(ctx, now.Add(-MoveRecoveryAge), moveRecoveryBatch)
	if err != nil {
		return fmt.Errorf("move recovery: list pending moves: %w", err)
	}
	var errs []error
	for _, m := range moves {
		meta := eventlog.Metadata{CorrelationID: "move-recovery", OccurredAt: now.UTC()}
		if _, err := h.CompleteMove(ctx, CompleteMove{ReservationID: m.ReservationID, RoomID: m.RoomID, Day: m.Day, Meta: meta}); err != nil {
			errs = append(errs, fmt.Errorf("move recovery: reservation %d: %w", m.ReservationID, err))
		}
	}
	return errors.Join(errs...)
}
