package roomshttp

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	meetingroomsq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// reserve: POST /reservations/ {reserve_from, reserve_to, description,
// meetingroom} (the mini-program: meetingroom_object, and every refusal's
// message in non_field_errors too). The request is decided before the answer: 201 with the
// confirmed reservation (times floored to half hours), or 400 with the
// reason ({"reserve_to": ["预约时长不能超过3小时"]}, {"non_field_errors":
// ["该时间段会议室已被预约"]}, …); a refusal is in the log too, and its
// answer carries its position.
func (h *Handlers) reserve(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	// The mini-program names the room meetingroom_object and reads a
	// refusal's message from non_field_errors[0].
	if !f.Has("meetingroom") && f.Has("meetingroom_object") {
		return hhu.Summarized(h.reserveRoom(c, f, "meetingroom_object"), hhu.SummaryNonField)
	}
	return h.reserveRoom(c, f, "meetingroom")
}

// reserveRoom reserves the room the field names.
func (h *Handlers) reserveRoom(c echo.Context, f drf.Form, roomField string) error {
	errs := drf.FieldErrors{}
	from := h.formDateTime(f, "reserve_from", errs)
	to := h.formDateTime(f, "reserve_to", errs)
	var desc string
	if f.Has("description") {
		desc, _ = f.Str("description", errs, true)
	}
	room, _ := hhu.FormInt(f, roomField, errs, true)
	if _, bad := errs[roomField]; !bad && f.Has(roomField) && room <= 0 {
		errs.Add(roomField, hhu.InvalidPK(room))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.Reserve(c.Request().Context(), meetingroomscmd.Reserve{
		Actor: httpapi.Actor(c), RoomID: room, From: from, To: to, Description: desc,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
	})
	if err != nil {
		return err
	}
	cf := res.Decision.Confirmed
	return c.JSON(http.StatusCreated, h.toReservationJSON(meetingroomsq.Reservation{
		ID: cf.ReservationID, RoomID: cf.RoomID, UserID: cf.UserID, Day: cf.Day, From: cf.ReserveFrom, To: cf.ReserveTo,
		Description: cf.Description, CreatedAt: cf.ConfirmedAt,
	}))
}

// myReservations: GET /reservations/ → the caller's reservations that have
// not ended, by start time: a bare list, or to the mini-program
// (hhu.MiniProgram) the DRF page it reads.
func (h *Handlers) myReservations(c echo.Context) error {
	uid, err := hhu.CallerID(c)
	if err != nil {
		return err
	}
	list, err := h.d.Queries.MyReservations(c.Request().Context(), uid, h.d.Clock.Now())
	if err != nil {
		return err
	}
	if hhu.MiniProgram(c) {
		return h.miniProgramReservations(c, list)
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(list, h.toReservationJSON))
}

// miniProgramReservations answers the mini-program's GET /reservations/: a
// DRF page (20) of the reservations with their rooms as objects.
func (h *Handlers) miniProgramReservations(c echo.Context, list []meetingroomsq.Reservation) error {
	page, err := hhu.PageNumber(c)
	if err != nil {
		return err
	}
	const size = 20
	if page == 0 {
		page = max(1, (len(list)+size-1)/size)
	}
	if page > 1 && (page-1)*size >= len(list) {
		return hhu.ErrInvalidPage
	}
	rooms, err := h.d.Queries.ListRooms(c.Request().Context())
	if err != nil {
		return err
	}
	byID := map[int64]meetingroomsq.Room{}
	for _, r := range rooms {
		byID[r.ID] = r
	}
	out := reservationsPage{Count: len(list), Next: hhu.PageLink(c, page+1, size, len(list)), Previous: hhu.PageLink(c, page-1, size, len(list)),
		Results: []miniProgramReservationJSON{}}
	for _, r := range list[min((page-1)*size, len(list)):min(page*size, len(list))] {
		room, ok := byID[r.RoomID]
		if !ok {
			room = meetingroomsq.Room{ID: r.RoomID}
		}
		v := h.toReservationJSON(r)
		out.Results = append(out.Results, miniProgramReservationJSON{ID: v.ID, User: v.User, Meetingroom: toRoomJSON(room), MeetingroomID: r.RoomID,
			ReserveFrom: v.ReserveFrom, ReserveTo: v.ReserveTo, Description: v.Description, Created: v.Created, Status: v.Status})
	}
	return c.JSON(http.StatusOK, out)
}

// findReservation returns the path's reservation if the caller may see it:
// their own, or any for an admin; others' are hhu.ErrNotFound, as the
// reservation is not in their list.
func (h *Handlers) findReservation(c echo.Context) (meetingroomsq.Reservation, error) {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return meetingroomsq.Reservation{}, err
	}
	actor := httpapi.Actor(c)
	r, err := h.d.Queries.GetReservation(c.Request().Context(), id)
	if errors.Is(err, meetingroomsq.ErrNotFound) || err == nil && !actor.Admin && r.UserID != actor.UserID {
		return r, hhu.ErrNotFound
	}
	return r, err
}

