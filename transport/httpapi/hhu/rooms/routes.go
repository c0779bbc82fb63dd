// Package roomshttp serves 001's meeting rooms and reservations in the hhu
// dialect.
package roomshttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	roomq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// Commands is what the routes need of the commands (roomcmd.Handlers).
type Commands interface {
	AddRoom(ctx context.Context, cmd roomcmd.AddRoom) (roomcmd.RoomResult, error)
	ChangeRoom(ctx context.Context, cmd roomcmd.ChangeRoom) (roomcmd.RoomResult, error)
	RemoveRoom(ctx context.Context, cmd roomcmd.RemoveRoom) (roomcmd.Result, error)
	Reserve(ctx context.Context, cmd roomcmd.Reserve) (roomcmd.ReserveResult, error)
	CancelReservation(ctx context.Context, cmd roomcmd.CancelReservation) (roomcmd.Result, error)
	MoveReservation(ctx context.Context, cmd roomcmd.MoveReservation) (roomcmd.MoveResult, error)
	Zone() *time.Location
}

// Queries is what the routes need of the read model (roomq.Queries).
type Queries interface {
	ListRooms(ctx context.Context) ([]roomq.Room, error)
	GetRoom(ctx context.Context, id int64) (roomq.Room, error)
	Available(ctx context.Context, a roomq.Availability) ([]roomq.LocationGroup, error)
	MyReservations(ctx context.Context, userID int64, now time.Time) ([]roomq.Reservation, error)
	GetReservation(ctx context.Context, id int64) (roomq.Reservation, error)
	Conflicts(ctx context.Context, from, to time.Time, roomID int64) ([]roomq.Conflict, error)
}

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
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
//	GET    /meetingrooms/available/                free rooms or slots
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
