package calendar

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// TripItem is one item of a trip to put in the calendar: its id in the
// trip (stable across syncs) and the event's fields.
type TripItem struct {
	SourceID string
	Details  calendar.Details
}

// SyncTripEvents puts the items of one trip into the actor's calendar
// (Roamio's "sync to calendar", the trip-linked batch of
// /api/events/batch/ and POST /api/events/ with a source_id). Calling it
// again with the same trip and source ids updates the events it made
// instead of duplicating them; an item whose event the user deleted gets a
// new event. Other modules call it directly.
//
// Complete, when set, says the batch is the whole itinerary for the source
// ids starting with it: an event this sync made earlier (claimed on the
// trip's stream) for such a source id that is not in the batch is deleted,
// as long as it still belongs to the caller and is still linked to that
// trip item. The user's own events are never claimed, so never touched.
// With Complete set an empty batch is allowed (every such event goes).
// Keep lists source ids still in the itinerary but not in the batch (an
// item that cannot be synced now): their events stay.
type SyncTripEvents struct {
	Actor     access.Actor
	TripSlug  string
	SourceApp string
	Items     []TripItem
	Complete  string
	Keep      []string
	Meta      eventlog.Metadata
}

// maxClaimRounds bounds how often an item is claimed again because the event
// holding it was deleted meanwhile.
const maxClaimRounds = 3

// SyncTripEvents validates every item, then, item by item, claims the
// item's source id on the trip's stream caltrip-<user>-<digest> (expected
// version: concurrent syncs agree on one event per item) and creates or
// updates that event. A crash between the claim and the creation is
// repaired by the next sync (the claimed event is created then).
func (h *Handlers) SyncTripEvents(ctx context.Context, cmd SyncTripEvents) (BatchResult, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return BatchResult{}, err
	}
	now := h.now(&cmd.Meta)
	if len(cmd.Items) == 0 && cmd.Complete == "" {
		return BatchResult{}, fault.Invalidf("events", "This list may not be empty.")
	}
	if len(cmd.Items) > MaxBatch {
		return BatchResult{}, fault.Invalidf("events", "Ensure this list has no more than %d items.", MaxBatch)
	}
	var errs []error
	seen := map[string]bool{}
	for i, it := range cmd.Items {
		link := calendar.TripLink{TripSlug: cmd.TripSlug, SourceApp: cmd.SourceApp, SourceID: it.SourceID}
		if _, err := calendar.ClaimSource(calendar.Trip{}, uid, link, 1, false, now); err != nil {
			errs = append(errs, ItemFaults(i, err))
		}
		if _, err := calendar.Create(0, uid, it.Details, link, now); err != nil {
			errs = append(errs, ItemFaults(i, err))
		}
		if seen[it.SourceID] {
			errs = append(errs, fault.Invalidf(fmt.Sprintf("events[%d].source_id", i), "This source id is already in the batch."))
		}
		seen[it.SourceID] = true
	}
	if err := errors.Join(errs...); err != nil {
		return BatchResult{}, err
	}
	var out BatchResult
	for _, it := range cmd.Items {
		link := calendar.TripLink{TripSlug: cmd.TripSlug, SourceApp: cmd.SourceApp, SourceID: it.SourceID}
		res, err := h.syncItem(ctx, uid, link, it.Details, cmd.Meta)
		if err != nil {
			return out, fmt.Errorf("sync trip item %q: %w", it.SourceID, err)
		}
		out.Events = append(out.Events, res)
		out.Position = later(out.Position, res.Position)
	}
	if cmd.Complete == "" {
		return out, nil
	}
	removed, err := h.pruneTrip(ctx, uid, cmd, seen)
	if err != nil {
		return out, err
	}
	for _, r := range removed {
		out.Removed = append(out.Removed, r.Event.ID)
		out.Position = later(out.Position, r.Position)
	}
	return out, nil
}

