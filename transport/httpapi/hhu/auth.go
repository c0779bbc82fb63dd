package hhu

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// User is route middleware for routes that need a caller ("Authorization:
// Token <key>", or any credential authn accepts). Without one the answer is
// DRF's TokenAuthentication 401: "Authentication credentials were not
// provided.", "Invalid token.", "Token has expired." or "User inactive or
// deleted."; a failure to check the credential at all is the server's 500.
func User(next httpapi.Handler) httpapi.Handler {
	return httpapi.RequireUser(unauthenticated)(next)
}

// Admin is route middleware for the admin routes: User, then 403 "You do not
// have permission to perform this action." for a caller who is not an
// administrator (DRF's IsAdminUser).
func Admin(next httpapi.Handler) httpapi.Handler {
	return httpapi.RequireAdmin(unauthenticated, access.ErrForbidden)(next)
}

// unauthenticated is why a request has no caller, as an error of Render's
// table.
func unauthenticated(_ echo.Context, credErr error) error {
	switch {
	case credErr == nil:
		return access.ErrUnauthenticated
	case !errors.Is(credErr, authn.ErrInvalidCredentials):
		return credErr
	case errors.Is(credErr, identity.ErrTokenExpired):
		return ErrTokenExpired
	case errors.Is(credErr, identity.ErrUserInactive):
		return ErrUserInactive
	default:
		return ErrInvalidToken
	}
}

// CallerID is the id of the user behind User: ErrInvalidToken when the
// credential names no user id.
func CallerID(c echo.Context) (int64, error) {
	id := httpapi.Actor(c).UserID
	if id <= 0 {
		return 0, ErrInvalidToken
	}
	return id, nil
}
