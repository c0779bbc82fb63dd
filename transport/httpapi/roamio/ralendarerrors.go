package roamio

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/ralendarlink"
)

// RalendarRefusal is an answer of the Ralendar routes with its own status
// and code.
type RalendarRefusal struct {
	Status  int
	Code    string
	Message string
}

func (r RalendarRefusal) Error() string {
	return strconv.Itoa(r.Status) + " " + r.Code + ": " + r.Message
}

// ralendarStatus maps the bound-account faults to their status and the
// seed's error_code.
var ralendarStatus = map[string]struct {
	status int
	code   string
}{
	ralendarlink.ErrNoAccount.Code:           {http.StatusBadRequest, "NO_RALENDAR_ACCOUNT"},
	ralendarlink.ErrTokenExpired.Code:        {http.StatusForbidden, "TOKEN_EXPIRED"},
	ralendarlink.ErrRemoteUnavailable.Code:   {http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE"},
	ralendarlink.ErrInvalidState.Code:        {http.StatusBadRequest, "INVALID_STATE"},
	ralendarlink.ErrTokenExchangeFailed.Code: {http.StatusBadRequest, "TOKEN_EXCHANGE_FAILED"},
	ralendarlink.ErrTooManyAccounts.Code:     {http.StatusConflict, "CONFLICT"},
	"RALENDAR_REFUSED":                       {http.StatusBadRequest, "INVALID_INPUT"},
}

// RenderRalendar answers the failures of calls that reach a bound Ralendar
// account (and of the binding itself) the way the web client reads them
// and the seed prescribes at once: {"code", "error", "message"} (the
// client reads code: NO_RALENDAR_ACCOUNT, TOKEN_EXPIRED, INVALID_STATE,
// TOKEN_EXCHANGE_FAILED, RALENDAR_UNAVAILABLE) beside {"error",
// "error_code", "details"}. TOKEN_EXPIRED is 403, not 401: the client
// answers a 401 by refreshing its own Roamio token and logging out. The
// other side down is a closed 503 with Retry-After. handled is false for
// any other error.
func RenderRalendar(c echo.Context, err error) (handled bool, _ error) {
	var r RalendarRefusal
	if errors.As(err, &r) {
		return true, c.JSON(r.Status, map[string]any{"code": r.Code, "error": r.Message, "message": r.Message, "error_code": codeOf(r.Status),
			"details": map[string]any{}})
	}
	f, ok := fault.As(err)
	if !ok {
		return false, nil
	}
	m, ok := ralendarStatus[f.Code]
	if !ok {
		return false, nil
	}
	details := f.Details
	if details == nil {
		details = map[string]any{}
	}
	if m.status == http.StatusServiceUnavailable {
		after := f.RetryAfterSeconds
		if after <= 0 {
			after = 5
		}
		c.Response().Header().Set("Retry-After", strconv.Itoa(after))
	}
	return true, c.JSON(m.status, map[string]any{"code": f.Code, "error": f.Message, "message": f.Message, "error_code": m.code,
		"details": details})
}

// RalendarErrors wraps a handler whose failures at a bound Ralendar account
// RenderRalendar answers; any other error goes on to the route's own error
// handling.
func RalendarErrors(fn func(echo.Context) error) func(echo.Context) error {
	return func(c echo.Context) error {
		err := fn(c)
		if err == nil {
			return nil
		}
		if handled, rerr := RenderRalendar(c, err); handled {
			return rerr
		}
		return err
	}
}
