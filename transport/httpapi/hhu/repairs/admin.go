package repairshttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	repairscmd "github.com/fiveapis/backend/commands/repairs"
	"github.com/fiveapis/backend/domain/repairs"
	repairsq "github.com/fiveapis/backend/queries/repairs"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// categories serves the fault categories: every user lists them; admins
// add, rename and remove them.
func (h *Handlers) categories() hhu.Named[repairsq.Category, categoryJSON] {
	return hhu.Named[repairsq.Category, categoryJSON]{
		List: h.d.Queries.ListCategories, Get: h.d.Queries.GetCategory, NotFound: repairsq.ErrNotFound,
		Render:  func(x repairsq.Category) categoryJSON { return categoryJSON(x) },
		Written: func(id int64, name string) categoryJSON { return categoryJSON{ID: id, Name: name} },
		Add: func(ctx context.Context, n hhu.NameCommand) (int64, error) {
			res, err := h.d.Commands.AddCategory(ctx, repairscmd.AddCategory{Actor: n.Actor, Name: n.Name, Meta: n.Meta})
			return res.Category.ID, err
		},
		Rename: func(ctx context.Context, n hhu.NameCommand) error {
			_, err := h.d.Commands.RenameCategory(ctx, repairscmd.RenameCategory{Actor: n.Actor, CategoryID: n.ID, Name: n.Name, Meta: n.Meta})
			return err
		},
		Remove: func(ctx context.Context, n hhu.NameCommand) error {
			_, err := h.d.Commands.RemoveCategory(ctx, repairscmd.RemoveCategory{Actor: n.Actor, CategoryID: n.ID, Meta: n.Meta})
			return err
		},
		Clock: h.d.Clock,
	}
}

// list: GET /api/admin/hhu/repairs/?status=&category=&page=&page_size= → a
// DRF page ({count, next, previous, results}) of requests, newest first.
func (h *Handlers) list(c echo.Context) error {
	errs := drf.FieldErrors{}
	var f repairsq.Filter
	if s := strings.TrimSpace(c.QueryParam("status")); s != "" {
		st, ok := repairs.ParseStatus(s)
		if !ok {
			errs.Add("status", `Select a valid choice. `+s+` is not one of the available choices.`)
		}
		f.Status = st
	}
	f.CategoryID, _ = hhu.QueryInt(c, "category", errs)
	if err := errs.Err(); err != nil {
		return err
	}
	page, size := 1, 20
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return hhu.ErrInvalidPage
		}
		page = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			size = min(n, 100)
		}
	}
	f.Offset, f.Limit = (page-1)*size, size
	rs, total, err := h.d.Queries.ListRepairs(c.Request().Context(), f)
	if err != nil {
		return err
	}
	if len(rs) == 0 && page > 1 {
		return hhu.ErrInvalidPage
	}
	link := func(n int) *string {
		if n < 1 || (n-1)*size >= total {
			return nil
		}
		q := c.QueryParams()
		q.Set("page", strconv.Itoa(n))
		u := url.URL{Scheme: c.Scheme(), Host: c.Request().Host, Path: c.Request().URL.Path, RawQuery: q.Encode()}
		s := u.String()
		return &s
	}
	return c.JSON(http.StatusOK, repairsPage{Count: total, Next: link(page + 1), Previous: link(page - 1),
		Results: hhu.RenderRows(rs, func(r repairsq.Repair) repairJSON { return h.toJSON(r, false, true) })})
}

// changeStatus: PATCH /api/admin/hhu/repairs/{id}/ {status} (a code such as
// "resolved" or a label such as "已解决") → the request with its history.
func (h *Handlers) changeStatus(c echo.Context) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	status, _ := f.Str("status", errs, false)
	if err := errs.Err(); err != nil {
		return err
	}
	if _, err := h.d.Commands.ChangeStatus(c.Request().Context(), repairscmd.ChangeStatus{Actor: httpapi.Actor(c), RepairID: id,
		Status: status, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	httpapi.Settle(c)
	return h.answerRepair(c, true)
}