// getReservation: GET /reservations/{id}/ (one of mine; admins: any) and
// /api/admin/hhu/reservations/{id}/ (any that was not cancelled).
func (h *Handlers) getReservation(c echo.Context) error {
	r, err := h.findReservation(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toReservationJSON(r))
}

// cancelReservation: DELETE /reservations/{id}/ → 204; owner or admin.
func (h *Handlers) cancelReservation(c echo.Context) error { return h.cancel(c, "") }

// cancel cancels the path's reservation as the caller (owner or admin), with
// an admin's optional reason.
func (h *Handlers) cancel(c echo.Context, reason string) error {
	r, err := h.findReservation(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.CancelReservation(c.Request().Context(), meetingroomscmd.CancelReservation{
		Actor: httpapi.Actor(c), ReservationID: r.ID, RoomID: r.RoomID, Day: r.Day, Reason: reason,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
	}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// moveReservation: PATCH (or PUT) /api/admin/hhu/reservations/{id}/
// {reserve_from, reserve_to, meetingroom, reason} → 200 with the reservation
// where it moved to. Absent fields keep their value; the rules are those of a
// new reservation (400 with the same messages), and the owner is mailed the
// new time.
func (h *Handlers) moveReservation(c echo.Context) error {
	r, err := h.findReservation(c)
	if err != nil {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	from, to, room := r.From, r.To, r.RoomID
	if f.Has("reserve_from") {
		from = h.formDateTime(f, "reserve_from", errs)
	}
	if f.Has("reserve_to") {
		to = h.formDateTime(f, "reserve_to", errs)
	}
	if f.Has("meetingroom") {
		room, _ = hhu.FormInt(f, "meetingroom", errs, true)
		if _, bad := errs["meetingroom"]; !bad && room <= 0 {
			errs.Add("meetingroom", hhu.InvalidPK(room))
		}
	}
	reason := optionalText(f, "reason", errs)
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.MoveReservation(c.Request().Context(), meetingroomscmd.MoveReservation{
		Actor: httpapi.Actor(c), ReservationID: r.ID, RoomID: r.RoomID, Day: r.Day, ToRoomID: room, From: from, To: to,
		Reason: reason, Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
	})
	if err != nil {
		return err
	}
	mv := res.Moved
	return c.JSON(http.StatusOK, h.toReservationJSON(meetingroomsq.Reservation{
		ID: mv.ReservationID, RoomID: mv.RoomID, UserID: mv.UserID, Day: mv.Day, From: mv.ReserveFrom, To: mv.ReserveTo,
		Description: r.Description, CreatedAt: r.CreatedAt,
	}))
}

// adminCancelReservation: DELETE /api/admin/hhu/reservations/{id}/ with an
// optional reason (body or ?reason=) → 204; the owner is mailed.
func (h *Handlers) adminCancelReservation(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	reason := optionalText(f, "reason", errs)
	if reason == "" {
		reason = c.QueryParam("reason")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return h.cancel(c, reason)
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

// formDateTime reads a required date-time field; one without an offset is
// in the module's zone.
func (h *Handlers) formDateTime(f drf.Form, name string, errs drf.FieldErrors) time.Time {
	s, ok := f.Str(name, errs, false)
	if !ok {
		return time.Time{}
	}
	t, ok := hhu.ParseDateTime(s, h.zone)
	if !ok {
		errs.Add(name, hhu.DateTimeMessage)
	}
	return t
}

// queryDateTime reads a required date-time query parameter.
func (h *Handlers) queryDateTime(c echo.Context, name string, errs drf.FieldErrors) time.Time {
	s := c.QueryParam(name)
	if strings.TrimSpace(s) == "" {
		errs.Add(name, "This field is required.")
		return time.Time{}
	}
	t, ok := hhu.ParseDateTime(s, h.zone)
	if !ok {
		errs.Add(name, hhu.DateTimeMessage)
	}
	return t
}
