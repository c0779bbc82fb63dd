package clockin

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const itemColumns = `id, activity_id, label, open_from, open_to`

func scanItem(row pgx.Row) (Item, error) {
	var it Item
	err := row.Scan(&it.ID, &it.ActivityID, &it.Label, &it.OpenFrom, &it.OpenTo)
	return it, err
}

// ListItems returns an activity's items by opening time.
func (q *Queries) ListItems(ctx context.Context, activityID int64) ([]Item, error) {
	return collect(ctx, q.db, "list items", func(r pgx.CollectableRow) (Item, error) { return scanItem(r) },
		`SELECT `+itemColumns+` FROM `+ProjectionName+`.items WHERE activity_id = $1 AND NOT removed ORDER BY open_from, id`, activityID)
}

// GetItem returns an item of the activity, or ErrNotFound.
func (q *Queries) GetItem(ctx context.Context, activityID, itemID int64) (Item, error) {
	it, err := scanItem(q.db.QueryRow(ctx, `SELECT `+itemColumns+` FROM `+ProjectionName+`.items
 WHERE id = $1 AND activity_id = $2 AND NOT removed`, itemID, activityID))
	if errors.Is(err, pgx.ErrNoRows) {
		return it, ErrNotFound
	}
	if err != nil {
		return it, fmt.Errorf("get clock-in item %d: %w", itemID, err)
	}
	return it, nil
}

// FindItem returns an item that was not removed, whatever its activity, or
// ErrNotFound.
func (q *Queries) FindItem(ctx context.Context, itemID int64) (Item, error) {
	it, err := scanItem(q.db.QueryRow(ctx, `SELECT `+itemColumns+` FROM `+ProjectionName+`.items WHERE id = $1 AND NOT removed`, itemID))
	if errors.Is(err, pgx.ErrNoRows) {
		return it, ErrNotFound
	}
	if err != nil {
		return it, fmt.Errorf("find clock-in item %d: %w", itemID, err)
	}
	return it, nil
}

// Labels returns the labels of an activity's items, by opening time (the
// words of the enrollment filter language).
func (q *Queries) Labels(ctx context.Context, activityID int64) ([]string, error) {
	return collect(ctx, q.db, "list labels", pgx.RowTo[string],
		`SELECT label FROM `+ProjectionName+`.items WHERE activity_id = $1 AND NOT removed ORDER BY open_from, id`, activityID)
}
