package app

import (
	"context"
	"errors"
	"time"

	webhookscmd "github.com/fiveapis/backend/commands/webhooks"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/webhooks"
	webhooksproj "github.com/fiveapis/backend/projections/webhooks"
	webhooksq "github.com/fiveapis/backend/queries/webhooks"
	"github.com/fiveapis/backend/transport/httpapi"
	webhookshttp "github.com/fiveapis/backend/transport/httpapi/roamio/webhooks"
	webhookstransport "github.com/fiveapis/backend/transport/webhooks"
)

// WebhookReactionName is the name (checkpoint key) of the reaction that
// queues trip changes for the registered endpoints; WebhookJobName the
// job that delivers each endpoint's queue.
const (
	WebhookReactionName = "webhooks_trip_changes"
	WebhookJobName      = "webhooks_deliver"
)

// wireWebhooks builds Roamio's webhooks: the endpoints' projector, the
// reaction that queues each change per endpoint, the job that delivers the
// queues (each endpoint on its own, retried with backoff, then parked) and
// the administrators' API.
func wireWebhooks(_ context.Context, p *Platform) (Module, error) {
	cfg := p.Config.Roamio
	m := Module{Name: "webhooks", Events: webhooks.Events(), Projectors: webhooksproj.All()}
	queries := webhooksq.New(p.Pool)
	sender := webhookstransport.New(p.Pool, p.Secret, cfg.WebhookTimeout)
	outbox := webhookOutbox{sender}
	m.Reactions = []eventlog.Reaction{webhookscmd.TripChangesReaction(WebhookReactionName, webhookEndpoints{queries}, outbox)}
	poll := cfg.WebhookPoll
	if poll <= 0 {
		poll = time.Second
	}
	m.Jobs = []eventlog.Job{webhookscmd.DeliveryJob(WebhookJobName, poll, webhookEndpoints{queries}, outbox,
		webhookscmd.DeliveryPolicy{MaxAttempts: cfg.WebhookMaxAttempts, Backoff: cfg.WebhookBackoff})}
	m.Routes = []httpapi.Routes{webhookshttp.New(webhookshttp.Deps{Commands: webhookscmd.New(p.Runner, p.Clock), Queries: queries,
		Deliveries: webhookDeliveries{sender}, Clock: p.Clock})}
	return m, nil
}

// webhookEndpoints adapts the endpoints' queries to the reaction's port.
type webhookEndpoints struct{ q *webhooksq.Queries }

func (e webhookEndpoints) ActiveEndpoints(ctx context.Context) ([]webhookscmd.Endpoint, error) {
	eps, err := e.q.Endpoints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]webhookscmd.Endpoint, len(eps))
	for i, ep := range eps {
		out[i] = webhookscmd.Endpoint{ID: ep.ID, URL: ep.URL, Events: ep.Events, RegisteredAt: ep.RegisteredAt}
	}
	return out, nil
}

// webhookOutbox adapts the sender to the reaction's and the job's port.
type webhookOutbox struct{ s *webhookstransport.Sender }

func messageOf(m webhookscmd.Delivery) webhookstransport.Message {
	return webhookstransport.Message{EndpointID: m.Endpoint.ID, URL: m.Endpoint.URL, EventID: m.ID, Kind: m.Kind, TripID: m.TripID, Body: m.Body}
}

func (o webhookOutbox) Enqueue(ctx context.Context, m webhookscmd.Delivery) error {
	return o.s.Enqueue(ctx, messageOf(m))
}

func (o webhookOutbox) Next(ctx context.Context, endpointID int64) (webhookscmd.Pending, bool, error) {
	p, ok, err := o.s.Next(ctx, endpointID)
	if err != nil || !ok {
		return webhookscmd.Pending{}, ok, err
	}
	return webhookscmd.Pending{Delivery: webhookscmd.Delivery{Endpoint: webhookscmd.Endpoint{ID: endpointID}, ID: p.EventID, Kind: p.Kind,
		TripID: p.TripID, Body: p.Body}, Attempts: p.Attempts, NextAt: p.NextAt}, true, nil
}

func (o webhookOutbox) Deliver(ctx context.Context, m webhookscmd.Delivery) error {
	return o.s.Deliver(ctx, messageOf(m))
}

func (o webhookOutbox) Retry(ctx context.Context, endpointID int64, eventID string, at time.Time, park bool) error {
	return o.s.Retry(ctx, endpointID, eventID, at, park)
}

// webhookDeliveries adapts the sender to the admin routes' port.
type webhookDeliveries struct{ s *webhookstransport.Sender }

func (d webhookDeliveries) Secret(id int64) string { return d.s.Secret(id) }

func (d webhookDeliveries) Deliveries(ctx context.Context, id int64, limit int) ([]webhookshttp.Delivery, error) {
	ds, err := d.s.Deliveries(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	out := make([]webhookshttp.Delivery, len(ds))
	for i, x := range ds {
		out[i] = deliveryOf(x)
	}
	return out, nil
}

func deliveryOf(x webhookstransport.Delivery) webhookshttp.Delivery {
	return webhookshttp.Delivery{EventID: x.EventID, Event: x.Kind, TripID: x.TripID, Attempts: x.Attempts, LastStatus: x.LastStatus,
		LastError: x.LastError, Delivered: x.Delivered, Parked: x.Parked, Replays: x.Replays, FirstAt: x.FirstAt, LastAt: x.LastAt}
}

func (d webhookDeliveries) Replay(ctx context.Context, id int64, eventID string) (webhookshttp.Delivery, error) {
	x, err := d.s.Replay(ctx, id, eventID)
	switch {
	case errors.Is(err, webhookstransport.ErrNoDelivery):
		return webhookshttp.Delivery{}, webhooks.ErrDeliveryNotFound
	case errors.Is(err, webhookstransport.ErrNotParked):
		return webhookshttp.Delivery{}, webhooks.ErrDeliveryNotParked
	case err != nil:
		return webhookshttp.Delivery{}, err
	}
	return deliveryOf(x), nil
}
