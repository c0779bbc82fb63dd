// Package repairs holds the read model of 001's repair requests (projector
// "repairs"); queries/repairs reads it through the views repairs.categories,
// repairs.addresses, repairs.repairs and repairs.status_changes.
package repairs

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/repairs"
	"github.com/fiveapis/backend/projections/engine"
	repairsq "github.com/fiveapis/backend/queries/repairs"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per category, address and request, and one per
// status change (keyed by the event's version in its stream, so a replay
// writes it once).
type Projector struct{}

func (Projector) Name() string { return repairsq.ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{repairs.SetupCategory, repairs.RepairCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE categories (
    id         bigint PRIMARY KEY,
    name       text        NOT NULL,
    removed    boolean     NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);

CREATE TABLE addresses (
    id           bigint PRIMARY KEY,
    email        text        NOT NULL,
    category_ids bigint[]    NOT NULL,
    removed      boolean     NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE repairs (
    id            bigint PRIMARY KEY,
    user_id       bigint      NOT NULL,
    location      text        NOT NULL,
    category_id   bigint      NOT NULL,
    category_name text        NOT NULL,
    description   text        NOT NULL,
    status        text        NOT NULL,
    notify        text[]      NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX repairs_user ON repairs (user_id, created_at DESC);
CREATE INDEX repairs_created ON repairs (created_at DESC, id DESC);

CREATE TABLE status_changes (
    repair_id   bigint      NOT NULL,
    version     bigint      NOT NULL,
    from_status text        NOT NULL,
    to_status   text        NOT NULL,
    changed_by  bigint      NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (repair_id, version)
);
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case repairs.RepairCategoryAdded:
		_, err = tx.Exec(ctx, `INSERT INTO categories (id, name, updated_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
			e.CategoryID, e.Name, e.AddedAt)
	case repairs.RepairCategoryChanged:
		_, err = tx.Exec(ctx, `UPDATE categories SET name = $2, updated_at = $3 WHERE id = $1`, e.CategoryID, e.Name, e.ChangedAt)
	case repairs.RepairCategoryRemoved:
		_, err = tx.Exec(ctx, `UPDATE categories SET removed = true, updated_at = $2 WHERE id = $1`, e.CategoryID, e.RemovedAt)
	case repairs.RepairNoticeAddressAdded:
		_, err = tx.Exec(ctx, `INSERT INTO addresses (id, email, category_ids, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO NOTHING`, e.AddressID, e.Email, ids(e.CategoryIDs), e.AddedAt)
	case repairs.RepairNoticeAddressChanged:
		_, err = tx.Exec(ctx, `UPDATE addresses SET email = $2, category_ids = $3, updated_at = $4 WHERE id = $1`,
			e.AddressID, e.Email, ids(e.CategoryIDs), e.ChangedAt)
	case repairs.RepairNoticeAddressRemoved:
		_, err = tx.Exec(ctx, `UPDATE addresses SET removed = true, updated_at = $2 WHERE id = $1`, e.AddressID, e.RemovedAt)
	case repairs.RepairRequested:
		notify := e.Notify
		if notify == nil {
			notify = []string{}
		}
		_, err = tx.Exec(ctx, `
INSERT INTO repairs (id, user_id, location, category_id, category_name, description, status, notify, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (id) DO NOTHING`,
			e.RepairID, e.UserID, e.Location, e.CategoryID, e.CategoryName, e.Description, e.Status, notify, e.RequestedAt)
	case repairs.RepairStatusChanged:
		if _, err = tx.Exec(ctx, `UPDATE repairs SET status = $2, updated_at = $3 WHERE id = $1`, e.RepairID, e.To, e.ChangedAt); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
INSERT INTO status_changes (repair_id, version, from_status, to_status, changed_by, changed_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			e.RepairID, env.Recorded.Version, e.From, e.To, e.ChangedBy, e.ChangedAt)
	}
	return err
}

// ids is never nil, so the column holds '{}' rather than NULL.
func ids(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}
