// Package contacts holds the read model of 001's colleagues and departments
// (projector "contacts"); queries/contacts reads it through the views
// contacts.colleagues and contacts.departments, together with identity's
// address-book entries.
package contacts

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/contacts"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	contactsq "github.com/fiveapis/backend/queries/contacts"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per colleague relation, one per department
// (removed ones flagged, so an entry's old reference still resolves to
// nothing rather than to a new department) and one per member an admin
// placed on the staff.
type Projector struct{}

func (Projector) Name() string { return contactsq.ProjectionName }
func (Projector) Version() int { return 2 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{contacts.ColleagueCategory, contacts.DepartmentCategory, contacts.MemberCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE colleagues (
    user_id      bigint      NOT NULL,
    colleague_id bigint      NOT NULL,
    added_at     timestamptz NOT NULL,
    PRIMARY KEY (user_id, colleague_id)
);

CREATE TABLE departments (
    id         bigint      PRIMARY KEY,
    name       text        NOT NULL,
    removed    boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- 001's staff as admins placed them (a WeChat binding, in identity's
-- social_accounts, makes a member too: queries/contacts IsMember).
CREATE TABLE members (
    user_id       bigint      PRIMARY KEY,
    department_id bigint      NOT NULL,
    placed_by     bigint      NOT NULL,
    placed_at     timestamptz NOT NULL
);
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case contacts.ColleagueAdded:
		_, err = tx.Exec(ctx, `INSERT INTO colleagues (user_id, colleague_id, added_at) VALUES ($1, $2, $3)
ON CONFLICT (user_id, colleague_id) DO NOTHING`, e.UserID, e.ColleagueID, e.AddedAt)
	case contacts.ColleagueRemoved:
		_, err = tx.Exec(ctx, `DELETE FROM colleagues WHERE user_id = $1 AND colleague_id = $2`, e.UserID, e.ColleagueID)
	case contacts.DepartmentAdded:
		_, err = tx.Exec(ctx, `INSERT INTO departments (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)
ON CONFLICT (id) DO NOTHING`, e.DepartmentID, e.Name, e.AddedAt)
	case contacts.DepartmentRenamed:
		_, err = tx.Exec(ctx, `UPDATE departments SET name = $2, updated_at = $3 WHERE id = $1`, e.DepartmentID, e.Name, e.RenamedAt)
	case contacts.DepartmentRemoved:
		_, err = tx.Exec(ctx, `UPDATE departments SET removed = true, updated_at = $2 WHERE id = $1`, e.DepartmentID, e.RemovedAt)
	case contacts.MemberPlaced:
		_, err = tx.Exec(ctx, `INSERT INTO members (user_id, department_id, placed_by, placed_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id) DO UPDATE SET department_id = EXCLUDED.department_id, placed_by = EXCLUDED.placed_by, placed_at = EXCLUDED.placed_at`,
			e.UserID, e.DepartmentID, e.PlacedBy, e.PlacedAt)
	case contacts.MemberDismissed:
		_, err = tx.Exec(ctx, `DELETE FROM members WHERE user_id = $1`, e.UserID)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("contacts projection: %s %s@%d: %w", env.Event.EventType(), env.Recorded.StreamID, env.Recorded.Version, err)
	}
	return nil
}
