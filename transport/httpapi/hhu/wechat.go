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
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/oauth"
)

// WeChatCodes exchanges a mini-program login code for the user's openid
// (oauth.WeChat). A refused code is an error matching
// oauth.ErrCodeRejected.
type WeChatCodes interface {
	Code2Session(ctx context.Context, code string) (string, error)
}

// Social binds provider accounts and logs in with them (identitycmd).
type Social interface {
	SocialAPIToken(ctx context.Context, cmd identitycmd.SocialAPIToken) (identitycmd.APITokenGranted, error)
	BindSocial(ctx context.Context, cmd identitycmd.BindSocial) (identitycmd.Done, error)
	RevokeCurrentAPIToken(ctx context.Context, cmd identitycmd.RevokeCurrentAPIToken) (identitycmd.Done, error)
}

func (m *Module) mountWeChat(e *echo.Echo) {
	for _, p := range []string{"/auth/wechat-code2token/", "/auth/wechat-code2token"} {
		e.POST(p, m.wechatCode2Token)
	}
	for _, p := range []string{"/auth/wechat-auth/", "/auth/wechat-auth"} {
		e.PUT(p, m.wechatBind)
		e.DELETE(p, m.wechatLogout)
	}
}

// openID reads "code" and exchanges it; without an openid it has answered.
func (m *Module) openID(c echo.Context) (string, bool, error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return "", false, renderError(c, err)
	}
	errs := drf.FieldErrors{}
	code, _ := f.Str("code", errs, false)
	if len(errs) > 0 {
		return "", false, c.JSON(http.StatusBadRequest, errs)
	}
	openid, err := m.d.WeChat.Code2Session(c.Request().Context(), code)
	switch {
	case errors.Is(err, oauth.ErrCodeRejected):
		return "", false, c.JSON(http.StatusBadRequest, drf.FieldErrors{"code": {"无效的微信登录代码"}})
	case err != nil:
		return "", false, drf.Detail(c, http.StatusBadGateway, "微信服务暂不可用")
	}
	return openid, true, nil
}

// wechatCode2Token: POST /auth/wechat-code2token/ {code} → {"token": key}
// for the account bound to the WeChat user.
func (m *Module) wechatCode2Token(c echo.Context) error {
	openid, ok, err := m.openID(c)
	if !ok {
		return err
	}
	g, err := m.d.Social.SocialAPIToken(c.Request().Context(), identitycmd.SocialAPIToken{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Provider: domain.ProviderWeChat, ExternalID: openid})
	if errors.Is(err, domain.ErrNotBound) || errors.Is(err, domain.ErrUserInactive) {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"non_field_errors": {"该微信尚未绑定账号,请先用用户名和密码登录后绑定"}})
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, g.Position, query.ProjectionName)
	return c.JSON(http.StatusOK, map[string]string{"token": g.Key})
}

// wechatBind: PUT /auth/wechat-auth/ {code} (logged in) binds the WeChat
// user to the account → the current user.
func (m *Module) wechatBind(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	openid, ok, err := m.openID(c)
	if !ok {
		return err
	}
	id, _ := domain.ParseUserID(p.UserID)
	bound, err := m.d.Social.BindSocial(c.Request().Context(), identitycmd.BindSocial{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: httpapi.ActorOf(p),
		Provider: domain.ProviderWeChat, ExternalID: openid})
	switch {
	case errors.Is(err, domain.ErrSocialTaken):
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"code": {"该微信已绑定其他账号"}})
	case errors.Is(err, domain.ErrAlreadyBound):
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"non_field_errors": {"该账号已绑定其他微信"}})
	case err != nil:
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, bound.Position, query.ProjectionName)
	if m.d.Users == nil {
		return c.JSON(http.StatusOK, map[string]any{"id": id})
	}
	return m.currentUser(c)
}

// wechatLogout: DELETE /auth/wechat-auth/ logs the current user out (their
// token is revoked) → 204.
func (m *Module) wechatLogout(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	revoked, err := m.d.Social.RevokeCurrentAPIToken(c.Request().Context(), identitycmd.RevokeCurrentAPIToken{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: httpapi.ActorOf(p)})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, revoked.Position, query.ProjectionName)
	return c.NoContent(http.StatusNoContent)
}
