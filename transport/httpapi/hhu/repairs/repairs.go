package repairshttp

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	repairscmd "github.com/fiveapis/backend/commands/repairs"
	repairsq "github.com/fiveapis/backend/queries/repairs"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// request: POST /repairs/ {location, category, description} → 201 with the
// request.
func (h *Handlers) request(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	location, _ := f.Str("location", errs, false)
	category, _ := hhu.FormInt(f, "category", errs, true)
	description, _ := f.Str("description", errs, false)
	if err := errs.Err(); err != nil {
		return err
	}
	actor := httpapi.Actor(c)
	res, err := h.d.Commands.RequestRepair(c.Request().Context(), repairscmd.RequestRepair{Actor: actor, Location: location,
		CategoryID: category, Description: description, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	e := res.Requested
	return c.JSON(http.StatusCreated, h.toJSON(repairsq.Repair{ID: e.RepairID, UserID: e.UserID, Location: e.Location,
		CategoryID: e.CategoryID, CategoryName: e.CategoryName, Description: e.Description, Status: e.Status,
		CreatedAt: e.RequestedAt, UpdatedAt: e.RequestedAt}, false, actor.Admin))
}

// mine: GET /repairs/ → the caller's requests, newest first: a bare list,
// or to the mini-program (hhu.MiniProgram) the DRF page it reads, the
// category an object and the status the original's number.
func (h *Handlers) mine(c echo.Context) error {
	miniProgram := hhu.MiniProgram(c)
	page := 1
	if miniProgram {
		var err error
		if page, err = hhu.PageNumber(c); err != nil {
			return err
		}
	}
	rs, err := h.d.Queries.MyRepairs(c.Request().Context(), httpapi.Actor(c).UserID)
	if err != nil {
		return err
	}
	if !miniProgram {
		return c.JSON(http.StatusOK, hhu.RenderRows(rs, func(r repairsq.Repair) repairJSON { return h.toJSON(r, false, false) }))
	}
	const size = 20
	if page == 0 {
		page = max(1, (len(rs)+size-1)/size)
	}
	if page > 1 && (page-1)*size >= len(rs) {
		return hhu.ErrInvalidPage
	}
	return c.JSON(http.StatusOK, miniProgramRepairsPage{Count: len(rs), Next: hhu.PageLink(c, page+1, size, len(rs)),
		Previous: hhu.PageLink(c, page-1, size, len(rs)), Results: hhu.RenderRows(rs[(page-1)*size:min(page*size, len(rs))], h.toMiniProgramJSON)})
}

// getMine: GET /repairs/{id}/ → one of the caller's requests (admins: any);
// another's is 404, as a DRF queryset filtered by user answers.
func (h *Handlers) getMine(c echo.Context) error { return h.answerRepair(c, false) }

// get: GET /api/admin/hhu/repairs/{id}/.
func (h *Handlers) get(c echo.Context) error { return h.answerRepair(c, true) }

// answerRepair answers the path's request with its history, if the caller
// may see it; admin adds the addresses notified.
func (h *Handlers) answerRepair(c echo.Context, admin bool) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	actor := httpapi.Actor(c)
	r, err := h.d.Queries.GetRepair(c.Request().Context(), id)
	if errors.Is(err, repairsq.ErrNotFound) || err == nil && !actor.Admin && r.UserID != actor.UserID {
		return hhu.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toJSON(r, true, admin))
}
