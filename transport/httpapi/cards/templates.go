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

// templateView renders a template from the command's state (the answer of a
// command does not depend on the read model).
func templateView(t cards.Template) cardsq.Template {
	attrs := t.Spec.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	return cardsq.Template{ID: t.ID, Name: t.Spec.Name, Category: string(t.Spec.Category), Description: t.Spec.Description,
		Image: t.Spec.Image, Attributes: attrs, Rarity: string(t.Spec.Rarity), IsActive: t.Spec.IsActive,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// GET /api/card/templates/?category=&is_active=&page=&page_size=
func (m *Module) listTemplates(c echo.Context) error {
	var (
		f   cardsq.TemplateFilter
		err error
	)
	if f.Category, err = queryCategory(c, "category"); err != nil {
		return err
	}
	if f.IsActive, err = queryBool(c, "is_active"); err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	l, err := m.q.ListTemplates(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	return paged(m, c, p, l)
}

// POST /api/card/templates/ (admin)
func (m *Module) createTemplate(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := templateInput(b)
	if err != nil {
		return err
	}
	r, err := m.cmd.CreateTemplate(c.Request().Context(), cardscmd.CreateTemplate{Actor: httpapi.Actor(c), Input: in, Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	return ok(c, http.StatusCreated, templateView(r.Template))
}

// GET /api/card/templates/{id}/
func (m *Module) getTemplate(c echo.Context) error {
	id, err := pathID(c, "id", cards.ErrTemplateNotFound)
	if err != nil {
		return err
	}
	t, err := m.q.GetTemplate(c.Request().Context(), id)
	if errors.Is(err, cardsq.ErrNotFound) {
		return cards.ErrTemplateNotFound
	}
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, t)
}

// PUT /api/card/templates/{id}/ (admin): name and category required; the
// category cannot change.
func (m *Module) putTemplate(c echo.Context) error { return m.updateTemplate(c, true) }

// PATCH /api/card/templates/{id}/ (admin): only the given fields change.
func (m *Module) patchTemplate(c echo.Context) error { return m.updateTemplate(c, false) }

func (m *Module) updateTemplate(c echo.Context, full bool) error {
	id, err := pathID(c, "id", cards.ErrTemplateNotFound)
	if err != nil {
		return err
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := templateInput(b)
	if err != nil {
		return err
	}
	r, err := m.cmd.UpdateTemplate(c.Request().Context(), cardscmd.UpdateTemplate{Actor: httpapi.Actor(c), TemplateID: id, Input: in, Full: full,
		Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, templateView(r.Template))
}

// DELETE /api/card/templates/{id}/ (admin): hides the template; its history
// and its batches stay.
func (m *Module) deleteTemplate(c echo.Context) error {
	id, err := pathID(c, "id", cards.ErrTemplateNotFound)
	if err != nil {
		return err
	}
	if _, err := m.cmd.DeleteTemplate(c.Request().Context(), cardscmd.DeleteTemplate{Actor: httpapi.Actor(c), TemplateID: id, Meta: httpapi.EventMeta(c, m.clock.Now())}); err != nil {
		return err
	}
	return ok(c, http.StatusOK, map[string]any{"id": id, "deleted": true})
}
