package hhu

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/commands/hhuactor"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// actor is who issues a command of 001's command packages.
func actor(p authn.Principal) hhuactor.Actor {
	return hhuactor.Actor{UserID: p.UserID, IsAdmin: p.IsAdmin}
}

// routeBoth returns a function that adds a route with and without its
// trailing slash.
func routeBoth(e *echo.Echo) func(method, path string, h echo.HandlerFunc) {
	return func(method, path string, h echo.HandlerFunc) {
		e.Add(method, path, h)
		e.Add(method, strings.TrimSuffix(path, "/"), h)
	}
}

// adminKit is what an admin command route needs besides its command: the
// clock of the event metadata and the module's read model to wait for.
type adminKit struct {
	clock       Clock
	consistency httpapi.Consistency
	projection  string
}

// remove answers an admin's DELETE of the object named by the path's id:
// run removes it; notFoundErr (the domain's) and a malformed id are 404;
// 204 once the module's projection has the removal.
func (k adminKit) remove(c echo.Context, notFoundErr error, run func(ctx context.Context, p authn.Principal, id int64, meta eventlog.Metadata) (eventlog.Position, error)) error {
	p, id, ok, err := adminTarget(c)
	if !ok {
		return err
	}
	pos, err := run(c.Request().Context(), p, id, httpapi.EventMeta(c, k.clock.Now()))
	if errors.Is(err, notFoundErr) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	k.consistency.AfterCommand(c, pos, k.projection)
	return c.NoContent(http.StatusNoContent)
}

// namedAdmin serves the admin routes of a collection whose rows an admin
// names and nothing else (guide and repair categories, departments):
//
//	GET    <prefix>        every row
//	POST   <prefix>        add {name} → 201
//	GET    <prefix>{id}/   one row
//	PUT    <prefix>{id}/   rename {name}
//	PATCH  <prefix>{id}/   rename; without a name nothing changes (DRF's partial update)
//	DELETE <prefix>{id}/   remove → 204
//
// The module supplies its read model (reads and rendering) and the three
// commands, which decide uniqueness, existence and what a removal needs.
type namedAdmin[T, J any] struct {
	kit adminKit
	rm  readModel
	// list and get read the read model; render renders a row; written
	// renders a row the read model does not show yet (its wait timed out).
	list    func(context.Context) ([]T, error)
	get     func(context.Context, int64) (T, error)
	render  func(T) J
	written func(id int64, name string) J
	// gone is the domain's error for an id that names no row.
	gone error

	add    func(ctx context.Context, a hhuactor.Actor, name string, meta eventlog.Metadata) (id int64, pos eventlog.Position, err error)
	rename func(ctx context.Context, a hhuactor.Actor, id int64, name string, meta eventlog.Metadata) (eventlog.Position, error)
	remove func(ctx context.Context, a hhuactor.Actor, id int64, meta eventlog.Metadata) (eventlog.Position, error)
}

// mount adds the routes under prefix (which ends with a slash).
func (n namedAdmin[T, J]) mount(route func(method, path string, h echo.HandlerFunc), prefix string) {
	route(http.MethodGet, prefix, n.listAll)
	route(http.MethodPost, prefix, n.addOne)
	route(http.MethodGet, prefix+":id/", n.getOne)
	route(http.MethodPut, prefix+":id/", n.renameOne)
	route(http.MethodPatch, prefix+":id/", n.renameOne)
	route(http.MethodDelete, prefix+":id/", n.removeOne)
}

// answerAll answers every row, for any caller who passed the route's check.
func (n namedAdmin[T, J]) answerAll(c echo.Context) error {
	return answerList(c, n.rm, n.list, n.render)
}

func (n namedAdmin[T, J]) listAll(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	return n.answerAll(c)
}

func (n namedAdmin[T, J]) getOne(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	return answerOne(c, n.rm, n.get, n.render)
}

func (n namedAdmin[T, J]) addOne(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	name, ok, err := legacyRequiredName(c, f)
	if !ok {
		return err
	}
	id, pos, err := n.add(c.Request().Context(), actor(p), name, httpapi.EventMeta(c, n.kit.clock.Now()))
	if err != nil {
		return renderError(c, err)
	}
	n.kit.consistency.AfterCommand(c, pos, n.kit.projection)
	return n.answerWritten(c, id, name, http.StatusCreated)
}

