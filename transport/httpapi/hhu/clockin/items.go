package clockinhttp

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	clockincmd "github.com/fiveapis/backend/commands/clockin"
	"github.com/fiveapis/backend/domain/clockin"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// activity reads the :activity of a route and checks that it exists
// (hhu.ErrNotFound otherwise).
func (h *Handlers) activity(c echo.Context) (int64, error) {
	id, err := hhu.PathID(c, "activity")
	if err != nil {
		return 0, err
	}
	exists, err := h.d.Activities.ActivityExists(c.Request().Context(), id)
	if err != nil {
		return 0, err
	}
	if !exists {
		return 0, hhu.ErrNotFound
	}
	return id, nil
}

// listItems: GET /api/admin/hhu/activities/{activity}/clockin-items/.
func (h *Handlers) listItems(c echo.Context) error {
	act, err := h.activity(c)
	if err != nil {
		return err
	}
	items, err := h.d.Queries.ListItems(c.Request().Context(), act)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(items, h.itemRow))
}

// getItem: GET /api/admin/hhu/activities/{activity}/clockin-items/{id}/.
func (h *Handlers) getItem(c echo.Context) error {
	act, err := h.activity(c)
	if err != nil {
		return err
	}
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	it, err := h.d.Queries.GetItem(c.Request().Context(), act, id)
	if errors.Is(err, clockinq.ErrNotFound) {
		return hhu.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.itemRow(it))
}

// readItem reads the item fields of a body; partial leaves absent fields nil.
func (h *Handlers) readItem(c echo.Context, partial bool) (p clockin.ItemPatch, err error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return p, err
	}
	errs := drf.FieldErrors{}
	if !partial || f.Has("label") {
		if s, ok := f.Str("label", errs, false); ok {
			p.Label = &s
		}
	}
	for _, fld := range []struct {
		name string
		dst  **time.Time
	}{{"open_from", &p.OpenFrom}, {"open_to", &p.OpenTo}} {
		if partial && !f.Has(fld.name) {
			continue
		}
		s, ok := f.Str(fld.name, errs, false)
		if !ok {
			continue
		}
		t, ok := hhu.ParseDateTime(s, h.d.Zone)
		if !ok {
			errs.Add(fld.name, hhu.DateTimeMessage)
			continue
		}
		*fld.dst = &t
	}
	return p, errs.Err()
}

// addItem: POST /api/admin/hhu/activities/{activity}/clockin-items/ {label,
// open_from, open_to} → 201 with the item.
func (h *Handlers) addItem(c echo.Context) error {
	act, err := h.activity(c)
	if err != nil {
		return err
	}
	patch, err := h.readItem(c, false)
	if err != nil {
		return err
	}
	spec := clockin.ItemSpec{Label: *patch.Label, OpenFrom: *patch.OpenFrom, OpenTo: *patch.OpenTo}
	res, err := h.d.Commands.AddItem(c.Request().Context(), clockincmd.AddItem{Actor: httpapi.Actor(c), ActivityID: act, Spec: spec,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.itemOut(res.Item))
}

// putItem: PUT /api/admin/hhu/activities/{activity}/clockin-items/{id}/
// with every field.
func (h *Handlers) putItem(c echo.Context) error { return h.changeItem(c, false) }

// patchItem: PATCH of the same path with some fields.
func (h *Handlers) patchItem(c echo.Context) error { return h.changeItem(c, true) }

func (h *Handlers) changeItem(c echo.Context, partial bool) error {
	act, err := h.activity(c)
	if err != nil {
		return err
	}
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	patch, err := h.readItem(c, partial)
	if err != nil {
		return err
	}
	res, err := h.d.Commands.ChangeItem(c.Request().Context(), clockincmd.ChangeItem{Actor: httpapi.Actor(c), ActivityID: act, ItemID: id,
		Patch: patch, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.itemOut(res.Item))
}

// removeItem: DELETE /api/admin/hhu/activities/{activity}/clockin-items/{id}/ → 204.
func (h *Handlers) removeItem(c echo.Context) error {
	act, err := h.activity(c)
	if err != nil {
		return err
	}
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.RemoveItem(c.Request().Context(), clockincmd.RemoveItem{Actor: httpapi.Actor(c), ActivityID: act, ItemID: id,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
