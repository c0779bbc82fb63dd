package activities

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
)

// ChangeActivity is an admin editing an activity (PUT: every field set;
// PATCH: some), opening or closing its enrollment included.
type ChangeActivity struct {
	Actor      access.Actor
	ActivityID int64
	Patch      activities.Patch
	Meta       eventlog.Metadata
}

// ChangeActivity appends ActivityChanged and/or EnrollmentOpened or
// EnrollmentClosed; an edit that changes nothing appends nothing.
func (h *Handlers) ChangeActivity(ctx context.Context, cmd ChangeActivity) (ActivityResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return ActivityResult{}, err
	}
	now := h.now(&cmd.Meta)
	var state activities.Activity
	res, err := h.runner.Execute(ctx, activities.Stream(cmd.ActivityID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		state = activities.Fold(history)
		return activities.Change(state, cmd.Patch, now)
	})
	if err != nil {
		return ActivityResult{}, err
	}
	for _, e := range res.Events {
		state = state.Apply(e)
	}
	return ActivityResult{Activity: state, Position: res.Append.Position}, nil
}
