package activitieshttp

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	activitiesq "github.com/fiveapis/backend/queries/activities"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// listActivities: GET /activities/?my=yes|no&search=&page= → a page of
// activities, newest first.
func (h *Handlers) listActivities(c echo.Context) error {
	return h.answerActivities(c, strings.EqualFold(strings.TrimSpace(c.QueryParam("my")), "yes"))
}

// adminListActivities: GET /api/admin/hhu/activities/?search=&page=.
func (h *Handlers) adminListActivities(c echo.Context) error { return h.answerActivities(c, false) }

// answerActivities answers a page of activities, the caller's only when
// mine.
func (h *Handlers) answerActivities(c echo.Context, mine bool) error {
	uid, err := hhu.CallerID(c)
	if err != nil {
		return err
	}
	page, err := pageParam(c)
	if err != nil {
		return err
	}
	list, err := h.d.Queries.ListActivities(c.Request().Context(), activitiesq.ListActivities{
		UserID: uid, MineOnly: mine, Search: c.QueryParam("search"), Page: page,
	})
	if err != nil {
		return err
	}
	results := hhu.RenderRows(list.Items, func(it activitiesq.ActivityItem) activityJSON {
		return h.toActivityJSON(it.Activity, it.MyEnrollmentID != 0)
	})
	out, err := newDRFPage(c, page, list.Count, results)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// getActivity: GET /activities/{id}/ (and the admin's
// /api/admin/hhu/activities/{id}/) → the activity with its form, the number
// enrolled, places left and the caller's enrollment (or null).
func (h *Handlers) getActivity(c echo.Context) error {
	uid, err := hhu.CallerID(c)
	if err != nil {
		return err
	}
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := h.d.Queries.GetActivity(ctx, id)
	if errors.Is(err, activitiesq.ErrNotFound) {
		return hhu.ErrNotFound
	}
	if err != nil {
		return err
	}
	var mine *activitiesq.Enrollment
	switch e, err := h.d.Queries.EnrollmentOf(ctx, id, uid); {
	case err == nil:
		mine = &e
	case !errors.Is(err, activitiesq.ErrNotFound):
		return err
	}
	return c.JSON(http.StatusOK, h.toDetailJSON(a, mine))
}
