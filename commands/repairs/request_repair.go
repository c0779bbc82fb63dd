package repairs

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/repairs"
)

// RequestRepair is a user's repair request (POST /repairs/).
type RequestRepair struct {
	Actor       access.Actor
	Location    string
	CategoryID  int64
	Description string
	Meta        eventlog.Metadata
}

// RepairResult is a request's first event and where it landed.
type RepairResult struct {
	Requested repairs.RepairRequested
	Position  eventlog.Position
}

// RequestRepair checks that the actor is a member of the staff or an
// administrator (access.ErrForbidden otherwise), validates the request,
// reads the configuration from the log
// (the category must exist; the addresses to notify are resolved from it),
// takes an id from the "repair" sequence and appends RepairRequested to
// repair-<id>.
func (h *Handlers) RequestRepair(ctx context.Context, cmd RequestRepair) (RepairResult, error) {
	uid, err := handling.RequireMember(ctx, h.members, cmd.Actor)
	if err != nil {
		return RepairResult{}, err
	}
	now := h.now(&cmd.Meta)
	req := repairs.Request{UserID: uid, Location: cmd.Location, CategoryID: cmd.CategoryID, Description: cmd.Description}
	setup, err := h.loadSetup(ctx)
	if err != nil {
		return RepairResult{}, err
	}
	if _, err := repairs.RequestRepair(setup, 0, req, now); err != nil {
		return RepairResult{}, err
	}
	ids, err := h.seqs.AllocateIDs(ctx, repairs.RepairSequence, 1, "", cmd.Meta)
	if err != nil {
		return RepairResult{}, err
	}
	id := ids.First
	res, err := h.runner.Execute(ctx, repairs.RepairStream(id), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if len(history) > 0 {
			return nil, fmt.Errorf("repair %d already exists", id)
		}
		e, err := repairs.RequestRepair(setup, id, req, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil {
		return RepairResult{}, err
	}
	return RepairResult{Requested: res.Events[0].(repairs.RepairRequested), Position: res.Append.Position}, nil
}

// ChangeStatus is an admin changing a request's status
// (PATCH /api/admin/hhu/repairs/{id}/).
type ChangeStatus struct {
	Actor    access.Actor
	RepairID int64
	Status   string
	Meta     eventlog.Metadata
}

// ChangeStatus appends RepairStatusChanged to repair-<id>, expecting the
// version read, so concurrent changes form one chain (each one's From is the
// previous one's To); the same status appends nothing.
func (h *Handlers) ChangeStatus(ctx context.Context, cmd ChangeStatus) (Result, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.Execute(ctx, repairs.RepairStream(cmd.RepairID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		changed, err := repairs.ChangeStatus(repairs.RepairFrom(history), cmd.Status, by, now)
		if err != nil || changed == nil {
			return nil, err
		}
		return []eventlog.Event{*changed}, nil
	})
	return Result{Position: res.Append.Position}, err
}
