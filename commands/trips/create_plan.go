package trips

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/trips"
)

// CreatePlan is a user's new trip plan (POST /trip-plans/).
type CreatePlan struct {
	Actor access.Actor
	Plan  trips.Plan
	Meta  eventlog.Metadata
}

// Created is a new plan's first event and where it landed.
type Created struct {
	Created  trips.TripPlanCreated
	Position eventlog.Position
}

// CreatePlan validates the plan, takes an id from the "trip" sequence,
// claims a slug and appends TripPlanCreated to trip-<id>.
func (h *Handlers) CreatePlan(ctx context.Context, cmd CreatePlan) (Created, error) {
	return h.create(ctx, cmd.Actor, 0, cmd.Plan, cmd.Meta)
}

func (h *Handlers) create(ctx context.Context, actor access.Actor, clonedFrom int64, plan trips.Plan, meta eventlog.Metadata) (Created, error) {
	uid, err := actor.User()
	if err != nil {
		return Created{}, err
	}
	now := h.now(&meta)
	if _, err := trips.CreatePlan(1, "000000000000", uid, clonedFrom, plan, now); err != nil {
		return Created{}, err
	}
	ids, err := h.seqs.AllocateIDs(ctx, trips.TripSequence, 1, "", meta)
	if err != nil {
		return Created{}, err
	}
	id := ids.First
	slug, err := h.claimSlug(ctx, id, meta, now)
	if err != nil {
		return Created{}, err
	}
	res, err := h.runner.Execute(ctx, trips.TripStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if len(history) > 0 {
			return nil, fmt.Errorf("trip %d already exists", id)
		}
		e, err := trips.CreatePlan(id, slug, uid, clonedFrom, plan, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil {
		return Created{}, err
	}
	return Created{Created: res.Events[0].(trips.TripPlanCreated), Position: res.Append.Position}, nil
}

// ClonePlan is a user's copy of a plan they can see
// (POST /trip-plans/{slug}/clone/).
type ClonePlan struct {
	Actor  access.Actor
	TripID int64
	Meta   eventlog.Metadata
}

// ClonePlan copies the plan (title marked as a copy) as a private draft of
// the caller's, with its itinerary items.
func (h *Handlers) ClonePlan(ctx context.Context, cmd ClonePlan) (Created, error) {
	if _, err := cmd.Actor.User(); err != nil {
		return Created{}, err
	}
	src, err := h.load(ctx, cmd.TripID)
	if err != nil {
		return Created{}, err
	}
	if !src.VisibleTo(cmd.Actor) {
		return Created{}, trips.ErrTripNotFound
	}
	p := src.Plan
	p.Title = clip(p.Title+" (副本)", trips.MaxTitleLength)
	p.Status, p.Visibility = trips.StatusDraft, trips.VisibilityPrivate
	created, err := h.create(ctx, cmd.Actor, src.ID, p, cmd.Meta)
	if err != nil || len(src.Items) == 0 {
		return created, err
	}
	items := make([]trips.Item, 0, len(src.Items))
	for _, id := range sortedIDs(src.Items) {
		items = append(items, src.Items[id].Item)
	}
	added, err := h.AddItems(ctx, AddItems{Actor: cmd.Actor, TripID: created.Created.TripID, Items: items, Meta: cmd.Meta})
	if err != nil {
		return created, err
	}
	created.Position = added.Position
	return created, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
