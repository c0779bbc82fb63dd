package roomshttp

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/meetingrooms"
	meetingroomsq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// listRooms: GET /meetingrooms/ (any user) and
// /api/admin/hhu/meetingrooms/ → every room.
func (h *Handlers) listRooms(c echo.Context) error {
	rooms, err := h.d.Queries.ListRooms(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(rooms, toRoomJSON))
}

// getRoom: GET /api/admin/hhu/meetingrooms/{id}/.
func (h *Handlers) getRoom(c echo.Context) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.d.Queries.GetRoom(c.Request().Context(), id)
	if errors.Is(err, meetingroomsq.ErrNotFound) {
		return hhu.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRoomJSON(r))
}

// readRoom reads the room fields of a body; partial leaves absent fields nil.
func readRoom(c echo.Context, partial bool) (p meetingrooms.RoomPatch, err error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return p, err
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
	if n, present := hhu.FormInt(f, "seats", errs, !partial); present {
		if _, bad := errs["seats"]; !bad {
			seats := int(max(min(n, meetingrooms.MaxSeats+1), -1)) // the domain names the limit
			p.Seats = &seats
		}
	}
	return p, errs.Err()
}

// addRoom: POST /api/admin/hhu/meetingrooms/ {name, location, label, seats}
// → 201 with the room.
func (h *Handlers) addRoom(c echo.Context) error {
	patch, err := readRoom(c, false)
	if err != nil {
		return err
	}
	spec := meetingrooms.RoomSpec{Name: hhu.Deref(patch.Name), Location: hhu.Deref(patch.Location), Label: hhu.Deref(patch.Label), Seats: *patch.Seats}
	res, err := h.d.Commands.AddRoom(c.Request().Context(), meetingroomscmd.AddRoom{Actor: httpapi.Actor(c), Spec: spec, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, roomOut(res.Room))
}

// putRoom: PUT /api/admin/hhu/meetingrooms/{id}/ with every field.
func (h *Handlers) putRoom(c echo.Context) error { return h.changeRoom(c, false) }

// patchRoom: PATCH /api/admin/hhu/meetingrooms/{id}/ with some fields.
func (h *Handlers) patchRoom(c echo.Context) error { return h.changeRoom(c, true) }

func (h *Handlers) changeRoom(c echo.Context, partial bool) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	patch, err := readRoom(c, partial)
	if err != nil {
		return err
	}
	if !partial && patch.Label == nil {
		blank := ""
		patch.Label = &blank
	}
	res, err := h.d.Commands.ChangeRoom(c.Request().Context(), meetingroomscmd.ChangeRoom{Actor: httpapi.Actor(c), RoomID: id, Patch: patch,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, roomOut(res.Room))
}

// removeRoom: DELETE /api/admin/hhu/meetingrooms/{id}/ → 204.
func (h *Handlers) removeRoom(c echo.Context) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.RemoveRoom(c.Request().Context(), meetingroomscmd.RemoveRoom{Actor: httpapi.Actor(c), RoomID: id,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
