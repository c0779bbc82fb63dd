package clockin

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/eventlog"
)

// AssignStaff is an admin making a user the activity's clock-in staff.
type AssignStaff struct {
	Actor      access.Actor
	ActivityID int64
	UserID     int64
	Meta       eventlog.Metadata
}

// StaffResult says whether an assignment made the user staff and where its
// event landed (the zero position when the user already was staff).
type StaffResult struct {
	Created  bool
	Position eventlog.Position
}

// AssignStaff appends ClockInStaffAssigned unless the user already is staff
// (then nothing: Created is false).
func (h *Handlers) AssignStaff(ctx context.Context, cmd AssignStaff) (StaffResult, error) {
	if err := h.requireAdmin(ctx, cmd.Actor, cmd.ActivityID); err != nil {
		return StaffResult{}, err
	}
	ok, err := h.users.UserExists(ctx, cmd.UserID)
	if err != nil {
		return StaffResult{}, fmt.Errorf("user %d exists: %w", cmd.UserID, err)
	}
	if !ok {
		return StaffResult{}, ErrNoSuchUser(cmd.UserID)
	}
	now := h.now(&cmd.Meta)
	res, err := h.decideSetup(ctx, cmd.ActivityID, cmd.Meta, func(s clockin.Setup) ([]eventlog.Event, error) {
		if e := s.AssignStaff(cmd.UserID, now); e != nil {
			return []eventlog.Event{*e}, nil
		}
		return nil, nil
	})
	return StaffResult{Created: len(res.Events) > 0, Position: res.Append.Position}, err
}

// UnassignStaff is an admin removing a user from the activity's staff.
type UnassignStaff struct {
	Actor      access.Actor
	ActivityID int64
	UserID     int64
	Meta       eventlog.Metadata
}

// UnassignStaff appends ClockInStaffUnassigned; a user who is not staff is
// clockin.ErrNotStaff (404).
func (h *Handlers) UnassignStaff(ctx context.Context, cmd UnassignStaff) (Result, error) {
	if err := h.requireAdmin(ctx, cmd.Actor, cmd.ActivityID); err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.decideSetup(ctx, cmd.ActivityID, cmd.Meta, func(s clockin.Setup) ([]eventlog.Event, error) {
		e, err := s.UnassignStaff(cmd.UserID, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	return Result{Position: res.Append.Position}, err
}
