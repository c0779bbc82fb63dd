package operations

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
)

// ErrStillFailing is a parked event that failed again when it was replayed:
// it stays parked, its error updated (the parked list shows it).
var ErrStillFailing = fault.New(fault.Conflict, "STILL_FAILING", "the event failed again; it stays parked (the parked list shows its error)")

// errAdminOnly is the refusal of a caller who is not an administrator.
var errAdminOnly = fault.New(fault.Forbidden, "ADMIN_REQUIRED", "admin role required")

// admin returns the router of the operators' routes: under /api/admin, for
// administrators only, every refusal {"detail": …} (render).
func admin(e *echo.Echo, log *slog.Logger) httpapi.Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	unauthenticated := func(echo.Context, error) error { return access.ErrUnauthenticated }
	return httpapi.NewRouter(e, "/api/admin", func(c echo.Context, err error) error { return render(c, err, log) }).
		With(httpapi.RequireAdmin(unauthenticated, errAdminOnly))
}

// render is the operators' error table: a fault's status (httpapi.StatusOf)
// with {"detail": message} (a field's 400 names it), Retry-After when the
// database was unavailable; anything else 500 without its text (logged).
func render(c echo.Context, err error, log *slog.Logger) error {
	if c.Response().Committed {
		return nil
	}
	err = httpapi.Classify(err)
	f, ok := fault.As(err)
	if !ok || f.Kind == fault.Internal {
		log.Error("operations", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		return c.JSON(http.StatusInternalServerError, map[string]string{"detail": "internal server error"})
	}
	if f.RetryAfterSeconds > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
	}
	msg := f.Message
	switch {
	case errors.Is(err, access.ErrUnauthenticated):
		msg = "authentication credentials were not provided or are invalid"
	case f.Field != "":
		return c.JSON(http.StatusBadRequest, map[string]string{f.Field: f.Message})
	}
	return c.JSON(httpapi.StatusOf(f.Kind), map[string]string{"detail": msg})
}
