package hhu

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/eventlog"
	roomq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// RoomCommands is what the meeting-room routes need of the commands.
type RoomCommands interface {
	AddRoom(ctx context.Context, cmd roomcmd.AddRoom) (roomcmd.RoomResult, error)
	ChangeRoom(ctx context.Context, cmd roomcmd.ChangeRoom) (roomcmd.RoomResult, error)
	RemoveRoom(ctx context.Context, cmd roomcmd.RemoveRoom) (eventlog.Position, error)
	Reserve(ctx context.Context, cmd roomcmd.Reserve) (roomcmd.ReserveResult, error)
	CancelReservation(ctx context.Context, cmd roomcmd.CancelReservation) (eventlog.Position, error)
	MoveReservation(ctx context.Context, cmd roomcmd.MoveReservation) (roomcmd.MoveResult, error)
	Zone() *time.Location
}

// RoomQueries is what the meeting-room routes need of the queries.
type RoomQueries interface {
	ListRooms(ctx context.Context) ([]roomq.Room, error)
	GetRoom(ctx context.Context, id int64) (roomq.Room, error)
	Available(ctx context.Context, a roomq.Availability) ([]roomq.LocationGroup, error)
	MyReservations(ctx context.Context, userID int64, now time.Time) ([]roomq.Reservation, error)
	GetReservation(ctx context.Context, id int64) (roomq.Reservation, error)
	Conflicts(ctx context.Context, from, to time.Time, roomID int64) ([]roomq.Conflict, error)
}

// MeetingRoomDeps are the ports of the meeting-room routes.
type MeetingRoomDeps struct {
	Commands    RoomCommands
	Queries     RoomQueries
	Clock       Clock
	Consistency httpapi.Consistency
}

// MeetingRooms serves 001's meeting rooms and reservations:
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
//
// Every route needs "Authorization: Token <key>" (or any credential authn
// accepts); admin routes the admin role.
type MeetingRooms struct {
	d    MeetingRoomDeps
	zone *time.Location
}

// NewMeetingRooms returns the routes.
func NewMeetingRooms(d MeetingRoomDeps) *MeetingRooms {
	return &MeetingRooms{d: d, zone: d.Commands.Zone()}
}

// Mount implements httpapi.Routes. Every path is served with and without its
// trailing slash.
func (m *MeetingRooms) Mount(e *echo.Echo) {
	route := func(method, path string, h echo.HandlerFunc) {
		e.Add(method, path, h)
		e.Add(method, strings.TrimSuffix(path, "/"), h)
	}
	route(http.MethodGet, "/meetingrooms/", m.listRooms)
	route(http.MethodGet, "/meetingrooms/available/", m.available)
	route(http.MethodGet, "/reservations/", m.myReservations)
	route(http.MethodPost, "/reservations/", m.reserve)
	route(http.MethodGet, "/reservations/:id/", m.getReservation)
	route(http.MethodDelete, "/reservations/:id/", m.cancelReservation)
	route(http.MethodGet, "/api/admin/hhu/meetingrooms/", m.adminListRooms)
	route(http.MethodPost, "/api/admin/hhu/meetingrooms/", m.addRoom)
	route(http.MethodGet, "/api/admin/hhu/meetingrooms/:id/", m.adminGetRoom)
	route(http.MethodPut, "/api/admin/hhu/meetingrooms/:id/", m.putRoom)
	route(http.MethodPatch, "/api/admin/hhu/meetingrooms/:id/", m.patchRoom)
	route(http.MethodDelete, "/api/admin/hhu/meetingrooms/:id/", m.removeRoom)
	route(http.MethodGet, "/api/admin/hhu/reservations/conflicts/", m.conflicts)
	route(http.MethodGet, "/api/admin/hhu/reservations/:id/", m.adminGetReservation)
	route(http.MethodPatch, "/api/admin/hhu/reservations/:id/", m.adminMoveReservation)
	route(http.MethodPut, "/api/admin/hhu/reservations/:id/", m.adminMoveReservation)
	route(http.MethodDelete, "/api/admin/hhu/reservations/:id/", m.adminCancelReservation)
}

// requireAdmin is RequireUser for admin routes: 403 for other users.
func requireAdmin(c echo.Context) (authn.Principal, bool, error) {
	p, ok, err := RequireUser(c)
	if !ok {
		return p, false, err
	}
	if !p.IsAdmin {
		return p, false, drf.Detail(c, http.StatusForbidden, "You do not have permission to perform this action.")
	}
	return p, true, nil
}

