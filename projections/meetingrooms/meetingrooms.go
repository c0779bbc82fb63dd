// Package meetingrooms holds the read model of 001's meeting rooms and
// reservations (projector "meetingrooms"); queries/meetingrooms reads it
// through the views meetingrooms.rooms and meetingrooms.reservations.
package meetingrooms

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
	"github.com/fiveapis/backend/projections/engine"
	meetingroomsq "github.com/fiveapis/backend/queries/meetingrooms"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per room (removed ones flagged) and one per
// confirmed reservation (cancelled ones flagged; a moved one where it moved
// to, from its arrival on). Rejected requests live only in the log
// (reservation-<id>).
type Projector struct{}

func (Projector) Name() string { return meetingroomsq.ProjectionName }
func (Projector) Version() int { return 2 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{meetingrooms.RoomCategory, meetingrooms.RoomDayCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE rooms (
    id         bigint PRIMARY KEY,
    name       text        NOT NULL,
    location   text        NOT NULL,
    label      text        NOT NULL,
    seats      integer     NOT NULL,
    removed    boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX rooms_live ON rooms (location, id) WHERE NOT removed;

CREATE TABLE reservations (
    id           bigint PRIMARY KEY,
    room_id      bigint      NOT NULL,
    user_id      bigint      NOT NULL,
    day          text        NOT NULL,
    reserve_from timestamptz NOT NULL,
    reserve_to   timestamptz NOT NULL,
    description  text        NOT NULL,
    cancelled    boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    cancelled_at timestamptz,
    cancelled_by bigint
);
CREATE INDEX reservations_room ON reservations (room_id, reserve_from) WHERE NOT cancelled;
CREATE INDEX reservations_time ON reservations (reserve_from, reserve_to) WHERE NOT cancelled;
CREATE INDEX reservations_user ON reservations (user_id, reserve_to) WHERE NOT cancelled;

-- Moves to another room or day whose old slot is not released yet (see
-- commands/meetingrooms CompleteMove): a row from the arrival until the
-- release or the revert.
CREATE TABLE pending_moves (
    reservation_id bigint      NOT NULL,
    room_id        bigint      NOT NULL,
    day            text        NOT NULL,
    moved_at       timestamptz NOT NULL,
    PRIMARY KEY (reservation_id, room_id, day)
);
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case meetingrooms.MeetingRoomAdded:
		_, err = tx.Exec(ctx, `
INSERT INTO rooms (id, name, location, label, seats, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING`,
			e.RoomID, e.Name, e.Location, e.Label, e.Seats, e.AddedAt)
	case meetingrooms.MeetingRoomChanged:
		_, err = tx.Exec(ctx, `
UPDATE rooms SET name = $2, location = $3, label = $4, seats = $5, updated_at = $6 WHERE id = $1`,
			e.RoomID, e.Name, e.Location, e.Label, e.Seats, e.ChangedAt)
	case meetingrooms.MeetingRoomRemoved:
		_, err = tx.Exec(ctx, `UPDATE rooms SET removed = true, updated_at = $2 WHERE id = $1`, e.RoomID, e.RemovedAt)
	case meetingrooms.ReservationConfirmed:
		_, err = tx.Exec(ctx, `
INSERT INTO reservations (id, room_id, user_id, day, reserve_from, reserve_to, description, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
			e.ReservationID, e.RoomID, e.UserID, e.Day, e.ReserveFrom, e.ReserveTo, e.Description, e.ConfirmedAt)
	case meetingrooms.ReservationMoved:
		_, err = tx.Exec(ctx, `
UPDATE reservations SET room_id = $2, day = $3, reserve_from = $4, reserve_to = $5 WHERE id = $1`,
			e.ReservationID, e.RoomID, e.Day, e.ReserveFrom, e.ReserveTo)
		if err == nil && !e.Within() {
			_, err = tx.Exec(ctx, `
INSERT INTO pending_moves (reservation_id, room_id, day, moved_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (reservation_id, room_id, day) DO UPDATE SET moved_at = EXCLUDED.moved_at`,
				e.ReservationID, e.RoomID, e.Day, e.MovedAt)
		}
	case meetingrooms.ReservationReleased:
		_, err = tx.Exec(ctx, `DELETE FROM pending_moves WHERE reservation_id = $1 AND room_id = $2 AND day = $3`,
			e.Moved.ReservationID, e.Moved.RoomID, e.Moved.Day)
	case meetingrooms.ReservationMoveReverted:
		_, err = tx.Exec(ctx, `DELETE FROM pending_moves WHERE reservation_id = $1 AND room_id = $2 AND day = $3`,
			e.Moved.ReservationID, e.Moved.RoomID, e.Moved.Day)
		if err != nil {
			return err
		}
		// Back to the old room and day as the booking is there now, unless
		// the row moved on since the arrival (or the booking is gone there:
		// its cancellation was projected already).
		if e.Restored != nil {
			_, err = tx.Exec(ctx, `
UPDATE reservations SET room_id = $2, day = $3, reserve_from = $4, reserve_to = $5
 WHERE id = $1 AND room_id = $6 AND day = $7 AND reserve_from = $8 AND reserve_to = $9`,
				e.ReservationID, e.Moved.FromRoomID, e.Moved.FromDay, e.Restored.From, e.Restored.To,
				e.Moved.RoomID, e.Moved.Day, e.Moved.ReserveFrom, e.Moved.ReserveTo)
		}
	case meetingrooms.ReservationCancelled:
		_, err = tx.Exec(ctx, `
UPDATE reservations SET cancelled = true, cancelled_at = $2, cancelled_by = $3 WHERE id = $1`,
			e.ReservationID, e.CancelledAt, e.CancelledBy)
	}
	return err
}
