package accounthttp

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// getToken: POST /auth/get-token/ {username, password} → {"token": key}, as
// DRF's ObtainAuthToken answers; the key is used as "Authorization: Token
// <key>" and expires 3 h after its last use.
func (h *Handlers) getToken(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	username, _ := f.Str("username", errs, false)
	password, _ := f.Str("password", errs, false)
	if err := errs.Err(); err != nil {
		return err
	}
	g, err := h.d.Identity.GetAPIToken(c.Request().Context(), identitycmd.GetAPIToken{Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
		Username: username, Password: password})
	if errors.Is(err, identity.ErrBadCredentials) || errors.Is(err, identity.ErrUserInactive) {
		return drf.FieldErrors{"non_field_errors": {"Unable to log in with provided credentials."}}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenJSON{Token: g.Key})
}
