package meetingrooms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MyReservations returns a user's reservations that have not ended at now,
// by start time.
func (q *Queries) MyReservations(ctx context.Context, userID int64, now time.Time) ([]Reservation, error) {
	rows, err := q.db.Query(ctx, `SELECT `+reservationColumns+` FROM `+ProjectionName+`.reservations
 WHERE user_id = $1 AND NOT cancelled AND reserve_to > $2 ORDER BY reserve_from, id`, userID, now)
	if err != nil {
		return nil, fmt.Errorf("list reservations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Reservation, error) { return scanReservation(r) })
	if err != nil {
		return nil, fmt.Errorf("list reservations: %w", err)
	}
	return out, nil
}

// GetReservation returns a reservation that was not cancelled.
func (q *Queries) GetReservation(ctx context.Context, id int64) (Reservation, error) {
	r, err := scanReservation(q.db.QueryRow(ctx, `SELECT `+reservationColumns+` FROM `+ProjectionName+`.reservations
 WHERE id = $1 AND NOT cancelled`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("get reservation %d: %w", id, err)
	}
	return r, nil
}
