package accounthttp

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// openID reads "code" and exchanges it for the WeChat user's openid.
func (h *Handlers) openID(c echo.Context) (string, error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return "", err
	}
	errs := drf.FieldErrors{}
	code, _ := f.Str("code", errs, false)
	if err := errs.Err(); err != nil {
		return "", err
	}
	openid, err := h.d.WeChat.Code2Session(c.Request().Context(), code)
	switch {
	case errors.Is(err, identity.ErrProviderRejected):
		return "", drf.FieldErrors{"code": {"无效的微信登录代码"}}
	case err != nil:
		return "", hhu.ErrWeChatUnavailable
	}
	return openid, nil
}

// wechatCode2Token: POST /auth/wechat-code2token/ {code} → {"token": key}
// for the account bound to the WeChat user.
func (h *Handlers) wechatCode2Token(c echo.Context) error {
	openid, err := h.openID(c)
	if err != nil {
		return err
	}
	g, err := h.d.Social.SocialAPIToken(c.Request().Context(), identitycmd.SocialAPIToken{Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
		Provider: identity.ProviderWeChat, ExternalID: openid})
	if errors.Is(err, identity.ErrNotBound) || errors.Is(err, identity.ErrUserInactive) {
		return drf.FieldErrors{"non_field_errors": {"该微信尚未绑定账号,请先用用户名和密码登录后绑定"}}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenJSON{Token: g.Key})
}

// wechatBind: PUT /auth/wechat-auth/ {code} binds the WeChat user to the
// caller's account → the current user.
func (h *Handlers) wechatBind(c echo.Context) error {
	openid, err := h.openID(c)
	if err != nil {
		return err
	}
	actor := httpapi.Actor(c)
	_, err = h.d.Social.BindSocial(c.Request().Context(), identitycmd.BindSocial{Meta: httpapi.EventMeta(c, h.d.Clock.Now()), Actor: actor,
		Provider: identity.ProviderWeChat, ExternalID: openid})
	switch {
	case errors.Is(err, identity.ErrSocialTaken):
		return drf.FieldErrors{"code": {"该微信已绑定其他账号"}}
	case errors.Is(err, identity.ErrAlreadyBound):
		return drf.FieldErrors{"non_field_errors": {"该账号已绑定其他微信"}}
	case err != nil:
		return err
	}
	if h.d.Users == nil {
		return c.JSON(http.StatusOK, boundJSON{ID: actor.UserID})
	}
	httpapi.Settle(c)
	return h.currentUser(c)
}

// wechatLogout: DELETE /auth/wechat-auth/ logs the caller out (their token
// is revoked) → 204.
func (h *Handlers) wechatLogout(c echo.Context) error {
	if _, err := h.d.Social.RevokeCurrentAPIToken(c.Request().Context(), identitycmd.RevokeCurrentAPIToken{Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
		Actor: httpapi.Actor(c)}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
