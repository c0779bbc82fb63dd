package hhu

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// Identity is what the routes need of the identity commands.
type Identity interface {
	GetAPIToken(ctx context.Context, cmd identitycmd.GetAPIToken) (identitycmd.APITokenGranted, error)
}

// Deps are the module's ports.
type Deps struct {
	Identity    Identity
	Clock       Clock
	Consistency httpapi.Consistency
	// Accounts and Users serve /current-user/ (routes mounted when set).
	Accounts Accounts
	Users    Users
	// WeChat exchanges mini-program codes and Social binds and logs in with
	// them (routes mounted when both are set).
	WeChat WeChatCodes
	Social Social
}

// Module is 001's API.
type Module struct {
	d Deps
}

// New returns the module.
func New(d Deps) *Module { return &Module{d: d} }

// Mount implements httpapi.Routes.
func (m *Module) Mount(e *echo.Echo) {
	e.POST("/auth/get-token/", m.getToken)
	e.POST("/auth/get-token", m.getToken)
	if m.d.Users != nil && m.d.Accounts != nil {
		m.mountCurrentUser(e)
	}
	if m.d.WeChat != nil && m.d.Social != nil {
		m.mountWeChat(e)
	}
}

// getToken: POST /auth/get-token/ {username, password} → {"token": key}, as
// DRF's ObtainAuthToken answers; the key is used as "Authorization: Token
// <key>" and expires 3 h after its last use.
func (m *Module) getToken(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	username, _ := f.Str("username", errs, false)
	password, _ := f.Str("password", errs, false)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	g, err := m.d.Identity.GetAPIToken(c.Request().Context(), identitycmd.GetAPIToken{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Username: username, Password: password})
	if errors.Is(err, domain.ErrBadCredentials) || errors.Is(err, domain.ErrUserInactive) {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"non_field_errors": {"Unable to log in with provided credentials."}})
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, g.Position, query.ProjectionName)
	return c.JSON(http.StatusOK, map[string]string{"token": g.Key})
}

// RequireUser returns the caller of a route that needs one. Without one (ok
// false) it has answered 401 as DRF's TokenAuthentication does — "Invalid
// token.", "Token has expired." or "Authentication credentials were not
// provided." — and err is the write's error (or a server-side failure of the
// verifier, for the server's error handler).
func RequireUser(c echo.Context) (p authn.Principal, ok bool, err error) {
	if p, ok := authn.From(c); ok {
		return p, true, nil
	}
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, "Token")
	if err := authn.Err(c); err != nil {
		switch {
		case !errors.Is(err, authn.ErrInvalidCredentials):
			return authn.Principal{}, false, err
		case errors.Is(err, domain.ErrTokenExpired):
			return authn.Principal{}, false, drf.Detail(c, http.StatusUnauthorized, "Token has expired.")
		case errors.Is(err, domain.ErrUserInactive):
			return authn.Principal{}, false, drf.Detail(c, http.StatusUnauthorized, "User inactive or deleted.")
		default:
			return authn.Principal{}, false, drf.Detail(c, http.StatusUnauthorized, "Invalid token.")
		}
	}
	return authn.Principal{}, false, drf.Detail(c, http.StatusUnauthorized, "Authentication credentials were not provided.")
}
