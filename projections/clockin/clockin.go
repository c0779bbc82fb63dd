// Package clockin holds the read model of 001's clock-in (projector
// "clockin"); queries/clockin reads it through the views clockin.items,
// clockin.staff and clockin.records.
package clockin

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	clockinq "github.com/fiveapis/backend/queries/clockin"
)

// ProjectionName is the projector's name (its checkpoint key and schema).
const ProjectionName = clockinq.ProjectionName

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per item (removed ones flagged), one per staff
// assignment and one per clock-in.
type Projector struct{}

func (Projector) Name() string { return ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{clockin.SetupCategory, clockin.RecordCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE items (
    id          bigint PRIMARY KEY,
    activity_id bigint      NOT NULL,
    label       text        NOT NULL,
    open_from   timestamptz NOT NULL,
    open_to     timestamptz NOT NULL,
    removed     boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX items_activity ON items (activity_id, open_from, id) WHERE NOT removed;

CREATE TABLE staff (
    activity_id bigint      NOT NULL,
    user_id     bigint      NOT NULL,
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (activity_id, user_id)
);

CREATE TABLE records (
    item_id       bigint      NOT NULL,
    user_id       bigint      NOT NULL,
    activity_id   bigint      NOT NULL,
    window_number bigint      NOT NULL,
    clocked_at    timestamptz NOT NULL,
    PRIMARY KEY (item_id, user_id)
);
CREATE INDEX records_activity_user ON records (activity_id, user_id);
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case clockin.ClockInItemAdded:
		_, err = tx.Exec(ctx, `
INSERT INTO items (id, activity_id, label, open_from, open_to, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING`,
			e.ItemID, e.ActivityID, e.Label, e.OpenFrom, e.OpenTo, e.AddedAt)
	case clockin.ClockInItemChanged:
		_, err = tx.Exec(ctx, `UPDATE items SET label = $2, open_from = $3, open_to = $4, updated_at = $5 WHERE id = $1`,
			e.ItemID, e.Label, e.OpenFrom, e.OpenTo, e.ChangedAt)
	case clockin.ClockInItemRemoved:
		_, err = tx.Exec(ctx, `UPDATE items SET removed = true, updated_at = $2 WHERE id = $1`, e.ItemID, e.RemovedAt)
	case clockin.ClockInStaffAssigned:
		_, err = tx.Exec(ctx, `INSERT INTO staff (activity_id, user_id, assigned_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			e.ActivityID, e.UserID, e.AssignedAt)
	case clockin.ClockInStaffUnassigned:
		_, err = tx.Exec(ctx, `DELETE FROM staff WHERE activity_id = $1 AND user_id = $2`, e.ActivityID, e.UserID)
	case clockin.ClockedIn:
		_, err = tx.Exec(ctx, `
INSERT INTO records (item_id, user_id, activity_id, window_number, clocked_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			e.ItemID, e.UserID, e.ActivityID, e.Window, e.ClockedAt)
	}
	return err
}
