package hhu

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// NameCommand is an admin's command on a named row: add (ID zero), rename
// or remove the row ID.
type NameCommand struct {
	Actor access.Actor
	ID    int64
	Name  string
	Meta  eventlog.Metadata
}

// Named serves the admin routes of a collection whose rows an admin names
// and nothing else (guide and repair categories, departments):
//
//	GET    <prefix>        every row
//	POST   <prefix>        add {name} → 201
//	GET    <prefix>{id}/   one row
//	PUT    <prefix>{id}/   rename {name}
//	PATCH  <prefix>{id}/   rename; without a name nothing changes (DRF's partial update)
//	DELETE <prefix>{id}/   remove → 204
//
// The context supplies its read model (reads and rendering) and the three
// commands, which decide uniqueness, existence and what a removal needs.
type Named[T, J any] struct {
	// List and Get read the read model; NotFound is Get's error for an id
	// it does not hold.
	List     func(context.Context) ([]T, error)
	Get      func(context.Context, int64) (T, error)
	NotFound error
	// Render renders a row; Written renders a row the read model does not
	// show yet (its wait timed out).
	Render  func(T) J
	Written func(id int64, name string) J

	Add    func(context.Context, NameCommand) (id int64, err error)
	Rename func(context.Context, NameCommand) error
	Remove func(context.Context, NameCommand) error
	// Clock stamps the commands' metadata.
	Clock Clock
}

// Mount adds the routes under prefix (which ends with a slash) to admin, a
// Router whose routes pass through Admin.
func (n Named[T, J]) Mount(admin httpapi.Router, prefix string) {
	admin.GET(prefix, n.ListAll)
	admin.POST(prefix, n.add)
	admin.GET(prefix+":id/", n.get)
	admin.PUT(prefix+":id/", n.rename)
	admin.PATCH(prefix+":id/", n.rename)
	admin.DELETE(prefix+":id/", n.remove)
}

// ListAll answers every row, for any caller its route's middleware let
// through.
func (n Named[T, J]) ListAll(c echo.Context) error {
	rows, err := n.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, RenderRows(rows, n.Render))
}

func (n Named[T, J]) get(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	return n.answerRow(c, id)
}

func (n Named[T, J]) add(c echo.Context) error {
	name, err := requiredName(c)
	if err != nil {
		return err
	}
	id, err := n.Add(c.Request().Context(), n.command(c, 0, name))
	if err != nil {
		return err
	}
	return n.answerWritten(c, id, name, http.StatusCreated)
}

func (n Named[T, J]) rename(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	if c.Request().Method == http.MethodPatch && !f.Has("name") {
		return n.answerRow(c, id)
	}
	errs := drf.FieldErrors{}
	name, _ := f.Str("name", errs, false)
	if err := errs.Err(); err != nil {
		return err
	}
	if err := n.Rename(c.Request().Context(), n.command(c, id, name)); err != nil {
		return err
	}
	return n.answerWritten(c, id, name, http.StatusOK)
}

func (n Named[T, J]) remove(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	if err := n.Remove(c.Request().Context(), n.command(c, id, "")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (n Named[T, J]) command(c echo.Context, id int64, name string) NameCommand {
	return NameCommand{Actor: httpapi.Actor(c), ID: id, Name: name, Meta: httpapi.EventMeta(c, n.Clock.Now())}
}

// answerRow answers row id of the read model: ErrNotFound when it does not
// hold it.
func (n Named[T, J]) answerRow(c echo.Context, id int64) error {
	row, err := n.Get(c.Request().Context(), id)
	if errors.Is(err, n.NotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n.Render(row))
}

// answerWritten answers the row a command wrote, as the read model shows it
// once it reflects the command, or as written when it does not show it yet.
func (n Named[T, J]) answerWritten(c echo.Context, id int64, name string, status int) error {
	httpapi.Settle(c)
	row, err := n.Get(c.Request().Context(), id)
	switch {
	case err == nil:
		return c.JSON(status, n.Render(row))
	case errors.Is(err, n.NotFound):
		return c.JSON(status, n.Written(id, name))
	default:
		return err
	}
}

// requiredName reads the required name of a body.
func requiredName(c echo.Context) (string, error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return "", err
	}
	errs := drf.FieldErrors{}
	name, _ := f.Str("name", errs, false)
	return name, errs.Err()
}

// RenderRows renders each row.
func RenderRows[T, J any](rows []T, render func(T) J) []J {
	out := make([]J, len(rows))
	for i, r := range rows {
		out[i] = render(r)
	}
	return out
}
