package roamio

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/fault"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/ratelimit"
)

// Verification-code limits of 000: one address at most 3 times in 5
// minutes, one client address at most 10 times an hour.
var (
	CodeLimitPerEmail = ratelimit.Rule{Max: 3, Window: 5 * time.Minute}
	CodeLimitPerIP    = ratelimit.Rule{Max: 10, Window: time.Hour}
)

// fieldError answers 400 with the fields' messages and, as Roamio's own
// endpoints do, the first message under "error".
func fieldError(c echo.Context, err error) error {
	faults := drf.LeafFaults(err)
	fields := drf.FieldErrors{}
	first := ""
	for _, f := range faults {
		if f.Field != "" && (f.Kind == fault.Invalid || f.Kind == fault.Conflict) {
			fields.Add(f.Field, f.Message)
			if first == "" {
				first = f.Message
			}
		}
	}
	if len(fields) == 0 {
		return renderError(c, err)
	}
	body := map[string]any{"success": false, "error": first}
	for k, v := range fields {
		body[k] = v
	}
	return c.JSON(http.StatusBadRequest, body)
}

func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// sendVerificationCode: POST /api/v1/auth/send_verification_code/ {email,
// type} → {success, message, expires_in: 600}; 429 {error,
// remaining_seconds} beyond the limits. The code goes out by mail from the
// mail worker.
func (m *Module) sendVerificationCode(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	email, _ := f.Str("email", errs, false)
	purpose := domain.PurposeRegister
	if f.Has("type") {
		purpose, _ = f.Str("type", errs, false)
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	if !domain.ValidPurpose(purpose) {
		return fieldError(c, fault.Invalidf("type", "\"%s\" is not a valid choice.", purpose))
	}
	addr, err := domain.NewEmail(email)
	if err != nil {
		return fieldError(c, err)
	}
	ctx := c.Request().Context()
	if m.d.CodeLimiter != nil {
		perEmail, perIP := CodeLimitPerEmail, CodeLimitPerIP
		perEmail.Key, perIP.Key = "email:"+addr.Digest(), "ip:"+c.RealIP()
		d, err := m.d.CodeLimiter.Hit(ctx, perEmail, perIP)
		if err != nil {
			return err
		}
		if !d.Allowed {
			c.Response().Header().Set("Retry-After", itoa(seconds(d.RetryAfter)))
			return c.JSON(http.StatusTooManyRequests, map[string]any{
				"success": false, "error": "发送过于频繁,请稍后再试", "remaining_seconds": seconds(d.RetryAfter)})
		}
	}
	req, err := m.d.Identity.RequestVerificationCode(ctx, identitycmd.RequestVerificationCode{Email: email, Purpose: purpose},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		return fieldError(c, err)
	}
	m.d.Consistency.AfterCommand(c, req.Position)
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
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	email, _ := f.Str("email", errs, false)
	code, _ := f.Str("code", errs, false)
	purpose := domain.PurposeRegister
	if f.Has("type") {
		purpose, _ = f.Str("type", errs, false)
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	v, err := m.d.Identity.VerifyCode(c.Request().Context(), identitycmd.VerifyCode{Email: email, Code: code, Purpose: purpose},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		return fieldError(c, err)
	}
	m.d.Consistency.AfterCommand(c, v.Position, query.ProjectionName)
	return c.JSON(http.StatusOK, map[string]any{
		"success": true, "verified": true, "message": "验证成功", "email": v.Email,
		"verification_token": v.Token, "expires_in": seconds(v.ExpiresAt.Sub(m.d.Clock.Now())),
	})
}

// resetPassword: POST /api/v1/auth/reset_password/ {email,
// verification_token, new_password, password_confirm} → {success, message}.
func (m *Module) resetPassword(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	email, _ := f.Str("email", errs, false)
	token, _ := f.Str("verification_token", errs, false)
	pw, pwOK := f.Str("new_password", errs, false)
	confirm, confirmOK := f.Str("password_confirm", errs, false)
	if pwOK && confirmOK && pw != confirm {
		errs.Add("password_confirm", "两次输入的密码不一致")
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	pos, err := m.d.Identity.ResetPassword(c.Request().Context(),
		identitycmd.ResetPassword{Email: email, VerificationToken: strings.TrimSpace(token), NewPassword: pw},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	if errors.Is(err, domain.ErrUserInactive) {
		return fieldError(c, domain.ErrVerificationTokenInvalid)
	}
	if err != nil {
		return fieldError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "密码重置成功,请使用新密码登录"})
}
