package cards

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	query "github.com/fiveapis/backend/queries/cards"
)

// Envelopes of 002: every answer is
//
//	{"status": "success", "code": <HTTP status>, "data": …}
//
// and every error
//
//	{"status": "error", "code": <HTTP status>, "message": …, "error_code": …, "details": {…}}
type success struct {
	Status string `json:"status"`
	Code   int    `json:"code"`
	Data   any    `json:"data"`
}

type failure struct {
	Status    string         `json:"status"`
	Code      int            `json:"code"`
	Message   string         `json:"message"`
	ErrorCode string         `json:"error_code"`
	Details   map[string]any `json:"details"`
}

func ok(c echo.Context, status int, data any) error {
	return c.JSON(status, success{Status: "success", Code: status, Data: data})
}

// Errors the transport itself raises.
var (
	errUnauthenticated = fault.New(fault.Unauthenticated, "UNAUTHORIZED", "身份认证信息未提供")
	errBadCredentials  = fault.New(fault.Unauthenticated, "UNAUTHORIZED", "认证信息无效或已过期")
	errMethod          = fault.New(fault.Invalid, "METHOD_NOT_ALLOWED", "不支持该请求方法")
	errRoute           = fault.New(fault.NotFound, "NOT_FOUND", "接口不存在")
	errInvalidPage     = fault.New(fault.NotFound, "INVALID_PAGE", "无效页面")
	errLinkInvalid     = fault.New(fault.Forbidden, "DOWNLOAD_LINK_INVALID", "下载链接无效")
	errLinkExpired     = fault.New(fault.Forbidden, "DOWNLOAD_LINK_EXPIRED", "下载链接已过期")
	errInternal        = fault.New(fault.Internal, "INTERNAL_ERROR", "服务器内部错误")
)

// statusByCode maps the error codes to HTTP statuses; codes not listed take
// the status of their kind.
var statusByCode = map[string]int{
	"CARD_NOT_FOUND":          http.StatusNotFound,
	"CARD_EXPIRED":            http.StatusBadRequest,
	"CARD_ALREADY_USED":       http.StatusBadRequest,
	"BATCH_FULL":              http.StatusBadRequest,
	"BATCH_NOT_PUBLISHED":     http.StatusBadRequest,
	"INSUFFICIENT_PERMISSION": http.StatusForbidden,
	"INVALID_INPUT":           http.StatusBadRequest,
	"UNAUTHORIZED":            http.StatusUnauthorized,
	"TEMPLATE_NOT_FOUND":      http.StatusNotFound,
	"BATCH_NOT_FOUND":         http.StatusNotFound,
	"RATE_LIMITED":            http.StatusTooManyRequests,
	"METHOD_NOT_ALLOWED":      http.StatusMethodNotAllowed,
	"CONCURRENT_MODIFICATION": http.StatusConflict,
}

var statusByKind = map[fault.Kind]int{
	fault.Invalid:         http.StatusBadRequest,
	fault.NotFound:        http.StatusNotFound,
	fault.Conflict:        http.StatusConflict,
	fault.Unauthenticated: http.StatusUnauthorized,
	fault.Forbidden:       http.StatusForbidden,
	fault.RateLimited:     http.StatusTooManyRequests,
}

// fail renders err in the error envelope. Unclassified errors are logged and
// answered 500 without their text.
func (m *Module) fail(c echo.Context, err error) error {
	if c.Response().Committed {
		return nil
	}
	f, classified := fault.As(err)
	if !classified || f.Kind == fault.Internal {
		if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
			return nil // the client went away
		}
		m.log.Error("card api", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		f = errInternal
	}
	status, ok := statusByCode[f.Code]
	if !ok {
		if status, ok = statusByKind[f.Kind]; !ok {
			status = http.StatusInternalServerError
		}
	}
	details := map[string]any{}
	for k, v := range f.Details {
		details[k] = v
	}
	msg := f.Message
	if f.Field != "" {
		details["field"] = f.Field
		details["reason"] = f.Message
		msg = f.Field + ": " + f.Message
	}
	if f.RetryAfterSeconds > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		details["retry_after"] = f.RetryAfterSeconds
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="api"`)
	}
	return c.JSON(status, failure{Status: "error", Code: status, Message: msg, ErrorCode: f.Code, Details: details})
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
func pageParams(c echo.Context) (query.Page, error) {
	p := query.Page{Number: 1, Size: DefaultPageSize}
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
func paged[T any](m *Module, c echo.Context, p query.Page, l query.List[T]) error {
	if p.Number > 1 && p.Offset() >= l.Count {
		return m.fail(c, errInvalidPage)
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
