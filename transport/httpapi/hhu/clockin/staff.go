package clockinhttp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	clockincmd "github.com/fiveapis/backend/commands/clockin"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// listStaff: GET /api/admin/hhu/activities/{activity}/clockin-staff/.
func (h *Handlers) listStaff(c echo.Context) error {
	act, err := h.activity(c)
	if err != nil {
		return err
	}
	staff, err := h.d.Queries.ListStaff(c.Request().Context(), act)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(staff, func(s clockinq.Staff) staffJSON {
		return staffJSON{User: s.UserID, Username: s.Username, AssignedAt: h.ts(s.AssignedAt)}
	}))
}

// assignStaff: POST /api/admin/hhu/activities/{activity}/clockin-staff/
// {user} → 201, or 200 when the user already is staff.
func (h *Handlers) assignStaff(c echo.Context) error {
	act, err := h.activity(c)
	if err != nil {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	user, _ := hhu.FormInt(f, "user", errs, true)
	if _, bad := errs["user"]; !bad && user <= 0 {
		errs.Add("user", hhu.InvalidPK(user))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.AssignStaff(c.Request().Context(), clockincmd.AssignStaff{Actor: httpapi.Actor(c), ActivityID: act, UserID: user,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, assignedJSON{Activity: act, User: user})
}

// unassignStaff: DELETE /api/admin/hhu/activities/{activity}/clockin-staff/{user}/ → 204.
func (h *Handlers) unassignStaff(c echo.Context) error {
	act, err := h.activity(c)
	if err != nil {
		return err
	}
	user, err := hhu.PathID(c, "user")
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.UnassignStaff(c.Request().Context(), clockincmd.UnassignStaff{Actor: httpapi.Actor(c), ActivityID: act, UserID: user,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
