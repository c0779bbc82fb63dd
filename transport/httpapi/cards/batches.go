package cards

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	cmd "github.com/fiveapis/backend/commands/cards"
	domain "github.com/fiveapis/backend/domain/cards"
	query "github.com/fiveapis/backend/queries/cards"
	"github.com/fiveapis/backend/transport/httpapi"
)

// batchView is a batch after a command: the read model's row (with its used
// quantity) once the projections caught up, else the command's own state.
func (m *Module) batchView(ctx context.Context, b domain.Batch) query.Batch {
	if v, err := m.q.GetBatch(ctx, b.ID, false); err == nil {
		return v
	}
	return query.Batch{ID: b.ID, Name: b.Name, Template: b.TemplateID, TemplateName: b.TemplateName, Category: string(b.Category),
		TotalQuantity: b.TotalQuantity, GeneratedQuantity: b.TotalQuantity, StartID: b.StartID, EndID: b.EndID,
		BatchCode: b.BatchCode, IsPublished: b.Published, ExpiryDate: b.ExpiryDate, QRCodeBaseURL: b.QRCodeBaseURL,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

// GET /api/card/batches/?template=&category=&is_published=&page=&page_size=
// Non-admins see published batches only.
func (m *Module) listBatches(c echo.Context) error {
	p, err := m.caller(c)
	if err != nil {
		return err
	}
	f := query.BatchFilter{PublishedOnly: !p.IsAdmin}
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
	m.cons.BeforeQuery(c, query.Projections...)
	l, err := m.q.ListBatches(c.Request().Context(), f, pg)
	if err != nil {
		return err
	}
	return paged(m, c, pg, l)
}

// POST /api/card/batches/ (admin): creates the batch and its total_quantity
// cards.
func (m *Module) createBatch(c echo.Context) error {
	p, err := m.admin(c)
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
	r, err := m.cmd.CreateBatch(c.Request().Context(), cmd.CreateBatch{Actor: actor(p), Input: in, Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	m.after(c, r.Position, afterBatchCreate...)
	return ok(c, http.StatusCreated, m.batchView(c.Request().Context(), r.Batch))
}

// GET /api/card/batches/{id}/
func (m *Module) getBatch(c echo.Context) error {
	p, err := m.caller(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", domain.ErrBatchNotFound)
	if err != nil {
		return err
	}
	m.cons.BeforeQuery(c, query.Projections...)
	v, err := m.q.GetBatch(c.Request().Context(), id, !p.IsAdmin)
	if errors.Is(err, query.ErrNotFound) {
		return domain.ErrBatchNotFound
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
	p, err := m.admin(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", domain.ErrBatchNotFound)
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
	r, err := m.cmd.UpdateBatch(c.Request().Context(), cmd.UpdateBatch{Actor: actor(p), BatchID: id, Input: in, Full: full,
		Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	m.after(c, r.Position, afterBatchChange...)
	return ok(c, http.StatusOK, m.batchView(c.Request().Context(), r.Batch))
}

// POST /api/card/batches/{id}/publish/ and /unpublish/ (admin).
func (m *Module) publishBatch(c echo.Context) error   { return m.setPublished(c, true) }
func (m *Module) unpublishBatch(c echo.Context) error { return m.setPublished(c, false) }

func (m *Module) setPublished(c echo.Context, publish bool) error {
	p, err := m.admin(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", domain.ErrBatchNotFound)
	if err != nil {
		return err
	}
	r, err := m.cmd.PublishBatch(c.Request().Context(), cmd.PublishBatch{Actor: actor(p), BatchID: id, Publish: publish,
		Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	m.after(c, r.Position, afterBatchChange...)
	return ok(c, http.StatusOK, m.batchView(c.Request().Context(), r.Batch))
}

// DELETE /api/card/batches/{id}/ (admin): hides the batch and its cards.
func (m *Module) deleteBatch(c echo.Context) error {
	p, err := m.admin(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", domain.ErrBatchNotFound)
	if err != nil {
		return err
	}
	r, err := m.cmd.DeleteBatch(c.Request().Context(), cmd.DeleteBatch{Actor: actor(p), BatchID: id, Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	m.after(c, r.Position, afterBatchCreate...)
	return ok(c, http.StatusOK, map[string]any{"id": id, "deleted": true})
}
