package activities

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
)

// CreateActivity is an admin creating an activity with its enrollment form.
type CreateActivity struct {
	Actor access.Actor
	Spec  activities.Spec
	Meta  eventlog.Metadata
}

// CreateActivity validates the activity, takes its id from the "activity"
// sequence and appends ActivityCreated to activity-<id>.
func (h *Handlers) CreateActivity(ctx context.Context, cmd CreateActivity) (ActivityResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return ActivityResult{}, err
	}
	by, err := cmd.Actor.User()
	if err != nil {
		return ActivityResult{}, err
	}
	now := h.now(&cmd.Meta)
	if _, err := activities.Create(0, cmd.Spec, by, now); err != nil {
		return ActivityResult{}, err
	}
	id, err := h.allocate(ctx, activities.ActivitySequence, cmd.Meta)
	if err != nil {
		return ActivityResult{}, fmt.Errorf("allocate activity id: %w", err)
	}
	res, err := h.runner.Execute(ctx, activities.Stream(id), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if len(history) > 0 {
			return nil, fmt.Errorf("activity %d already exists", id)
		}
		created, err := activities.Create(id, cmd.Spec, by, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{created}, nil
	})
	if err != nil {
		return ActivityResult{}, err
	}
	return ActivityResult{Activity: activities.Activity{}.Apply(res.Events[0]), Position: res.Append.Position}, nil
}
