package activities

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
)

// RemoveActivity is an admin deleting an activity.
type RemoveActivity struct {
	Actor      access.Actor
	ActivityID int64
	Meta       eventlog.Metadata
}

// RemoveActivity appends ActivityRemoved: the activity and its enrollments
// leave every list, and nobody can enroll any more.
func (h *Handlers) RemoveActivity(ctx context.Context, cmd RemoveActivity) (Result, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.Execute(ctx, activities.Stream(cmd.ActivityID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		removed, err := activities.Remove(activities.Fold(history), now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{removed}, nil
	})
	return Result{Position: res.Append.Position}, err
}
