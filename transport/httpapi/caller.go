package httpapi

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// Actor is the request's caller as the commands see it: the authenticated
// user, or the anonymous actor.
func Actor(c echo.Context) access.Actor {
	p, ok := authn.From(c)
	if !ok {
		return access.Actor{}
	}
	return ActorOf(p)
}

// ActorOf turns a principal into an actor.
func ActorOf(p authn.Principal) access.Actor {
	id, err := strconv.ParseInt(p.UserID, 10, 64)
	if err != nil || id < 0 {
		id = 0
	}
	return access.Actor{UserID: id, Username: p.Username, Admin: p.IsAdmin, Roles: p.Roles}
}

// Unauthenticated makes one API's error for a request without a valid
// caller: credErr is why the presented credentials were refused
// (authn.ErrInvalidCredentials, an expired token …; a failure to check them
// at all is neither), or nil when none were presented.
type Unauthenticated func(c echo.Context, credErr error) error

// RequireUser is route middleware that lets through requests with an
// authenticated caller; the others get the API's error. Credentials that
// could not be checked at all (the database was unavailable) are not
// refused: the request gets the API's 503 (ErrUnavailable), never a 401.
func RequireUser(unauthenticated Unauthenticated) func(Handler) Handler {
	return func(next Handler) Handler {
		return func(c echo.Context) error {
			if _, ok := authn.From(c); !ok {
				if credErr := authn.Err(c); errUnchecked(credErr) {
					return Classify(credErr)
				}
				return unauthenticated(c, authn.Err(c))
			}
			return next(c)
		}
	}
}

// RequireAdmin is route middleware that lets through requests of an
// administrator; a request without a caller gets the API's unauthenticated
// error (or 503, as RequireUser), another caller the API's forbidden one.
func RequireAdmin(unauthenticated Unauthenticated, forbidden error) func(Handler) Handler {
	return func(next Handler) Handler {
		return func(c echo.Context) error {
			p, ok := authn.From(c)
			if !ok {
				if credErr := authn.Err(c); errUnchecked(credErr) {
					return Classify(credErr)
				}
				return unauthenticated(c, authn.Err(c))
			}
			if !p.IsAdmin {
				return forbidden
			}
			return next(c)
		}
	}
}
