// Package webhooks holds the read model of Roamio's webhook endpoints
// (projector "webhooks"): queries/webhooks reads webhooks.endpoints.
package webhooks

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/webhooks"
	"github.com/fiveapis/backend/projections/engine"
	webhooksq "github.com/fiveapis/backend/queries/webhooks"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per endpoint.
type Projector struct{}

func (Projector) Name() string { return webhooksq.ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{webhooks.EndpointCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE endpoints (
    id            bigint PRIMARY KEY,
    url           text        NOT NULL,
    events        text[]      NOT NULL,
    registered_by bigint      NOT NULL,
    registered_at timestamptz NOT NULL,
    removed       boolean     NOT NULL DEFAULT false
);
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case webhooks.WebhookEndpointRegistered:
		events := e.Events
		if events == nil {
			events = []string{}
		}
		_, err = tx.Exec(ctx, `INSERT INTO endpoints (id, url, events, registered_by, registered_at) VALUES ($1,$2,$3,$4,$5)
ON CONFLICT (id) DO NOTHING`, e.EndpointID, e.URL, events, e.RegisteredBy, e.RegisteredAt)
	case webhooks.WebhookEndpointRemoved:
		_, err = tx.Exec(ctx, `UPDATE endpoints SET removed = true WHERE id = $1`, e.EndpointID)
	}
	return err
}
