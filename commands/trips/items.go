package trips

import (
	"context"
	"slices"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/trips"
)

// AddItems is the author's new itinerary items: one
// (POST /trip-plans/{id}/events/) or a batch (batch_create_from_local).
type AddItems struct {
	Actor  access.Actor
	TripID int64
	Items  []trips.Item
	Meta   eventlog.Metadata
}

// Added are the new items' events.
type Added struct {
	Added    []trips.TripEventAdded
	Position eventlog.Position
}

// AddItems checks the items, takes their ids from "tripevent" and appends
// them to trip-<id> in one append.
func (h *Handlers) AddItems(ctx context.Context, cmd AddItems) (Added, error) {
	now := h.now(&cmd.Meta)
	t, err := h.load(ctx, cmd.TripID)
	if err != nil {
		return Added{}, err
	}
	if _, err := trips.AddItems(t, cmd.Actor, make([]int64, len(cmd.Items)), cmd.Items, now); err != nil {
		return Added{}, err
	}
	if len(cmd.Items) == 0 {
		return Added{}, nil
	}
	alloc, err := h.seqs.AllocateIDs(ctx, trips.EventSequence, int64(len(cmd.Items)), "", cmd.Meta)
	if err != nil {
		return Added{}, err
	}
	ids := make([]int64, len(cmd.Items))
	for i := range ids {
		ids[i] = alloc.First + int64(i)
	}
	res, err := h.runner.Execute(ctx, trips.TripStream(cmd.TripID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		added, err := trips.AddItems(trips.TripFrom(history), cmd.Actor, ids, cmd.Items, now)
		if err != nil {
			return nil, err
		}
		out := make([]eventlog.Event, len(added))
		for i, e := range added {
			out[i] = e
		}
		return out, nil
	})
	if err != nil {
		return Added{}, err
	}
	out := Added{Position: res.Append.Position}
	for _, e := range res.Events {
		out.Added = append(out.Added, e.(trips.TripEventAdded))
	}
	return out, nil
}

// ChangeItem is an edit of an item (PUT/PATCH …/events/{id}/).
type ChangeItem struct {
	Actor   access.Actor
	TripID  int64
	EventID int64
	Patch   trips.ItemPatch
	Meta    eventlog.Metadata
}

// ItemResult is an item after a command.
type ItemResult struct {
	Item      trips.Item
	Completed bool
	Position  eventlog.Position
}

// ChangeItem appends TripEventChanged (nothing when nothing changes).
func (h *Handlers) ChangeItem(ctx context.Context, cmd ChangeItem) (ItemResult, error) {
	now := h.now(&cmd.Meta)
	var out ItemResult
	res, err := h.runner.Execute(ctx, trips.TripStream(cmd.TripID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		t := trips.TripFrom(history)
		e, it, err := trips.ChangeItem(t, cmd.Actor, cmd.EventID, cmd.Patch, now)
		if err != nil {
			return nil, err
		}
		out.Item, out.Completed = it, t.Items[cmd.EventID].Completed
		if e == nil {
			return nil, nil
		}
		return []eventlog.Event{*e}, nil
	})
	out.Position = res.Append.Position
	return out, err
}

// RemoveItem is an item's removal (DELETE …/events/{id}/).
type RemoveItem struct {
	Actor   access.Actor
	TripID  int64
	EventID int64
	Meta    eventlog.Metadata
}

// RemoveItem appends TripEventRemoved.
func (h *Handlers) RemoveItem(ctx context.Context, cmd RemoveItem) (Result, error) {
	now := h.now(&cmd.Meta)
	res, err := h.runner.Execute(ctx, trips.TripStream(cmd.TripID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := trips.RemoveItem(trips.TripFrom(history), cmd.Actor, cmd.EventID, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	return Result{Position: res.Append.Position}, err
}

// ToggleItem flips an item's completion (POST …/events/{id}/toggle_complete/).
type ToggleItem struct {
	Actor   access.Actor
	TripID  int64
	EventID int64
	Meta    eventlog.Metadata
}

// ToggleItem appends TripEventCompletionSet with the flipped state.
func (h *Handlers) ToggleItem(ctx context.Context, cmd ToggleItem) (ItemResult, error) {
	now := h.now(&cmd.Meta)
	var out ItemResult
	res, err := h.runner.Execute(ctx, trips.TripStream(cmd.TripID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		t := trips.TripFrom(history)
		e, err := trips.ToggleItem(t, cmd.Actor, cmd.EventID, now)
		if err != nil {
			return nil, err
		}
		out.Item, out.Completed = t.Items[cmd.EventID].Item, e.Completed
		return []eventlog.Event{e}, nil
	})
	out.Position = res.Append.Position
	return out, err
}

func sortedIDs(m map[int64]*trips.ItemState) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
