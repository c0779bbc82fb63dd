package accounts

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// sendVerificationCode: POST /api/v1/auth/send_verification_code/ {email,
// type} → {success, message, expires_in: 600}; 429 {error,
// remaining_seconds} beyond the code limits (the command's). The code goes
// out by mail from the mail reaction.
func (m *Module) sendVerificationCode(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	email, _ := f.Str("email", errs, false)
	purpose := identity.PurposeRegister
	if f.Has("type") {
		purpose, _ = f.Str("type", errs, false)
	}
	if len(errs) > 0 {
		return errs
	}
	req, err := m.d.Identity.RequestVerificationCode(c.Request().Context(), identitycmd.RequestVerificationCode{
		Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Email: email, Purpose: purpose})
	if err != nil {
		return roamio.WithError(err)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"success": true, "message": "验证码已发送到您的邮箱",
		"expires_in": seconds(req.ExpiresAt.Sub(m.d.Clock.Now())),
	})
}

// verifyCode: POST /api/v1/auth/verify_code/ {email, code, type} →
// {success, verified, message, email, verification_token, expires_in: 300}.
func (m *Module) verifyCode(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	email, _ := f.Str("email", errs, false)
	code, _ := f.Str("code", errs, false)
	purpose := identity.PurposeRegister
	if f.Has("type") {
		purpose, _ = f.Str("type", errs, false)
	}
	if len(errs) > 0 {
		return errs
	}
	v, err := m.d.Identity.VerifyCode(c.Request().Context(), identitycmd.VerifyCode{
		Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Email: email, Code: code, Purpose: purpose})
	if err != nil {
		return roamio.WithError(err)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"success": true, "verified": true, "message": "验证成功", "email": v.Email,
		"verification_token": v.Token, "expires_in": seconds(v.ExpiresAt.Sub(m.d.Clock.Now())),
	})
}

// resetPassword: POST /api/v1/auth/reset_password/ {email,
// verification_token, new_password, password_confirm | new_password2 (the
// web client's name)} → {success, message}.
func (m *Module) resetPassword(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	email, _ := f.Str("email", errs, false)
	token, _ := f.Str("verification_token", errs, false)
	pw, pwOK := f.Str("new_password", errs, false)
	confirmName := confirmField(f, "password_confirm", "new_password2")
	confirm, confirmOK := f.Str(confirmName, errs, false)
	if pwOK && confirmOK && pw != confirm {
		errs.Add(confirmName, "两次输入的密码不一致")
	}
	if len(errs) > 0 {
		return errs
	}
	_, err = m.d.Identity.ResetPassword(c.Request().Context(), identitycmd.ResetPassword{
		Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Email: email, VerificationToken: strings.TrimSpace(token), NewPassword: pw})
	if errors.Is(err, identity.ErrUserInactive) {
		return roamio.WithError(identity.ErrVerificationTokenInvalid)
	}
	if err != nil {
		return roamio.WithError(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "密码重置成功,请使用新密码登录"})
}
