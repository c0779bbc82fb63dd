package ralendar

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// CodeExchanger turns a provider's authorization code into the provider
// account (transport/oauth's AcWing, QQ); a code the provider refuses is
// identity.ErrProviderRejected.
type CodeExchanger interface {
	Exchange(ctx context.Context, code string) (identity.ProviderProfile, error)
}

// QQLogin is QQ Connect for Ralendar (transport/oauth's QQ, with Ralendar's
// redirect URI): the authorize URL and the code exchange.
type QQLogin interface {
	CodeExchanger
	AuthorizeURL(state string) string
}

// qqLoginURL: GET /api/auth/qq/login/ → {"apply_code_url": <QQ's authorize
// URL>} (the Android client opens it in a WebView and catches the redirect
// to Ralendar's QQ callback). The state is random and not kept: Ralendar
// checks no state (its clients keep their own), and QQ requires one.
func (m *Module) qqLoginURL(c echo.Context) error {
	state := make([]byte, 16)
	_, _ = rand.Read(state) // never fails (crypto/rand)
	return c.JSON(http.StatusOK, map[string]string{"apply_code_url": m.d.QQ.AuthorizeURL(hex.EncodeToString(state))})
}

// receiveCodeMax bounds the code and the state receive_code shows. This
// server's own authorization codes (Ralendar as an OAuth provider) carry
// the client, the redirect URI and the scopes: about 330 characters with a
// 45-character redirect URI, so the bound leaves room for long URIs.
const receiveCodeMax = 2048

// receiveCode: GET /api/oauth2/receive_code/?code&state → {code, state} as
// JSON: the redirect target of AcWingOS, and of clients of this server's
// OAuth provider that register it.
func (m *Module) receiveCode(c echo.Context) error {
	code, state := c.QueryParam("code"), c.QueryParam("state")
	errs := drf.FieldErrors{}
	switch {
	case code == "":
		errs.Add("code", "This field is required.")
	case len(code) > receiveCodeMax:
		errs.Add("code", fmt.Sprintf("Ensure this field has no more than %d characters.", receiveCodeMax))
	}
	if len(state) > receiveCodeMax {
		errs.Add("state", fmt.Sprintf("Ensure this field has no more than %d characters.", receiveCodeMax))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"code": code, "state": state})
}

// providerLogin: POST /api/auth/<provider>/login/ {code, state?} →
// {access, refresh, user}: the provider account's user, created on first
// login. Ralendar issues no state and binds none to a cookie: its clients
// (the AcWingOS app, where this API's cookies are third-party, and native
// apps) keep and check their own state (docs/identity.md, "Which flows bind
// the state to a cookie").
func (m *Module) providerLogin(provider string, ex CodeExchanger) func(echo.Context) error {
	return func(c echo.Context) error {
		f, err := drf.ReadForm(c)
		if err != nil {
			return err
		}
		errs := drf.FieldErrors{}
		code, _ := f.Str("code", errs, false)
		if len(errs) > 0 {
			return errs
		}
		prof, err := ex.Exchange(c.Request().Context(), code)
		switch {
		case errors.Is(err, identity.ErrProviderRejected):
			return Refusal{Status: http.StatusBadRequest, Message: "授权码无效或已过期", Field: "code"}
		case err != nil:
			return Refusal{Status: http.StatusBadGateway, Message: "第三方登录服务暂不可用"}
		}
		in, pair, err := m.flows.SocialLogin(c, provider, prof)
		if errors.Is(err, identity.ErrUserInactive) {
			return Refusal{Status: http.StatusForbidden, Message: "账号已停用"}
		}
		if err != nil {
			return err
		}
		return m.tokensAnswer(c, in.User.ID, pair)
	}
}
