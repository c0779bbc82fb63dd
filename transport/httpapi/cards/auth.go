package cards

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// requireUser is route middleware for the routes that need a caller: the
// others get UNAUTHORIZED (401 with the Bearer challenge).
func (m *Module) requireUser() func(httpapi.Handler) httpapi.Handler {
	return httpapi.RequireUser(m.unauthenticated)
}

// requireAdmin is route middleware for the routes 002 marks "管理员权限":
// UNAUTHORIZED without a caller, INSUFFICIENT_PERMISSION (403) for anyone
// but an administrator.
func (m *Module) requireAdmin() func(httpapi.Handler) httpapi.Handler {
	return httpapi.RequireAdmin(m.unauthenticated, cards.ErrInsufficientPermission)
}

// unauthenticated is the card API's UNAUTHORIZED: "not provided" without
// credentials, "invalid or expired" for refused ones. A failure to check
// credentials at all is logged and answered as refused.
func (m *Module) unauthenticated(_ echo.Context, credErr error) error {
	if credErr == nil {
		return errUnauthenticated
	}
	if !errors.Is(credErr, authn.ErrInvalidCredentials) {
		m.log.Warn("card api: credential check failed", "err", credErr)
	}
	return errBadCredentials
}
