package cards

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	cardscmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/domain/cards"
	cardsq "github.com/fiveapis/backend/queries/cards"
	"github.com/fiveapis/backend/transport/httpapi"
)

// batchView is a batch after a command: the read model's row (with its used
// quantity) once the projections have caught up with the command (it waits,
// bounded, for them first), else the command's own state.
func (m *Module) batchView(c echo.Context, b cards.Batch) cardsq.Batch {
	httpapi.Settle(c)
	if v, err := m.q.GetBatch(c.Request().Context(), b.ID, false); err == nil {
		return v
	}
	return cardsq.Batch{ID: b.ID, Name: b.Name, Template: b.TemplateID, TemplateName: b.TemplateName, Category: string(b.Category),
		TotalQuantity: b.TotalQuantity, GeneratedQuantity: b.TotalQuantity, StartID: b.StartID, EndID: b.EndID,
		BatchCode: b.BatchCode, IsPublished: b.Published, ExpiryDate: b.ExpiryDate, QRCodeBaseURL: b.QRCodeBaseURL,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

// GET /api/card/batches/?template=&category=&is_published=&page=&page_size=
// Non-admins see published batches only.
func (m *Module) listBatches(c echo.Context) error {
	f := cardsq.BatchFilter{PublishedOnly: !httpapi.Actor(c).Admin}
	var err error
	if f.Template, err = queryInt(c, "template"); err != nil {
		return err
	}
	if f.Category, err = queryCategory(c, "category"); err != nil {
		return err
	}
	if f.IsPublished, err = queryBool(c, "is_published"); err != nil {
		return err
	}
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	l, err := m.q.ListBatches(c.Request().Context(), f, pg)
	if err != nil {
		return err
	}
	return paged(m, c, pg, l)
}

// POST /api/card/batches/ (admin): creates the batch and its total_quantity
// cards.
func (m *Module) createBatch(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := batchInput(b)
	if err != nil {
		return err
	}
	r, err := m.cmd.CreateBatch(c.Request().Context(), cardscmd.CreateBatch{Actor: httpapi.Actor(c), Input: in, Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	return ok(c, http.StatusCreated, m.batchView(c, r.Batch))
}

// GET /api/card/batches/{id}/
func (m *Module) getBatch(c echo.Context) error {
	id, err := pathID(c, "id", cards.ErrBatchNotFound)
	if err != nil {
		return err
	}
	v, err := m.q.GetBatch(c.Request().Context(), id, !httpapi.Actor(c).Admin)
	if errors.Is(err, cardsq.ErrNotFound) {
		return cards.ErrBatchNotFound
	}
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, v)
}

// PUT /api/card/batches/{id}/ (admin): name required.
func (m *Module) putBatch(c echo.Context) error { return m.updateBatch(c, true) }

// PATCH /api/card/batches/{id}/ (admin).
func (m *Module) patchBatch(c echo.Context) error { return m.updateBatch(c, false) }

func (m *Module) updateBatch(c echo.Context, full bool) error {
	id, err := pathID(c, "id", cards.ErrBatchNotFound)
	if err != nil {
		return err
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := batchInput(b)
	if err != nil {
		return err
	}
	r, err := m.cmd.UpdateBatch(c.Request().Context(), cardscmd.UpdateBatch{Actor: httpapi.Actor(c), BatchID: id, Input: in, Full: full,
		Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, m.batchView(c, r.Batch))
}

// POST /api/card/batches/{id}/publish/ and /unpublish/ (admin).
func (m *Module) publishBatch(c echo.Context) error   { return m.setPublished(c, true) }
func (m *Module) unpublishBatch(c echo.Context) error { return m.setPublished(c, false) }

func (m *Module) setPublished(c echo.Context, publish bool) error {
	id, err := pathID(c, "id", cards.ErrBatchNotFound)
	if err != nil {
		return err
	}
	r, err := m.cmd.PublishBatch(c.Request().Context(), cardscmd.PublishBatch{Actor: httpapi.Actor(c), BatchID: id, Publish: publish,
		Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, m.batchView(c, r.Batch))
}

// DELETE /api/card/batches/{id}/ (admin): hides the batch and its cards.
func (m *Module) deleteBatch(c echo.Context) error {
	id, err := pathID(c, "id", cards.ErrBatchNotFound)
	if err != nil {
		return err
	}
	if _, err := m.cmd.DeleteBatch(c.Request().Context(), cardscmd.DeleteBatch{Actor: httpapi.Actor(c), BatchID: id, Meta: httpapi.EventMeta(c, m.clock.Now())}); err != nil {
		return err
	}
	return ok(c, http.StatusOK, map[string]any{"id": id, "deleted": true})
}
