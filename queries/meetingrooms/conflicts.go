package meetingrooms

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Contact is how to reach the user who made a reservation (identity.users).
type Contact struct {
	UserID   int64
	Username string
	Email    string
}

// Conflict is a reservation that overlaps the asked window, with its room and
// the contact of its user.
type Conflict struct {
	Reservation
	Room Room
	User Contact
}

// Conflicts returns every reservation overlapping [from, to) in one room
// (roomID > 0) or all rooms, by start time: the admin's "冲突查询".
func (q *Queries) Conflicts(ctx context.Context, from, to time.Time, roomID int64) ([]Conflict, error) {
	rows, err := q.db.Query(ctx, `
SELECT v.id, v.room_id, v.user_id, v.day, v.reserve_from, v.reserve_to, v.description, v.created_at,
       r.id, r.name, r.location, r.label, r.seats,
       coalesce(u.username, ''), coalesce(u.email, '')
  FROM `+ProjectionName+`.reservations v
  JOIN `+ProjectionName+`.rooms r ON r.id = v.room_id
  LEFT JOIN `+IdentityProjection+`.users u ON u.id = v.user_id
 WHERE NOT v.cancelled AND v.reserve_from < $2 AND v.reserve_to > $1 AND ($3 = 0 OR v.room_id = $3)
 ORDER BY v.reserve_from, v.room_id, v.id`, from, to, roomID)
	if err != nil {
		return nil, fmt.Errorf("reservation conflicts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Conflict, error) {
		var c Conflict
		err := row.Scan(&c.ID, &c.RoomID, &c.UserID, &c.Day, &c.From, &c.To, &c.Description, &c.CreatedAt,
			&c.Room.ID, &c.Room.Name, &c.Room.Location, &c.Room.Label, &c.Room.Seats,
			&c.User.Username, &c.User.Email)
		c.User.UserID = c.UserID
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("reservation conflicts: %w", err)
	}
	return out, nil
}
