package tickets

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/tickets"
)

// ActivateRole is an admin activating a user as 村里長, 村里幹事, 代表 or
// 議員 of a place (PATCH /api/lastest/role/).
type ActivateRole struct {
	Actor   access.Actor
	UserID  int64
	Casting string
	AreaID  int64
	Meta    eventlog.Metadata
}

// RoleResult is the role and whether it was activated now.
type RoleResult struct {
	Role      tickets.RoleActivated
	Activated bool
	Position  eventlog.Position
}

// ActivateRole appends RoleActivated to the user's casting stream, with an
// id from the sequence "magpierole"; a role the user already holds for the
// place is answered as it is.
func (h *Handlers) ActivateRole(ctx context.Context, cmd ActivateRole) (RoleResult, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return RoleResult{}, err
	}
	now := h.now(&cmd.Meta)
	setup, err := h.loadSetup(ctx)
	if err != nil {
		return RoleResult{}, err
	}
	c, err := h.loadCasting(ctx, cmd.UserID)
	if err != nil {
		return RoleResult{}, err
	}
	e, existing, err := tickets.ActivateRole(setup, c, 0, cmd.Casting, cmd.AreaID, by, now)
	if err != nil || existing {
		return RoleResult{Role: e}, err
	}
	ids, err := h.seqs.AllocateIDs(ctx, tickets.RoleSequence, 1, "", cmd.Meta)
	if err != nil {
		return RoleResult{}, err
	}
	var out RoleResult
	res, err := h.runner.Execute(ctx, tickets.CastingStream(cmd.UserID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		e, existing, err := tickets.ActivateRole(setup, tickets.CastingFrom(cmd.UserID, history), ids.First, cmd.Casting, cmd.AreaID, by, now)
		out = RoleResult{Role: e, Activated: !existing}
		if err != nil || existing {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	out.Position = res.Append.Position
	return out, err
}

// RevokeRole is an admin ending a user's role (PATCH /api/lastest/role/{id}/
// with is_active false).
type RevokeRole struct {
	Actor  access.Actor
	UserID int64
	RoleID int64
	Meta   eventlog.Metadata
}

// RevokeRole appends RoleRevoked (nothing when the role is not active).
func (h *Handlers) RevokeRole(ctx context.Context, cmd RevokeRole) (Result, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.Execute(ctx, tickets.CastingStream(cmd.UserID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := tickets.RevokeRole(tickets.CastingFrom(cmd.UserID, history), cmd.RoleID, by, now)
		if err != nil || e == nil {
			return nil, err
		}
		return []eventlog.Event{*e}, nil
	})
	return Result{Position: res.Append.Position}, err
}
