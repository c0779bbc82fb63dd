package contacts

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/contacts"
	"github.com/fiveapis/backend/domain/eventlog"
)

// PlaceMember is an admin placing a user on 001's staff in a department
// (PUT /api/admin/hhu/members/{user}/), or moving a member to another one.
// The HTTP layer checks that the user exists.
type PlaceMember struct {
	Actor        access.Actor
	UserID       int64
	DepartmentID int64
	Meta         eventlog.Metadata
}

// DismissMember is an admin taking a user off the staff (DELETE
// /api/admin/hhu/members/{user}/).
type DismissMember struct {
	Actor  access.Actor
	UserID int64
	Meta   eventlog.Metadata
}

// MemberResult says whether the command changed the placement, whether the
// user was placed for the first time, and where its event landed.
type MemberResult struct {
	Changed  bool
	New      bool
	Position eventlog.Position
}

// PlaceMember appends MemberPlaced to hhumember-<user> with the version of
// its last event read, unless the member already is in that department;
// the department must be in the catalogue (the last event of
// departments-hhu).
func (h *Handlers) PlaceMember(ctx context.Context, cmd PlaceMember) (MemberResult, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return MemberResult{}, err
	}
	last, _, err := h.runner.Store().LoadLast(ctx, contacts.DepartmentStream())
	if err != nil {
		return MemberResult{}, err
	}
	cat := contacts.CatalogueFrom(nil)
	if last != nil {
		cat = contacts.CatalogueFrom(last.Event)
	}
	h.now(&cmd.Meta)
	wasPlaced := false
	res, err := h.runner.ExecuteLast(ctx, contacts.MemberStream(cmd.UserID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		p := placement(last)
		wasPlaced = p.Placed
		e, err := contacts.PlaceMember(p, cat, cmd.UserID, cmd.DepartmentID, by, cmd.Meta.OccurredAt)
		if err != nil || e == nil {
			return nil, err
		}
		return []eventlog.Event{*e}, nil
	})
	if err != nil {
		return MemberResult{}, err
	}
	changed := len(res.Events) > 0
	return MemberResult{Changed: changed, New: changed && !wasPlaced, Position: res.Append.Position}, nil
}

// DismissMember appends MemberDismissed; contacts.ErrNotPlaced when no
// admin placed the user.
func (h *Handlers) DismissMember(ctx context.Context, cmd DismissMember) (Result, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return Result{}, err
	}
	h.now(&cmd.Meta)
	res, err := h.runner.ExecuteLast(ctx, contacts.MemberStream(cmd.UserID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := contacts.DismissMember(placement(last), cmd.UserID, by, cmd.Meta.OccurredAt)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	return Result{Position: res.Append.Position}, err
}

// placement reads a member stream's last event.
func placement(last *eventlog.Envelope) contacts.Placement {
	if last == nil {
		return contacts.Placement{}
	}
	return contacts.PlacementFrom(last.Event)
}
