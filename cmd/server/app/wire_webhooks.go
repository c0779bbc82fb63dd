package app

import (
	"context"

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
// delivers trip changes to the registered endpoints.
const WebhookReactionName = "webhooks_trip_changes"

// wireWebhooks builds Roamio's webhooks: the endpoints' projector, the
// delivering reaction (retried with backoff, then parked) and the
// administrators' API.
func wireWebhooks(_ context.Context, p *Platform) (Module, error) {
	cfg := p.Config.Roamio
	m := Module{Name: "webhooks", Events: webhooks.Events(), Projectors: webhooksproj.All()}
	queries := webhooksq.New(p.Pool)
	sender := webhookstransport.New(p.Pool, p.Secret, cfg.WebhookTimeout)
	r := webhookscmd.TripChangesReaction(WebhookReactionName, webhookEndpoints{queries}, webhookDeliverer{sender})
	r.MaxAttempts, r.Backoff = cfg.WebhookMaxAttempts, cfg.WebhookBackoff
	m.Reactions = []eventlog.Reaction{r}
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

// webhookDeliverer adapts the sender to the reaction's port.
type webhookDeliverer struct{ s *webhookstransport.Sender }

func (d webhookDeliverer) Delivered(ctx context.Context, endpointID int64, eventID string) (bool, error) {
	return d.s.Delivered(ctx, endpointID, eventID)
}

func (d webhookDeliverer) Deliver(ctx context.Context, m webhookscmd.Delivery) error {
	return d.s.Deliver(ctx, webhookstransport.Message{EndpointID: m.Endpoint.ID, URL: m.Endpoint.URL, EventID: m.ID, Kind: m.Kind,
		TripID: m.TripID, Body: m.Body})
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
		out[i] = webhookshttp.Delivery{EventID: x.EventID, Event: x.Kind, TripID: x.TripID, Attempts: x.Attempts, LastStatus: x.LastStatus,
			LastError: x.LastError, Delivered: x.Delivered, FirstAt: x.FirstAt, LastAt: x.LastAt}
	}
	return out, nil
}