func (n namedAdmin[T, J]) renameOne(c echo.Context) error {
	p, id, ok, err := adminTarget(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	if c.Request().Method == http.MethodPatch && !f.Has("name") {
		n.rm.consistency.BeforeQuery(c, n.rm.projection)
		return answerRow(c, n.rm, id, http.StatusOK, n.get, n.render)
	}
	name, ok, err := legacyRequiredName(c, f)
	if !ok {
		return err
	}
	pos, err := n.rename(c.Request().Context(), actor(p), id, name, httpapi.EventMeta(c, n.kit.clock.Now()))
	if errors.Is(err, n.gone) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	n.kit.consistency.AfterCommand(c, pos, n.kit.projection)
	return n.answerWritten(c, id, name, http.StatusOK)
}

func (n namedAdmin[T, J]) removeOne(c echo.Context) error {
	return n.kit.remove(c, n.gone, func(ctx context.Context, p authn.Principal, id int64, meta eventlog.Metadata) (eventlog.Position, error) {
		return n.remove(ctx, actor(p), id, meta)
	})
}

// answerWritten answers the row a command wrote, as the read model shows it
// (which the command's answer waited for), or as written when the read
// model does not show it yet.
func (n namedAdmin[T, J]) answerWritten(c echo.Context, id int64, name string, status int) error {
	row, err := n.get(c.Request().Context(), id)
	switch {
	case err == nil:
		return c.JSON(status, n.render(row))
	case errors.Is(err, n.rm.notFound):
		return c.JSON(status, n.written(id, name))
	default:
		return renderError(c, err)
	}
}

// requiredName reads the required name of a body; ok false: 400 was
// answered.
func legacyRequiredName(c echo.Context, f drf.Form) (string, bool, error) {
	errs := drf.FieldErrors{}
	name, _ := f.Str("name", errs, false)
	if len(errs) > 0 {
		return "", false, c.JSON(http.StatusBadRequest, errs)
	}
	return name, true, nil
}

// callerID is the caller's user id; false when the principal has none (then
// 401 was answered).
func callerID(c echo.Context, p authn.Principal) (int64, bool, error) {
	id, err := strconv.ParseInt(p.UserID, 10, 64)
	if err != nil || id <= 0 {
		return 0, false, drf.Detail(c, http.StatusUnauthorized, "Invalid token.")
	}
	return id, true, nil
}

// pageNumber reads DRF's ?page= (from 1; "last" is 0 until the count is
// known); a bad one is 404 "Invalid page.", as PageNumberPagination answers.
func pageNumber(c echo.Context) (int, bool) {
	s := strings.TrimSpace(c.QueryParam("page"))
	switch s {
	case "":
		return 1, true
	case "last":
		return 0, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1
}

// pageLink is DRF's next/previous link: the request's URL with page n (nil
// when n is out of range).
func pageLink(c echo.Context, n, size, total int) *string {
	if n < 1 || (n-1)*size >= total {
		return nil
	}
	u := url.URL{Scheme: c.Scheme(), Host: c.Request().Host, Path: c.Request().URL.Path}
	q := c.Request().URL.Query()
	if n == 1 {
		q.Del("page")
	} else {
		q.Set("page", strconv.Itoa(n))
	}
	u.RawQuery = q.Encode()
	s := u.String()
	return &s
}

// requireAdmin is RequireUser for admin routes: 403 for other users.
func requireAdmin(c echo.Context) (authn.Principal, bool, error) {
	p, ok, err := RequireUser(c)
	if !ok {
		return p, false, err
	}
	if !p.IsAdmin {
		return p, false, drf.Detail(c, http.StatusForbidden, "You do not have permission to perform this action.")
	}
	return p, true, nil
}

// adminTarget is requireAdmin for a route naming one object: ok false when
// the answer was sent (401, 403, or 404 for a malformed id).
func adminTarget(c echo.Context) (p authn.Principal, id int64, ok bool, err error) {
	if p, ok, err = requireAdmin(c); !ok {
		return p, 0, false, err
	}
	if id, ok = pathID(c); !ok {
		return p, 0, false, notFound(c)
	}
	return p, id, true, nil
}

// pathID parses the :id of a route; a malformed one is 404 as Django's
// <int:pk> converter answers.
func pathID(c echo.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

func notFound(c echo.Context) error { return drf.Detail(c, http.StatusNotFound, "Not found.") }

// Legacy names of the shared helpers, until every context is converted.
const dateTimeMessage = DateTimeMessage

func formInt(f drf.Form, name string, errs drf.FieldErrors, required bool) (int64, bool) {
	return FormInt(f, name, errs, required)
}

func parseDateTime(s string, zone *time.Location) (time.Time, bool) { return ParseDateTime(s, zone) }

func queryInt(c echo.Context, name string, errs drf.FieldErrors) (int64, bool) {
	return QueryInt(c, name, errs)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
