// Package webhooks answers the queries of Roamio's webhook endpoints from
// the read model projections/webhooks maintains (webhooks.endpoints).
package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read.
const ProjectionName = "webhooks"

// ErrNotFound is an endpoint that does not exist or was removed.
var ErrNotFound = errors.New("webhooks: not found")

// ReadModel is the PostgreSQL the read models live in.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the endpoint queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Endpoint is a standing endpoint.
type Endpoint struct {
	ID           int64
	URL          string
	Events       []string
	RegisteredBy int64
	RegisteredAt time.Time
}

const columns = `id, url, events, registered_by, registered_at`

// Endpoints returns the standing endpoints by id.
func (q *Queries) Endpoints(ctx context.Context) ([]Endpoint, error) {
	rows, err := q.db.Query(ctx, `SELECT `+columns+` FROM `+ProjectionName+`.endpoints WHERE NOT removed ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list endpoints: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Endpoint])
	if err != nil {
		return nil, fmt.Errorf("list endpoints: %w", err)
	}
	return out, nil
}

// Endpoint returns one standing endpoint.
func (q *Queries) Endpoint(ctx context.Context, id int64) (Endpoint, error) {
	rows, err := q.db.Query(ctx, `SELECT `+columns+` FROM `+ProjectionName+`.endpoints WHERE id = $1 AND NOT removed`, id)
	if err != nil {
		return Endpoint{}, fmt.Errorf("endpoint %d: %w", id, err)
	}
	ep, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Endpoint])
	if errors.Is(err, pgx.ErrNoRows) {
		return ep, ErrNotFound
	}
	if err != nil {
		return ep, fmt.Errorf("endpoint %d: %w", id, err)
	}
	return ep, nil
}
