package magpie

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
)

// Refusals of the resource, in tastypie's answers.
var (
	// errUnauthorized is tastypie's HttpUnauthorized: 401, empty body.
	errUnauthorized = errors.New("magpie: unauthorized")
	// errNotFound is tastypie's 404, empty body.
	errNotFound = errors.New("magpie: not found")
	// ErrNotFound is errNotFound for the resources' handlers.
	ErrNotFound = errNotFound
	// ErrUnauthorized is errUnauthorized for the resources' handlers.
	ErrUnauthorized = errUnauthorized
)

// BadRequest is 400 {"error": Message, Field: [Message]}.
type BadRequest struct {
	Field   string
	Message string
}

func (b BadRequest) Error() string { return b.Field + ": " + b.Message }

// User is 003's authentication middleware: without a caller (ApiKey or
// session) it is 401 with an empty body.
func User(next httpapi.Handler) httpapi.Handler {
	return httpapi.RequireUser(func(echo.Context, error) error { return errUnauthorized })(next)
}

// Render is 003's error table (tastypie's answers): Django's CSRF refusal
// (httpapi.ErrCSRF, from the Router's check) as 403 {"error": "CSRF
// verification failed. Request aborted.", "reason": <Django's reason>}; BadRequest as 400 with the field; unauthenticated callers and refused credentials 401, unknown
// objects 404, too many digest attempts 429 with Retry-After, all with an
// empty body; other faults their status with {"error": …} (a field's 400 as
// tastypie names it, a database that could not be used 503 with
// Retry-After); anything else goes to the server's error handler (500).
func Render(c echo.Context, err error) error {
	if c.Response().Committed {
		return nil
	}
	err = httpapi.Classify(err)
	var bad BadRequest
	var invalid Invalid
	switch {
	case errors.As(err, &invalid):
		return c.JSON(http.StatusBadRequest, map[string]any{"error": string(invalid)})
	case errors.Is(err, httpapi.ErrCSRF):
		f, _ := fault.As(err)
		return c.JSON(http.StatusForbidden, map[string]any{"error": "CSRF verification failed. Request aborted.",
			"reason": strings.TrimPrefix(f.Message, "CSRF Failed: ")})
	case errors.As(err, &bad):
		return c.JSON(http.StatusBadRequest, map[string]any{"error": bad.Message, bad.Field: []string{bad.Message}})
	case errors.Is(err, errUnauthorized), errors.Is(err, access.ErrUnauthenticated):
		return c.NoContent(http.StatusUnauthorized)
	case errors.Is(err, errNotFound), fault.KindOf(err) == fault.NotFound:
		return c.NoContent(http.StatusNotFound)
	case fault.KindOf(err) == fault.Forbidden:
		// tastypie's Unauthorized (an authorization that refuses) is 401.
		return c.NoContent(http.StatusUnauthorized)
	case errors.Is(err, identity.ErrTooManyAttempts):
		f, _ := fault.As(err)
		c.Response().Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		return c.NoContent(http.StatusTooManyRequests)
	}
	f, ok := fault.As(err)
	if !ok || f.Kind == fault.Internal {
		return err
	}
	if f.RetryAfterSeconds > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
	}
	if f.Kind == fault.Invalid && f.Field != "" {
		return c.JSON(http.StatusBadRequest, map[string]any{"error": f.Field + ": " + f.Message, f.Field: []string{f.Message}})
	}
	return c.JSON(httpapi.StatusOf(f.Kind), map[string]any{"error": f.Message})
}
