package roomshttp

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/meetingrooms"
	contactsq "github.com/fiveapis/backend/queries/contacts"
	meetingroomsq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// MaxAvailabilityWindow bounds the window of an availability or conflict
// query, so that one request cannot ask for years of slots.
const MaxAvailabilityWindow = 31 * 24 * time.Hour

// window reads time_from and time_to.
func (h *Handlers) window(c echo.Context, errs drf.FieldErrors) (from, to time.Time) {
	from = h.queryDateTime(c, "time_from", errs)
	to = h.queryDateTime(c, "time_to", errs)
	if len(errs) == 0 {
		switch {
		case !to.After(from):
			errs.Add("time_to", "结束时间必须晚于开始时间")
		case to.Sub(from) > MaxAvailabilityWindow:
			errs.Add("time_to", "查询时间范围不能超过31天")
		}
	}
	return from, to
}

// available: GET /meetingrooms/available/?time_from&time_to&people_count&
// label&location&length. Without length: the rooms free over the whole
// window; with length (minutes, 30 to 180): every free slot of that length
// inside the window, per room. Rooms are grouped by location; each lists its
// reservations inside the window.
func (h *Handlers) available(c echo.Context) error {
	if q := c.QueryParams(); q.Has("query_from") || q.Has("query_to") {
		return h.roomDays(c)
	}
	errs := drf.FieldErrors{}
	from, to := h.window(c, errs)
	people, _ := hhu.QueryInt(c, "people_count", errs)
	length, hasLength := hhu.QueryInt(c, "length", errs)
	if hasLength && (length < int64(meetingrooms.MinLength/time.Minute) || length > int64(meetingrooms.MaxLength/time.Minute)) {
		errs.Add("length", "预约时长必须在30到180分钟之间")
	}
	if people > 1<<31-1 {
		errs.Add("people_count", "Ensure this value is less than or equal to 2147483647.")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	actor := httpapi.Actor(c)
	groups, err := h.d.Queries.Available(c.Request().Context(), meetingroomsq.Availability{
		From: from, To: to, PeopleCount: int(people),
		Label: strings.TrimSpace(c.QueryParam("label")), Location: strings.TrimSpace(c.QueryParam("location")),
		Length: time.Duration(length) * time.Minute, Now: h.d.Clock.Now(), Viewer: actor.UserID, ViewerIsAdmin: actor.Admin,
	})
	if errors.Is(err, meetingroomsq.ErrNotMember) {
		return access.ErrForbidden
	}
	if err != nil {
		return err
	}
	out := make([]locationJSON, len(groups))
	for i, g := range groups {
		out[i] = locationJSON{Location: g.Location, Meetingrooms: make([]availableRoomJSON, len(g.Rooms))}
		for j, r := range g.Rooms {
			ar := availableRoomJSON{roomJSON: toRoomJSON(r.Room), Reservations: hhu.RenderRows(r.Reservations, h.toReservationJSON)}
			if hasLength {
				ar.AvailableTimes = make([]slotJSON, len(r.Slots))
				for k, s := range r.Slots {
					ar.AvailableTimes[k] = slotJSON{TimeFrom: h.ts(s.From), TimeTo: h.ts(s.To)}
				}
			}
			out[i].Meetingrooms[j] = ar
		}
	}
	return c.JSON(http.StatusOK, out)
}

// conflicts: GET /api/admin/hhu/reservations/conflicts/?time_from&time_to
// [&meetingroom] → every reservation overlapping the window, in one room or
// all, with its room and the contact of the user who made it (admin).
func (h *Handlers) conflicts(c echo.Context) error {
	errs := drf.FieldErrors{}
	from, to := h.window(c, errs)
	room, _ := hhu.QueryInt(c, "meetingroom", errs)
	if err := errs.Err(); err != nil {
		return err
	}
	list, err := h.d.Queries.Conflicts(c.Request().Context(), from, to, room)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(list, func(x meetingroomsq.Conflict) conflictJSON {
		return conflictJSON{
			reservationJSON:   h.toReservationJSON(x.Reservation),
			MeetingroomDetail: toRoomJSON(x.Room),
			UserDetail:        contactJSON{ID: x.User.UserID, Username: x.User.Username, Email: x.User.Email},
		}
	}))
}

// roomDays: GET /meetingrooms/available/?query_from&query_to[&people_count]
// (the mini-program's names, silent in 001: the original's
// available_meetingrooms) → a bare list of every room with at least
// people_count seats and its bookings in the window, each signed with who
// booked it and their mobile, for the client to draw the day's half hours.
func (h *Handlers) roomDays(c echo.Context) error {
	errs := drf.FieldErrors{}
	from := h.queryDateTime(c, "query_from", errs)
	to := h.queryDateTime(c, "query_to", errs)
	if len(errs) == 0 {
		switch {
		case !to.After(from):
			errs.Add("query_to", "结束时间必须晚于开始时间")
		case to.Sub(from) > MaxAvailabilityWindow:
			errs.Add("query_to", "查询时间范围不能超过31天")
		}
	}
	people, _ := hhu.QueryInt(c, "people_count", errs)
	if people > 1<<31-1 {
		errs.Add("people_count", "Ensure this value is less than or equal to 2147483647.")
	}
	if err := errs.Err(); err != nil {
		return hhu.Summarized(err, hhu.SummaryDetail)
	}
	actor := httpapi.Actor(c)
	ctx := c.Request().Context()
	groups, err := h.d.Queries.Available(ctx, meetingroomsq.Availability{From: from, To: to, PeopleCount: int(people), Now: h.d.Clock.Now(),
		AllRooms: true, Viewer: actor.UserID, ViewerIsAdmin: actor.Admin})
	if errors.Is(err, meetingroomsq.ErrNotMember) {
		return access.ErrForbidden
	}
	if err != nil {
		return err
	}
	var users []int64
	for _, g := range groups {
		for _, r := range g.Rooms {
			for _, v := range r.Reservations {
				users = append(users, v.UserID)
			}
		}
	}
	signers, err := h.d.People.People(ctx, users)
	if err != nil {
		return err
	}
	out := []roomDayJSON{}
	for _, g := range groups {
		for _, r := range g.Rooms {
			day := roomDayJSON{Meetingroom: toRoomJSON(r.Room), Reservations: make([]bookingJSON, len(r.Reservations))}
			for i, v := range r.Reservations {
				day.Reservations[i] = h.booking(v, signers[v.UserID])
			}
			out = append(out, day)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// booking signs a reservation with the person who made it.
func (h *Handlers) booking(v meetingroomsq.Reservation, p contactsq.Person) bookingJSON {
	b := bookingJSON{ID: v.ID, User: v.UserID, TimeRange: [2]string{h.ts(v.From), h.ts(v.To)}, ReserveUser: p.Username, Description: v.Description}
	if p.Name != "" {
		b.ReserveUser += "-" + p.Name
	}
	if p.Mobile != "" {
		m := p.Mobile
		b.Contact = &m
	}
	return b
}
