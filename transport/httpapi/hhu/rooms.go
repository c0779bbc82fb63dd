package hhu

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/meetingrooms"
	roomq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// listRooms: GET /meetingrooms/ → every room, for any user.
func (m *MeetingRooms) listRooms(c echo.Context) error {
	if _, ok, err := RequireUser(c); !ok {
		return err
	}
	return m.writeRooms(c)
}

// adminListRooms: GET /api/admin/hhu/meetingrooms/.
func (m *MeetingRooms) adminListRooms(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	return m.writeRooms(c)
}

func (m *MeetingRooms) writeRooms(c echo.Context) error {
	return answerList(c, m.rooms(), m.d.Queries.ListRooms, toRoomJSON)
}

// rooms is the read model of the rooms.
func (m *MeetingRooms) rooms() readModel {
	return readModel{consistency: m.d.Consistency, projection: roomq.ProjectionName, notFound: roomq.ErrNotFound}
}

// adminGetRoom: GET /api/admin/hhu/meetingrooms/{id}/.
func (m *MeetingRooms) adminGetRoom(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	return answerOne(c, m.rooms(), m.d.Queries.GetRoom, toRoomJSON)
}

// readRoom reads the room fields of a body; partial leaves absent fields nil.
//
// When ok is false the answer (400) was written and err is the write's error.
func readRoom(c echo.Context, partial bool) (p meetingrooms.RoomPatch, ok bool, err error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return p, false, renderError(c, err)
	}
	errs := drf.FieldErrors{}
	for _, fld := range []struct {
		name       string
		allowBlank bool
		dst        **string
	}{{"name", false, &p.Name}, {"location", false, &p.Location}, {"label", true, &p.Label}} {
		if partial && !f.Has(fld.name) {
			continue
		}
		if !f.Has(fld.name) && fld.allowBlank {
			continue // label is optional: blank by default
		}
		if s, ok := f.Str(fld.name, errs, fld.allowBlank); ok {
			*fld.dst = &s
		}
	}
	if n, present := formInt(f, "seats", errs, !partial); present {
		if _, bad := errs["seats"]; !bad {
			seats := int(max(min(n, meetingrooms.MaxSeats+1), -1)) // the domain names the limit
			p.Seats = &seats
		}
	}
	if len(errs) > 0 {
		return p, false, c.JSON(http.StatusBadRequest, errs)
	}
	return p, true, nil
}

// addRoom: POST /api/admin/hhu/meetingrooms/ {name, location, label, seats}
// → 201 with the room.
func (m *MeetingRooms) addRoom(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	patch, ok, err := readRoom(c, false)
	if !ok {
		return err
	}
	spec := meetingrooms.RoomSpec{Name: deref(patch.Name), Location: deref(patch.Location), Label: deref(patch.Label), Seats: *patch.Seats}
	res, err := m.d.Commands.AddRoom(c.Request().Context(), roomcmd.AddRoom{Actor: actor(p), Spec: spec, Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, roomq.ProjectionName)
	return c.JSON(http.StatusCreated, roomOut(res.Room))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func roomOut(r meetingrooms.Room) roomJSON {
	return roomJSON{ID: r.ID, Name: r.Name, Location: r.Location, Label: r.Label, Seats: r.Seats}
}

// putRoom: PUT /api/admin/hhu/meetingrooms/{id}/ with every field.
func (m *MeetingRooms) putRoom(c echo.Context) error { return m.changeRoom(c, false) }

// patchRoom: PATCH /api/admin/hhu/meetingrooms/{id}/ with some fields.
func (m *MeetingRooms) patchRoom(c echo.Context) error { return m.changeRoom(c, true) }

func (m *MeetingRooms) changeRoom(c echo.Context, partial bool) error {
	p, id, ok, err := adminTarget(c)
	if !ok {
		return err
	}
	patch, ok, err := readRoom(c, partial)
	if !ok {
		return err
	}
	if !partial && patch.Label == nil {
		blank := ""
		patch.Label = &blank
	}
	res, err := m.d.Commands.ChangeRoom(c.Request().Context(), roomcmd.ChangeRoom{Actor: actor(p), RoomID: id, Patch: patch, Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if errors.Is(err, meetingrooms.ErrRoomNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, roomq.ProjectionName)
	return c.JSON(http.StatusOK, roomOut(res.Room))
}

// removeRoom: DELETE /api/admin/hhu/meetingrooms/{id}/ → 204.
func (m *MeetingRooms) removeRoom(c echo.Context) error {
	p, id, ok, err := adminTarget(c)
	if !ok {
		return err
	}
	pos, err := m.d.Commands.RemoveRoom(c.Request().Context(), roomcmd.RemoveRoom{Actor: actor(p), RoomID: id, Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if errors.Is(err, meetingrooms.ErrRoomNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, roomq.ProjectionName)
	return c.NoContent(http.StatusNoContent)
}
