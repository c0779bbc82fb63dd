package cards

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
)

// failure is 002's error envelope.
type failure struct {
	Status    string         `json:"status"`
	Code      int            `json:"code"`
	Message   string         `json:"message"`
	ErrorCode string         `json:"error_code"`
	Details   map[string]any `json:"details"`
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
	fault.Unavailable:     http.StatusServiceUnavailable,
}

// render is the card API's error table (an httpapi.ErrorRenderer): it writes
// err in the error envelope with the status of its code (or of its kind),
// Retry-After for RATE_LIMITED and the Bearer challenge on 401. The shared
// actor's refusals are worded as the card API's own. Unclassified errors are
// logged and answered 500 without their text.
func (m *Module) render(c echo.Context, err error) error {
	if c.Response().Committed {
		return nil
	}
	switch {
	case errors.Is(err, access.ErrUnauthenticated):
		// Behind requireUser: a caller whose user id is not one.
		err = errBadCredentials
	case errors.Is(err, access.ErrForbidden):
		err = cards.ErrInsufficientPermission
	}
	f, classified := fault.As(httpapi.Classify(err))
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