// adminTarget is requireAdmin for a route naming one object: ok false when
// the answer was sent (401, 403, or 404 for a malformed id).
func adminTarget(c echo.Context) (p authn.Principal, id int64, ok bool, err error) {
	if p, ok, err = requireAdmin(c); !ok {
		return p, 0, false, err
	}
	if id, ok = pathID(c); !ok {
		return p, 0, false, notFound(c)
	}
	return p, id, true, nil
}

// pathID parses the :id of a route; a malformed one is 404 as Django's
// <int:pk> converter answers.
func pathID(c echo.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

func notFound(c echo.Context) error { return drf.Detail(c, http.StatusNotFound, "Not found.") }

// formInt reads an integer field as DRF's IntegerField does (numbers or
// numeric strings). present is false when the field is absent.
func formInt(f drf.Form, name string, errs drf.FieldErrors, required bool) (v int64, present bool) {
	if !f.Has(name) {
		if required {
			errs.Add(name, "This field is required.")
		}
		return 0, false
	}
	tmp := drf.FieldErrors{}
	s, ok := f.Str(name, tmp, false)
	if !ok {
		if msgs := tmp[name]; len(msgs) > 0 && msgs[0] != "Not a valid string." && msgs[0] != "This field may not be blank." {
			errs.Add(name, msgs[0])
		} else {
			errs.Add(name, "A valid integer is required.")
		}
		return 0, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		if fl, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64); ferr == nil && fl == float64(int64(fl)) && fl > -1e15 && fl < 1e15 {
			return int64(fl), true
		}
		errs.Add(name, "A valid integer is required.")
		return 0, true
	}
	return n, true
}

// dateTimeMessage is DRF's DateTimeField error.
const dateTimeMessage = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."

var dateTimeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04Z07:00",
}
var naiveLayouts = []string{
	"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04",
}

// parseDateTime reads an ISO 8601 time; one without an offset is in zone (as
// Django reads naive times in TIME_ZONE).
func parseDateTime(s string, zone *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	for _, l := range naiveLayouts {
		if t, err := time.ParseInLocation(l, s, zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// formDateTime reads a required date-time field.
func (m *MeetingRooms) formDateTime(f drf.Form, name string, errs drf.FieldErrors) time.Time {
	s, ok := f.Str(name, errs, false)
	if !ok {
		return time.Time{}
	}
	t, ok := parseDateTime(s, m.zone)
	if !ok {
		errs.Add(name, dateTimeMessage)
	}
	return t
}

// queryDateTime reads a required date-time query parameter.
func (m *MeetingRooms) queryDateTime(c echo.Context, name string, errs drf.FieldErrors) time.Time {
	s := c.QueryParam(name)
	if strings.TrimSpace(s) == "" {
		errs.Add(name, "This field is required.")
		return time.Time{}
	}
	t, ok := parseDateTime(s, m.zone)
	if !ok {
		errs.Add(name, dateTimeMessage)
	}
	return t
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(c echo.Context, name string, errs drf.FieldErrors) (int64, bool) {
	s := strings.TrimSpace(c.QueryParam(name))
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		errs.Add(name, "A valid integer is required.")
		return 0, false
	}
	if n < 0 {
		errs.Add(name, "Ensure this value is greater than or equal to 0.")
		return 0, false
	}
	return n, true
}

func (m *MeetingRooms) ts(t time.Time) string { return t.In(m.zone).Format(time.RFC3339) }

type roomJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Location string `json:"location"`
	Label    string `json:"label"`
	Seats    int    `json:"seats"`
}

func toRoomJSON(r roomq.Room) roomJSON {
	return roomJSON{ID: r.ID, Name: r.Name, Location: r.Location, Label: r.Label, Seats: r.Seats}
}

type reservationJSON struct {
	ID          int64  `json:"id"`
	Meetingroom int64  `json:"meetingroom"`
	User        int64  `json:"user"`
	ReserveFrom string `json:"reserve_from"`
	ReserveTo   string `json:"reserve_to"`
	Description string `json:"description"`
	Created     string `json:"created,omitempty"`
	Status      string `json:"status,omitempty"`
}

func (m *MeetingRooms) toReservationJSON(r roomq.Reservation) reservationJSON {
	out := reservationJSON{ID: r.ID, Meetingroom: r.RoomID, User: r.UserID, ReserveFrom: m.ts(r.From), ReserveTo: m.ts(r.To),
		Description: r.Description, Status: "confirmed"}
	if !r.CreatedAt.IsZero() {
		out.Created = m.ts(r.CreatedAt)
	}
	return out
}
