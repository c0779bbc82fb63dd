package trips

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const itemColumns = `id, trip_id, title, description, event_time, location::text, reminder::text, completed, created_at, updated_at`

func scanItem(row pgx.Row) (Item, error) {
	var it Item
	var loc, rem string
	err := row.Scan(&it.ID, &it.TripID, &it.Title, &it.Description, &it.EventTime, &loc, &rem, &it.Completed, &it.CreatedAt, &it.UpdatedAt)
	it.Location, it.Reminder = []byte(loc), []byte(rem)
	return it, err
}

// Items returns a trip's itinerary items by time (untimed last), then id.
func (q *Queries) Items(ctx context.Context, tripID int64) ([]Item, error) {
	rows, err := q.db.Query(ctx, `SELECT `+itemColumns+` FROM `+ProjectionName+`.items WHERE trip_id = $1
 ORDER BY event_time NULLS LAST, id`, tripID)
	if err != nil {
		return nil, fmt.Errorf("items of trip %d: %w", tripID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) { return scanItem(r) })
	if err != nil {
		return nil, fmt.Errorf("items of trip %d: %w", tripID, err)
	}
	return out, nil
}

// ItemByID returns one item of a trip.
func (q *Queries) ItemByID(ctx context.Context, tripID, id int64) (Item, error) {
	it, err := scanItem(q.db.QueryRow(ctx, `SELECT `+itemColumns+` FROM `+ProjectionName+`.items WHERE trip_id = $1 AND id = $2`, tripID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return it, ErrNotFound
	}
	if err != nil {
		return it, fmt.Errorf("item %d: %w", id, err)
	}
	return it, nil
}
