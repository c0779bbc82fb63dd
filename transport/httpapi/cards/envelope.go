package cards

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	cardsq "github.com/fiveapis/backend/queries/cards"
)

// Envelopes of 002: every answer is
//
//	{"status": "success", "code": <HTTP status>, "data": …}
//
// and every error (errors.go)
//
//	{"status": "error", "code": <HTTP status>, "message": …, "error_code": …, "details": {…}}
type success struct {
	Status string `json:"status"`
	Code   int    `json:"code"`
	Data   any    `json:"data"`
}

func ok(c echo.Context, status int, data any) error {
	return c.JSON(status, success{Status: "success", Code: status, Data: data})
}

// page is 002's paginated data.
type page[T any] struct {
	Count    int64   `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// Pagination parameters.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// pageParams reads page and page_size: positive integers; page_size above 100
// is capped at 100, as Django REST framework's max_page_size does.
func pageParams(c echo.Context) (cardsq.Page, error) {
	p := cardsq.Page{Number: 1, Size: DefaultPageSize}
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, fault.Invalidf("page", "必须是正整数")
		}
		p.Number = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, fault.Invalidf("page_size", "必须是正整数")
		}
		p.Size = min(n, MaxPageSize)
	}
	if p.Number > 1<<40/p.Size {
		return p, errInvalidPage
	}
	return p, nil
}

// paged renders a page with absolute next/previous links. A page past the
// last one (other than the first) is INVALID_PAGE, 404, as in Django REST
// framework.
func paged[T any](m *Module, c echo.Context, p cardsq.Page, l cardsq.List[T]) error {
	if p.Number > 1 && p.Offset() >= l.Count {
		return errInvalidPage
	}
	out := page[T]{Count: l.Count, Results: l.Items}
	if out.Results == nil {
		out.Results = []T{}
	}
	if p.Offset()+int64(len(l.Items)) < l.Count {
		out.Next = m.pageLink(c, p.Number+1)
	}
	if p.Number > 1 {
		out.Previous = m.pageLink(c, p.Number-1)
	}
	return ok(c, http.StatusOK, out)
}

// pageLink is the request's absolute URL with another page; page 1 drops the
// parameter.
func (m *Module) pageLink(c echo.Context, n int) *string {
	u := m.absolute(c, c.Request().URL.Path)
	q := c.Request().URL.Query()
	q.Del("page")
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return &u
}

// absolute turns a path into an absolute URL: PUBLIC_URL when configured,
// otherwise the request's scheme and host.
func (m *Module) absolute(c echo.Context, path string) string {
	base := m.cfg.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return base + (&url.URL{Path: path}).EscapedPath()
}
