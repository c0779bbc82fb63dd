package meetingrooms

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// PendingMove is a move to another room or day whose old slot is not
// released yet: where the reservation arrived.
type PendingMove struct {
	ReservationID int64
	RoomID        int64
	Day           string
	MovedAt       time.Time
}

// PendingMoves lists the moves still waiting for their release that were made
// before movedBefore, oldest first, at most limit. A move normally completes
// within its request; one listed long after was cut off by a dying process.
func (q *Queries) PendingMoves(ctx context.Context, movedBefore time.Time, limit int) ([]PendingMove, error) {
	rows, err := q.db.Query(ctx, `
SELECT reservation_id, room_id, day, moved_at FROM meetingrooms.pending_moves
 WHERE moved_at < $1 ORDER BY moved_at LIMIT $2`, movedBefore, limit)
	if err != nil {
		return nil, fmt.Errorf("pending moves: %w", err)
	}
	moves, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PendingMove, error) {
		var m PendingMove
		err := row.Scan(&m.ReservationID, &m.RoomID, &m.Day, &m.MovedAt)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("pending moves: %w", err)
	}
	return moves, nil
}
