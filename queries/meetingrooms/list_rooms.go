package meetingrooms

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ListRooms returns every room that was not removed, by id.
func (q *Queries) ListRooms(ctx context.Context) ([]Room, error) {
	rows, err := q.db.Query(ctx, `SELECT `+roomColumns+` FROM `+ProjectionName+`.rooms WHERE NOT removed ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list meeting rooms: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Room, error) { return scanRoom(r) })
	if err != nil {
		return nil, fmt.Errorf("list meeting rooms: %w", err)
	}
	return out, nil
}

// GetRoom returns a room that was not removed.
func (q *Queries) GetRoom(ctx context.Context, id int64) (Room, error) {
	r, err := scanRoom(q.db.QueryRow(ctx, `SELECT `+roomColumns+` FROM `+ProjectionName+`.rooms WHERE id = $1 AND NOT removed`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("get meeting room %d: %w", id, err)
	}
	return r, nil
}
