package hhu

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	roomq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// reserve: POST /reservations/ {reserve_from, reserve_to, description,
// meetingroom}. The request is decided before the answer: 201 with the
// confirmed reservation (times floored to half hours), or 400 with the
// reason ({"reserve_to": ["预约时长不能超过3小时"]}, {"non_field_errors":
// ["该时间段会议室已被预约"]}, …).
func (m *MeetingRooms) reserve(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	from := m.formDateTime(f, "reserve_from", errs)
	to := m.formDateTime(f, "reserve_to", errs)
	var desc string
	if f.Has("description") {
		desc, _ = f.Str("description", errs, true)
	}
	room, _ := formInt(f, "meetingroom", errs, true)
	if _, bad := errs["meetingroom"]; !bad && f.Has("meetingroom") && room <= 0 {
		errs.Add("meetingroom", `Invalid pk "`+strconv.FormatInt(room, 10)+`" - object does not exist.`)
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	res, err := m.d.Commands.Reserve(c.Request().Context(), roomcmd.Reserve{
		Actor: actor(p), RoomID: room, From: from, To: to, Description: desc,
		Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
	})
	if err != nil {
		if !res.Position.IsStart() {
			c.Response().Header().Set(httpapi.HeaderPosition, res.Position.String())
		}
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, roomq.ProjectionName)
	cf := res.Decision.Confirmed
	return c.JSON(http.StatusCreated, m.toReservationJSON(roomq.Reservation{
		ID: cf.ReservationID, RoomID: cf.RoomID, UserID: cf.UserID, Day: cf.Day, From: cf.ReserveFrom, To: cf.ReserveTo,
		Description: cf.Description, CreatedAt: cf.ConfirmedAt,
	}))
}

// myReservations: GET /reservations/ → the caller's reservations that have
// not ended, by start time.
func (m *MeetingRooms) myReservations(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	uid, err := strconv.ParseInt(p.UserID, 10, 64)
	if err != nil {
		return drf.Detail(c, http.StatusUnauthorized, "Invalid token.")
	}
	m.d.Consistency.BeforeQuery(c, roomq.ProjectionName)
	list, err := m.d.Queries.MyReservations(c.Request().Context(), uid, m.d.Clock.Now())
	if err != nil {
		return renderError(c, err)
	}
	out := make([]reservationJSON, len(list))
	for i, r := range list {
		out[i] = m.toReservationJSON(r)
	}
	return c.JSON(http.StatusOK, out)
}

// findReservation returns a reservation the caller may see: their own, or
// any for an admin. ok false: 404 was answered.
func (m *MeetingRooms) findReservation(c echo.Context, userID string, isAdmin bool) (roomq.Reservation, bool, error) {
	id, ok := pathID(c)
	if !ok {
		return roomq.Reservation{}, false, notFound(c)
	}
	m.d.Consistency.BeforeQuery(c, roomq.ProjectionName)
	r, err := m.d.Queries.GetReservation(c.Request().Context(), id)
	if errors.Is(err, roomq.ErrNotFound) || err == nil && !isAdmin && strconv.FormatInt(r.UserID, 10) != userID {
		return r, false, notFound(c)
	}
	if err != nil {
		return r, false, renderError(c, err)
	}
	return r, true, nil
}

// getReservation: GET /reservations/{id}/.
func (m *MeetingRooms) getReservation(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	return m.writeReservation(c, p.UserID, p.IsAdmin)
}

// writeReservation answers the route's reservation if the caller may see it.
func (m *MeetingRooms) writeReservation(c echo.Context, userID string, isAdmin bool) error {
	r, ok, err := m.findReservation(c, userID, isAdmin)
	if !ok {
		return err
	}
	return c.JSON(http.StatusOK, m.toReservationJSON(r))
}

// cancelReservation: DELETE /reservations/{id}/ → 204; owner or admin. Other
// users get 404, as the reservation is not in their list.
func (m *MeetingRooms) cancelReservation(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	return m.cancel(c, p, "")
}

// cancel cancels the route's reservation as p (owner or admin), with an
// admin's optional reason.
func (m *MeetingRooms) cancel(c echo.Context, p authn.Principal, reason string) error {
	r, ok, err := m.findReservation(c, p.UserID, p.IsAdmin)
	if !ok {
		return err
	}
	pos, err := m.d.Commands.CancelReservation(c.Request().Context(), roomcmd.CancelReservation{
		Actor: actor(p), ReservationID: r.ID, RoomID: r.RoomID, Day: r.Day, Reason: reason,
		Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
	})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, roomq.ProjectionName)
	return c.NoContent(http.StatusNoContent)
}

// adminGetReservation: GET /api/admin/hhu/reservations/{id}/ → any
// reservation that was not cancelled.
func (m *MeetingRooms) adminGetReservation(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	return m.writeReservation(c, p.UserID, true)
}

// adminMoveReservation: PATCH (or PUT) /api/admin/hhu/reservations/{id}/
// {reserve_from, reserve_to, meetingroom, reason} → 200 with the reservation
// where it moved to. Absent fields keep their value; the rules are those of a
// new reservation (400 with the same messages), and the owner is mailed the
// new time.
func (m *MeetingRooms) adminMoveReservation(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	r, ok, err := m.findReservation(c, p.UserID, true)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	from, to, room := r.From, r.To, r.RoomID
	if f.Has("reserve_from") {
		from = m.formDateTime(f, "reserve_from", errs)
	}
	if f.Has("reserve_to") {
		to = m.formDateTime(f, "reserve_to", errs)
	}
	if f.Has("meetingroom") {
		room, _ = formInt(f, "meetingroom", errs, true)
		if _, bad := errs["meetingroom"]; !bad && room <= 0 {
			errs.Add("meetingroom", `Invalid pk "`+strconv.FormatInt(room, 10)+`" - object does not exist.`)
		}
	}
	reason := optionalText(f, "reason", errs)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	res, err := m.d.Commands.MoveReservation(c.Request().Context(), roomcmd.MoveReservation{
		Actor: actor(p), ReservationID: r.ID, RoomID: r.RoomID, Day: r.Day, ToRoomID: room, From: from, To: to,
		Reason: reason, Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
	})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, roomq.ProjectionName)
	mv := res.Moved
	return c.JSON(http.StatusOK, m.toReservationJSON(roomq.Reservation{
		ID: mv.ReservationID, RoomID: mv.RoomID, UserID: mv.UserID, Day: mv.Day, From: mv.ReserveFrom, To: mv.ReserveTo,
		Description: r.Description, CreatedAt: r.CreatedAt,
	}))
}

// adminCancelReservation: DELETE /api/admin/hhu/reservations/{id}/ with an
// optional reason (body or ?reason=) → 204; the owner is mailed.
func (m *MeetingRooms) adminCancelReservation(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	reason := optionalText(f, "reason", errs)
	if reason == "" {
		reason = c.QueryParam("reason")
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	return m.cancel(c, p, reason)
}

// optionalText reads an optional text field (blank allowed; absent or null is
// "").
func optionalText(f drf.Form, name string, errs drf.FieldErrors) string {
	if !f.Has(name) {
		return ""
	}
	tmp := drf.FieldErrors{}
	s, ok := f.Str(name, tmp, true)
	if !ok && tmp[name][0] != "This field may not be null." {
		errs.Add(name, tmp[name][0])
	}
	return s
}