// pruneTrip deletes the events the trip's earlier syncs made for source ids
// under cmd.Complete that the batch (kept) no longer has.
func (h *Handlers) pruneTrip(ctx context.Context, uid int64, cmd SyncTripEvents, kept map[string]bool) ([]EventResult, error) {
	t, err := h.loadTrip(ctx, calendar.TripStream(uid, cmd.TripSlug))
	if err != nil {
		return nil, err
	}
	sources := make([]string, 0, len(t.Events))
	for src := range t.Events {
		if strings.HasPrefix(src, cmd.Complete) && !kept[src] && !slices.Contains(cmd.Keep, src) {
			sources = append(sources, src)
		}
	}
	slices.Sort(sources)
	var out []EventResult
	for _, src := range sources {
		ev, err := h.load(ctx, t.Events[src])
		if err != nil {
			return out, err
		}
		if !ev.Exists() || ev.UserID != uid || ev.Link.TripSlug != cmd.TripSlug || ev.Link.SourceID != src {
			continue // gone already, or the user moved it out of the trip: theirs now
		}
		res, err := h.DeleteEvent(ctx, DeleteEvent{Actor: access.Actor{UserID: uid}, EventID: ev.ID, Meta: cmd.Meta})
		if err != nil {
			return out, fmt.Errorf("delete the event of removed trip item %q: %w", src, err)
		}
		out = append(out, res)
	}
	return out, nil
}

// syncItem creates or updates the event of one trip item.
func (h *Handlers) syncItem(ctx context.Context, uid int64, link calendar.TripLink, d calendar.Details, meta eventlog.Metadata) (EventResult, error) {
	var deleted int64 // the holder found deleted, to be replaced
	var fresh int64   // an id allocated for a new event
	stream := calendar.TripStream(uid, link.TripSlug)
	for range maxClaimRounds {
		t, err := h.loadTrip(ctx, stream)
		if err != nil {
			return EventResult{}, err
		}
		holder, held := t.Events[link.SourceID]
		if !held || holder == deleted {
			if fresh == 0 {
				if fresh, err = h.allocate(ctx, 1, meta); err != nil {
					return EventResult{}, err
				}
			}
			if holder, err = h.claim(ctx, stream, uid, link, fresh, deleted, meta); err != nil {
				return EventResult{}, err
			}
		}
		ev, err := h.load(ctx, holder)
		if err != nil {
			return EventResult{}, err
		}
		switch {
		case ev.ID == 0: // claimed, not created yet (here or by a sync that died)
			res, err := h.create(ctx, holder, uid, d, link, meta)
			if !errors.Is(err, errExists) {
				return res, err
			}
			// A concurrent sync created it meanwhile: update it next round.
		case ev.Deleted:
			deleted = holder
			continue
		default:
			res, err := h.UpdateEvent(ctx, UpdateEvent{Actor: access.Actor{UserID: uid}, EventID: holder, Meta: meta,
				Edit: func(cur *calendar.Details) { *cur = d }})
			if err != nil {
				return res, err
			}
			if res.Event.Link != link {
				linked, err := h.LinkTrip(ctx, LinkTrip{Actor: access.Actor{UserID: uid}, EventID: holder, Link: link, Meta: meta})
				if err != nil {
					return res, err
				}
				linked.Position = later(res.Position, linked.Position)
				res = linked
			}
			return res, nil
		}
	}
	return EventResult{}, fmt.Errorf("trip item %q: its event keeps being deleted", link.SourceID)
}

func (h *Handlers) loadTrip(ctx context.Context, stream string) (calendar.Trip, error) {
	history, _, err := h.store.Load(ctx, stream)
	if err != nil {
		return calendar.Trip{}, fmt.Errorf("load %s: %w", stream, err)
	}
	return calendar.TripFrom(history), nil
}

// claim gives the item to the event id unless another event holds it (and
// is not the deleted one to replace); it returns the holder.
func (h *Handlers) claim(ctx context.Context, stream string, uid int64, link calendar.TripLink, id, replace int64, meta eventlog.Metadata) (int64, error) {
	holder := id
	_, err := h.runner.Execute(ctx, stream, meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		t := calendar.TripFrom(history)
		if cur, ok := t.Events[link.SourceID]; ok && cur != replace {
			holder = cur
			return nil, nil
		}
		holder = id
		c, err := calendar.ClaimSource(t, uid, link, id, true, meta.OccurredAt)
		if err != nil || c == nil {
			return nil, err
		}
		return []eventlog.Event{*c}, nil
	})
	return holder, err
}
