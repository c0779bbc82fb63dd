package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// GetActivity returns an activity that was not removed.
func (q *Queries) GetActivity(ctx context.Context, id int64) (Activity, error) {
	a, err := scanActivity(q.db.QueryRow(ctx, `SELECT `+activityColumns+` FROM `+ProjectionName+`.activities a
 WHERE a.id = $1 AND NOT a.removed`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("get activity %d: %w", id, err)
	}
	return a, nil
}

// ActivityExists reports whether an activity exists and was not removed (the
// clock-in module asks before it accepts a clock-in item).
func (q *Queries) ActivityExists(ctx context.Context, activityID int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+ProjectionName+`.activities WHERE id = $1 AND NOT removed)`,
		activityID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("activity %d exists: %w", activityID, err)
	}
	return ok, nil
}
