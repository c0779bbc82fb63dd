// Package meetingrooms answers the queries of 001's meeting rooms and
// reservations from the read model projections/meetingrooms maintains (views
// meetingrooms.rooms and meetingrooms.reservations) and, for the admin
// conflict query, the identity read model (identity.users). One file per
// query.
package meetingrooms

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read;
// commands wait for it before they answer.
const ProjectionName = "meetingrooms"

// IdentityProjection is the identity read model the conflict query joins.
const IdentityProjection = "identity"

// ErrNotFound is returned for a room or reservation that does not exist.
var ErrNotFound = errors.New("meetingrooms: not found")

// ErrNotMember is returned to a viewer who is not on 001's staff for the
// availability of the rooms (which shows who booked them).
var ErrNotMember = errors.New("meetingrooms: not a member of the staff")

// Membership tells whether a user is on 001's staff (queries/contacts
// IsMember).
type Membership interface {
	IsMember(ctx context.Context, userID int64) (bool, error)
}

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the meeting-room queries.
type Queries struct {
	db      ReadModel
	members Membership
}

// New returns the queries over db; members decides who sees availability.
func New(db ReadModel, members Membership) *Queries { return &Queries{db: db, members: members} }

// Room is a meeting room.
type Room struct {
	ID       int64
	Name     string
	Location string
	Label    string
	Seats    int
}

// Reservation is a confirmed, not cancelled reservation.
type Reservation struct {
	ID          int64
	RoomID      int64
	UserID      int64
	Day         string
	From, To    time.Time
	Description string
	CreatedAt   time.Time
}

const roomColumns = `id, name, location, label, seats`

func scanRoom(row pgx.Row) (Room, error) {
	var r Room
	err := row.Scan(&r.ID, &r.Name, &r.Location, &r.Label, &r.Seats)
	return r, err
}

const reservationColumns = `id, room_id, user_id, day, reserve_from, reserve_to, description, created_at`

func scanReservation(row pgx.Row) (Reservation, error) {
	var r Reservation
	err := row.Scan(&r.ID, &r.RoomID, &r.UserID, &r.Day, &r.From, &r.To, &r.Description, &r.CreatedAt)
	return r, err
}
