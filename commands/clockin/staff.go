package clockin

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/eventlog"
)

// AssignStaff is an admin making a user the activity's clock-in staff.
type AssignStaff struct {
	Actor      Actor
	ActivityID int64
	UserID     int64
	Meta       eventlog.Metadata
}

// AssignStaff appends ClockInStaffAssigned unless the user already is staff
// (then nothing: created is false).
func (h *Handlers) AssignStaff(ctx context.Context, cmd AssignStaff) (pos eventlog.Position, created bool, err error) {
	if err := h.requireAdmin(ctx, cmd.Actor, cmd.ActivityID); err != nil {
		return pos, false, err
	}
	ok, err := h.users.UserExists(ctx, cmd.UserID)
	if err != nil {
		return pos, false, fmt.Errorf("user %d exists: %w", cmd.UserID, err)
	}
	if !ok {
		return pos, false, ErrNoSuchUser(cmd.UserID)
	}
	now := h.now(&cmd.Meta)
	res, err := h.decideSetup(ctx, cmd.ActivityID, cmd.Meta, func(s clockin.Setup) ([]eventlog.Event, error) {
		if e := s.AssignStaff(cmd.UserID, now); e != nil {
			return []eventlog.Event{*e}, nil
		}
		return nil, nil
	})
	return res.Append.Position, len(res.Events) > 0, err
}

// UnassignStaff is an admin removing a user from the activity's staff.
type UnassignStaff struct {
	Actor      Actor
	ActivityID int64
	UserID     int64
	Meta       eventlog.Metadata
}

// UnassignStaff appends ClockInStaffUnassigned; a user who is not staff is
// clockin.ErrNotStaff (404).
func (h *Handlers) UnassignStaff(ctx context.Context, cmd UnassignStaff) (eventlog.Position, error) {
	if err := h.requireAdmin(ctx, cmd.Actor, cmd.ActivityID); err != nil {
		return eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.decideSetup(ctx, cmd.ActivityID, cmd.Meta, func(s clockin.Setup) ([]eventlog.Event, error) {
		e, err := s.UnassignStaff(cmd.UserID, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	return res.Append.Position, err
}
