package clockin

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/eventlog"
)

// AddItem is an admin adding a clock-in item to an activity.
type AddItem struct {
	Actor      access.Actor
	ActivityID int64
	Spec       clockin.ItemSpec
	Meta       eventlog.Metadata
}

// ItemResult is an item after a command and where its event landed (the zero
// position when nothing changed).
type ItemResult struct {
	Item     clockin.Item
	Position eventlog.Position
}

// AddItem validates the item, takes its id from the "clockinitem" sequence
// and appends ClockInItemAdded to the activity's setup stream.
func (h *Handlers) AddItem(ctx context.Context, cmd AddItem) (ItemResult, error) {
	if err := h.requireAdmin(ctx, cmd.Actor, cmd.ActivityID); err != nil {
		return ItemResult{}, err
	}
	now := h.now(&cmd.Meta)
	// Bad input is answered before an id is taken.
	if setup, err := h.LoadSetup(ctx, cmd.ActivityID); err != nil {
		return ItemResult{}, err
	} else if _, err := setup.AddItem(0, cmd.Spec, now); err != nil {
		return ItemResult{}, err
	}
	ids, err := h.runner.AllocateIDs(ctx, clockin.ItemSequence, 1, "", cmd.Meta)
	if err != nil {
		return ItemResult{}, err
	}
	var added clockin.ClockInItemAdded
	res, err := h.decideSetup(ctx, cmd.ActivityID, cmd.Meta, func(s clockin.Setup) ([]eventlog.Event, error) {
		added, err = s.AddItem(ids.First, cmd.Spec, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{added}, nil
	})
	if err != nil {
		return ItemResult{}, err
	}
	return ItemResult{Item: itemOf(added.ItemID, added.ActivityID, added.Label, added.OpenFrom, added.OpenTo), Position: res.Append.Position}, nil
}

// ChangeItem is an admin editing an item (PUT: every field set; PATCH: some).
type ChangeItem struct {
	Actor      access.Actor
	ActivityID int64
	ItemID     int64
	Patch      clockin.ItemPatch
	Meta       eventlog.Metadata
}

// ChangeItem appends ClockInItemChanged with the item's new state; an edit
// that changes nothing appends nothing.
func (h *Handlers) ChangeItem(ctx context.Context, cmd ChangeItem) (ItemResult, error) {
	if err := h.requireAdmin(ctx, cmd.Actor, cmd.ActivityID); err != nil {
		return ItemResult{}, err
	}
	now := h.now(&cmd.Meta)
	var item clockin.Item
	res, err := h.decideSetup(ctx, cmd.ActivityID, cmd.Meta, func(s clockin.Setup) ([]eventlog.Event, error) {
		item, _ = s.Item(cmd.ItemID)
		changed, err := s.ChangeItem(cmd.ItemID, cmd.Patch, now)
		if err != nil || changed == nil {
			return nil, err
		}
		item = itemOf(changed.ItemID, changed.ActivityID, changed.Label, changed.OpenFrom, changed.OpenTo)
		return []eventlog.Event{*changed}, nil
	})
	if err != nil {
		return ItemResult{}, err
	}
	return ItemResult{Item: item, Position: res.Append.Position}, nil
}

// RemoveItem is an admin removing an item.
type RemoveItem struct {
	Actor      access.Actor
	ActivityID int64
	ItemID     int64
	Meta       eventlog.Metadata
}

// RemoveItem appends ClockInItemRemoved.
func (h *Handlers) RemoveItem(ctx context.Context, cmd RemoveItem) (Result, error) {
	if err := h.requireAdmin(ctx, cmd.Actor, cmd.ActivityID); err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.decideSetup(ctx, cmd.ActivityID, cmd.Meta, func(s clockin.Setup) ([]eventlog.Event, error) {
		removed, err := s.RemoveItem(cmd.ItemID, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{removed}, nil
	})
	return Result{Position: res.Append.Position}, err
}
