package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/trips"
	"github.com/fiveapis/backend/domain/webhooks"
)

// Endpoint is a registered endpoint as the reaction reads it.
type Endpoint struct {
	ID           int64
	URL          string
	Events       []string
	RegisteredAt time.Time
}

// Endpoints lists the standing endpoints (queries/webhooks).
type Endpoints interface {
	ActiveEndpoints(ctx context.Context) ([]Endpoint, error)
}

// Delivery is one announcement to one endpoint.
type Delivery struct {
	Endpoint Endpoint
	// ID is the event's id: the receiver's key for duplicates.
	ID     string
	Kind   string
	TripID int64
	Body   []byte
}

// Deliverer sends deliveries and remembers which arrived
// (transport/webhooks).
type Deliverer interface {
	// Delivered reports whether the endpoint already acknowledged the event.
	Delivered(ctx context.Context, endpointID int64, eventID string) (bool, error)
	// Deliver posts the delivery, signed, and records the attempt; an error
	// is a failed attempt.
	Deliver(ctx context.Context, d Delivery) error
}

// TripChangesReaction delivers every trip change to the endpoints
// subscribed to its announcement, registered before it happened. The
// engine runs it in log order, retries an event whose delivery failed
// (with backoff), then parks it; an endpoint that already acknowledged an
// event is not sent it again, so each endpoint gets each change once even
// when another endpoint's failure makes the event retried.
func TripChangesReaction(name string, endpoints Endpoints, deliver Deliverer) eventlog.Reaction {
	return eventlog.Reaction{
		Name:   name,
		Filter: eventlog.Filter{Categories: []string{trips.TripCategory}},
		Handle: func(ctx context.Context, env eventlog.Envelope) error {
			a, ok := Announce(env.Event)
			if !ok {
				return nil
			}
			at := env.Meta.OccurredAt
			if at.IsZero() {
				at = env.Recorded.RecordedAt
			}
			body, err := json.Marshal(map[string]any{"id": env.Recorded.ID, "event": a.Kind, "data": a.Data,
				"timestamp": at.UTC().Format(time.RFC3339Nano)})
			if err != nil {
				return fmt.Errorf("webhook body: %w", err)
			}
			eps, err := endpoints.ActiveEndpoints(ctx)
			if err != nil {
				return err
			}
			var errs []error
			for _, ep := range eps {
				if !subscribed(ep, a.Kind) || (!at.IsZero() && at.Before(ep.RegisteredAt)) {
					continue
				}
				done, err := deliver.Delivered(ctx, ep.ID, env.Recorded.ID)
				if err != nil {
					return err
				}
				if done {
					continue
				}
				if err := deliver.Deliver(ctx, Delivery{Endpoint: ep, ID: env.Recorded.ID, Kind: a.Kind, TripID: a.TripID, Body: body}); err != nil {
					errs = append(errs, fmt.Errorf("endpoint %d: %w", ep.ID, err))
				}
			}
			return errors.Join(errs...)
		},
	}
}

func subscribed(ep Endpoint, kind string) bool {
	for _, k := range ep.Events {
		if k == kind {
			return true
		}
	}
	return false
}

// Announcement is what a trip event announces: its kind, the trip it is
// about and the data sent ("ok" false: nothing to announce).
type Announcement struct {
	Kind   string
	TripID int64
	Data   map[string]any
}

// Announce maps a trip event to its announcement.
func Announce(ev eventlog.Event) (Announcement, bool) {
	plan := func(id int64, slug string, p trips.Plan) map[string]any {
		d := map[string]any{"trip_id": id, "title": p.Title, "start_date": nullable(p.StartDate), "end_date": nullable(p.EndDate),
			"status": p.Status, "visibility": p.Visibility}
		if slug != "" {
			d["slug"] = slug
		}
		return d
	}
	switch e := ev.(type) {
	case trips.TripPlanCreated:
		return Announcement{webhooks.TripCreated, e.TripID, plan(e.TripID, e.Slug, e.Plan)}, true
	case trips.TripPlanChanged:
		return Announcement{webhooks.TripUpdated, e.TripID, plan(e.TripID, "", e.Plan)}, true
	case trips.TripPlanDeleted:
		return Announcement{webhooks.TripDeleted, e.TripID, map[string]any{"trip_id": e.TripID, "slug": e.Slug}}, true
	case trips.TripEventAdded:
		return Announcement{webhooks.TripItineraryUpdated, e.TripID, map[string]any{"trip_id": e.TripID, "event_id": e.EventID, "change": "added"}}, true
	case trips.TripEventChanged:
		return Announcement{webhooks.TripItineraryUpdated, e.TripID, map[string]any{"trip_id": e.TripID, "event_id": e.EventID, "change": "changed"}}, true
	case trips.TripEventRemoved:
		return Announcement{webhooks.TripItineraryUpdated, e.TripID, map[string]any{"trip_id": e.TripID, "event_id": e.EventID, "change": "removed"}}, true
	case trips.TripEventCompletionSet:
		return Announcement{webhooks.TripItineraryUpdated, e.TripID, map[string]any{"trip_id": e.TripID, "event_id": e.EventID, "change": "completion", "completed": e.Completed}}, true
	}
	return Announcement{}, false
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
