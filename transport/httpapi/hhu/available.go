package hhu

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/meetingrooms"
	roomq "github.com/fiveapis/backend/queries/meetingrooms"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// MaxAvailabilityWindow bounds the window of an availability or conflict
// query, so that one request cannot ask for years of slots.
const MaxAvailabilityWindow = 31 * 24 * time.Hour

type slotJSON struct {
	TimeFrom string `json:"time_from"`
	TimeTo   string `json:"time_to"`
}

type availableRoomJSON struct {
	roomJSON
	Reservations   []reservationJSON `json:"reservations"`
	AvailableTimes []slotJSON        `json:"available_times,omitempty"`
}

type locationJSON struct {
	Location     string              `json:"location"`
	Meetingrooms []availableRoomJSON `json:"meetingrooms"`
}

// window reads time_from and time_to.
func (m *MeetingRooms) window(c echo.Context, errs drf.FieldErrors) (from, to time.Time) {
	from = m.queryDateTime(c, "time_from", errs)
	to = m.queryDateTime(c, "time_to", errs)
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
func (m *MeetingRooms) available(c echo.Context) error {
	if _, ok, err := RequireUser(c); !ok {
		return err
	}
	errs := drf.FieldErrors{}
	from, to := m.window(c, errs)
	people, _ := queryInt(c, "people_count", errs)
	length, hasLength := queryInt(c, "length", errs)
	if hasLength && (length < int64(meetingrooms.MinLength/time.Minute) || length > int64(meetingrooms.MaxLength/time.Minute)) {
		errs.Add("length", "预约时长必须在30到180分钟之间")
	}
	if people > 1<<31-1 {
		errs.Add("people_count", "Ensure this value is less than or equal to 2147483647.")
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	m.d.Consistency.BeforeQuery(c, roomq.ProjectionName)
	groups, err := m.d.Queries.Available(c.Request().Context(), roomq.Availability{
		From: from, To: to, PeopleCount: int(people),
		Label: strings.TrimSpace(c.QueryParam("label")), Location: strings.TrimSpace(c.QueryParam("location")),
		Length: time.Duration(length) * time.Minute, Now: m.d.Clock.Now(),
	})
	if err != nil {
		return renderError(c, err)
	}
	out := make([]locationJSON, len(groups))
	for i, g := range groups {
		out[i] = locationJSON{Location: g.Location, Meetingrooms: make([]availableRoomJSON, len(g.Rooms))}
		for j, r := range g.Rooms {
			ar := availableRoomJSON{roomJSON: toRoomJSON(r.Room), Reservations: make([]reservationJSON, len(r.Reservations))}
			for k, v := range r.Reservations {
				ar.Reservations[k] = m.toReservationJSON(v)
			}
			if hasLength {
				ar.AvailableTimes = make([]slotJSON, len(r.Slots))
				for k, s := range r.Slots {
					ar.AvailableTimes[k] = slotJSON{TimeFrom: m.ts(s.From), TimeTo: m.ts(s.To)}
				}
			}
			out[i].Meetingrooms[j] = ar
		}
	}
	return c.JSON(http.StatusOK, out)
}

type contactJSON struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

type conflictJSON struct {
	reservationJSON
	MeetingroomDetail roomJSON    `json:"meetingroom_detail"`
	UserDetail        contactJSON `json:"user_detail"`
}

// conflicts: GET /api/admin/hhu/reservations/conflicts/?time_from&time_to
// [&meetingroom] → every reservation overlapping the window, in one room or
// all, with its room and the contact of the user who made it (admin).
func (m *MeetingRooms) conflicts(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	errs := drf.FieldErrors{}
	from, to := m.window(c, errs)
	room, _ := queryInt(c, "meetingroom", errs)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	m.d.Consistency.BeforeQuery(c, roomq.ProjectionName, roomq.IdentityProjection)
	list, err := m.d.Queries.Conflicts(c.Request().Context(), from, to, room)
	if err != nil {
		return renderError(c, err)
	}
	out := make([]conflictJSON, len(list))
	for i, x := range list {
		out[i] = conflictJSON{
			reservationJSON:   m.toReservationJSON(x.Reservation),
			MeetingroomDetail: toRoomJSON(x.Room),
			UserDetail:        contactJSON{ID: x.User.UserID, Username: x.User.Username, Email: x.User.Email},
		}
	}
	return c.JSON(http.StatusOK, out)
}
