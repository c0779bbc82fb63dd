package clockin

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ListStaff returns an activity's clock-in staff by assignment, with their
// user names from the identity read model.
func (q *Queries) ListStaff(ctx context.Context, activityID int64) ([]Staff, error) {
	return collect(ctx, q.db, "list staff", func(r pgx.CollectableRow) (Staff, error) {
		var s Staff
		err := r.Scan(&s.UserID, &s.Username, &s.AssignedAt)
		return s, err
	}, `SELECT s.user_id, coalesce(u.username, ''), s.assigned_at FROM `+ProjectionName+`.staff s
 LEFT JOIN `+IdentityProjection+`.users u ON u.id = s.user_id
 WHERE s.activity_id = $1 ORDER BY s.assigned_at, s.user_id`, activityID)
}

// IsStaff reports whether the user is the activity's clock-in staff.
func (q *Queries) IsStaff(ctx context.Context, activityID, userID int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+ProjectionName+`.staff WHERE activity_id = $1 AND user_id = $2)`,
		activityID, userID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("is user %d staff of activity %d: %w", userID, activityID, err)
	}
	return ok, nil
}
