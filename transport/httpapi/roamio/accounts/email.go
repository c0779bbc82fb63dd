package accounts

import (
	"net/http"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// bindEmail: POST /api/v1/users/bind_email/ {email, verification_token}
// (the caller; a bind_email token) → {success, message, email}. Refusals
// are Roamio's {"success": false, "error": …, <field>: […]}.
func (m *Module) bindEmail(c echo.Context) error {
	return m.takeEmail(c, "email", identity.PurposeBindEmail, "邮箱绑定成功,邮箱已标记为已验证")
}

// changeEmail: POST /api/v1/users/change-email/ {new_email,
// verification_token} (the caller; a change_email token for the new
// address) → {success, message, email, old_email}.
func (m *Module) changeEmail(c echo.Context) error {
	return m.takeEmail(c, "new_email", identity.PurposeChangeEmail, "邮箱更改成功")
}

// takeEmail reads the address from field and the token, binds the address
// with the token of purpose and answers with done and both addresses.
func (m *Module) takeEmail(c echo.Context, field, purpose, done string) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	email, _ := f.Str(field, errs, false)
	token, _ := f.Str("verification_token", errs, false)
	if len(errs) > 0 {
		return errs
	}
	ctx := c.Request().Context()
	actor := httpapi.Actor(c)
	before, err := m.d.Directory.UserByID(ctx, identityq.UserByID{ID: actor.UserID})
	if err != nil {
		return err
	}
	if _, err := m.d.Profiles.BindEmail(ctx, identitycmd.BindEmail{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: actor,
		Email: email, VerificationToken: token, Purpose: purpose}); err != nil {
		return roamio.WithError(err)
	}
	httpapi.Settle(c)
	after, err := m.d.Directory.UserByID(ctx, identityq.UserByID{ID: actor.UserID})
	if err != nil {
		return err
	}
	out := map[string]any{"success": true, "message": done, "email": after.Email}
	if purpose == identity.PurposeChangeEmail {
		out["old_email"] = before.Email
	}
	return c.JSON(http.StatusOK, out)
}
