// Package roomshttp serves 001's meeting rooms and reservations in the hhu
// dialect.
package roomshttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	contactsq "github.com/fiveapis/backend/queries/contacts"
	meetingroomsq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// Commands is what the routes need of the commands (meetingroomscmd.Handlers).
type Commands interface {
	AddRoom(ctx context.Context, cmd meetingroomscmd.AddRoom) (meetingroomscmd.RoomResult, error)
	ChangeRoom(ctx context.Context, cmd meetingroomscmd.ChangeRoom) (meetingroomscmd.RoomResult, error)
	RemoveRoom(ctx context.Context, cmd meetingroomscmd.RemoveRoom) (meetingroomscmd.Result, error)
	Reserve(ctx context.Context, cmd meetingroomscmd.Reserve) (meetingroomscmd.ReserveResult, error)
	CancelReservation(ctx context.Context, cmd meetingroomscmd.CancelReservation) (meetingroomscmd.Result, error)
	MoveReservation(ctx context.Context, cmd meetingroomscmd.MoveReservation) (meetingroomscmd.MoveResult, error)
	Zone() *time.Location
}

// Queries is what the routes need of the read model (meetingroomsq.Queries).
type Queries interface {
	ListRooms(ctx context.Context) ([]meetingroomsq.Room, error)
	GetRoom(ctx context.Context, id int64) (meetingroomsq.Room, error)
	Available(ctx context.Context, a meetingroomsq.Availability) ([]meetingroomsq.LocationGroup, error)
	MyReservations(ctx context.Context, userID int64, now time.Time) ([]meetingroomsq.Reservation, error)
	GetReservation(ctx context.Context, id int64) (meetingroomsq.Reservation, error)
	Conflicts(ctx context.Context, from, to time.Time, roomID int64) ([]meetingroomsq.Conflict, error)
}

// People signs bookings for the mini-program's availability: who booked
// and their mobile (contactsq.Queries).
type People interface {
	People(ctx context.Context, ids []int64) (map[int64]contactsq.Person, error)
}

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	People   People
	Clock    hhu.Clock
}

// Handlers serve the routes.
type Handlers struct {
	d    Deps
	zone *time.Location
}

// New returns the routes; times are read and written in the commands' zone.
func New(d Deps) *Handlers {
	return &Handlers{d: d, zone: d.Commands.Zone()}
}

// Mount implements httpapi.Routes:
//
//	GET    /meetingrooms/                          rooms (any user)
//	GET    /meetingrooms/available/                free rooms or slots; with query_from and
//	                                               query_to, every room with its bookings (the mini-program)
//	GET    /reservations/                          my reservations that have not ended
//	POST   /reservations/                          reserve: 201 confirmed, or 400 with the reason
//	GET    /reservations/{id}/                     one of mine (admins: any)
//	DELETE /reservations/{id}/                     cancel (owner or admin)
//	GET    /api/admin/hhu/meetingrooms/            rooms (admin)
//	POST   /api/admin/hhu/meetingrooms/            add a room
//	GET|PUT|PATCH|DELETE /api/admin/hhu/meetingrooms/{id}/
//	GET    /api/admin/hhu/reservations/conflicts/  reservations overlapping a window
//	GET    /api/admin/hhu/reservations/{id}/       any reservation
//	PATCH  /api/admin/hhu/reservations/{id}/       move it (reserve_from, reserve_to, meetingroom, reason)
//	DELETE /api/admin/hhu/reservations/{id}/       cancel it (optional reason); the owner is mailed
func (h *Handlers) Mount(e *echo.Echo) {
	r := hhu.Routes(e)
	user, admin := r.With(hhu.User), r.With(hhu.Admin)
	user.GET("/meetingrooms/", h.listRooms)
	user.GET("/meetingrooms/available/", h.available)
	user.GET("/reservations/", h.myReservations)
	user.POST("/reservations/", h.reserve)
	user.GET("/reservations/:id/", h.getReservation)
	user.DELETE("/reservations/:id/", h.cancelReservation)
	admin.GET("/api/admin/hhu/meetingrooms/", h.listRooms)
	admin.POST("/api/admin/hhu/meetingrooms/", h.addRoom)
	admin.GET("/api/admin/hhu/meetingrooms/:id/", h.getRoom)
	admin.PUT("/api/admin/hhu/meetingrooms/:id/", h.putRoom)
	admin.PATCH("/api/admin/hhu/meetingrooms/:id/", h.patchRoom)
	admin.DELETE("/api/admin/hhu/meetingrooms/:id/", h.removeRoom)
	admin.GET("/api/admin/hhu/reservations/conflicts/", h.conflicts)
	admin.GET("/api/admin/hhu/reservations/:id/", h.getReservation)
	admin.PATCH("/api/admin/hhu/reservations/:id/", h.moveReservation)
	admin.PUT("/api/admin/hhu/reservations/:id/", h.moveReservation)
	admin.DELETE("/api/admin/hhu/reservations/:id/", h.adminCancelReservation)
}
