package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
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

// Outbox is each endpoint's queue of deliveries (transport/webhooks).
type Outbox interface {
	// Enqueue appends the delivery to its endpoint's queue unless it is
	// queued or delivered already.
	Enqueue(ctx context.Context, d Delivery) error
	// Next is the endpoint's oldest delivery neither acknowledged nor
	// parked (ok false: none).
	Next(ctx context.Context, endpointID int64) (Pending, bool, error)
	// Deliver posts the delivery, signed, and records the attempt; an error
	// is a failed attempt.
	Deliver(ctx context.Context, d Delivery) error
	// Retry schedules a failed delivery's next attempt at, or parks it.
	Retry(ctx context.Context, endpointID int64, eventID string, at time.Time, park bool) error
}

// Pending is the head of an endpoint's queue.
type Pending struct {
	Delivery
	Attempts int
	NextAt   time.Time
}

// TripChangesReaction queues every trip change for each endpoint
// subscribed to its announcement, registered before it happened, in log
// order. It does not send: DeliveryJob does, endpoint by endpoint, so an
// endpoint that is down delays only its own deliveries (no head-of-line
// blocking across endpoints). The engine retries the reaction only when
// the queue cannot be written.
func TripChangesReaction(name string, endpoints Endpoints, outbox Outbox) eventlog.Reaction {
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
			for _, ep := range eps {
				if !subscribed(ep, a.Kind) || (!at.IsZero() && at.Before(ep.RegisteredAt)) {
					continue
				}
				if err := outbox.Enqueue(ctx, Delivery{Endpoint: ep, ID: env.Recorded.ID, Kind: a.Kind, TripID: a.TripID, Body: body}); err != nil {
					return fmt.Errorf("endpoint %d: %w", ep.ID, err)
				}
			}
			return nil
		},
	}
}

// DeliveryPolicy is how the delivery job retries: MaxAttempts attempts of
// one delivery before it is parked, Backoff the first pause between two
// (doubled after each), Parallel the endpoints served at once.
type DeliveryPolicy struct {
	MaxAttempts int
	Backoff     time.Duration
	Parallel    int
}

// DeliveryJob sends the queued deliveries every interval: each standing
// endpoint's queue is drained in order, in its own goroutine (at most
// Parallel at once), until it is empty or its head fails; a failed head is
// retried after its backoff and parked after MaxAttempts attempts (the
// endpoint's later deliveries then go on). A slow or down endpoint
// therefore holds back its own queue only. Deliveries to removed endpoints
// are not sent.
func DeliveryJob(name string, every time.Duration, endpoints Endpoints, outbox Outbox, p DeliveryPolicy) eventlog.Job {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 8
	}
	if p.Backoff <= 0 {
		p.Backoff = 2 * time.Second
	}
	if p.Parallel <= 0 {
		p.Parallel = 8
	}
	return eventlog.Job{Name: name, Every: every, Run: func(ctx context.Context, now time.Time) error {
		eps, err := endpoints.ActiveEndpoints(ctx)
		if err != nil {
			return err
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		slots := make(chan struct{}, p.Parallel)
		for _, ep := range eps {
			wg.Add(1)
			slots <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				if err := drain(ctx, ep, outbox, p, now); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("endpoint %d: %w", ep.ID, err))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}}
}

// drain sends the endpoint's due deliveries in order until one fails.
func drain(ctx context.Context, ep Endpoint, outbox Outbox, p DeliveryPolicy, now time.Time) error {
	for ctx.Err() == nil {
		next, ok, err := outbox.Next(ctx, ep.ID)
		if err != nil || !ok || next.NextAt.After(now) {
			return err
		}
		next.Endpoint = ep // its current address
		if err := outbox.Deliver(ctx, next.Delivery); err != nil {
			attempts := next.Attempts + 1
			wait := p.Backoff << min(attempts-1, 16)
			return outbox.Retry(ctx, ep.ID, next.ID, now.Add(wait), attempts >= p.MaxAttempts)
		}
	}
	return nil
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
