package activities

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
)

// Withdraw is a user (or an admin) withdrawing an enrollment (DELETE
// /enrollments/{id}/). ActivityID locates its stream; the HTTP layer finds it
// in the read model.
type Withdraw struct {
	Actor        access.Actor
	ActivityID   int64
	EnrollmentID int64
	Meta         eventlog.Metadata
}

// Withdraw appends EnrollmentWithdrawn to the activity's stream, freeing the
// enrollment's place.
func (h *Handlers) Withdraw(ctx context.Context, cmd Withdraw) (Result, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	by := activities.Withdrawer{UserID: uid, IsAdmin: cmd.Actor.Admin}
	res, err := h.runner.Execute(ctx, activities.Stream(cmd.ActivityID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		w, err := activities.Withdraw(activities.Fold(history), cmd.EnrollmentID, by, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{w}, nil
	})
	return Result{Position: res.Append.Position}, err
}
