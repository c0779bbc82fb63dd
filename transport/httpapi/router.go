package httpapi

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/labstack/echo/v4"
)

// ErrorRenderer writes err as one API's error answer (its envelope, its
// codes, its 401 challenge) and returns the write's error; when the answer
// was already sent it writes nothing. Each API has one: its error table
// (errors.go).
type ErrorRenderer func(c echo.Context, err error) error

// Handler is a route's handler: it returns an error instead of writing one.
type Handler func(c echo.Context) error

// Router adds routes in one API's dialect: each path is served with and
// without its trailing slash (Django's clients send both, and a redirect
// would lose a POST body), and whatever error the route's middleware or
// handler returns is written by the API's ErrorRenderer.
type Router struct {
	g          *echo.Group
	render     ErrorRenderer
	mw         []func(Handler) Handler
	csrfExempt bool
	bodyLimit  int64
}

// DefaultRouteBodyLimit caps a request body on a Router's routes unless
// the route asks for more (WithBodyLimit): enough for any JSON or form a
// client sends; uploads say how much they take.
const DefaultRouteBodyLimit = 1 << 20

// NewRouter returns a Router for the paths under prefix ("" for the root).
func NewRouter(e *echo.Echo, prefix string, render ErrorRenderer) Router {
	return Router{g: e.Group(prefix), render: render}
}

// With returns a Router whose routes also pass through mw (authentication,
// roles), outermost first. The middleware returns errors like handlers do.
func (r Router) With(mw ...func(Handler) Handler) Router {
	r.mw = append(append([]func(Handler) Handler{}, r.mw...), mw...)
	return r
}

// WithBodyLimit returns a Router whose routes take bodies up to n bytes
// (uploads); the server's own limit (Config.BodyLimit) still applies.
func (r Router) WithBodyLimit(n int64) Router {
	r.bodyLimit = n
	return r
}

// ExemptFromCSRF returns a Router whose routes skip the CSRF check of
// session-authenticated state changes: for an API whose real clients are
// apps that send the session cookie without Django's token (say so in its
// doc).
func (r Router) ExemptFromCSRF() Router {
	r.csrfExempt = true
	return r
}

// GET adds a GET route.
func (r Router) GET(path string, h Handler) { r.Add("GET", path, h) }

// POST adds a POST route.
func (r Router) POST(path string, h Handler) { r.Add("POST", path, h) }

// PUT adds a PUT route.
func (r Router) PUT(path string, h Handler) { r.Add("PUT", path, h) }

// PATCH adds a PATCH route.
func (r Router) PATCH(path string, h Handler) { r.Add("PATCH", path, h) }

// DELETE adds a DELETE route.
func (r Router) DELETE(path string, h Handler) { r.Add("DELETE", path, h) }

// Add adds a route for method at path and, when path ends in a slash, at the
// path without it. The route checks the request's text (CheckText) and, for
// a state change authenticated by the session cookie, Django's CSRF rules,
// before its handler runs.
func (r Router) Add(method, path string, h Handler) {
	eh := r.Handle(h)
	r.g.Add(method, path, eh)
	if trimmed := strings.TrimSuffix(path, "/"); trimmed != path && trimmed != "" {
		r.g.Add(method, trimmed, eh)
	}
}

// MethodNotAllowedRoute names the routes added by NotAllowed, so that a
// listing of the routes (the OpenAPI coverage test) tells them from
// operations.
const MethodNotAllowedRoute = "method-not-allowed"

// NotAllowed adds a route like Add whose handler h answers that method is
// not one the path takes (405 in the API's own format), for an API that
// renders that answer itself.
func (r Router) NotAllowed(method, path string, h Handler) {
	eh := r.Handle(h)
	r.g.Add(method, path, eh).Name = MethodNotAllowedRoute
	if trimmed := strings.TrimSuffix(path, "/"); trimmed != path && trimmed != "" {
		r.g.Add(method, trimmed, eh).Name = MethodNotAllowedRoute
	}
}

// Handle returns h with the Router's middleware, the text check and error
// rendering, for a route the Router cannot add itself (a catch-all, a method
// table).
func (r Router) Handle(h Handler) echo.HandlerFunc {
	h = checkedText(h)
	h = limitedBody(h, cmp.Or(r.bodyLimit, DefaultRouteBodyLimit))
	if !r.csrfExempt {
		h = checkCSRF(h)
	}
	for i := len(r.mw) - 1; i >= 0; i-- {
		h = r.mw[i](h)
	}
	return r.wrap(h)
}

func (r Router) wrap(h Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := h(c); err != nil {
			return r.render(c, err)
		}
		return nil
	}
}

// checkedText runs CheckText before h.
func checkedText(h Handler) Handler {
	return func(c echo.Context) error {
		if err := CheckText(c); err != nil {
			return err
		}
		return h(c)
	}
}

// limitedBody refuses a body declared larger than limit (a fault naming the
// field "body", the API's 400) and cuts one that turns out larger while it
// is read (the handler then meets a read error: the API's parse error).
func limitedBody(h Handler, limit int64) Handler {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > limit {
			return bodyTooLarge(limit)
		}
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		}
		return h(c)
	}
}

// bodyTooLarge is the fault for a body over its route's limit.
func bodyTooLarge(limit int64) error {
	return fault.Invalidf("body", "is too large: at most %d bytes", limit)
}
